import { checkLength } from "../x/length";

export type TexterState = { connected: boolean };

export type Intent =
  /** Not connected yet: the text is not posted; the texter gets a link. */
  | { kind: "connect" }
  | { kind: "post"; text: string }
  | { kind: "too_long"; over: number; fitting: string }
  | { kind: "empty" };

/** Decides what a text means for this texter. Pure: no I/O, no clock. */
export function interpret(body: string, state: TexterState): Intent {
  if (!state.connected) return { kind: "connect" };
  // Spec: a leading backslash escapes a command word; it is removed, the rest is posted literally.
  const text = body.startsWith("\\") ? body.slice(1) : body;
  if (text.trim() === "") return { kind: "empty" };
  const length = checkLength(text);
  if (!length.fits) return { kind: "too_long", over: length.over, fitting: length.fitting };
  return { kind: "post", text };
}
