import { afterAll, afterEach, beforeAll, describe, expect, it } from "bun:test";
import type { XTokens } from "../../src/x/gateway";
import { connectX, startX, type XHarness } from "../support/x";

// X processes an animated GIF after FINALIZE; each test here waits for that at X's pace (1 s a poll).
const GIF = Uint8Array.from(
  Buffer.from("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==", "base64"),
);
const PROCESSING_LIMIT_MS = 2_500;

let x: XHarness;
let alice: XTokens;
beforeAll(async () => {
  x = await startX({ mediaProcessingMs: PROCESSING_LIMIT_MS });
  alice = await connectX(x, "alice");
});
afterEach(() => x.standIn.setMediaProcessing({ seconds: 1, checkAfterSecs: 1, result: "succeeded" }));
afterAll(() => x.stop());

const statusCalls = (): number =>
  x.standIn.requests.filter((request) => request.method === "GET" && request.path === "/2/media/upload")
    .length;

describe("an animated GIF", () => {
  it("should wait as long as X asks before checking STATUS, then post with it", async () => {
    const before = statusCalls();
    const upload = await x.gateway.uploadMedia(alice.accessToken, GIF, "image/gif");
    if (upload.kind !== "ok") throw new Error(`upload failed: ${JSON.stringify(upload)}`);
    // Processing takes 1 s and X said to look after 1 s: one look finds it done (polling at once takes two).
    expect(statusCalls() - before).toBe(1);
    const posted = await x.gateway.post(alice.accessToken, {
      text: "moving picture",
      mediaIds: [upload.value],
    });
    expect(posted).toMatchObject({ kind: "ok" });
  });

  it("should keep polling while X is still processing, even when X names no wait", async () => {
    x.standIn.setMediaProcessing({ seconds: 1.5, checkAfterSecs: 0 });
    const before = statusCalls();
    const started = Date.now();
    const upload = await x.gateway.uploadMedia(alice.accessToken, GIF, "image/gif");
    if (upload.kind !== "ok") throw new Error(`upload failed: ${JSON.stringify(upload)}`);
    expect(statusCalls() - before).toBe(2);
    // Never a busy loop: a second between looks whatever X says.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(await x.gateway.post(alice.accessToken, { text: "", mediaIds: [upload.value] })).toMatchObject({
      kind: "ok",
    });
  });

  it("should report a GIF X could not process as a refusal of that GIF", async () => {
    x.standIn.setMediaProcessing({ result: "failed" });
    expect(await x.gateway.uploadMedia(alice.accessToken, GIF, "image/gif")).toMatchObject({
      kind: "refused",
      reason: "processing",
    });
  });

  it("should give up waiting on processing that never ends, as an outage that posted nothing", async () => {
    x.standIn.setMediaProcessing({ seconds: Number.POSITIVE_INFINITY });
    const before = statusCalls();
    const started = Date.now();
    const outcome = await x.gateway.uploadMedia(alice.accessToken, GIF, "image/gif");
    expect(outcome).toEqual({
      kind: "unavailable",
      detail: expect.stringContaining("still processing"),
      ambiguous: false,
    });
    expect(statusCalls() - before).toBe(2);
    expect(Date.now() - started).toBeLessThan(PROCESSING_LIMIT_MS + 2_000);
  });

  it("should upload a still picture without any processing wait", async () => {
    const before = statusCalls();
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(await x.gateway.uploadMedia(alice.accessToken, png, "image/png")).toMatchObject({ kind: "ok" });
    expect(statusCalls()).toBe(before);
  });
});
