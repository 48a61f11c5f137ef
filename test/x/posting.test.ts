import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { XTokens } from "../../src/x/gateway";
import { connectX, startX, type XHarness } from "../support/x";

let x: XHarness;
let alice: XTokens;
beforeAll(async () => {
  x = await startX();
  alice = await connectX(x, "alice");
});
afterAll(() => x.stop());

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80, 0x7f]);

async function postOk(text: string, extra: { replyTo?: string; mediaIds?: string[] } = {}): Promise<string> {
  const outcome = await x.gateway.post(alice.accessToken, { text, ...extra });
  if (outcome.kind !== "ok") throw new Error(`post refused: ${JSON.stringify(outcome)}`);
  return outcome.value.id;
}

describe("post", () => {
  it("should publish the text as the connected user with a snowflake id", async () => {
    const id = await postOk("hello from a flip phone");
    expect(id).toMatch(/^\d{18,19}$/);
    expect(x.standIn.posts().find((post) => post.id === id)).toMatchObject({
      username: "alice",
      text: "hello from a flip phone",
      replyTo: null,
      mediaIds: [],
      deleted: false,
    });
  });

  it("should chain replies by id", async () => {
    const first = await postOk("thread 1/3");
    const second = await postOk("thread 2/3", { replyTo: first });
    const third = await postOk("thread 3/3", { replyTo: second });
    const byId = new Map(x.standIn.posts().map((post) => [post.id, post]));
    expect(byId.get(second)?.replyTo).toBe(first);
    expect(byId.get(third)?.replyTo).toBe(second);
  });

  it("should refuse the same text twice as duplicate", async () => {
    await postOk("say it once");
    const outcome = await x.gateway.post(alice.accessToken, { text: "say it once" });
    expect(outcome).toEqual({
      kind: "refused",
      reason: "duplicate",
      detail: expect.stringContaining("duplicate"),
    });
  });

  it("should refuse text over 280 weighted characters as too long, answered 400 as X does", async () => {
    const outcome = await x.gateway.post(alice.accessToken, { text: "😀".repeat(141) });
    expect(outcome).toMatchObject({
      kind: "refused",
      reason: "too_long",
      detail: expect.stringContaining("400"),
    });
    expect(await x.gateway.post(alice.accessToken, { text: "😀".repeat(140) })).toMatchObject({ kind: "ok" });
  });

  it("should refuse any other invalid request as invalid, not as a passing refusal", async () => {
    x.standIn.failNext("tweets", {
      status: 400,
      body: {
        errors: [{ parameters: { "reply.in_reply_to_tweet_id": ["x"] }, message: "The value is invalid." }],
        title: "Invalid Request",
        detail: "One or more parameters to your request was invalid.",
        type: "https://api.twitter.com/2/problems/invalid-request",
      },
    });
    expect(await x.gateway.post(alice.accessToken, { text: "malformed by us" })).toMatchObject({
      kind: "refused",
      reason: "invalid",
    });
  });

  it("should map X's tier restriction on replies to reply_not_allowed", async () => {
    const parent = await postOk("someone else's conversation");
    x.standIn.failNext("tweets", {
      status: 403,
      body: {
        title: "Forbidden",
        type: "about:blank",
        status: 403,
        detail:
          "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.",
      },
    });
    const outcome = await x.gateway.post(alice.accessToken, { text: "a reply", replyTo: parent });
    expect(outcome).toMatchObject({ kind: "refused", reason: "reply_not_allowed" });
  });

  it("should map a suspended account to suspended", async () => {
    x.standIn.failNext("tweets", {
      status: 403,
      body: { title: "Forbidden", type: "about:blank", status: 403, detail: "Your account is suspended." },
    });
    expect(await x.gateway.post(alice.accessToken, { text: "anyone there?" })).toMatchObject({
      kind: "refused",
      reason: "suspended",
    });
  });
});

describe("failures", () => {
  it("should report an expired access token as unauthorized", async () => {
    const bob = await connectX(x, "bob");
    x.standIn.expireAccessTokens("bob");
    expect(await x.gateway.post(bob.accessToken, { text: "too late" })).toEqual({ kind: "unauthorized" });
    expect(await x.gateway.me(bob.accessToken)).toEqual({ kind: "unauthorized" });
    expect((await x.gateway.me(alice.accessToken)).kind).toBe("ok");
  });

  it("should report 429 as rate_limited until x-rate-limit-reset", async () => {
    const reset = Math.floor(Date.now() / 1000) + 900;
    x.standIn.failNext("tweets", { status: 429, headers: { "x-rate-limit-reset": String(reset) } });
    expect(await x.gateway.post(alice.accessToken, { text: "rate limited" })).toEqual({
      kind: "rate_limited",
      retryAt: reset * 1000,
    });
  });

  it("should wait about a minute after a 429 without x-rate-limit-reset", async () => {
    x.standIn.failNext("tweets", { status: 429 });
    const before = Date.now();
    const outcome = await x.gateway.post(alice.accessToken, { text: "rate limited, no header" });
    if (outcome.kind !== "rate_limited") throw new Error(`expected rate_limited, got ${outcome.kind}`);
    expect(outcome.retryAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(outcome.retryAt).toBeLessThan(Date.now() + 61_000);
  });

  it("should answer a retry of a post whose answer was lost as duplicate", async () => {
    x.standIn.failNext("tweets", { status: 503, afterHandling: true });
    expect((await x.gateway.post(alice.accessToken, { text: "landed, answer lost" })).kind).toBe(
      "unavailable",
    );
    expect(x.standIn.posts().filter((post) => post.text === "landed, answer lost")).toHaveLength(1);
    expect(await x.gateway.post(alice.accessToken, { text: "landed, answer lost" })).toMatchObject({
      kind: "refused",
      reason: "duplicate",
    });
  });

  it("should report 503 as unavailable and then succeed", async () => {
    x.standIn.failNext("tweets", { status: 503 }, 2);
    expect((await x.gateway.post(alice.accessToken, { text: "retry me" })).kind).toBe("unavailable");
    expect((await x.gateway.post(alice.accessToken, { text: "retry me" })).kind).toBe("unavailable");
    expect((await x.gateway.post(alice.accessToken, { text: "retry me" })).kind).toBe("ok");
  });
});

describe("delete", () => {
  it("should delete the user's own post, freeing its text", async () => {
    const id = await postOk("regret");
    expect(await x.gateway.deletePost(alice.accessToken, id)).toEqual({ kind: "ok", value: true });
    expect(x.standIn.posts().find((post) => post.id === id)?.deleted).toBe(true);
    expect((await x.gateway.post(alice.accessToken, { text: "regret" })).kind).toBe("ok");
  });

  it("should report X's deleted: false as a post that X kept, not as a failure", async () => {
    const id = await postOk("kept by X");
    x.standIn.failNext("delete_tweet", { status: 200, body: { data: { deleted: false } } });
    expect(await x.gateway.deletePost(alice.accessToken, id)).toEqual({ kind: "ok", value: false });
    expect(x.standIn.posts().find((post) => post.id === id)?.deleted).toBe(false);
  });

  it("should refuse to delete another user's post", async () => {
    const id = await postOk("mine, not carol's");
    const carol = await connectX(x, "carol");
    expect((await x.gateway.deletePost(carol.accessToken, id)).kind).toBe("refused");
    expect(x.standIn.posts().find((post) => post.id === id)?.deleted).toBe(false);
  });
});

describe("media", () => {
  it("should upload bytes intact and attach them to a post", async () => {
    const upload = await x.gateway.uploadMedia(alice.accessToken, PNG, "image/png");
    if (upload.kind !== "ok") throw new Error(`upload failed: ${JSON.stringify(upload)}`);
    const stored = x.standIn.media().find((media) => media.id === upload.value);
    expect(stored?.bytes).toEqual(PNG);
    expect(stored?.mimeType).toBe("image/png");

    const id = await postOk("", { mediaIds: [upload.value] });
    expect(x.standIn.posts().find((post) => post.id === id)).toMatchObject({
      text: "",
      mediaIds: [upload.value],
    });
  });

  it("should upload several chunks' worth of bytes in order", async () => {
    const big = new Uint8Array(2.5 * 1024 * 1024).map((_, i) => i % 251);
    const appends = (): number =>
      x.standIn.requests.filter((request) => request.path.endsWith("/append")).length;
    const appendsBefore = appends();
    const upload = await x.gateway.uploadMedia(alice.accessToken, big, "image/jpeg");
    if (upload.kind !== "ok") throw new Error(`upload failed: ${JSON.stringify(upload)}`);
    expect(appends() - appendsBefore).toBe(3);
    expect(x.standIn.media().find((media) => media.id === upload.value)?.bytes).toEqual(big);
  });

  it("should refuse an unknown media id as a media problem", async () => {
    const outcome = await x.gateway.post(alice.accessToken, {
      text: "with ghost",
      mediaIds: ["1234567890123456789"],
    });
    expect(outcome).toMatchObject({ kind: "refused", reason: "media" });
  });

  it("should refuse an unsupported type as a media problem", async () => {
    const outcome = await x.gateway.uploadMedia(
      alice.accessToken,
      new Uint8Array([1, 2, 3]),
      "application/pdf",
    );
    expect(outcome).toMatchObject({ kind: "refused", reason: "media" });
    // X's schema lists the media types it takes: the stand-in refused the request for breaking it.
    expect(x.standIn.takeViolations()).toMatchObject([{ path: "/2/media/upload/initialize" }]);
  });

  it("should report a media endpoint outage as unavailable", async () => {
    x.standIn.failNext("media", { status: 502 });
    expect((await x.gateway.uploadMedia(alice.accessToken, PNG, "image/png")).kind).toBe("unavailable");
  });
});
