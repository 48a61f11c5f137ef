import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../src/clock";
import { createCipher } from "../../src/crypto/cipher";
import { openDatabase } from "../../src/db/client";
import { connectTexter } from "../../src/db/texters";
import { silentLogger } from "../../src/log";
import { asTexter } from "../../src/x/as-texter";
import { sealTokens, TokenKeeper } from "../../src/x/tokens";
import { connectX, startX, type XHarness } from "../support/x";

const PHONE = "+14155550123";
const dir = mkdtempSync(join(tmpdir(), "smstweet-as-texter-"));
let x: XHarness;
let keeper: TokenKeeper;
beforeAll(async () => {
  x = await startX();
  const db = await openDatabase(join(dir, "test.db"));
  const cipher = await createCipher(new Uint8Array(32).fill(7));
  const tokens = await connectX(x, "alice");
  const userId = x.standIn.users()[0]?.id ?? "";
  const sealed = await sealTokens(cipher, PHONE, tokens);
  await connectTexter(db, PHONE, { ...sealed, xHandle: "alice", xUserId: userId }, Date.now());
  keeper = new TokenKeeper({ db, x: x.gateway, cipher, clock: systemClock, logger: silentLogger });
});
afterAll(async () => {
  await x.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("asTexter", () => {
  it("should pass an unreadable answer through as unreadable, not as a plain retry", async () => {
    x.standIn.failNext("tweets", { status: 200, raw: { body: "<html/>", contentType: "text/html" } });

    const call = await asTexter(keeper, PHONE, (token) => x.gateway.post(token, { text: "garbled" }));

    expect(call).toEqual({ kind: "unreadable", detail: expect.stringContaining("X answered") });
  });

  it("should still answer ok with the account when X's answer reads", async () => {
    const call = await asTexter(keeper, PHONE, (token) => x.gateway.post(token, { text: "fine" }));

    expect(call).toMatchObject({
      kind: "ok",
      value: { id: expect.any(String) },
      account: { handle: "alice" },
    });
  });
});
