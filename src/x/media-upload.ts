import type { TwitterApi } from "twitter-api-v2";
import { MediaProcessingFailed, MediaProcessingUnfinished } from "./errors";

type V2 = TwitterApi["v2"];

/** X's `processing_info`, as FINALIZE and STATUS send it for what X processes after the upload (GIFs). */
type ProcessingInfo = { state?: string; check_after_secs?: number };
type MediaAnswer = { data: { id: string; processing_info?: ProcessingInfo } };

/** The library's chunk size: X takes up to 5 MB per APPEND. */
const CHUNK_BYTES = 1024 * 1024;
/** However soon X says to look again, never sooner than this: no busy loop on `check_after_secs: 0`. */
const MIN_POLL_MS = 1_000;

/**
 * Uploads media by X's chunked v2 upload (INITIALIZE, APPEND, FINALIZE) through twitter-api-v2's own request
 * methods, then waits for X's processing. Not the library's `v2.uploadMedia`: it polls STATUS before the
 * `check_after_secs` FINALIZE asked for, takes a `pending` without `check_after_secs` for done (the post then
 * fails), and polls without end. Here each wait is what X asked (at least MIN_POLL_MS) and all of them
 * together stay within `maxWaitMs`. Throws what the library throws, MediaProcessingFailed or
 * MediaProcessingUnfinished; the gateway turns each into an outcome.
 */
export async function uploadChunked(
  v2: V2,
  bytes: Uint8Array,
  mimeType: string,
  maxWaitMs: number,
): Promise<string> {
  const initialized: MediaAnswer = await v2.post("media/upload/initialize", {
    media_type: mimeType,
    total_bytes: bytes.length,
    media_category: categoryOf(mimeType),
  });
  const id = initialized.data.id;
  for (let index = 0; index * CHUNK_BYTES < bytes.length; index++) {
    const chunk = Buffer.from(bytes.subarray(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES));
    await v2.post(
      `media/upload/${id}/append`,
      { segment_index: index, media: chunk },
      { forceBodyMode: "form-data" },
    );
  }
  const finalized: MediaAnswer = await v2.post(`media/upload/${id}/finalize`);
  await processed(v2, id, finalized.data.processing_info, maxWaitMs);
  return id;
}

/** X processes animated GIFs (and videos) only when told their category; images go up as they are. */
function categoryOf(mimeType: string): string {
  if (mimeType === "image/gif") return "tweet_gif";
  return mimeType.startsWith("video/") ? "tweet_video" : "tweet_image";
}

async function processed(
  v2: V2,
  id: string,
  first: ProcessingInfo | undefined,
  maxWaitMs: number,
): Promise<void> {
  let info = first;
  let waited = 0;
  // No processing_info: X has nothing (more) to do with this media.
  while (info !== undefined && info.state !== "succeeded") {
    if (info.state === "failed") throw new MediaProcessingFailed(id);
    const wait = Math.max(MIN_POLL_MS, (info.check_after_secs ?? 0) * 1000);
    if (waited + wait > maxWaitMs) throw new MediaProcessingUnfinished(id, waited);
    await Bun.sleep(wait);
    waited += wait;
    const status: MediaAnswer = await v2.get("media/upload", { command: "STATUS", media_id: id });
    info = status.data.processing_info;
  }
}
