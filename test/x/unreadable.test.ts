import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { FaultResponse } from "../../src/sandbox/x";
import type { XTokens } from "../../src/x/gateway";
import { connectX, startX, X_REDIRECT_URI, type XHarness } from "../support/x";

let x: XHarness;
let alice: XTokens;
beforeAll(async () => {
  x = await startX();
  alice = await connectX(x, "alice");
});
afterAll(() => x.stop());

const HTML_200: FaultResponse = {
  status: 200,
  raw: { body: "<!DOCTYPE html><html><body>Something went wrong</body></html>", contentType: "text/html" },
};
const REDIRECT: FaultResponse = {
  status: 302,
  headers: { location: "https://x.com/account/access?token=secret" },
};

/** Answers that reach us from X's edge (or a proxy before it) instead of X's JSON. */
const UNREADABLE: Record<string, FaultResponse> = {
  "an HTML page with 200": HTML_200,
  "{} with 200": { status: 200, body: {} },
  "a 302 redirect": REDIRECT,
  "an empty JSON 200": { status: 200, raw: { body: "", contentType: "application/json" } },
  "a 204": { status: 204 },
  "a plain OK": { status: 200, raw: { body: "OK", contentType: "text/plain" } },
  "JSON that does not parse": {
    status: 200,
    raw: { body: '{"data": {"id": "1', contentType: "application/json" },
  },
};

function userIdOf(username: string): string {
  const user = x.standIn.users().find((candidate) => candidate.username === username);
  if (!user) throw new Error(`no user ${username} at the stand-in`);
  return user.id;
}

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

describe("answers X gives that cannot be read", () => {
  for (const [answer, fault] of Object.entries(UNREADABLE)) {
    it(`should report ${answer} to a post as unreadable, without posting`, async () => {
      x.standIn.failNext("tweets", fault);
      const before = x.standIn.posts().length;
      const outcome = await x.gateway.post(alice.accessToken, { text: `unreadable post: ${answer}` });
      expect(outcome).toEqual({ kind: "unreadable", detail: expect.stringContaining("X answered") });
      expect(x.standIn.posts()).toHaveLength(before);
    });

    it(`should report ${answer} to a delete, to users/me and to the timeline as unreadable`, async () => {
      x.standIn.failNext("delete_tweet", fault);
      x.standIn.failNext("users_me", fault);
      x.standIn.failNext("timeline", fault);
      const me = await x.gateway.me(alice.accessToken);
      expect(me.kind).toBe("unreadable");
      expect(await x.gateway.deletePost(alice.accessToken, "1234567890123456789")).toMatchObject({
        kind: "unreadable",
      });
      const userId = userIdOf("alice");
      expect(await x.gateway.recentPosts(alice.accessToken, userId)).toMatchObject({ kind: "unreadable" });
    });

    it(`should report ${answer} to a media upload as unreadable`, async () => {
      x.standIn.failNext("media", fault);
      expect(await x.gateway.uploadMedia(alice.accessToken, PNG, "image/png")).toMatchObject({
        kind: "unreadable",
      });
    });

    it(`should report ${answer} from the token endpoint as unavailable, for a code and a refresh`, async () => {
      const request = x.gateway.authorizationRequest(X_REDIRECT_URI);
      const code = new URL(await x.standIn.approve(request.url, "tokenuser")).searchParams.get("code") ?? "";
      x.standIn.failNext("token", fault, 2);
      const exchanged = await x.gateway.exchangeCode(code, request.codeVerifier, X_REDIRECT_URI);
      expect(exchanged).toEqual({ kind: "unavailable", detail: expect.any(String) });
      expect(await x.gateway.refresh(alice.refreshToken)).toMatchObject({ kind: "unavailable" });
    });
  }

  it("should not need a body from media APPEND, whose answer the library ignores", async () => {
    x.standIn.passNext("media", 1);
    x.standIn.failNext("media", { status: 204, afterHandling: true });
    expect(await x.gateway.uploadMedia(alice.accessToken, PNG, "image/png")).toMatchObject({ kind: "ok" });
    expect(x.standIn.requests.at(-2)?.path).toMatch(/\/append$/);
  });

  it("should accept any JSON object from revoke, and report other answers as unreadable", async () => {
    const bob = await connectX(x, "bob");
    x.standIn.failNext("revoke", { status: 200, body: {} });
    expect(await x.gateway.revoke(bob.accessToken, "access_token")).toEqual({ kind: "ok", value: null });
    x.standIn.failNext("revoke", HTML_200);
    expect((await x.gateway.revoke(bob.accessToken, "access_token")).kind).toBe("unreadable");
  });

  it("should say what came and where a redirect pointed, without its query", async () => {
    x.standIn.failNext("tweets", REDIRECT);
    const outcome = await x.gateway.post(alice.accessToken, { text: "redirected" });
    if (outcome.kind !== "unreadable") throw new Error(`expected unreadable, got ${outcome.kind}`);
    expect(outcome.detail).toContain("https://x.com/account/access");
    expect(outcome.detail).not.toContain("secret");
  });

  it("should report an unreadable answer to a post X made as unreadable, leaving the post findable", async () => {
    const userId = userIdOf("alice");
    const since = Date.now();
    x.standIn.failNext("tweets", { ...HTML_200, afterHandling: true });
    expect((await x.gateway.post(alice.accessToken, { text: "landed, answer garbled" })).kind).toBe(
      "unreadable",
    );
    const recent = await x.gateway.recentPosts(alice.accessToken, userId, since);
    expect(recent).toMatchObject({ kind: "ok", value: [{ text: "landed, answer garbled" }] });
  });

  it("should read a timeline without data as unreadable unless X says it is empty", async () => {
    const carol = await connectX(x, "carol");
    const userId = userIdOf("carol");
    expect(await x.gateway.recentPosts(carol.accessToken, userId)).toEqual({ kind: "ok", value: [] });
    x.standIn.failNext("timeline", { status: 200, body: { meta: { result_count: 3 } } });
    expect((await x.gateway.recentPosts(carol.accessToken, userId)).kind).toBe("unreadable");
    x.standIn.failNext("timeline", { status: 200, body: { data: [{ id: "1", text: "no created_at" }] } });
    expect((await x.gateway.recentPosts(carol.accessToken, userId)).kind).toBe("unreadable");
  });

  it("should still report an HTML 503 as unavailable and an HTML 401 as unauthorized", async () => {
    const html = { body: "<html>down</html>", contentType: "text/html" };
    x.standIn.failNext("tweets", { status: 503, raw: html });
    expect((await x.gateway.post(alice.accessToken, { text: "html outage" })).kind).toBe("unavailable");
    x.standIn.failNext("tweets", { status: 401, raw: html });
    expect(await x.gateway.post(alice.accessToken, { text: "html 401" })).toEqual({ kind: "unauthorized" });
  });
});
