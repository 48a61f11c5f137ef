import twitterText from "twitter-text";

export const X_MAX_WEIGHTED_LENGTH = 280;

export type LengthCheck =
  | { fits: true; weightedLength: number }
  /** `over`: weighted characters past the limit; `fitting`: the prefix of the text that would fit. */
  | { fits: false; weightedLength: number; over: number; fitting: string };

/** X's own rules via twitter-text: URLs weigh 23, emoji and CJK weigh 2. */
export function checkLength(text: string): LengthCheck {
  const parsed = twitterText.parseTweet(text);
  if (parsed.weightedLength <= X_MAX_WEIGHTED_LENGTH)
    return { fits: true, weightedLength: parsed.weightedLength };
  return {
    fits: false,
    weightedLength: parsed.weightedLength,
    over: parsed.weightedLength - X_MAX_WEIGHTED_LENGTH,
    // validRangeEnd is an inclusive UTF-16 index.
    fitting: text.slice(0, parsed.validRangeEnd + 1),
  };
}
