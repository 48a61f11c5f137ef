import { afterEach, describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { query } from "../../src/db/sql";
import { SANDBOX_LANDLINE } from "../../src/sandbox/settings";
import { connectInSandbox, type SandboxService, startSandboxService } from "../support/sandbox";
import { waitFor } from "../support/wait";

const SCRIPT = `<script>alert(1)</script>`;
let svc: SandboxService;
afterEach(async () => svc?.stop());

describe("sandbox mode", () => {
  it("should run the whole journey through the app's own stand-ins with the real clients", async () => {
    svc = await startSandboxService();
    const phone = "+14155550150";
    expect((await svc.simulate(phone, "hello")).status).toBe(303);
    const link = (await svc.nthReply(phone, 1)).match(/http:\/\/\S+\/auth\/\S+/)?.[0] ?? "";
    expect(link).toStartWith(`${svc.url}/auth/`);
    expect(await connectInSandbox(link, "sandbox_user")).toContain("Connected as @sandbox_user");
    expect(await svc.nthReply(phone, 2)).toStartWith("Connected as @sandbox_user.");
    await svc.simulate(phone, "posted from the simulator");
    expect(await svc.nthReply(phone, 3)).toMatch(
      /^Posted "posted from the simulator": https:\/\/x\.com\/sandbox_user\/status\/\d+$/,
    );
    expect(svc.sandbox.x.posts().map((post) => post.text)).toEqual(["posted from the simulator"]);

    const page = await (await fetch(`${svc.url}/sandbox?phone=${encodeURIComponent(phone)}`)).text();
    expect(page).toContain("posted from the simulator");
    expect(page).toContain('href="/sandbox/timeline#post-');
    expect(await (await fetch(`${svc.url}/sandbox/timeline`)).text()).toContain("posted from the simulator");
  });

  it("should escape script typed as a phone number", async () => {
    svc = await startSandboxService();
    for (const response of [
      await fetch(`${svc.url}/sandbox?phone=${encodeURIComponent(SCRIPT)}`),
      await svc.simulate(SCRIPT, "hi"),
    ]) {
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).not.toContain("<script>");
      expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    }
    expect(svc.sandbox.phones()).toEqual([]);
  });

  it("should show Twilio's own answers to STOP and START in the conversation, apart from ours", async () => {
    svc = await startSandboxService();
    const phone = "+14155550152";
    await svc.simulate(phone, "hello");
    const link = (await svc.nthReply(phone, 1)).match(/http:\/\/\S+\/auth\/\S+/)?.[0] ?? "";
    await connectInSandbox(link, "sandbox_user");
    await svc.nthReply(phone, 2);
    await svc.simulate(phone, "STOP");
    expect(await svc.nthReply(phone, 3)).toStartWith("You have successfully been unsubscribed.");
    await svc.simulate(phone, "posted in silence");
    await svc.service.delivery.idle();
    await svc.simulate(phone, "START");
    expect(await svc.nthReply(phone, 4)).toStartWith("You have successfully been re-subscribed");
    await svc.service.delivery.idle();
    const page = await (await fetch(`${svc.url}/sandbox?phone=${encodeURIComponent(phone)}`)).text();
    expect(page.match(/class="bubble twilio"/g)).toHaveLength(2);
    expect(page).toContain("Twilio (automatic reply): ");
    // Twilio blocked the number while it was opted out: no confirmation of the post reached it.
    expect(svc.sandbox.twilio.messagesTo(phone).map((m) => m.body)).toHaveLength(4);
    expect(svc.sandbox.x.posts().map((p) => p.text)).toEqual(["posted in silence"]);
  });

  it("should show the simulated landline's reply as not delivered, and send it nothing more until it texts", async () => {
    svc = await startSandboxService();
    const landline = SANDBOX_LANDLINE;
    await svc.simulate(landline, "hello");
    const link = (await svc.nthReply(landline, 1)).match(/http:\/\/\S+\/auth\/\S+/)?.[0] ?? "";
    const page = () =>
      fetch(`${svc.url}/sandbox?phone=${encodeURIComponent(landline)}`).then((r) => r.text());
    await waitFor(
      async () => (await page()).includes("[not delivered: Twilio error 30006]"),
      "the undelivered mark",
    );
    // Connecting through the link queues "Connected as …": Twilio is not asked to text a landline again.
    expect(await connectInSandbox(link, "sandbox_user")).toContain("Connected as @sandbox_user");
    const settled = async () =>
      await query(svc.db, (orm, t) =>
        orm.select().from(t.outboundMessages).where(eq(t.outboundMessages.phone, landline)),
      );
    await waitFor(
      async () => (await settled()).some((text) => text.status === "suppressed"),
      "the Connected text held back",
    );
    expect(svc.sandbox.twilio.messagesTo(landline)).toHaveLength(1);
  });

  it("should escape script typed as a message, in the conversation and on the timeline", async () => {
    svc = await startSandboxService();
    const phone = "+14155550151";
    await svc.simulate(phone, SCRIPT);
    const link = (await svc.nthReply(phone, 1)).match(/http:\/\/\S+\/auth\/\S+/)?.[0] ?? "";
    await connectInSandbox(link, "sandbox_user");
    await svc.simulate(phone, `"><img src=x onerror=alert(1)>${SCRIPT}`);
    expect(await svc.nthReply(phone, 3)).toStartWith("Posted");
    for (const path of [`/sandbox?phone=${encodeURIComponent(phone)}`, "/sandbox/timeline"]) {
      const html = await (await fetch(`${svc.url}${path}`)).text();
      expect(html).not.toContain("<script>");
      expect(html).not.toContain("<img src=x");
      expect(html).toContain("&lt;script&gt;");
    }
  });

  it("should send the security headers on its pages, and no-referrer on the consent page", async () => {
    svc = await startSandboxService();
    const simulator = await fetch(`${svc.url}/sandbox`);
    const csp = simulator.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    const consent = await fetch(
      `${svc.config.x.authorizeUrl}?response_type=code&client_id=${svc.config.x.clientId}&redirect_uri=${encodeURIComponent(`${svc.url}/auth/callback`)}&state=s&code_challenge=c&code_challenge_method=S256&scope=tweet.write`,
    );
    expect(consent.status).toBe(200);
    expect(consent.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await consent.text()).toContain("Authorize smstweet to post as @sandbox_user?");
  });
});
