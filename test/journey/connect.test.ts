import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { readFileSync } from "node:fs";
import { all, query, run } from "../../src/db/sql";
import { getTexter } from "../../src/db/texters";
import {
  connectThroughBrowser,
  linkIn,
  onApp,
  PUBLIC_URL,
  startTestService,
  type TestService,
} from "../support/service";
import { waitFor } from "../support/wait";

// Each test starts the whole service and stand-ins; a 2-core CI machine needs headroom over 5 s.
setDefaultTimeout(20_000);

const PHONE = "+14155550101";
let svc: TestService;
afterEach(async () => svc?.stop());

describe("connecting an X account", () => {
  it("should answer a new number with a one-time link and post nothing", async () => {
    svc = await startTestService();
    const response = await svc.text(PHONE, "hello world");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/xml");
    const welcome = await svc.nthTextTo(PHONE, 1);
    const link = linkIn(welcome);
    expect(link).not.toContain("4155550101");
    expect(link.split("/auth/")[1]?.length).toBeGreaterThanOrEqual(43); // 256 bits, base64url
    expect(svc.x.standIn.posts()).toHaveLength(0);
    const stored = await query(svc.db, (orm, t) => orm.select().from(t.authLinks));
    expect(stored).toHaveLength(1);
    expect(stored[0]?.tokenHash).not.toContain(link.split("/auth/")[1] ?? "-");
  });

  it("should not use up the link when it is only previewed", async () => {
    svc = await startTestService();
    await svc.text(PHONE, "hi");
    const link = linkIn(await svc.nthTextTo(PHONE, 1));
    for (let i = 0; i < 3; i++) {
      const preview = await fetch(onApp(svc.url, link));
      expect(preview.status).toBe(200);
      const page = await preview.text();
      expect(page).toContain("•••• 0101");
      expect(page).not.toContain("4155550101");
      // Same-origin: our own form's POST carries our Origin, and the link never reaches X in a Referer.
      expect(preview.headers.get("referrer-policy")).toBe("same-origin");
      expect(page).not.toContain('name="referrer"');
    }
    const done = await svc.connect(PHONE, "alice");
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("Connected as @alice");
  });

  it("should store the tokens encrypted and text a confirmation", async () => {
    svc = await startTestService();
    await svc.text(PHONE, "hi");
    await svc.nthTextTo(PHONE, 1);
    await svc.connect(PHONE, "alice");
    expect(await svc.nthTextTo(PHONE, 2)).toBe(
      "Connected as @alice. Text anything to post it. Text HELP for commands.",
    );
    const row = await getTexter(svc.db, PHONE);
    expect(row?.xHandle).toBe("alice");
    expect(row?.accessToken).toStartWith("v2.");
    const issued = svc.x.standIn.issuedTokens("alice");
    expect(issued.length).toBeGreaterThan(0);
    // What is stored: the SQLite file itself, or PostgreSQL's rows as text.
    let stored = JSON.stringify(await all(svc.db, "SELECT * FROM texters"));
    if (svc.db.dialect === "sqlite") {
      await run(svc.db, "PRAGMA wal_checkpoint(TRUNCATE)");
      stored = readFileSync(svc.dbPath).toString("latin1");
    }
    for (const token of issued) expect(stored).not.toContain(token);
  });

  it("should refuse a link that was used or has expired", async () => {
    let offset = 0;
    svc = await startTestService({ clock: { now: () => Date.now() + offset } });
    await svc.text(PHONE, "hi");
    const first = linkIn(await svc.nthTextTo(PHONE, 1));
    expect((await svc.connect(PHONE, "alice")).status).toBe(200);
    expect((await fetch(onApp(svc.url, first))).status).toBe(410);
    expect((await connectThroughBrowser(svc.url, svc.x, first, "mallory")).status).toBe(410);

    const other = "+14155550102";
    await svc.text(other, "hi");
    const second = linkIn(await svc.nthTextTo(other, 1));
    offset = 16 * 60_000;
    expect((await fetch(onApp(svc.url, second))).status).toBe(410);
    expect((await fetch(onApp(svc.url, second), { method: "POST", redirect: "manual" })).status).toBe(410);
    const row = await getTexter(svc.db, other);
    expect(row?.accessToken ?? null).toBeNull();
  });

  it("should refuse a callback whose state does not match this browser's cookie and store nothing", async () => {
    svc = await startTestService();
    await svc.text(PHONE, "hi");
    const link = linkIn(await svc.nthTextTo(PHONE, 1));
    const start = await fetch(onApp(svc.url, link), { method: "POST", redirect: "manual" });
    expect(start.status).toBe(303);
    const cookie = start.headers.get("set-cookie") ?? "";
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("Secure");
    expect(cookie).toContain("SameSite=Lax");
    const callback = await svc.x.standIn.approve(start.headers.get("location") ?? "", "alice");
    const forged = await fetch(onApp(svc.url, callback), {
      headers: { cookie: "smstweet_oauth=somebody-else" },
    });
    expect(forged.status).toBe(400);
    const missing = await fetch(onApp(svc.url, callback));
    expect(missing.status).toBe(400);
    // As long as the cookie in characters, not in bytes: still a mismatch, not a crash.
    const wide = await fetch(`${svc.url}/auth/callback?state=%C3%A9&code=x`, {
      headers: { cookie: "smstweet_oauth=e" },
    });
    expect(wide.status).toBe(400);
    const row = await getTexter(svc.db, PHONE);
    expect(row?.accessToken ?? null).toBeNull();
    expect(svc.textsTo(PHONE)).toHaveLength(1);
  });

  it("should show a page that says so when the texter cancels at X", async () => {
    svc = await startTestService();
    await svc.text(PHONE, "hi");
    const link = linkIn(await svc.nthTextTo(PHONE, 1));
    const start = await fetch(onApp(svc.url, link), { method: "POST", redirect: "manual" });
    const cookie = start.headers.get("set-cookie")?.split(";")[0] ?? "";
    const denied = svc.x.standIn.deny(start.headers.get("location") ?? "");
    const page = await fetch(onApp(svc.url, denied), { headers: { cookie } });
    expect(await page.text()).toContain("was not connected");
    expect((await fetch(onApp(svc.url, link))).status).toBe(200);
  });

  it("should not text a link that expired while Twilio was down, and send a fresh one on the next text", async () => {
    let offset = 0;
    svc = await startTestService({ clock: { now: () => Date.now() + offset } });
    svc.twilio.standIn.failNext({ status: 503 }, 1000);
    await svc.text(PHONE, "hi");
    await waitFor(() => svc.twilio.standIn.requests.length > 0 || undefined, "a first attempt at Twilio");
    offset = 16 * 60_000;
    svc.twilio.standIn.recover();
    await svc.service.delivery.idle();
    await Bun.sleep(300);
    expect(svc.textsTo(PHONE)).toHaveLength(0);
    await svc.text(PHONE, "hello again");
    expect(linkIn(await svc.nthTextTo(PHONE, 1))).toContain("/auth/");
    expect((await svc.connect(PHONE, "alice")).status).toBe(200);
  });

  it("should refuse a Connect button pressed from another site, or from a page that hides its origin", async () => {
    svc = await startTestService();
    await svc.text(PHONE, "hi");
    const link = onApp(svc.url, linkIn(await svc.nthTextTo(PHONE, 1)));
    const press = (headers: Record<string, string>): Promise<Response> =>
      fetch(link, { method: "POST", redirect: "manual", headers });
    for (const headers of <Record<string, string>[]>[
      { origin: "https://evil.example" },
      { origin: "http://smstweet.test" },
      { origin: "null" },
      { origin: "null", "sec-fetch-site": "same-origin" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
    ]) {
      const refused = await press(headers);
      expect(refused.status).toBe(403);
      expect(refused.headers.get("set-cookie")).toBeNull();
      expect(refused.headers.get("content-type")).toContain("text/html");
      const page = await refused.text();
      expect(page).toContain("Open the link from your text message");
      expect(page).toContain("Text STATUS");
    }
    // Refusals use nothing up: the texter's own page still works, in browsers old and new.
    for (const headers of <Record<string, string>[]>[
      { origin: PUBLIC_URL },
      { origin: PUBLIC_URL, "sec-fetch-site": "same-origin" },
      { "sec-fetch-site": "same-origin" },
      { "sec-fetch-site": "none" },
      {},
    ]) {
      expect((await press(headers)).status).toBe(303);
    }
  });
});
