import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { keyId } from "../../src/crypto/cipher";
import { getTexter } from "../../src/db/texters";
import { installation } from "../support/installation";
import {
  connectThroughBrowser,
  linkIn,
  livePosts,
  startConnected,
  startTestService,
  type TestService,
} from "../support/service";
import { waitFor } from "../support/wait";

// Each test starts the whole service and stand-ins; a 2-core CI machine needs headroom over 5 s.
setDefaultTimeout(30_000);

const PHONE = "+14155550171";
let svc: TestService | undefined;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await svc?.stop();
  svc = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Texts `body` and waits for the reply it causes. */
async function ask(body: string, service: TestService | undefined = svc): Promise<string> {
  if (!service) throw new Error("no service");
  const before = service.textsTo(PHONE).length;
  await service.text(PHONE, body);
  return service.nthTextTo(PHONE, before + 1);
}

async function row(service: TestService | undefined = svc) {
  return service ? await getTexter(service.db, PHONE) : undefined;
}

const revokes = (service: TestService): number =>
  service.x.standIn.requests.filter((r) => r.path === "/2/oauth2/revoke").length;

async function locked(username = "fern", options: Parameters<typeof startTestService>[0] = {}) {
  svc = await startConnected(PHONE, username, options);
  expect(await ask("LOCK 4821")).toStartWith("Locked:");
  return svc;
}

describe("LOCK", () => {
  it("should post a text that starts with the right PIN, without the PIN, and keep only a MAC", async () => {
    const service = await locked();
    expect(await ask("4821 hello from a locked phone")).toStartWith("Posted");
    expect(livePosts(service).map((p) => p.text)).toEqual(["hello from a locked phone"]);
    const stored = await row();
    expect(stored?.pinMac).not.toBeNull();
    expect(stored?.pinMac).not.toContain("4821");
    expect(stored?.pinKeyId).toBe(await keyId(new Uint8Array(32).fill(42)));
    for (const text of service.textsTo(PHONE)) expect(text).not.toContain("4821");
    expect(await ask("4821 STATUS")).toBe(
      "Connected as @fern. Locked with a PIN. No thread open. Text HELP for commands.",
    );
  });

  it("should answer LOCK without 4-8 digits with the format, and say when a PIN is already set", async () => {
    svc = await startConnected(PHONE, "fern");
    expect(await ask("lock 12")).toStartWith("Not locked: text LOCK and a PIN of 4 to 8 digits");
    expect(await ask("LOCK abc")).toStartWith("Not locked:");
    expect((await row())?.pinMac).toBeNull();
    await ask("LOCK 4821");
    expect(await ask("4821 LOCK 5555")).toStartWith("This number is already locked.");
    expect(livePosts(svc)).toHaveLength(0);
  });

  it("should not post a wrong PIN's text, and count it", async () => {
    const service = await locked();
    expect(await ask("1111 hello")).toBe(
      "Not posted: wrong PIN. 4 more wrong PINs within 24 hours will freeze this number. Forgot your PIN? Text FORGOT.",
    );
    expect(livePosts(service)).toHaveLength(0);
    expect(JSON.parse((await row())?.pinFailures ?? "[]")).toHaveLength(1);
  });

  it("should not post or count a text without a PIN, and say the number is locked", async () => {
    const service = await locked();
    for (const body of ["hello", "UNDO", "123 go"]) {
      expect(await ask(body)).toStartWith("Not posted: this number is locked.");
    }
    expect(livePosts(service)).toHaveLength(0);
    expect((await row())?.pinFailures).toBe("[]");
  });

  it("should freeze the number on the fifth wrong PIN: tokens revoked at X, and the next text gets a link", async () => {
    const service = await locked();
    const revokesBefore = revokes(service);
    for (let left = 4; left >= 1; left--)
      expect(await ask(`${1000 + left} try`)).toContain(`${left} more wrong`);
    expect(await ask("9999 try")).toBe(
      "Frozen after 5 wrong PINs: smstweet let go of your X account. Text anything for a link to connect again.",
    );
    expect((await row())?.refreshToken).toBeNull();
    expect((await row())?.accessToken).toBeNull();
    await service.service.delivery.idle();
    expect(revokes(service) - revokesBefore).toBe(2);
    expect(await ask("4821 let me in")).toContain("/auth/");
    expect(livePosts(service)).toHaveLength(0);
    // Reconnecting through the new link unfreezes it, unlocked.
    const sent = service.textsTo(PHONE).length;
    expect((await service.connect(PHONE, "fern")).status).toBe(200);
    expect(await service.nthTextTo(PHONE, sent + 1)).toStartWith("Connected as @fern");
    expect(await ask("free again")).toStartWith("Posted");
  });

  it("should cancel a post still waiting for X when the number freezes, and say so", async () => {
    // A slow backoff keeps the post waiting (not running) between its tries.
    const service = await locked("fern", {
      policy: { baseMs: 30_000, maxMs: 30_000, giveUpAfterMs: 60 * 60_000, maxFaults: 8 },
    });
    service.x.standIn.failNext("tweets", { status: 503 }, 1000);
    await service.text(PHONE, "4821 stuck behind an outage");
    await waitFor(
      () => service.x.standIn.requests.some((r) => r.path === "/2/tweets") || undefined,
      "the first try of the post",
    );
    for (let left = 4; left >= 1; left--) await ask(`${1000 + left} try`);
    expect(await ask("9999 try")).toBe(
      "Frozen after 5 wrong PINs: smstweet let go of your X account. 1 waiting text was not posted. Text anything for a link to connect again.",
    );
    expect(livePosts(service)).toHaveLength(0);
  });

  it("should let STOP through without the PIN", async () => {
    await locked();
    await svc?.text(PHONE, "STOP");
    await svc?.service.delivery.idle();
    expect((await row())?.optedOut).toBe(true);
    expect((await row())?.pinFailures).toBe("[]");
  });

  it("should answer HELP without the PIN", async () => {
    await locked();
    expect(await ask("HELP")).toContain("LOCK");
  });

  it("should remove the PIN on UNLOCK with it, and count a wrong one", async () => {
    const service = await locked();
    expect(await ask("UNLOCK 1234")).toStartWith("Not posted: wrong PIN. 4 more");
    expect(await ask("UNLOCK")).toStartWith("To unlock, text UNLOCK and your PIN");
    expect(await ask("UNLOCK 4821")).toStartWith("Unlocked:");
    expect((await row())?.pinMac).toBeNull();
    expect((await row())?.pinFailures).toBe("[]");
    expect(await ask("no PIN needed")).toStartWith("Posted");
    expect(livePosts(service).map((p) => p.text)).toEqual(["no PIN needed"]);
    expect(await ask("UNLOCK 4821")).toStartWith("This number is not locked.");
  });

  it("should read commands after the PIN: 4821 UNDO deletes the last post", async () => {
    const service = await locked();
    await ask("4821 first");
    await ask("4821 second");
    expect(await ask("4821 UNDO")).toBe('Deleted "second" from X. UNDO again deletes the one before.');
    expect(livePosts(service).map((p) => p.text)).toEqual(["first"]);
    expect(await ask("4821 THREAD")).toStartWith("Thread started.");
    expect(await ask("4821 part one")).toStartWith("Part 1 saved.");
  });

  it("should text a link on FORGOT, and connecting the same account through it clears the PIN", async () => {
    const service = await locked();
    const reply = await ask("FORGOT");
    expect(reply).toStartWith("Connect your X account again to clear your PIN");
    expect(reply).toContain("/auth/");
    expect(await ask("FORGOT")).toStartWith("A link was sent to you a few minutes ago");
    // The throttled answer is the latest text: connect through the link before it.
    const revokesBefore = revokes(service);
    const count = service.textsTo(PHONE).length;
    await service.text(PHONE, "4821 still locked meanwhile");
    await service.nthTextTo(PHONE, count + 1);
    const link = service.textsTo(PHONE).find((t) => t.startsWith("Connect your X account again"));
    expect(link).toBeDefined();
    expect((await connectThroughBrowser(service.url, service.x, linkIn(link ?? ""), "fern")).status).toBe(
      200,
    );
    expect(await service.nthTextTo(PHONE, count + 2)).toStartWith("Connected as @fern");
    expect((await row())?.pinMac).toBeNull();
    expect(revokes(service)).toBe(revokesBefore);
    expect(await ask("no PIN now")).toStartWith("Posted");
  });

  it("should replace the connection when FORGOT connects another X account, revoking the old tokens", async () => {
    const service = await locked();
    const revokesBefore = revokes(service);
    await ask("FORGOT");
    const sent = service.textsTo(PHONE).length;
    expect((await service.connect(PHONE, "other")).status).toBe(200);
    expect(await service.nthTextTo(PHONE, sent + 1)).toStartWith("Connected as @other");
    await service.service.delivery.idle();
    expect(revokes(service) - revokesBefore).toBe(2);
    expect((await row())?.pinMac).toBeNull();
    expect((await row())?.xHandle).toBe("other");
    expect(await ask("as other")).toMatch(/^Posted.*: https:\/\/x\.com\/other\//);
  });
});

describe("LOCK across key rotations", () => {
  const OLD_KEY = new Uint8Array(32).fill(11);
  const NEW_KEY = new Uint8Array(32).fill(22);

  async function restart(options: Parameters<typeof startTestService>[0]): Promise<TestService> {
    await svc?.stop({ cleanup: false });
    svc = await startTestService(options);
    return svc;
  }

  it("should MAC a right PIN under the previous key again under the current one", async () => {
    const shared = await installation(cleanups);
    await locked("dana", { ...shared, key: OLD_KEY });
    expect((await row())?.pinKeyId).toBe(await keyId(OLD_KEY));
    const rotated = await restart({ ...shared, key: NEW_KEY, previousKey: OLD_KEY });
    expect(await ask("4821 after the rotation", rotated)).toStartWith("Posted");
    expect((await row())?.pinKeyId).toBe(await keyId(NEW_KEY));
    expect(await ask("1111 wrong", rotated)).toStartWith("Not posted: wrong PIN.");
  });

  it("should not count a PIN whose key is gone as wrong, and point to FORGOT", async () => {
    const shared = await installation(cleanups);
    await locked("dana", { ...shared, key: OLD_KEY });
    const lost = await restart({ ...shared, key: NEW_KEY });
    for (const body of ["4821 hello", "1111 hello", "UNLOCK 1111"]) {
      expect(await ask(body, lost)).toBe(
        "Not posted: your PIN can no longer be checked (a server key changed). Text FORGOT for a link to reconnect and clear it.",
      );
    }
    expect((await row())?.pinFailures).toBe("[]");
    expect((await row())?.pinMac).not.toBeNull();
    expect(livePosts(lost)).toHaveLength(0);
  });
});
