import { authenticate } from "./auth";
import { invalidRequest, json, readJsonObject } from "./http";
import { mediaKey } from "./media";
import { readMultipart } from "./multipart";
import type { StandInState } from "./state";

const EXPIRES_AFTER_SECS = 86400;
const SCOPES = ["media.write"] as const;
/** The categories X processes after FINALIZE, to be polled through STATUS. */
const ASYNC_CATEGORIES = new Set(["tweet_gif", "tweet_video", "amplify_video"]);

export async function initializeRoute(state: StandInState, request: Request): Promise<Response> {
  const auth = authenticate(state, request, SCOPES);
  if (!auth.ok) return auth.response;
  const body = await readJsonObject(request);
  const mediaType = body?.media_type;
  const totalBytes = Number(body?.total_bytes);
  if (typeof mediaType !== "string") return invalidRequest("media_type is required.", { media_type: [""] });
  const category = typeof body?.media_category === "string" ? body.media_category : null;
  const created = state.media.initialize(auth.user.id, mediaType, totalBytes, category);
  if (!created.ok) return invalidRequest(created.message);
  const media = created.value;
  return json({ data: { id: media.id, media_key: mediaKey(media), expires_after_secs: EXPIRES_AFTER_SECS } });
}

export async function appendRoute(state: StandInState, request: Request, id: string): Promise<Response> {
  const auth = authenticate(state, request, SCOPES);
  if (!auth.ok) return auth.response;
  const body = new Uint8Array(await request.arrayBuffer());
  const form = readMultipart(body, request.headers.get("content-type") ?? "");
  if (!form) return invalidRequest("The append body must be multipart/form-data.");
  const bytes = form.get("media");
  if (!bytes) return invalidRequest("media is required.", { media: [""] });
  const indexField = form.get("segment_index");
  const segmentIndex = indexField?.length ? Number(new TextDecoder().decode(indexField)) : Number.NaN;
  const appended = state.media.append(id, auth.user.id, segmentIndex, bytes);
  if (!appended.ok) return invalidRequest(appended.message);
  return json({ data: { expires_at: Math.floor(state.now() / 1000) + EXPIRES_AFTER_SECS } });
}

export function finalizeRoute(state: StandInState, request: Request, id: string): Response {
  const auth = authenticate(state, request, SCOPES);
  if (!auth.ok) return auth.response;
  const { seconds, checkAfterSecs, result } = state.mediaProcessing;
  const finalized = state.media.finalize(id, auth.user.id, (category) =>
    category !== null && ASYNC_CATEGORIES.has(category)
      ? { endsAt: state.now() + seconds * 1000, result }
      : null,
  );
  if (!finalized.ok) return invalidRequest(finalized.message);
  const media = finalized.value;
  const processing =
    state.media.processing(media.id) === null
      ? {}
      : { processing_info: { state: "pending", check_after_secs: checkAfterSecs } };
  return json({
    data: {
      id: media.id,
      media_key: mediaKey(media),
      size: media.bytes.length,
      expires_after_secs: EXPIRES_AFTER_SECS,
      ...processing,
    },
  });
}

export function statusRoute(state: StandInState, request: Request): Response {
  const auth = authenticate(state, request, SCOPES);
  if (!auth.ok) return auth.response;
  const url = new URL(request.url);
  const media = state.media.get(url.searchParams.get("media_id") ?? "");
  if (url.searchParams.get("command") !== "STATUS" || !media || media.ownerId !== auth.user.id) {
    return invalidRequest("Invalid media_id.", { media_id: [url.searchParams.get("media_id") ?? ""] });
  }
  // Media X took at once reads as processed; an asynchronous upload says where it stands.
  const processing = state.media.processing(media.id) ?? {
    state: media.finalized ? "succeeded" : "pending",
    progress: media.finalized ? 100 : 0,
  };
  const waiting = processing.state === "pending" || processing.state === "in_progress";
  return json({
    data: {
      id: media.id,
      media_key: mediaKey(media),
      processing_info: {
        state: processing.state,
        progress_percent: processing.progress,
        ...(waiting ? { check_after_secs: state.mediaProcessing.checkAfterSecs } : {}),
      },
    },
  });
}
