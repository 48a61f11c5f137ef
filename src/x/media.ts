import type { MediaItem } from "../db/inbound";
import type { XGateway, XOutcome } from "./gateway";

/** What X accepts on a post: up to 4 images, or a single GIF; 5 MB per image, 15 MB per GIF. */
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/webp"]);
export const GIF = "image/gif";
const MAX_IMAGES = 4;
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
export const MAX_GIF_BYTES = 15 * 1024 * 1024;

export type Picture = { bytes: Uint8Array; contentType: string };

/** Checks the MMS attachments against X's rules from their declared types alone (no I/O). */
export function picturesAllowed(media: readonly MediaItem[]): boolean {
  const types = media.map((item) => normalise(item.contentType));
  if (types.includes(GIF)) return types.length === 1;
  return types.length <= MAX_IMAGES && types.every((type) => IMAGE_TYPES.has(type));
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

/** A MIME type as X compares it: no parameters, lower case, image/jpg spelt image/jpeg. */
export function normalise(contentType: string): string {
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  return type === "image/jpg" ? "image/jpeg" : type;
}
