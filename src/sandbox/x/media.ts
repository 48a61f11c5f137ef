import type { StoredMedia } from "./types";

/** How X's asynchronous processing of one upload goes: when it ends (Infinity: never), and how. */
type Processing = { endsAt: number; result: "succeeded" | "failed" };

type Upload = StoredMedia & {
  totalBytes: number;
  segments: Map<number, Uint8Array>;
  category: string | null;
  finalizedAt: number;
  processing: Processing | null;
};

/** X's `processing_info.state` for an upload processed asynchronously. */
export type ProcessingState = "pending" | "in_progress" | "succeeded" | "failed";

export type MediaResult<T> = { ok: true; value: T } | { ok: false; message: string };

export type MediaStore = {
  initialize(
    ownerId: string,
    mimeType: string,
    totalBytes: number,
    category: string | null,
  ): MediaResult<StoredMedia>;
  append(id: string, ownerId: string, segmentIndex: number, bytes: Uint8Array): MediaResult<null>;
  /** `processing`: how long X takes and how it ends, for the categories X processes asynchronously. */
  finalize(
    id: string,
    ownerId: string,
    processing: (category: string | null) => Processing | null,
  ): MediaResult<StoredMedia>;
  /** Where asynchronous processing stands (with its percentage); null for media X took at once. */
  processing(id: string): { state: ProcessingState; progress: number } | null;
  /** Finalized, and processed if X processes it: what a post may attach. */
  usable(id: string): boolean;
  get(id: string): StoredMedia | undefined;
  all(): StoredMedia[];
};

/** X prefixes media keys by kind: 3_ photo, 16_ animated GIF, 7_ video. */
export function mediaKey(media: Pick<StoredMedia, "id" | "mimeType">): string {
  if (media.mimeType === "image/gif") return `16_${media.id}`;
  return media.mimeType.startsWith("video/") ? `7_${media.id}` : `3_${media.id}`;
}

/** X's per-type size caps for tweet media. */
const MAX_BYTES: Record<string, number> = {
  "image/jpeg": 5 * 1024 * 1024,
  "image/png": 5 * 1024 * 1024,
  "image/webp": 5 * 1024 * 1024,
  "image/gif": 15 * 1024 * 1024,
  "video/mp4": 512 * 1024 * 1024,
};

export function createMediaStore(nextId: () => string, now: () => number): MediaStore {
  const uploads = new Map<string, Upload>();
  const owned = (id: string, ownerId: string): Upload | undefined => {
    const upload = uploads.get(id);
    return upload?.ownerId === ownerId ? upload : undefined;
  };
  const view = ({ id, ownerId, mimeType, bytes, finalized }: Upload): StoredMedia => ({
    id,
    ownerId,
    mimeType,
    bytes,
    finalized,
  });
  const processingOf = (upload: Upload): { state: ProcessingState; progress: number } | null => {
    const { processing, finalizedAt } = upload;
    if (!upload.finalized || processing === null) return null;
    const elapsed = now() - finalizedAt;
    const total = processing.endsAt - finalizedAt;
    if (elapsed >= total) return { state: processing.result, progress: 100 };
    return { state: "in_progress", progress: Math.floor((elapsed / total) * 100) };
  };
  return {
    initialize(ownerId, mimeType, totalBytes, category) {
      const max = MAX_BYTES[mimeType];
      if (max === undefined) return { ok: false, message: `Unsupported media type: ${mimeType}` };
      if (!Number.isInteger(totalBytes) || totalBytes <= 0 || totalBytes > max) {
        return { ok: false, message: "total_bytes is out of range for this media type." };
      }
      const upload: Upload = {
        id: nextId(),
        ownerId,
        mimeType,
        bytes: new Uint8Array(),
        finalized: false,
        totalBytes,
        segments: new Map(),
        category,
        finalizedAt: 0,
        processing: null,
      };
      uploads.set(upload.id, upload);
      return { ok: true, value: view(upload) };
    },
    append(id, ownerId, segmentIndex, bytes) {
      const upload = owned(id, ownerId);
      if (!upload || upload.finalized) return { ok: false, message: "Invalid media_id." };
      if (!Number.isInteger(segmentIndex) || segmentIndex < 0 || segmentIndex > 999) {
        return { ok: false, message: "segment_index must be between 0 and 999." };
      }
      upload.segments.set(segmentIndex, bytes);
      return { ok: true, value: null };
    },
    finalize(id, ownerId, processing) {
      const upload = owned(id, ownerId);
      if (!upload || upload.finalized) return { ok: false, message: "Invalid media_id." };
      const ordered = [...upload.segments.entries()].sort(([a], [b]) => a - b).map(([, chunk]) => chunk);
      const bytes = new Uint8Array(Buffer.concat(ordered));
      if (bytes.length !== upload.totalBytes) {
        return { ok: false, message: "Segments do not add up to provided total file size." };
      }
      upload.bytes = bytes;
      upload.finalized = true;
      upload.finalizedAt = now();
      upload.processing = processing(upload.category);
      upload.segments.clear();
      return { ok: true, value: view(upload) };
    },
    processing: (id) => {
      const upload = uploads.get(id);
      return upload ? processingOf(upload) : null;
    },
    usable: (id) => {
      const upload = uploads.get(id);
      return upload?.finalized === true && (processingOf(upload)?.state ?? "succeeded") === "succeeded";
    },
    get: (id) => {
      const upload = uploads.get(id);
      return upload ? view(upload) : undefined;
    },
    all: () => [...uploads.values()].map(view),
  };
}
