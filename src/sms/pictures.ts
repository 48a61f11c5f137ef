import type { MediaItem } from "../db/inbound";
import { GIF, MAX_GIF_BYTES, MAX_IMAGE_BYTES, normalise, type Picture, picturesAllowed } from "../x/media";
import type { SmsGateway } from "./gateway";

export type PictureFetch =
  /** `skipped`: attachments whose URL we would not fetch (see twilio-media); the text goes without them. */
  | { kind: "ok"; pictures: Picture[]; skipped: number }
  /** A type, count or size X would refuse: the texter is told what is supported. */
  | { kind: "unsupported" }
  /** Twilio no longer has the file (or refuses it): retrying will not help. */
  | { kind: "gone" }
  | { kind: "unavailable"; detail: string };

/** Downloads the attachments from Twilio and checks what actually arrived. */
export async function fetchPictures(sms: SmsGateway, media: readonly MediaItem[]): Promise<PictureFetch> {
  if (!picturesAllowed(media)) return { kind: "unsupported" };
  const pictures: Picture[] = [];
  let skipped = 0;
  for (const item of media) {
    const fetched = await sms.fetchMedia(item.url);
    if (fetched.kind === "unavailable") return fetched;
    if (fetched.kind === "refused") {
      skipped++;
      continue;
    }
    if (fetched.kind === "rejected") return { kind: "gone" };
    const contentType = normalise(fetched.contentType);
    const limit = contentType === GIF ? MAX_GIF_BYTES : MAX_IMAGE_BYTES;
    if (contentType !== normalise(item.contentType) || fetched.bytes.byteLength > limit) {
      return { kind: "unsupported" };
    }
    pictures.push({ bytes: fetched.bytes, contentType });
  }
  return { kind: "ok", pictures, skipped };
}
