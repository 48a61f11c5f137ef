import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { textApp } from "../../src/sandbox/phone";
import { PUBLIC_URL, startConnected, type TestService } from "../support/service";
import { TWILIO_NUMBER } from "../support/twilio";

// Each test starts the whole service and stand-ins; a 2-core CI machine needs headroom over 5 s.
setDefaultTimeout(20_000);

const PHONE = "+14155550171";
let svc: TestService;
afterEach(async () => svc?.stop());

// A real 1x1 PNG: what a phone would attach, byte for byte.
const PNG = Uint8Array.from(
  Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
    "base64",
  ),
);
const GIF = Uint8Array.from(
  Buffer.from("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==", "base64"),
);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, ...new Array(64).fill(7), 0xff, 0xd9]);

describe("picture messages", () => {
  it("should skip a picture whose URL is not on Twilio's API origin, post the text, and say so", async () => {
    svc = await startConnected(PHONE, "gus");
    // A forged or compromised-account webhook: signed, but its MediaUrl points elsewhere.
    const response = await textApp(svc.url, {
      publicUrl: PUBLIC_URL,
      authToken: svc.twilio.authToken,
      accountSid: svc.twilio.accountSid,
      from: PHONE,
      to: TWILIO_NUMBER,
      body: "words, no picture",
      media: [{ url: "https://attacker.example/steal.png", contentType: "image/png" }],
    });
    expect(response.status).toBe(200);
    const reply = await svc.nthTextTo(PHONE, 3);
    const [post] = svc.x.standIn.posts();
    expect(post?.text).toBe("words, no picture");
    expect(post?.mediaIds).toHaveLength(0);
    expect(reply).toBe(`Posted "words, no picture" (picture skipped): https://x.com/gus/status/${post?.id}`);
  });

  it("should upload the picture to X and attach it to the post", async () => {
    svc = await startConnected(PHONE, "gus");
    await svc.mms(PHONE, "look at this", [{ bytes: PNG, contentType: "image/png" }]);
    const reply = await svc.nthTextTo(PHONE, 3);
    const [post] = svc.x.standIn.posts();
    expect(reply).toBe(`Posted "look at this": https://x.com/gus/status/${post?.id}`);
    expect(post?.text).toBe("look at this");
    expect(post?.mediaIds).toHaveLength(1);
    const [media] = svc.x.standIn.media();
    expect(media?.id).toBe(post?.mediaIds[0] ?? "-");
    expect(Buffer.from(media?.bytes ?? new Uint8Array()).equals(Buffer.from(PNG))).toBe(true);
  });

  it("should post pictures without text on their own, up to four", async () => {
    svc = await startConnected(PHONE, "gus");
    const four = [1, 2, 3, 4].map(() => ({ bytes: JPEG, contentType: "image/jpeg" }));
    await svc.mms(PHONE, "", four);
    expect(await svc.nthTextTo(PHONE, 3)).toStartWith("Posted");
    const [post] = svc.x.standIn.posts();
    expect(post?.text).toBe("");
    expect(post?.mediaIds).toHaveLength(4);
  });

  it("should post a GIF once X has processed it, looking at its STATUS as X asks", async () => {
    svc = await startConnected(PHONE, "gus");
    await svc.mms(PHONE, "it moves", [{ bytes: GIF, contentType: "image/gif" }]);
    const reply = await svc.nthTextTo(PHONE, 3);
    const [post] = svc.x.standIn.posts();
    expect(reply).toBe(`Posted "it moves": https://x.com/gus/status/${post?.id}`);
    expect(post?.mediaIds).toHaveLength(1);
    const uploads = svc.x.standIn.requests.filter((r) => r.path.startsWith("/2/media/upload"));
    expect(uploads.map((r) => `${r.method} ${r.path.replace(/\/\d{5,}\//, "/{id}/")}`)).toEqual([
      "POST /2/media/upload/initialize",
      "POST /2/media/upload/{id}/append",
      "POST /2/media/upload/{id}/finalize",
      "GET /2/media/upload",
    ]);
  });

  it("should say, once and finally, that X could not process the GIF", async () => {
    svc = await startConnected(PHONE, "gus");
    svc.x.standIn.setMediaProcessing({ result: "failed" });
    await svc.mms(PHONE, "broken gif", [{ bytes: GIF, contentType: "image/gif" }]);
    expect(await svc.nthTextTo(PHONE, 3)).toBe(
      "Not posted: X could not process the GIF. Send another GIF, or a JPEG or PNG.",
    );
    await svc.service.delivery.idle();
    expect(svc.x.standIn.posts()).toHaveLength(0);
    expect(svc.x.standIn.requests.filter((r) => r.path.endsWith("/initialize"))).toHaveLength(1);
    expect(svc.textsTo(PHONE)).toHaveLength(3);
  });

  it("should refuse other media, or too many pictures, and say what is supported", async () => {
    svc = await startConnected(PHONE, "gus");
    await svc.mms(PHONE, "my video", [{ bytes: JPEG, contentType: "video/mp4" }]);
    expect(await svc.nthTextTo(PHONE, 3)).toContain("JPEG, PNG, GIF or WebP");
    const five = [1, 2, 3, 4, 5].map(() => ({ bytes: JPEG, contentType: "image/jpeg" }));
    await svc.mms(PHONE, "five", five);
    expect(await svc.nthTextTo(PHONE, 4)).toContain("up to 4");
    expect(svc.x.standIn.posts()).toHaveLength(0);
    expect(svc.x.standIn.requests.filter((r) => r.path.startsWith("/2/media"))).toHaveLength(0);
  });
});
