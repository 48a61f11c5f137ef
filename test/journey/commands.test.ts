import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { eq } from "drizzle-orm";
import * as schema from "../../src/db/schema";
import { query } from "../../src/db/sql";
import { getTexter } from "../../src/db/texters";
import { livePosts, startConnected, startTestService, type TestService } from "../support/service";
import { waitFor } from "../support/wait";

// Each test starts the whole service and stand-ins; a 2-core CI machine needs headroom over 5 s.
setDefaultTimeout(20_000);

const PHONE = "+14155550161";
let svc: TestService;
afterEach(async () => svc?.stop());

/** Texts `body` and waits for the reply it causes. */
async function ask(body: string): Promise<string> {
  const before = svc.textsTo(PHONE).length;
  await svc.text(PHONE, body);
  return svc.nthTextTo(PHONE, before + 1);
}

describe("HELP and STATUS", () => {
  it("should list the commands and say which account is connected", async () => {
    svc = await startConnected(PHONE, "fern");
    const help = await ask("help");
    for (const word of ["STATUS", "THREAD", "DONE", "DISCARD", "UNDO", "LOGOUT", "DELETE", "STOP"]) {
      expect(help).toContain(word);
    }
    expect(await ask("STATUS")).toBe("Connected as @fern. No thread open. Text HELP for commands.");
    expect(livePosts(svc)).toHaveLength(0);
  });

  it("should read commands as people type them: help?, undo!, a thread's done.", async () => {
    svc = await startConnected(PHONE, "fern");
    expect(await ask("help?")).toContain("Commands:");
    expect(await ask("a slip")).toStartWith("Posted");
    expect(await ask("undo!")).toBe('Deleted "a slip" from X. UNDO again deletes the one before.');
    expect(await ask("Thread.")).toStartWith("Thread started.");
    expect(await ask("only part")).toStartWith("Part 1 saved.");
    expect(await ask(" Done?! ")).toStartWith("Thread posted (1 part)");
    expect(livePosts(svc).map((p) => p.text)).toEqual(["only part"]);
  });

  it("should post a backslashed command word without the backslash", async () => {
    svc = await startConnected(PHONE, "fern");
    expect(await ask("\\HELP")).toStartWith("Posted");
    expect(livePosts(svc).map((p) => p.text)).toEqual(["HELP"]);
  });
});

describe("THREAD", () => {
  it("should collect parts and post them on DONE as a reply chain, in order", async () => {
    svc = await startConnected(PHONE, "fern");
    expect(await ask("THREAD")).toStartWith("Thread started.");
    expect(await ask("one")).toStartWith("Part 1 saved.");
    expect(await ask("two")).toStartWith("Part 2 saved.");
    expect(await ask("three")).toStartWith("Part 3 saved.");
    expect(await ask("status")).toContain("Thread open with 3 parts");
    expect(livePosts(svc)).toHaveLength(0);

    const reply = await ask("DONE");
    const [first, second, third] = livePosts(svc);
    expect(livePosts(svc).map((p) => p.text)).toEqual(["one", "two", "three"]);
    expect(first?.replyTo).toBeNull();
    expect(second?.replyTo).toBe(first?.id ?? "-");
    expect(third?.replyTo).toBe(second?.id ?? "-");
    expect(reply).toBe(`Thread posted (3 parts): https://x.com/fern/status/${first?.id}`);
    expect(await ask("next one stands alone")).toStartWith("Posted");
    expect(livePosts(svc).at(-1)?.replyTo).toBeNull();
  });

  it("should remove the last part on UNDO inside a thread, and keep the posts already published", async () => {
    svc = await startConnected(PHONE, "fern");
    expect(await ask("published before")).toStartWith("Posted");
    expect(await ask("THREAD")).toStartWith("Thread started.");
    expect(await ask("one")).toStartWith("Part 1 saved.");
    expect(await ask("a typo")).toStartWith("Part 2 saved.");
    expect(await ask("undo")).toBe(
      "Part 2 removed. Send it again, more parts, DONE to post the thread, or DISCARD to drop it.",
    );
    expect(await ask("two")).toStartWith("Part 2 saved.");
    expect(await ask("DONE")).toStartWith("Thread posted (2 parts)");
    expect(livePosts(svc).map((p) => p.text)).toEqual(["published before", "one", "two"]);
  });

  it("should check each part's length on arrival and number only the parts it keeps", async () => {
    svc = await startConnected(PHONE, "fern");
    await ask("THREAD");
    expect(await ask("a".repeat(290))).toContain("Part not saved: 10 over");
    expect(await ask("short")).toStartWith("Part 1 saved.");
  });

  it("should not save a part holding a character X refuses, and name the character", async () => {
    svc = await startConnected(PHONE, "fern");
    await ask("THREAD");
    expect(await ask("first \uFFFE part")).toBe(
      "Part not saved: X does not accept the character U+FFFE in it. Remove it and send the part again.",
    );
    expect(await ask("first part")).toStartWith("Part 1 saved.");
    expect(await ask("DONE")).toStartWith("Thread posted (1 part)");
    expect(livePosts(svc).map((p) => p.text)).toEqual(["first part"]);
  });

  it("should drop the parts on DISCARD and post nothing", async () => {
    svc = await startConnected(PHONE, "fern");
    await ask("THREAD");
    await ask("draft");
    expect(await ask("discard")).toBe("Thread discarded (1 part). Nothing was posted.");
    expect(await ask("DONE")).toBe("No thread is open. Text THREAD to start one.");
    expect(livePosts(svc)).toHaveLength(0);
  });

  it("should resume a thread where it stopped when X fails part-way, never reposting a part", async () => {
    svc = await startConnected(PHONE, "fern");
    await ask("THREAD");
    for (const part of ["p1", "p2", "p3"]) await ask(part);
    svc.x.standIn.passNext("tweets", 2);
    svc.x.standIn.failNext("tweets", { status: 503 }, 2);
    await svc.text(PHONE, "DONE");
    const reply = await svc.nthTextTo(PHONE, 7);
    const tweetCalls = svc.x.standIn.requests.filter((r) => r.method === "POST" && r.path === "/2/tweets");
    expect(tweetCalls).toHaveLength(5); // p1, p2, two refused tries of p3, p3
    expect(reply).toStartWith("Thread posted (3 parts)");
    expect(livePosts(svc).map((p) => p.text)).toEqual(["p1", "p2", "p3"]);
  });

  it("should say which parts went up when X refuses one", async () => {
    svc = await startConnected(PHONE, "fern");
    await ask("already there");
    await ask("THREAD");
    for (const part of ["fresh start", "already there", "never sent"]) await ask(part);
    const reply = await ask("DONE");
    const first = livePosts(svc).find((p) => p.text === "fresh start");
    expect(reply).toBe(
      `Thread stopped: X refused part 2 (duplicate). Parts 1-1 are up: https://x.com/fern/status/${first?.id}`,
    );
    expect(livePosts(svc).map((p) => p.text)).toEqual(["already there", "fresh start"]);
    expect(await ask("status")).toContain("No thread open");
  });
});

describe("a thread left open", () => {
  it("should be discarded after 24 hours with a text saying so", async () => {
    let offset = 0;
    svc = await startTestService({ clock: { now: () => Date.now() + offset } });
    await svc.text(PHONE, "hi");
    await svc.nthTextTo(PHONE, 1);
    await svc.connect(PHONE, "fern");
    await svc.nthTextTo(PHONE, 2);
    await ask("THREAD");
    await ask("forgotten part");
    offset = 23 * 60 * 60_000;
    await Bun.sleep(200);
    expect(svc.textsTo(PHONE)).toHaveLength(4);
    offset = 25 * 60 * 60_000;
    expect(await svc.nthTextTo(PHONE, 5)).toBe(
      "Your thread was open for 24 hours, so it was discarded (1 part). Nothing was posted.",
    );
    expect(await ask("standalone again")).toStartWith("Posted");
    expect(livePosts(svc).map((p) => p.text)).toEqual(["standalone again"]);
  });
});

describe("UNDO", () => {
  it("should delete the most recent post made by SMS, then the one before", async () => {
    svc = await startConnected(PHONE, "fern");
    await ask("first");
    await ask("second");
    expect(await ask("UNDO")).toBe('Deleted "second" from X. UNDO again deletes the one before.');
    expect(livePosts(svc).map((p) => p.text)).toEqual(["first"]);
    expect(await ask("undo")).toBe('Deleted "first" from X. UNDO again deletes the one before.');
    expect(livePosts(svc)).toHaveLength(0);
    expect(await ask("UNDO")).toBe("Nothing to undo: no post made by text was found.");
  });

  it("should say once that X kept the post when X answers deleted: false, and not ask X again", async () => {
    svc = await startConnected(PHONE, "fern");
    await ask("stays up");
    svc.x.standIn.failNext("delete_tweet", { status: 200, body: { data: { deleted: false } } });
    expect(await ask("UNDO")).toBe(
      "Not deleted: X kept your last post. Delete it at x.com, or text UNDO to ask again.",
    );
    await svc.service.delivery.idle();
    expect(svc.x.standIn.requests.filter((r) => r.method === "DELETE")).toHaveLength(1);
    expect(svc.textsTo(PHONE)).toHaveLength(4);
    expect(livePosts(svc).map((p) => p.text)).toEqual(["stays up"]);
    // Still ours to undo: asked again, X deletes it.
    expect(await ask("UNDO")).toBe('Deleted "stays up" from X. UNDO again deletes the one before.');
  });

  it("should say the post was not deleted, not that something was not posted, when X refuses the delete", async () => {
    svc = await startConnected(PHONE, "fern");
    await ask("still here");
    svc.x.standIn.failNext("delete_tweet", {
      status: 403,
      body: { title: "Forbidden", type: "about:blank", status: 403, detail: "Your account is suspended." },
    });
    expect(await ask("UNDO")).toBe(
      "Not deleted: X refused (account suspended). Delete it at x.com, or text UNDO to try again.",
    );
    expect(livePosts(svc).map((p) => p.text)).toEqual(["still here"]);
  });
});

describe("LOGOUT", () => {
  it("should revoke the tokens at X, forget them, and send a new link on the next text", async () => {
    svc = await startConnected(PHONE, "fern");
    const revokesBefore = svc.x.standIn.requests.filter((r) => r.path === "/2/oauth2/revoke").length;
    expect(await ask("LOGOUT")).toBe(
      "Logged out: smstweet no longer posts as @fern. Text anything to reconnect.",
    );
    // Revoked in the background, after the reply: both tokens, access and refresh.
    const revokes = (): number =>
      svc.x.standIn.requests.filter((r) => r.path === "/2/oauth2/revoke").length - revokesBefore;
    await waitFor(() => revokes() >= 2, "both tokens revoked at X");
    expect(revokes()).toBe(2);
    // Both tokens dead at X, the refresh token included: it is revoked under its own hint.
    expect(svc.x.standIn.liveTokens("fern")).toEqual([]);
    const row = await getTexter(svc.db, PHONE);
    expect(row?.accessToken).toBeNull();
    expect(row?.refreshToken).toBeNull();
    const next = await ask("are you there?");
    expect(next).toContain("/auth/");
    expect(livePosts(svc)).toHaveLength(0);
  });
});

describe("DELETE", () => {
  it("should ask for CONFIRM, then revoke at X and leave no row about the number", async () => {
    svc = await startConnected(PHONE, "fern");
    await ask("a post");
    await ask("THREAD");
    await ask("a part");
    expect(await ask("DELETE")).toContain("CONFIRM");
    expect(await ask("confirm")).toStartWith("Erased:");
    await svc.service.delivery.idle();
    await waitFor(async () => {
      // Every table with a phone column, by name: the database's own tables come from `t`.
      const names = Object.entries(schema)
        .filter(([, table]) => typeof table === "object" && "phone" in table)
        .map(([name]) => name as keyof typeof schema);
      const found = await Promise.all(
        names.map((name) =>
          query(svc.db, (orm, t) => {
            const table = t[name] as typeof t.texters;
            return orm.select().from(table).where(eq(table.phone, PHONE));
          }),
        ),
      );
      const rows = found.flat();
      return rows.length === 0 || undefined;
    }, "every row about the number to be gone");
    expect(svc.x.standIn.requests.filter((r) => r.path === "/2/oauth2/revoke")).toHaveLength(2);
    expect(await query(svc.db, (orm, t) => orm.select().from(t.oauthSessions))).toHaveLength(0);
  });

  it("should call the deletion off on any other text, and post nothing", async () => {
    svc = await startConnected(PHONE, "fern");
    expect(await ask("DELETE")).toContain("CONFIRM");
    expect(await ask("oops no, keep my account")).toBe(
      "Deletion cancelled: nothing was erased. That text was not posted; send it again to post it.",
    );
    expect(livePosts(svc)).toHaveLength(0);
    expect(await ask("CONFIRM")).toBe("Nothing to confirm. Text DELETE to erase your data from smstweet.");
    expect(await ask("status")).toStartWith("Connected as @fern");
  });

  it("should not erase anything on a CONFIRM without a recent DELETE", async () => {
    svc = await startConnected(PHONE, "fern");
    expect(await ask("CONFIRM")).toBe("Nothing to confirm. Text DELETE to erase your data from smstweet.");
    expect(await ask("status")).toStartWith("Connected as @fern");
  });
});

describe("STOP and START", () => {
  it("should answer a STOP that Twilio did not act on (Stop.) once, then send nothing", async () => {
    svc = await startConnected(PHONE, "fern");
    expect(await ask("Stop.")).toBe("smstweet will send you no more texts. Text START to get them again.");
    const sendsAfter = svc.textsTo(PHONE).length;
    await svc.text(PHONE, "still posted, quietly");
    await waitFor(() => livePosts(svc).length === 1 || undefined, "the post");
    await svc.service.delivery.idle();
    expect(svc.textsTo(PHONE)).toHaveLength(sendsAfter);
  });

  it("should send nothing after STOP, not even an attempt, while posts still go out; START resumes", async () => {
    svc = await startConnected(PHONE, "fern");
    const sends = () =>
      svc.twilio.standIn.requests.filter((r) => r.method === "POST" && r.path.endsWith("/Messages.json"));
    await svc.text(PHONE, "STOP");
    await svc.service.delivery.idle();
    const sendsAtStop = sends().length;
    await svc.text(PHONE, "quiet post");
    await svc.text(PHONE, "HELP");
    await waitFor(() => livePosts(svc).length === 1 || undefined, "the post");
    await svc.service.delivery.idle();
    await Bun.sleep(150);
    expect(sends()).toHaveLength(sendsAtStop);
    // Twilio answers a bare START itself: we record it and add nothing. A variant it ignored gets ours.
    await svc.text(PHONE, "START");
    await svc.service.delivery.idle();
    expect(sends()).toHaveLength(sendsAtStop);
    expect(await ask("after start")).toStartWith("Posted");
    expect(await ask("Start!")).toStartWith("Welcome back");
  });
});

describe("never silent", () => {
  it("should answer a second text while the link is fresh with when it was sent and until when it works", async () => {
    svc = await startTestService();
    expect(await ask("hi")).toContain("/auth/");
    const reply = await ask("did it work?");
    expect(reply).toMatch(
      /^Not posted: connect your X account first\. We texted you a link at \d\d:\d\d UTC; it works until \d\d:\d\d UTC\.$/,
    );
    const [sent, until] = [...reply.matchAll(/(\d\d):(\d\d)/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
    expect(((until ?? 0) - (sent ?? 0) + 1440) % 1440).toBe(15);
    expect(svc.textsTo(PHONE).filter((text) => text.includes("/auth/"))).toHaveLength(1);
  });

  it("should say so when a text is empty, and when LOGOUT finds nothing to log out of", async () => {
    svc = await startTestService();
    expect(await ask("LOGOUT")).toBe(
      "No X account is connected, so there is nothing to log out of. Text anything to get a link to connect one.",
    );
    await svc.stop();
    svc = await startConnected(PHONE, "fern");
    expect(await ask("\\")).toBe("Nothing to post: that text was empty. Text HELP for commands.");
    expect(livePosts(svc)).toHaveLength(0);
  });
});

describe("honest words", () => {
  it("should say the first text was not posted, and tell an unconnected texter how to connect on HELP", async () => {
    svc = await startTestService();
    expect(await ask("my first post!")).toStartWith(
      "Not posted yet: first connect your X account to smstweet",
    );
    expect(await ask("HELP")).toStartWith("smstweet posts your texts to X. Not connected yet: text anything");
  });

  it("should say on LOGOUT that an open thread's parts were dropped", async () => {
    svc = await startConnected(PHONE, "fern");
    await ask("THREAD");
    await ask("one");
    await ask("two");
    expect(await ask("LOGOUT")).toBe(
      "Logged out: smstweet no longer posts as @fern. Open thread (2 parts) dropped. Text anything to reconnect.",
    );
  });
});
