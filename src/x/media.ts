import type { MediaItem } from "../db/inbound";
import type { SmsGateway } from "../sms/gateway";
import type { XGateway, XOutcome } from "./gateway";

/** What X accepts on a post: up to 4 images, or a single GIF; 5 MB per image, 15 MB per GIF. */
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/webp"]);
const GIF = "image/gif";
const MAX_IMAGES = 4;
const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const MAX_GIF_BYTES = 15 * 1024 * 1024;

export type Picture = { bytes: Uint8Array; contentType: string };

export type PictureFetch =
  | { kind: "ok"; pictures: Picture[] }
  /** A type, count or size X would refuse: the texter is told what is supported. */
  | { kind: "unsupported" }
  /** Twilio no longer has the file (or refuses it): retrying will not help. */
  | { kind: "gone" }
  | { kind: "unavailable"; detail: string };

/** Checks the MMS attachments against X's rules from their declared types alone (no I/O). */
export function picturesAllowed(media: readonly MediaItem[]): boolean {
  const types = media.map((item) => normalise(item.contentType));
  if (types.includes(GIF)) return types.length === 1;
  return types.length <= MAX_IMAGES && types.every((type) => IMAGE_TYPES.has(type));
}

/** Downloads the attachments from Twilio and checks what actually arrived. */
export async function fetchPictures(sms: SmsGateway, media: readonly MediaItem[]): Promise<PictureFetch> {
  if (!picturesAllowed(media)) return { kind: "unsupported" };
  const pictures: Picture[] = [];
  for (const item of media) {
    const fetched = await sms.fetchMedia(item.url);
    if (fetched.kind === "unavailable") return fetched;
    if (fetched.kind === "rejected") return { kind: "gone" };
    const contentType = normalise(fetched.contentType);
    const limit = contentType === GIF ? MAX_GIF_BYTES : MAX_IMAGE_BYTES;
    if (contentType !== normalise(item.contentType) || fetched.bytes.byteLength > limit) {
      return { kind: "unsupported" };
    }
    pictures.push({ bytes: fetched.bytes, contentType });
  }
  return { kind: "ok", pictures };
}

/** Uploads the pictures as the texter; the media ids to attach, or the first failure. */
export async function uploadPictures(
  x: XGateway,
  accessToken: string,
  pictures: readonly Picture[],
): Promise<XOutcome<string[]>> {
  const ids: string[] = [];
  for (const picture of pictures) {
    const uploaded = await x.uploadMedia(accessToken, picture.bytes, picture.contentType);
    if (uploaded.kind !== "ok") return uploaded;
    ids.push(uploaded.value);
  }
  return { kind: "ok", value: ids };
}

function normalise(contentType: string): string {
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  return type === "image/jpg" ? "image/jpeg" : type;
}
