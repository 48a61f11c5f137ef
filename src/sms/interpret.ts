import { checkLength } from "../x/length";

export type TexterState = {
  connected: boolean;
  threadOpen: boolean;
  /** DELETE was texted less than ten minutes ago. */
  deletePending: boolean;
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

export type Intent =
  | { kind: "command"; command: Command }
  /** DELETE is waiting for CONFIRM and this text is something else: the deletion is off, nothing is posted. */
  | { kind: "delete_cancelled" }
  /** Not connected yet: the text is not posted; the texter gets a link. */
  | { kind: "connect" }
  | { kind: "post"; text: string }
  | { kind: "thread_part"; text: string }
  | { kind: "too_long"; over: number; fitting: string; inThread: boolean }
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

/** Decides what a text means for this texter. Pure: no I/O, no clock. */
export function interpret(body: string, hasMedia: boolean, state: TexterState): Intent {
  const command = commandOf(body);
  // A slip after DELETE ("oops no, keep it") must never become a public post.
  if (state.deletePending && !DURING_DELETE.has(command)) return { kind: "delete_cancelled" };
  if (command && (state.connected || WITHOUT_ACCOUNT.has(command))) return { kind: "command", command };
  if (!state.connected) return { kind: "connect" };
  // A leading backslash escapes a command word: `\HELP` posts `HELP`.
  const text = body.startsWith("\\") ? body.slice(1) : body;
  if (text.trim() === "" && !hasMedia) return { kind: "empty" };
  const length = checkLength(text);
  if (!length.fits) {
    return { kind: "too_long", over: length.over, fitting: length.fitting, inThread: state.threadOpen };
  }
  return state.threadOpen ? { kind: "thread_part", text } : { kind: "post", text };
}
