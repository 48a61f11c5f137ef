import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCipher } from "../../src/crypto/cipher";
import { closeDatabase, type Database, openDatabase } from "../../src/db/client";
import { connectTexter, getTexter } from "../../src/db/texters";
import { createLogger } from "../../src/log";
import { sealTokens, TokenKeeper } from "../../src/x/tokens";
import { connectX, startX, type XHarness } from "../support/x";

const PHONE = "+14155550124";
const HOUR = 60 * 60_000;
const OLD_KEY = new Uint8Array(32).fill(3);
const NEW_KEY = new Uint8Array(32).fill(4);

const dir = mkdtempSync(join(tmpdir(), "smstweet-tokens-"));
let x: XHarness;
let db: Database;
let offset = 0;
const clock = { now: () => Date.now() + offset };

beforeAll(async () => {
  x = await startX();
  db = await openDatabase(join(dir, "test.db"));
});
afterAll(async () => {
  await closeDatabase(db);
  await x.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Connects `username` for PHONE, its tokens sealed under `key`. */
async function connect(username: string, key: Uint8Array): Promise<void> {
  const tokens = await connectX(x, username);
  const user = x.standIn.users().find((u) => u.username === username);
  const sealed = await sealTokens(await createCipher(key), PHONE, tokens);
  await connectTexter(db, PHONE, { ...sealed, xUserId: user?.id ?? "", xHandle: username }, clock.now());
}

/** Calls to X's token endpoint: after `connect`, each one is a refresh. */
const tokenCalls = (): number => x.standIn.requests.filter((r) => r.path === "/2/oauth2/token").length;

describe("TokenKeeper, with callers side by side", () => {
  it("should ask X for one refresh when several callers need a token that is due, and keep the rotated pair", async () => {
    await connect("gail", NEW_KEY);
    const cipher = await createCipher(NEW_KEY);
    const keeper = new TokenKeeper({ db, x: x.gateway, cipher, clock, logger: createLogger("error") });
    const before = tokenCalls();
    offset = 3 * HOUR; // past the two-hour access token

    const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => keeper.access(PHONE)));

    const tokens = outcomes.map((o) => (o.kind === "ok" ? o.accessToken : o.kind));
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe("disconnected");
    expect(tokenCalls() - before).toBe(1);
    // The rotated refresh token was stored: the next refresh, hours later, works with it.
    offset = 6 * HOUR;
    const later = await keeper.access(PHONE);
    expect(later.kind).toBe("ok");
    expect(tokenCalls() - before).toBe(2);
    offset = 0;
  });

  it("should re-encrypt once, under the current key, when several callers read tokens sealed under the previous one", async () => {
    await connect("hank", OLD_KEY);
    const lines: string[] = [];
    const logger = createLogger("info", (line) => lines.push(line));
    const cipher = await createCipher(NEW_KEY, OLD_KEY);
    const keeper = new TokenKeeper({ db, x: x.gateway, cipher, clock, logger });

    const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => keeper.access(PHONE)));

    expect(outcomes.every((o) => o.kind === "ok" && o.handle === "hank")).toBe(true);
    const resealed = lines.filter((line) => JSON.parse(line).event === "x.tokens_reencrypted");
    expect(resealed).toHaveLength(1);
    const row = await getTexter(db, PHONE);
    expect(cipher.needsReencryption(row?.refreshToken ?? "")).toBe(false);
    expect(cipher.needsReencryption(row?.accessToken ?? "")).toBe(false);
  });
});
