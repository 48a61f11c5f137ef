import twitterText from "twitter-text";

export const X_MAX_WEIGHTED_LENGTH = 280;

export type LengthCheck =
  | { kind: "fits"; weightedLength: number }
  /** `over`: weighted characters past the limit; `fitting`: the prefix of the text that would fit. */
  | { kind: "too_long"; weightedLength: number; over: number; fitting: string }
  /** `codePoint`: the first character twitter-text calls invalid; X refuses a post holding one. */
  | { kind: "invalid_character"; weightedLength: number; codePoint: number };

/** X's own rules via twitter-text: URLs weigh 23, emoji and CJK weigh 2; U+FFFE, U+FEFF, U+FFFF are refused. */
export function checkLength(text: string): LengthCheck {
  const parsed = twitterText.parseTweet(text);
  const { weightedLength } = parsed;
  // Ahead of the length: the part that "fits" (twitter-text's valid range) stops at an invalid character.
  const invalid = twitterText.regexen.invalidChars.exec(text)?.[0];
  if (invalid !== undefined) {
    return { kind: "invalid_character", weightedLength, codePoint: invalid.codePointAt(0) ?? 0 };
  }
  if (weightedLength <= X_MAX_WEIGHTED_LENGTH) return { kind: "fits", weightedLength };
  return {
    kind: "too_long",
    weightedLength,
    over: weightedLength - X_MAX_WEIGHTED_LENGTH,
    // validRangeEnd is an inclusive UTF-16 index.
    fitting: text.slice(0, parsed.validRangeEnd + 1),
  };
}
