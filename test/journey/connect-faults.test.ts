import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { eq } from "drizzle-orm";
import { query } from "../../src/db/sql";
import { getTexter } from "../../src/db/texters";
import { createLogger } from "../../src/log";
import type { FaultResponse } from "../../src/sandbox/x";
import { timeFor } from "../../src/sms/local-time";
import { breakWrites } from "../support/faults";
import { linkIn, onApp, startTestService, type TestService } from "../support/service";
import { waitFor } from "../support/wait";
import { startX, type XHarness } from "../support/x";

// Each test starts the whole service and stand-ins; a 2-core CI machine needs headroom over 5 s.
setDefaultTimeout(20_000);

const PHONE = "+14155550101";
let svc: TestService;
let ownX: XHarness | undefined;
afterEach(async () => {
  await svc?.stop();
  await ownX?.stop();
  ownX = undefined;
});

/** One browser: it presses Connect on the link, keeps its own state cookie, and consents at X. */
async function consentIn(link: string, username: string): Promise<{ callback: string; cookie: string }> {
  const start = await fetch(onApp(svc.url, link), { method: "POST", redirect: "manual" });
  const cookie = start.headers.get("set-cookie")?.split(";")[0] ?? "";
  expect(start.status).toBe(303);
  const callback = await svc.x.standIn.approve(start.headers.get("location") ?? "", username);
  return { callback: onApp(svc.url, callback), cookie };
}

async function land(browser: {
  callback: string;
  cookie: string;
}): Promise<{ status: number; page: string }> {
  const response = await fetch(browser.callback, { headers: { cookie: browser.cookie } });
  return { status: response.status, page: await response.text() };
}

async function textForLink(): Promise<string> {
  await svc.text(PHONE, "hi");
  return linkIn(await svc.nthTextTo(PHONE, 1));
}

/** "it works until 13:05 UTC", as the page must put it for this number's link. */
async function linkDeadline(): Promise<string> {
  const row = (
    await query(svc.db, (orm, t) =>
      orm.select().from(t.authLinks).where(eq(t.authLinks.phone, PHONE)).limit(1),
    )
  )[0];
  return `it works until ${timeFor(PHONE, row?.expiresAt ?? 0)}.`;
}

const grantRevoked = (username: string): Promise<true> =>
  waitFor(() => svc.x.standIn.liveTokens(username).length === 0, `${username}'s grant revoked at X`);

function expectOurPage(page: string): void {
  expect(page).toStartWith("<!doctype html>");
  expect(page).toContain('<link rel="stylesheet" href="/public/style.css"');
  expect(page).not.toContain("Internal error");
  expect(page).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
}

describe("two browsers on one link", () => {
  it("should connect the first to finish and revoke the other's grant at X", async () => {
    svc = await startTestService();
    const link = await textForLink();
    const first = await consentIn(link, "alice");
    const second = await consentIn(link, "bob");
    // The first browser's exchange is done and X holds its /2/users/me answer while the second finishes.
    const gate = Promise.withResolvers<void>();
    svc.x.standIn.failNext("users_me", { afterHandling: true, holdUntil: gate.promise });
    const slow = land(first);
    await waitFor(() => svc.x.standIn.requests.some((r) => r.path === "/2/users/me"), "alice's users/me");
    const fast = await land(second);
    expect(fast.status).toBe(200);
    expect(fast.page).toContain("Connected as @bob");
    gate.resolve();
    const late = await slow;
    expect(late.status).toBe(409);
    expectOurPage(late.page);
    expect(late.page).toContain("This link was already used");
    expect(late.page).toContain("Text STATUS");
    await grantRevoked("alice");
    expect(svc.x.standIn.liveTokens("bob")).toHaveLength(2);
    expect((await getTexter(svc.db, PHONE))?.xHandle).toBe("bob");
    await svc.text(PHONE, "posted as bob");
    await waitFor(() => svc.x.standIn.posts().find((p) => p.text === "posted as bob"), "the post");
    expect(svc.textsTo(PHONE).filter((t) => t.startsWith("Connected as"))).toEqual([
      "Connected as @bob. Text anything to post it. Text HELP for commands.",
    ]);
  });

  it("should not even ask X for tokens when the link was used before the second browser came back", async () => {
    svc = await startTestService();
    const link = await textForLink();
    const first = await consentIn(link, "alice");
    const second = await consentIn(link, "bob");
    expect((await land(first)).status).toBe(200);
    const tokenCalls = svc.x.standIn.requests.filter((r) => r.path === "/2/oauth2/token").length;
    const late = await land(second);
    expect(late.status).toBe(409);
    expect(late.page).toContain("This link was already used");
    expect(svc.x.standIn.requests.filter((r) => r.path === "/2/oauth2/token")).toHaveLength(tokenCalls);
    expect(svc.x.standIn.issuedTokens("bob")).toEqual([]);
  });
});

describe("X failing after the code exchange", () => {
  it("should revoke the new grant, say what to do, and leave the link usable", async () => {
    svc = await startTestService();
    const link = await textForLink();
    svc.x.standIn.failNext("users_me", { status: 503 });
    // Revoking fails too, once: the revocation is retried until X takes it.
    svc.x.standIn.failNext("revoke", { status: 503 });
    const { status, page } = await land(await consentIn(link, "alice"));
    expect(status).toBe(502);
    expectOurPage(page);
    expect(page).toContain("X is having trouble");
    expect(page).toContain(await linkDeadline());
    await grantRevoked("alice");
    expect((await getTexter(svc.db, PHONE))?.accessToken ?? null).toBeNull();
    const again = await land(await consentIn(link, "alice"));
    expect(again.page).toContain("Connected as @alice");
    expect(svc.x.standIn.liveTokens("alice")).toHaveLength(2);
  });

  it("should revoke the new grant when X's users/me times out", async () => {
    ownX = await startX({ timeoutMs: 300 });
    svc = await startTestService({ x: ownX });
    const link = await textForLink();
    const gate = Promise.withResolvers<void>();
    svc.x.standIn.failNext("users_me", { holdUntil: gate.promise });
    try {
      const { status, page } = await land(await consentIn(link, "alice"));
      expect(status).toBe(502);
      expect(page).toContain(await linkDeadline());
    } finally {
      gate.resolve();
    }
    await grantRevoked("alice");
  });
});

describe("a grant that cannot be stored", () => {
  it("should revoke it and say that nothing was connected when the database refuses the connection", async () => {
    svc = await startTestService();
    const link = await textForLink();
    const repair = await breakWrites(svc.db, "auth_links", "UPDATE", "disk I/O error");
    const { status, page } = await land(await consentIn(link, "alice"));
    await repair();
    expect(status).toBe(503);
    expectOurPage(page);
    expect(page).toContain("could not be saved");
    expect(page).toContain(await linkDeadline());
    await grantRevoked("alice");
    expect((await land(await consentIn(link, "alice"))).page).toContain("Connected as @alice");
  });

  it("should revoke it at once when not even the revocation can be queued, and log it if X refuses that too", async () => {
    const lines: string[] = [];
    svc = await startTestService({ logger: createLogger("info", (line) => lines.push(line)) });
    const link = await textForLink();
    const repairLinks = await breakWrites(svc.db, "auth_links", "UPDATE", "disk full");
    const repairJobs = await breakWrites(svc.db, "jobs", "INSERT", "disk full");
    try {
      expect((await land(await consentIn(link, "alice"))).status).toBe(503);
      expect(svc.x.standIn.liveTokens("alice")).toEqual([]);
      svc.x.standIn.failNext("revoke", { status: 503 });
      expect((await land(await consentIn(link, "bob"))).status).toBe(503);
    } finally {
      await repairLinks();
      await repairJobs();
    }
    expect(svc.x.standIn.liveTokens("bob")).toHaveLength(2);
    const notRevoked = lines
      .map((line) => JSON.parse(line))
      .find((l) => l.event === "auth.grant_not_revoked");
    expect(notRevoked).toMatchObject({ level: "error", phone: "•••• 0101", reason: "not_saved" });
    for (const token of svc.x.standIn.issuedTokens("bob")) expect(lines.join("\n")).not.toContain(token);
  });
});

describe("X failing at the callback", () => {
  const html = { body: "<html><body>Over capacity</body></html>", contentType: "text/html" };
  it.each<[string, FaultResponse]>([
    ["a 500", { status: 500 }],
    ["a 503", { status: 503 }],
    ["a 429", { status: 429, headers: { "x-rate-limit-reset": "0" } }],
    ["an HTML page where JSON was expected", { status: 200, raw: html }],
    ["an HTML error page", { status: 502, raw: html }],
    ["an empty JSON object", { status: 200, body: {} }],
    ["an unexpected 403", { status: 403 }],
    ["a redirect", { status: 302, headers: { location: "https://x.com/" } }],
  ])(
    "should answer %s from the token endpoint with a page that says to try the link again",
    async (_, fault) => {
      svc = await startTestService();
      const link = await textForLink();
      svc.x.standIn.failNext("token", fault);
      const { status, page } = await land(await consentIn(link, "alice"));
      expect(status).toBe(502);
      expectOurPage(page);
      expect(page).toContain("X is having trouble");
      expect(page).toContain(await linkDeadline());
      expect(svc.x.standIn.issuedTokens("alice")).toEqual([]);
      expect((await land(await consentIn(link, "alice"))).page).toContain("Connected as @alice");
    },
  );

  it("should answer a token endpoint that does not answer in time with a page that says to try again", async () => {
    ownX = await startX({ timeoutMs: 300 });
    svc = await startTestService({ x: ownX });
    const link = await textForLink();
    const gate = Promise.withResolvers<void>();
    svc.x.standIn.failNext("token", { status: 503, holdUntil: gate.promise });
    try {
      const { status, page } = await land(await consentIn(link, "alice"));
      expect(status).toBe(502);
      expect(page).toContain(await linkDeadline());
    } finally {
      gate.resolve();
    }
  });

  it("should say when the texter cancelled at X, and until when the link still works", async () => {
    svc = await startTestService();
    const link = await textForLink();
    const start = await fetch(onApp(svc.url, link), { method: "POST", redirect: "manual" });
    const cookie = start.headers.get("set-cookie")?.split(";")[0] ?? "";
    const denied = onApp(svc.url, svc.x.standIn.deny(start.headers.get("location") ?? ""));
    const { status, page } = await land({ callback: denied, cookie });
    expect(status).toBe(200);
    expectOurPage(page);
    expect(page).toContain("You cancelled on X");
    expect(page).toContain(await linkDeadline());
  });

  it.each([
    ["server_error", 502, "X is having trouble"],
    ["temporarily_unavailable", 502, "X is having trouble"],
    ["invalid_scope", 502, "X would not connect this service"],
    ["<script>alert(1)</script>", 502, "X would not connect this service"],
  ])(
    "should answer X's error=%s at the callback with a page, never echoing it",
    async (error, code, title) => {
      svc = await startTestService();
      const link = await textForLink();
      const start = await fetch(onApp(svc.url, link), { method: "POST", redirect: "manual" });
      const cookie = start.headers.get("set-cookie")?.split(";")[0] ?? "";
      const state = new URL(start.headers.get("location") ?? "").searchParams.get("state") ?? "";
      const callback = `${svc.url}/auth/callback?${new URLSearchParams({ error, state })}`;
      const { status, page } = await land({ callback, cookie });
      expect(status).toBe(code);
      expectOurPage(page);
      expect(page).toContain(title);
      expect(page).not.toContain(error);
      expect(page).toContain(await linkDeadline());
    },
  );
});
