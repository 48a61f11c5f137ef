import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { keyId } from "../../src/crypto/cipher";
import { get } from "../../src/db/sql";
import { admin, adminEnv, adminErrors } from "../support/admin";
import { installation } from "../support/installation";
import { livePosts, startConnected, startTestService, type TestService } from "../support/service";

// Each test restarts the service on one database and runs the CLI between.
setDefaultTimeout(40_000);

const PHONE = "+14155550131";
const OLD_KEY = new Uint8Array(32).fill(11);
const NEW_KEY = new Uint8Array(32).fill(22);
const OTHER_KEY = new Uint8Array(32).fill(33);
const b64 = (key: Uint8Array): string => Buffer.from(key).toString("base64");

let svc: TestService | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  await svc?.stop();
  svc = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sealedTokens(service: TestService): Promise<string[]> {
  const row = await get<{ accessToken: string | null; refreshToken: string | null }>(
    service.db,
    `SELECT access_token AS "accessToken", refresh_token AS "refreshToken" FROM texters WHERE phone = ?1`,
    PHONE,
  );
  return [row?.accessToken ?? "", row?.refreshToken ?? ""];
}

describe("admin rotate-key", () => {
  it("should re-encrypt every token under the new key, so the texter posts after the old key is removed", async () => {
    const shared = await installation(cleanups);
    svc = await startConnected(PHONE, "dana", { ...shared, key: OLD_KEY });
    await svc.stop({ cleanup: false });
    svc = undefined;

    const env = {
      ...(await adminEnv(shared.dbPath)),
      TOKEN_ENCRYPTION_KEY: b64(NEW_KEY),
      TOKEN_ENCRYPTION_KEY_PREVIOUS: b64(OLD_KEY),
    };
    const run = await admin(["rotate-key", "--json"], env);
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ ok: true, keyId: await keyId(NEW_KEY), resealed: 1, remaining: [] });
    const again = await admin(["rotate-key"], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("0 texter(s)' X tokens re-encrypted");

    // The previous key is gone from the environment: the tokens must open under the new one alone.
    svc = await startTestService({ ...shared, key: NEW_KEY });
    for (const sealed of await sealedTokens(svc)) expect(sealed).toStartWith(`v2.${await keyId(NEW_KEY)}.`);
    await svc.text(PHONE, "posted after the rotation");
    expect(await svc.nthTextTo(PHONE, 3)).toStartWith("Posted");
    expect(livePosts(svc).map((post) => post.text)).toEqual(["posted after the rotation"]);
  });

  it("should exit 1 and name, masked, what still needs the previous key", async () => {
    const shared = await installation(cleanups);
    svc = await startConnected(PHONE, "dana", { ...shared, key: OLD_KEY });
    await svc.text(PHONE, "LOCK 4321");
    await svc.nthTextTo(PHONE, 3);
    await svc.stop({ cleanup: false });
    svc = undefined;

    // TOKEN_ENCRYPTION_KEY_PREVIOUS set to a key that never sealed anything here: nothing opens the tokens.
    const env = { ...(await adminEnv(shared.dbPath)), TOKEN_ENCRYPTION_KEY: b64(NEW_KEY) };
    const wrong = await admin(["rotate-key", "--json"], {
      ...env,
      TOKEN_ENCRYPTION_KEY_PREVIOUS: b64(OTHER_KEY),
    });
    expect(wrong.code).toBe(1);
    expect(wrong.json()).toMatchObject({
      ok: false,
      resealed: 0,
      remaining: expect.arrayContaining([
        expect.objectContaining({ what: "X tokens", phone: "•••• 0131" }),
        expect.objectContaining({ what: "PIN", phone: "•••• 0131" }),
      ]),
    });
    expect(adminErrors(wrong)).toEqual([expect.stringContaining("still need TOKEN_ENCRYPTION_KEY_PREVIOUS")]);
    expect(wrong.stdout).not.toContain("4155550131");

    const right = await admin(["rotate-key"], { ...env, TOKEN_ENCRYPTION_KEY_PREVIOUS: b64(OLD_KEY) });
    expect(right.code).toBe(1);
    expect(right.stdout).toContain("1 texter(s)' X tokens re-encrypted");
    expect(right.stdout).toMatch(/PIN\s+•••• 0131\s+re-MACed at its next correct PIN/);

    const missing = await admin(["rotate-key"], await adminEnv(shared.dbPath));
    expect(missing.code).toBe(1);
    expect(adminErrors(missing)).toEqual(["admin: TOKEN_ENCRYPTION_KEY is required"]);
  });
});
