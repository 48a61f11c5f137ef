import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { keyId } from "../../src/crypto/cipher";
import { getTexter } from "../../src/db/texters";
import { createLogger } from "../../src/log";
import { installation } from "../support/installation";
import {
  linkIn,
  livePosts,
  onApp,
  startConnected,
  startTestService,
  type TestService,
} from "../support/service";

// Each test restarts the whole service on one database; a 2-core CI machine needs headroom.
setDefaultTimeout(30_000);

const PHONE = "+14155550131";
const OLD_KEY = new Uint8Array(32).fill(11);
const NEW_KEY = new Uint8Array(32).fill(22);

let svc: TestService | undefined;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await svc?.stop();
  svc = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function restart(options: Parameters<typeof startTestService>[0]): Promise<TestService> {
  await svc?.stop({ cleanup: false });
  svc = await startTestService(options);
  return svc;
}

async function storedTokens(
  service: TestService,
): Promise<{ accessToken: string | null; refreshToken: string | null }> {
  const row = await getTexter(service.db, PHONE);
  return { accessToken: row?.accessToken ?? null, refreshToken: row?.refreshToken ?? null };
}

describe("a lost TOKEN_ENCRYPTION_KEY", () => {
  it("should disconnect the texter with a reconnect link, and reconnecting should work", async () => {
    const shared = await installation(cleanups);
    svc = await startConnected(PHONE, "dana", { ...shared, key: OLD_KEY });
    const sealed = await storedTokens(svc);

    const logged: string[] = [];
    const logger = createLogger("debug", (line) => logged.push(line));
    const current = await restart({ ...shared, key: NEW_KEY, logger });
    await current.text(PHONE, "sent after the key was lost");
    const notice = await current.nthTextTo(PHONE, 3);
    expect(notice).toContain("not posted");
    expect(livePosts(current)).toHaveLength(0);
    expect(await storedTokens(current)).toEqual({ accessToken: null, refreshToken: null });

    const warning = logged.map((line) => JSON.parse(line)).find((l) => l.event === "x.tokens_undecryptable");
    expect(warning).toMatchObject({ level: "warn", phone: "•••• 0131" });
    for (const line of logged) {
      expect(line).not.toContain(PHONE.slice(1));
      expect(line).not.toContain(sealed.accessToken ?? "-");
      expect(line).not.toContain(sealed.refreshToken ?? "-");
    }

    linkIn(notice);
    expect((await current.connect(PHONE, "dana")).status).toBe(200);
    expect(await current.nthTextTo(PHONE, 4)).toStartWith("Connected as @dana");
    await current.text(PHONE, "back after reconnecting");
    expect(await current.nthTextTo(PHONE, 5)).toStartWith("Posted");
    expect(livePosts(current).map((p) => p.text)).toEqual(["back after reconnecting"]);
    expect((await storedTokens(current)).refreshToken).toStartWith(`v2.${await keyId(NEW_KEY)}.`);
  });

  it("should send a browser caught mid sign-in back to the link, not fail", async () => {
    const shared = await installation(cleanups);
    svc = await startTestService({ ...shared, key: OLD_KEY });
    await svc.text(PHONE, "hi");
    const link = linkIn(await svc.nthTextTo(PHONE, 1));
    const start = await fetch(onApp(svc.url, link), { method: "POST", redirect: "manual" });
    const cookie = start.headers.get("set-cookie")?.split(";")[0] ?? "";
    const callback = await shared.x.standIn.approve(start.headers.get("location") ?? "", "dana");

    // The PKCE verifier of this sign-in was sealed under the key that is now gone.
    const current = await restart({ ...shared, key: NEW_KEY });
    const landing = await fetch(onApp(current.url, callback), { headers: { cookie } });
    expect(landing.status).toBe(400);
    expect(await landing.text()).toContain("Open the link from your text message again");

    expect((await current.connect(PHONE, "dana")).status).toBe(200);
    expect(await current.nthTextTo(PHONE, 2)).toStartWith("Connected as @dana");
  });
});

describe("rotating TOKEN_ENCRYPTION_KEY", () => {
  it("should keep posting with the old key as previous, and re-encrypt the tokens it used", async () => {
    const shared = await installation(cleanups);
    svc = await startConnected(PHONE, "dana", { ...shared, key: OLD_KEY });
    const oldKid = await keyId(OLD_KEY);
    const newKid = await keyId(NEW_KEY);
    const before = await storedTokens(svc);
    expect(before.accessToken).toStartWith(`v2.${oldKid}.`);

    const rotated = await restart({ ...shared, key: NEW_KEY, previousKey: OLD_KEY });
    await rotated.text(PHONE, "posted during the rotation");
    expect(await rotated.nthTextTo(PHONE, 3)).toMatch(/^Posted.*: https:\/\/x\.com\/dana\/status\//);
    const after = await storedTokens(rotated);
    expect(after.accessToken).toStartWith(`v2.${newKid}.`);
    expect(after.refreshToken).toStartWith(`v2.${newKid}.`);

    // The previous key can go now: nothing this texter has still needs it.
    const retired = await restart({ ...shared, key: NEW_KEY });
    await retired.text(PHONE, "posted after the rotation");
    expect(await retired.nthTextTo(PHONE, 4)).toStartWith("Posted");
    expect(livePosts(retired).map((p) => p.text)).toEqual([
      "posted during the rotation",
      "posted after the rotation",
    ]);
    // Re-encryption is not a refresh: X issued no new tokens.
    expect(shared.x.standIn.requests.filter((r) => r.path === "/2/oauth2/token")).toHaveLength(1);
  });

  it("should refresh a rejected token that was still under the previous key, and keep the new pair", async () => {
    const shared = await installation(cleanups);
    svc = await startConnected(PHONE, "dana", { ...shared, key: OLD_KEY });
    shared.x.standIn.expireAccessTokens("dana");

    const rotated = await restart({ ...shared, key: NEW_KEY, previousKey: OLD_KEY });
    await rotated.text(PHONE, "posted with a refreshed token");
    expect(await rotated.nthTextTo(PHONE, 3)).toStartWith("Posted");
    expect(shared.x.standIn.requests.filter((r) => r.path === "/2/oauth2/token")).toHaveLength(2);
    expect((await storedTokens(rotated)).refreshToken).toStartWith(`v2.${await keyId(NEW_KEY)}.`);

    const retired = await restart({ ...shared, key: NEW_KEY });
    await retired.text(PHONE, "posted after the rotation");
    expect(await retired.nthTextTo(PHONE, 4)).toStartWith("Posted");
  });
});
