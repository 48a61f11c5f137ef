import { checkLength } from "../x/length";

export type TexterState = {
  connected: boolean;
  threadOpen: boolean;
  /** DELETE was texted less than ten minutes ago. */
  deletePending: boolean;
  /** LOCK set a PIN on this connection: texts must start with it (spec: LOCK grammar). */
  locked: boolean;
};

export type Command =
  | "help"
  | "status"
  | "thread_start"
  | "thread_done"
  | "thread_discard"
  | "undo"
  | "logout"
  | "delete_request"
  | "delete_confirm"
  | "opt_out"
  | "opt_in";

export type LockCommand = "lock" | "unlock" | "forgot";

export type Intent =
  | { kind: "command"; command: Command }
  /** LOCK, UNLOCK or FORGOT, whatever follows; `pin` is null when LOCK or UNLOCK is not followed by 4-8 digits. */
  | { kind: "lock"; command: LockCommand; pin: string | null }
  /** Locked, and the text starts with 4-8 digits: checking them is the caller's (async crypto); `rest` is the text. */
  | { kind: "pin_attempt"; pin: string; rest: string }
  /** Locked, and the text does not start with a PIN: not posted, not counted as a wrong PIN. */
  | { kind: "locked_without_pin" }
  /** DELETE is waiting for CONFIRM and this text is something else: the deletion is off, nothing is posted. */
  | { kind: "delete_cancelled" }
  /** Not connected yet: the text is not posted; the texter gets a link. */
  | { kind: "connect" }
  | { kind: "post"; text: string }
  | { kind: "thread_part"; text: string }
  | { kind: "too_long"; over: number; fitting: string; inThread: boolean }
  /** A character X refuses (twitter-text's invalid ones): not posted, and the reply names it. */
  | { kind: "invalid_character"; codePoint: number; inThread: boolean }
  | { kind: "empty" };

// Twilio acts on these itself (blocks or unblocks the number) and still calls the webhook;
// they must never mean anything else here (spec: never use END, CANCEL, STOP or YES otherwise).
const OPT_OUT = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"];
const OPT_IN = ["START", "YES", "UNSTOP"];

const WORDS: Record<string, Command> = {
  HELP: "help",
  INFO: "help",
  STATUS: "status",
  THREAD: "thread_start",
  DONE: "thread_done",
  DISCARD: "thread_discard",
  UNDO: "undo",
  LOGOUT: "logout",
  DELETE: "delete_request",
  CONFIRM: "delete_confirm",
  ...Object.fromEntries(OPT_OUT.map((word) => [word, "opt_out" as const])),
  ...Object.fromEntries(OPT_IN.map((word) => [word, "opt_in" as const])),
};

/** Commands that make sense before an X account is connected; any other text gets a link. */
const WITHOUT_ACCOUNT = new Set<Command>([
  "help",
  "status",
  "delete_request",
  "delete_confirm",
  "opt_out",
  "opt_in",
  "logout",
]);

/** While DELETE waits for CONFIRM, these still mean what they say; anything else calls the deletion off. */
const DURING_DELETE = new Set<Command | undefined>(["delete_confirm", "delete_request", "opt_out", "opt_in"]);

/**
 * The command word a text is, as people type them: any case, surrounding spaces, and trailing `.`, `!`,
 * `?` in any mix (`Stop.`, `help?`, `undo!`, ` Done?! `) are ignored; anything else makes it a post.
 */
export function commandOf(body: string): Command | undefined {
  return WORDS[
    body
      .trim()
      .replace(/[.!?\s]+$/, "")
      .toUpperCase()
  ];
}

const LOCK_WORDS: Record<string, LockCommand> = { LOCK: "lock", UNLOCK: "unlock", FORGOT: "forgot" };

/** What works on a locked number without the PIN: the carrier's words (STOP, START, HELP) must always work. */
const WITHOUT_PIN = new Set<Command | undefined>(["help", "opt_out", "opt_in"]);

/** `LOCK 4821`, `unlock 4821.`: the word, then 4-8 digits and nothing else. */
const LOCK_TEXT = /^(\S+)(?:\s+([\s\S]*?))?[.!?]*$/;
const PIN = /^\d{4,8}$/;
/** A locked number's texts: the PIN, then a space (or nothing more: a picture alone). */
const PIN_PREFIX = /^(\d{4,8})(?:\s([\s\S]*))?$/;

function lockCommand(body: string): Intent | null {
  const match = LOCK_TEXT.exec(body.trim());
  const command = LOCK_WORDS[(match?.[1] ?? "").toUpperCase().replace(/[.!?]+$/, "")];
  if (!command) return null;
  const argument = (match?.[2] ?? "").trim();
  return { kind: "lock", command, pin: PIN.test(argument) ? argument : null };
}

/**
 * True when Twilio itself acts on and answers this text: exactly one of its keywords, nothing else
 * (spec: Twilio's keywords). Then we record the change and send no second answer (HELP excepted).
 */
export function twilioAnswers(body: string): boolean {
  const word = WORDS[body.trim().toUpperCase()];
  return word === "opt_out" || word === "opt_in" || word === "help";
}

/** Decides what a text means for this texter. Pure: no I/O, no clock. */
export function interpret(body: string, hasMedia: boolean, state: TexterState): Intent {
  const command = commandOf(body);
  // With no account there is nothing to lock or unlock: those words get a link like any text.
  const lock = state.connected ? lockCommand(body) : null;
  if (state.locked && !WITHOUT_PIN.has(command) && lock === null) {
    const pin = PIN_PREFIX.exec(body.trimStart());
    return pin
      ? { kind: "pin_attempt", pin: pin[1] ?? "", rest: pin[2] ?? "" }
      : { kind: "locked_without_pin" };
  }
  // A slip after DELETE ("oops no, keep it") must never become a public post.
  if (state.deletePending && !DURING_DELETE.has(command)) return { kind: "delete_cancelled" };
  if (lock) return lock;
  if (command && (state.connected || WITHOUT_ACCOUNT.has(command))) return { kind: "command", command };
  if (!state.connected) return { kind: "connect" };
  // A leading backslash escapes a command word: `\HELP` posts `HELP`.
  const text = body.startsWith("\\") ? body.slice(1) : body;
  if (text.trim() === "" && !hasMedia) return { kind: "empty" };
  const length = checkLength(text);
  const inThread = state.threadOpen;
  switch (length.kind) {
    case "too_long":
      return { kind: "too_long", over: length.over, fitting: length.fitting, inThread };
    case "invalid_character":
      return { kind: "invalid_character", codePoint: length.codePoint, inThread };
    case "fits":
      return inThread ? { kind: "thread_part", text } : { kind: "post", text };
  }
}
