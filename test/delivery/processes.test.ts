import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { AppProcess } from "../support/process";
import {
  appEnvironment,
  connectPhone,
  PNG,
  repliesAfterConnecting,
  startAppProcess,
  texter,
} from "../support/stack";
import { startTwilio, type TwilioFixture } from "../support/twilio";
import { waitFor } from "../support/wait";
import { startX, type XHarness } from "../support/x";

let x: XHarness;
let twilio: TwilioFixture;
const apps: AppProcess[] = [];
beforeAll(async () => {
  x = await startX();
  twilio = startTwilio();
});
afterAll(async () => {
  for (const app of apps) {
    app.process.kill("SIGTERM");
    await app.process.exited;
  }
  await x.stop();
  await twilio.stop();
});

const PHONES = ["+14155550161", "+14155550162", "+14155550163"];

describe("two processes on one database file", () => {
  it("should post and confirm every text exactly once, picture-only texts included", async () => {
    const first = appEnvironment(x, twilio);
    // The same public URL and database: a rolling restart, or an operator starting the app twice.
    const second = appEnvironment(x, twilio, {
      databasePath: first.env.DATABASE_PATH,
      publicUrl: first.publicUrl,
    });
    const text = texter(twilio, first.publicUrl);
    const one = await startAppProcess(first.env);
    apps.push(one);
    const two = await startAppProcess(second.env);
    apps.push(two);
    for (const [i, phone] of PHONES.entries())
      await connectPhone(i % 2 ? two : one, text, x, twilio, phone, `pair${i}`);

    x.standIn.delayMs = 40;
    const before = x.standIn.posts().length;
    let sent = 0;
    for (let n = 0; n < 15; n++) {
      const phone = PHONES[n % PHONES.length] ?? "";
      const media = [{ url: twilio.standIn.addMedia(PNG, "image/png"), contentType: "image/png" }];
      // Twilio may deliver to either upstream; each text reaches one of the two, both work the queue.
      expect((await text(n % 2 ? two : one, phone, "", media)).status).toBe(200);
      expect((await text(n % 2 ? one : two, phone, `words ${n}`)).status).toBe(200);
      sent += 2;
    }
    const confirmations = (phone: string): string[] => repliesAfterConnecting(twilio, phone);
    await waitFor(
      () => PHONES.reduce((total, phone) => total + confirmations(phone).length, 0) >= sent,
      "a confirmation for every text",
      30_000,
    );
    await waitFor(() => x.standIn.posts().length - before >= sent, "every post");
    const posts = x.standIn.posts().slice(before);
    expect(posts).toHaveLength(sent);
    expect(posts.filter((p) => p.text === "" && p.mediaIds.length === 1)).toHaveLength(15);
    for (const phone of PHONES) {
      const bodies = confirmations(phone);
      expect(new Set(bodies).size).toBe(bodies.length);
      expect(bodies.every((body) => /^Posted.*: https:\/\/x\.com\/pair/.test(body))).toBe(true);
    }
    expect(PHONES.reduce((total, phone) => total + confirmations(phone).length, 0)).toBe(sent);
    // Both processes worked the queue.
    expect(one.output()).toContain("inbound.done");
    expect(two.output()).toContain("inbound.done");
  }, 60_000);
});
