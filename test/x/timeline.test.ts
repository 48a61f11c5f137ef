import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { XTokens } from "../../src/x/gateway";
import { connectX, startX, type XHarness } from "../support/x";

/** Whole seconds matter here: X's start_time and created_at are second-granular. */
const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);
let now = T0;
const clock = { now: (): number => now };

let x: XHarness;
let alice: XTokens;
let aliceId: string;
beforeAll(async () => {
  x = await startX({ clock });
  alice = await connectX(x, "alice");
  aliceId = x.standIn.users().find((user) => user.username === "alice")?.id ?? "";
});
afterAll(() => x.stop());

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 7, 7, 7]);

async function postAt(at: number, text: string, mediaIds: string[] = []): Promise<string> {
  now = at;
  const outcome = await x.gateway.post(alice.accessToken, { text, mediaIds });
  if (outcome.kind !== "ok") throw new Error(`post failed: ${JSON.stringify(outcome)}`);
  return outcome.value.id;
}

/** The stand-in's raw answer, as X would send it to any client. */
async function timeline(userId: string, query: string, token = alice.accessToken): Promise<Response> {
  return x.standIn.handle(
    new Request(`https://api.x.test/2/users/${userId}/tweets?${query}`, {
      headers: { authorization: `Bearer ${token}` },
    }),
  );
}

describe("XGateway.recentPosts", () => {
  it("should list the user's posts newest first with creation time and how many media each carries", async () => {
    const upload = await x.gateway.uploadMedia(alice.accessToken, PNG, "image/png");
    if (upload.kind !== "ok") throw new Error("upload failed");
    const first = await postAt(T0 + 1_250, "first");
    const second = await postAt(T0 + 2_900, "with a picture", [upload.value]);

    const recent = await x.gateway.recentPosts(alice.accessToken, aliceId);

    expect(recent).toEqual({
      kind: "ok",
      value: [
        { id: second, text: "with a picture", createdAt: T0 + 2_000, mediaCount: 1 },
        { id: first, text: "first", createdAt: T0 + 1_000, mediaCount: 0 },
      ],
    });
  });

  it("should list only posts made at or after `since`, rounded down to the second", async () => {
    await postAt(T0 + 10_000, "before");
    const same = await postAt(T0 + 11_100, "same second as since");
    const after = await postAt(T0 + 12_000, "after");

    const recent = await x.gateway.recentPosts(alice.accessToken, aliceId, T0 + 11_900);

    expect(recent.kind === "ok" && recent.value.map((post) => post.id)).toEqual([after, same]);
  });

  it("should answer an empty list when nothing was posted since", async () => {
    expect(await x.gateway.recentPosts(alice.accessToken, aliceId, T0 + 3_600_000)).toEqual({
      kind: "ok",
      value: [],
    });
  });
});

describe("X stand-in GET /2/users/:id/tweets", () => {
  it("should give id, text and edit history only, unless tweet.fields asks for created_at and attachments", async () => {
    const upload = await x.gateway.uploadMedia(alice.accessToken, PNG, "image/png");
    if (upload.kind !== "ok") throw new Error("upload failed");
    const id = await postAt(T0 + 20_500, "fields", [upload.value]);

    const plain = (await (await timeline(aliceId, "max_results=5")).json()) as { data: unknown[] };
    const full = (await (
      await timeline(aliceId, "max_results=5&tweet.fields=created_at,attachments")
    ).json()) as {
      data: unknown[];
    };

    expect(plain.data[0]).toEqual({ id, text: "fields", edit_history_tweet_ids: [id] });
    expect(full.data[0]).toEqual({
      id,
      text: "fields",
      edit_history_tweet_ids: [id],
      created_at: "2026-03-01T10:00:20.000Z",
      attachments: { media_keys: [`3_${upload.value}`] },
    });
  });

  it("should leave out attachments for a post without media even when asked", async () => {
    const id = await postAt(T0 + 21_000, "no media");
    const body = (await (await timeline(aliceId, "tweet.fields=attachments")).json()) as { data: object[] };
    expect(body.data[0]).toEqual({ id, text: "no media", edit_history_tweet_ids: [id] });
  });

  it("should honour max_results and start_time, and answer only meta when nothing matches", async () => {
    await postAt(T0 + 30_000, "a");
    await postAt(T0 + 31_000, "b");
    const newest = (await (await timeline(aliceId, "max_results=5")).json()) as { data: unknown[] };
    expect(newest.data).toHaveLength(5);

    const since = (await (await timeline(aliceId, "start_time=2026-03-01T10:00:31Z")).json()) as {
      data: { text: string }[];
      meta: unknown;
    };
    expect(since.data.map((post) => post.text)).toEqual(["b"]);
    expect(since.meta).toEqual({
      result_count: 1,
      newest_id: expect.any(String),
      oldest_id: expect.any(String),
    });

    const none = await timeline(aliceId, "start_time=2026-03-01T11:00:00.000Z");
    expect(none.status).toBe(200);
    expect(await none.json()).toEqual({ meta: { result_count: 0 } });
  });

  it("should refuse max_results out of 5..100, a malformed start_time and an unknown field with 400", async () => {
    for (const query of ["max_results=101", "max_results=4", "start_time=yesterday", "tweet.fields=mood"]) {
      const response = await timeline(aliceId, query);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(await response.json()).toMatchObject({ title: "Invalid Request" });
    }
    // X's schema forbids each of them: the stand-in records the requests as breaking it.
    expect(x.standIn.takeViolations().map((violation) => violation.direction)).toEqual([
      "request",
      "request",
      "request",
      "request",
    ]);
  });
});
