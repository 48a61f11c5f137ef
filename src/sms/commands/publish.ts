import { asTexter } from "../../x/as-texter";
import type { Refusal, XOutcome } from "../../x/gateway";
import { type Picture, uploadPictures } from "../../x/media";
import type { StepDeps } from "./step";

export type Publication =
  | { kind: "posted"; id: string; handle: string }
  /** X called it a duplicate of our own earlier attempt, and the post could not be found again. */
  | { kind: "posted_unknown"; handle: string }
  | { kind: "refused"; reason: Refusal; handle: string }
  | { kind: "disconnected" }
  | { kind: "retry"; retryAt: number | null; detail: string };

export type Draft = { text: string; pictures: readonly Picture[]; replyTo?: string | undefined };

/**
 * Posts one draft as the texter. `mayBeRepeat`: an earlier attempt may have landed without us hearing
 * the answer, so X's "duplicate content" means it is already up; we then look it up to learn its id.
 */
export async function publish(
  deps: StepDeps,
  phone: string,
  draft: Draft,
  mayBeRepeat: boolean,
): Promise<Publication> {
  const { x, keeper } = deps;
  const result = await asTexter(keeper, phone, async (accessToken): Promise<XOutcome<string>> => {
    const mediaIds = await uploadPictures(x, accessToken, draft.pictures);
    if (mediaIds.kind !== "ok") return mediaIds;
    const posted = await x.post(accessToken, {
      text: draft.text,
      replyTo: draft.replyTo,
      mediaIds: mediaIds.value,
    });
    return posted.kind === "ok" ? { kind: "ok", value: posted.value.id } : posted;
  });
  switch (result.kind) {
    case "ok":
      return { kind: "posted", id: result.value, handle: result.account.handle };
    case "refused": {
      const { handle, userId } = result.account;
      if (result.reason !== "duplicate" || !mayBeRepeat)
        return { kind: "refused", reason: result.reason, handle };
      const found = await asTexter(keeper, phone, (token) => x.recentPosts(token, userId));
      const match =
        found.kind === "ok" ? found.value.find((post) => sameText(post.text, draft.text)) : undefined;
      return match ? { kind: "posted", id: match.id, handle } : { kind: "posted_unknown", handle };
    }
    case "unreadable":
      return { kind: "retry", retryAt: null, detail: result.detail };
    default:
      return result;
  }
}

/** X returns links shortened to t.co, so texts are compared with every URL blanked out. */
function sameText(posted: string, sent: string): boolean {
  const blank = (text: string): string => text.replace(/https?:\/\/\S+/g, "<url>").trim();
  return blank(posted) === blank(sent);
}
