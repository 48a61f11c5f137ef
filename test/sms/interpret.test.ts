import { describe, expect, it } from "bun:test";
import { type Intent, interpret, type TexterState } from "../../src/sms/interpret";

const connected: TexterState = { connected: true, threadOpen: false, deletePending: false, locked: false };
const inThread: TexterState = { ...connected, threadOpen: true };
const stranger: TexterState = { connected: false, threadOpen: false, deletePending: false, locked: false };
const locked: TexterState = { ...connected, locked: true };

const command = (name: string): Intent => ({ kind: "command", command: name }) as Intent;

describe("interpret", () => {
  it.each([
    ["HELP", "help"],
    ["info", "help"],
    ["  Status \n", "status"],
    ["THREAD", "thread_start"],
    ["done", "thread_done"],
    ["Discard", "thread_discard"],
    ["UNDO", "undo"],
    ["logout", "logout"],
    ["DELETE", "delete_request"],
    ["confirm", "delete_confirm"],
    ["STOP", "opt_out"],
    ["stopall", "opt_out"],
    ["UNSUBSCRIBE", "opt_out"],
    ["cancel", "opt_out"],
    ["END", "opt_out"],
    ["quit", "opt_out"],
    ["REVOKE", "opt_out"],
    ["optout", "opt_out"],
    ["START", "opt_in"],
    ["yes", "opt_in"],
    ["UNSTOP", "opt_in"],
  ])("should read %p as the %s command", (body, name) => {
    expect(interpret(body, false, connected)).toEqual(command(name));
  });

  it.each([
    ["help?", "help"],
    ["Stop.", "opt_out"],
    ["undo!", "undo"],
    ["done.", "thread_done"],
    ["  Status?! ", "status"],
    ["LOGOUT...", "logout"],
    ["confirm !", "delete_confirm"],
    ["Start!", "opt_in"],
    ["cancel?", "opt_out"],
  ])("should read %p, with its punctuation, as the %s command", (body, name) => {
    expect(interpret(body, false, connected)).toEqual(command(name));
  });

  it("should keep punctuation inside or before a word a post, and a backslash an escape", () => {
    expect(interpret("?help", false, connected)).toEqual({ kind: "post", text: "?help" });
    expect(interpret("he.lp", false, connected)).toEqual({ kind: "post", text: "he.lp" });
    expect(interpret("help, please", false, connected)).toEqual({ kind: "post", text: "help, please" });
    expect(interpret("\\undo!", false, connected)).toEqual({ kind: "post", text: "undo!" });
    expect(interpret("done.", false, inThread)).toEqual(command("thread_done"));
  });

  it("should treat a command word inside a longer text as a post", () => {
    expect(interpret("help me", false, connected)).toEqual({ kind: "post", text: "help me" });
    expect(interpret("STOP the presses", false, connected)).toEqual({
      kind: "post",
      text: "STOP the presses",
    });
  });

  it("should post a backslashed command word literally, without the backslash", () => {
    expect(interpret("\\HELP", false, connected)).toEqual({ kind: "post", text: "HELP" });
    expect(interpret("\\\\o/", false, connected)).toEqual({ kind: "post", text: "\\o/" });
  });

  it("should send a link to a number that is not connected, but honour HELP, STOP, START and DELETE", () => {
    expect(interpret("hello", false, stranger)).toEqual({ kind: "connect" });
    expect(interpret("UNDO", false, stranger)).toEqual({ kind: "connect" });
    expect(interpret("THREAD", false, stranger)).toEqual({ kind: "connect" });
    for (const [body, name] of [
      ["HELP", "help"],
      ["STOP", "opt_out"],
      ["START", "opt_in"],
      ["DELETE", "delete_request"],
      ["STATUS", "status"],
    ]) {
      expect(interpret(body ?? "", false, stranger)).toEqual(command(name ?? ""));
    }
  });

  it("should call off a pending DELETE with any other text, posting nothing", () => {
    const deleting: TexterState = { ...connected, deletePending: true };
    for (const body of ["oops no, keep my account", "HELP", "status", "UNDO", "\\CONFIRM", "no"]) {
      expect({ body, intent: interpret(body, false, deleting) }).toEqual({
        body,
        intent: { kind: "delete_cancelled" },
      });
    }
    expect(interpret("CONFIRM", false, deleting)).toEqual(command("delete_confirm"));
    expect(interpret("delete", false, deleting)).toEqual(command("delete_request"));
    expect(interpret("CANCEL", false, deleting)).toEqual(command("opt_out"));
    expect(interpret("START", false, deleting)).toEqual(command("opt_in"));
    expect(interpret("a picture", true, { ...stranger, deletePending: true })).toEqual({
      kind: "delete_cancelled",
    });
  });

  it("should make texts parts while a thread is open, and keep commands commands", () => {
    expect(interpret("first part", false, inThread)).toEqual({ kind: "thread_part", text: "first part" });
    expect(interpret("DONE", false, inThread)).toEqual(command("thread_done"));
    expect(interpret("STOP", false, inThread)).toEqual(command("opt_out"));
  });

  it("should refuse a text over 280 weighted characters with how far over and what fits", () => {
    expect(interpret("a".repeat(281), false, connected)).toEqual({
      kind: "too_long",
      over: 1,
      fitting: "a".repeat(280),
      inThread: false,
    });
    expect(interpret("😀".repeat(141), false, inThread)).toMatchObject({
      kind: "too_long",
      over: 2,
      inThread: true,
    });
    expect(interpret("😀".repeat(140), false, connected)).toMatchObject({ kind: "post" });
  });

  it("should refuse a text holding a character X does not accept, naming it, in or out of a thread", () => {
    expect(interpret("hello \uFFFE world", false, connected)).toEqual({
      kind: "invalid_character",
      codePoint: 0xfffe,
      inThread: false,
    });
    expect(interpret("part\uFFFF", true, inThread)).toEqual({
      kind: "invalid_character",
      codePoint: 0xffff,
      inThread: true,
    });
  });

  it("should post a picture without text, and ignore an empty text", () => {
    expect(interpret("", true, connected)).toEqual({ kind: "post", text: "" });
    expect(interpret("  ", false, connected)).toEqual({ kind: "empty" });
  });
});

describe("interpret on LOCK", () => {
  it.each([
    ["LOCK 4821", "lock", "4821"],
    ["lock 12345678.", "lock", "12345678"],
    ["LOCK 12", "lock", null],
    ["LOCK abc", "lock", null],
    ["Lock the door", "lock", null],
    ["lock", "lock", null],
    ["LOCK 123456789", "lock", null],
    ["UNLOCK 4821", "unlock", "4821"],
    ["unlock", "unlock", null],
    ["FORGOT", "forgot", null],
    ["forgot?", "forgot", null],
  ])("should read %p as a lock command, never a post", (body, name, pin) => {
    expect(interpret(body, false, connected)).toEqual({ kind: "lock", command: name, pin } as Intent);
  });

  it("should post a backslashed LOCK and a longer word that starts like one", () => {
    expect(interpret("\\LOCK 4821", false, connected)).toEqual({ kind: "post", text: "LOCK 4821" });
    expect(interpret("locked out again", false, connected)).toEqual({
      kind: "post",
      text: "locked out again",
    });
  });

  it("should send a link for the lock words when no account is connected", () => {
    expect(interpret("LOCK 4821", false, stranger)).toEqual({ kind: "connect" });
    expect(interpret("FORGOT", false, stranger)).toEqual({ kind: "connect" });
  });

  it("should hand a locked number's leading 4-8 digits over as a PIN with the rest of the text", () => {
    expect(interpret("4821 hello there", false, locked)).toEqual({
      kind: "pin_attempt",
      pin: "4821",
      rest: "hello there",
    });
    expect(interpret(" 12345678 UNDO", false, locked)).toEqual({
      kind: "pin_attempt",
      pin: "12345678",
      rest: "UNDO",
    });
    expect(interpret("4821", true, locked)).toEqual({ kind: "pin_attempt", pin: "4821", rest: "" });
  });

  it("should refuse a locked number's text without a PIN, without counting it", () => {
    for (const body of ["hello", "123 hello", "123456789 hello", "4821hello", "UNDO", "THREAD", "CONFIRM"]) {
      expect(interpret(body, false, locked)).toEqual({ kind: "locked_without_pin" });
    }
  });

  it("should let STOP, START, HELP, UNLOCK and FORGOT through a lock without the PIN", () => {
    expect(interpret("STOP", false, locked)).toEqual(command("opt_out"));
    expect(interpret("start", false, locked)).toEqual(command("opt_in"));
    expect(interpret("HELP", false, locked)).toEqual(command("help"));
    expect(interpret("UNLOCK 4821", false, locked)).toEqual({ kind: "lock", command: "unlock", pin: "4821" });
    expect(interpret("FORGOT", false, locked)).toEqual({ kind: "lock", command: "forgot", pin: null });
  });

  it("should read the rest after the PIN as an unlocked text", () => {
    const rest = interpret("4821 UNDO", false, locked);
    expect(rest.kind).toBe("pin_attempt");
    if (rest.kind !== "pin_attempt") return;
    expect(interpret(rest.rest, false, { ...locked, locked: false })).toEqual(command("undo"));
  });
});
