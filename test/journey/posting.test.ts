import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { messageSidHash } from "../../src/db/inbound";
import { query } from "../../src/db/sql";
import { livePosts, startConnected, type TestService } from "../support/service";
import { waitFor } from "../support/wait";

// Each test starts the whole service and stand-ins; a 2-core CI machine needs headroom over 5 s.
setDefaultTimeout(20_000);

const PHONE = "+14155550111";
let svc: TestService;
afterEach(async () => svc?.stop());

describe("posting a text", () => {
  it("should post a connected number's text exactly as sent and reply with its link", async () => {
    svc = await startConnected(PHONE, "bob");
    const body = "  Hello from a flip phone! <b>&amp; 'quotes' \"too\"  ";
    await svc.text(PHONE, body);
    const reply = await svc.nthTextTo(PHONE, 3);
    const [post] = livePosts(svc);
    expect(post?.text).toBe(body);
    expect(post?.username).toBe("bob");
    // The confirmation quotes the post's start, whitespace collapsed, so the texter can tell it apart.
    expect(reply).toBe(
      `Posted "Hello from a flip phone! <b>&amp; 'quotes' "too"": https://x.com/bob/status/${post?.id}`,
    );
  });

  it("should post once when Twilio delivers the same MessageSid twice", async () => {
    svc = await startConnected(PHONE, "bob");
    const sid = `SM${"1".repeat(32)}`;
    const first = await svc.text(PHONE, "only once", sid);
    const second = await svc.text(PHONE, "only once", sid);
    expect([first.status, second.status]).toEqual([200, 200]);
    await svc.nthTextTo(PHONE, 3);
    await svc.service.delivery.idle();
    await Bun.sleep(200);
    expect(livePosts(svc)).toHaveLength(1);
    expect(svc.textsTo(PHONE)).toHaveLength(3);
    expect(
      (await query(svc.db, (orm, t) => orm.select().from(t.inboundMessages))).filter((m) =>
        m.sid.endsWith(`:${messageSidHash(sid)}`),
      ),
    ).toHaveLength(1);
  });

  it("should refuse 281 letters and say by how much, but post 140 emoji and a long URL", async () => {
    svc = await startConnected(PHONE, "bob");
    await svc.text(PHONE, "a".repeat(281));
    const refusal = await svc.nthTextTo(PHONE, 3);
    expect(refusal).toContain("1 over");
    expect(refusal).toContain("THREAD");
    expect(livePosts(svc)).toHaveLength(0);

    const emoji = "😀".repeat(140);
    await svc.text(PHONE, emoji);
    await svc.nthTextTo(PHONE, 4);
    const url = `Read this: https://example.com/${"very-long-path/".repeat(30)}`;
    await svc.text(PHONE, url);
    await svc.nthTextTo(PHONE, 5);
    expect(livePosts(svc).map((p) => p.text)).toEqual([emoji, url]);
  });

  it("should not send X a text holding a character X refuses, and name the character in the reply", async () => {
    svc = await startConnected(PHONE, "bob");
    await svc.text(PHONE, "copied from a file \uFEFFwith a byte-order mark");
    expect(await svc.nthTextTo(PHONE, 3)).toBe(
      "Not posted: X does not accept the character U+FEFF in your text. Remove it and send it again.",
    );
    expect(svc.x.standIn.requests.filter((r) => r.path === "/2/tweets")).toHaveLength(0);
    await svc.text(PHONE, "copied from a file with a byte-order mark");
    expect(await svc.nthTextTo(PHONE, 4)).toStartWith("Posted");
    expect(livePosts(svc).map((p) => p.text)).toEqual(["copied from a file with a byte-order mark"]);
  });

  it("should keep each number's texts in order while serving numbers side by side", async () => {
    svc = await startConnected(PHONE, "bob");
    const other = "+14155550112";
    await svc.text(other, "hi");
    await svc.nthTextTo(other, 1);
    await svc.connect(other, "carol");
    await svc.nthTextTo(other, 2);
    svc.x.standIn.delayMs = 60;
    await Promise.all(
      [1, 2, 3, 4].flatMap((n) => [svc.text(PHONE, `bob ${n}`), svc.text(other, `carol ${n}`)]),
    );
    await waitFor(() => livePosts(svc).length === 8, "eight posts");
    const by = (user: string) =>
      livePosts(svc)
        .filter((p) => p.username === user)
        .map((p) => p.text);
    expect(by("bob")).toEqual(["bob 1", "bob 2", "bob 3", "bob 4"]);
    expect(by("carol")).toEqual(["carol 1", "carol 2", "carol 3", "carol 4"]);
  });

  it("should tell the texter in plain words when X refuses a duplicate", async () => {
    svc = await startConnected(PHONE, "bob");
    await svc.text(PHONE, "same words");
    await svc.nthTextTo(PHONE, 3);
    await svc.text(PHONE, "same words");
    expect(await svc.nthTextTo(PHONE, 4)).toContain("duplicate");
    expect(livePosts(svc)).toHaveLength(1);
  });

  it("should say once, and finally, that X counted the text as too long when our count said it fits", async () => {
    svc = await startConnected(PHONE, "bob");
    // X's own 400 for a text it counts as over 280; twitter-text counted this one as fitting.
    svc.x.standIn.failNext("tweets", {
      status: 400,
      body: {
        errors: [
          {
            parameters: {},
            message:
              "Your Tweet text is too long. For more information on how Twitter determines text length see https://github.com/twitter/twitter-text.",
          },
        ],
        title: "Invalid Request",
        detail: "One or more parameters to your request was invalid.",
        type: "https://api.twitter.com/2/problems/invalid-request",
      },
    });
    await svc.text(PHONE, "counted differently at X");
    expect(await svc.nthTextTo(PHONE, 3)).toBe(
      "Not posted: X counts it as over its 280 limit. Shorten it, or text THREAD to post it in parts.",
    );
    await svc.service.delivery.idle();
    expect(svc.x.standIn.requests.filter((r) => r.path === "/2/tweets")).toHaveLength(1);
    expect(svc.textsTo(PHONE)).toHaveLength(3);
    expect(livePosts(svc)).toHaveLength(0);
  });
});
