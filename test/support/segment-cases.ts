import fc from "fast-check";

/** Texts to hold a segment count against Twilio's sms-segments-calculator (`SegmentedMessage`). */
export const SEGMENT_SAMPLES: string[] = [
  "",
  "a".repeat(160),
  "a".repeat(161),
  "a".repeat(306),
  "a".repeat(307),
  "{[curly]} ~ | ^ € \\".repeat(9),
  "ç and Ç",
  "naïve café",
  "emoji 😀",
  "日本語".repeat(23),
  "日本語".repeat(24),
  `tab\there and\r\nnewlines`,
  // Where counting septets or code units and dividing is not enough (issue 9):
  "\u001b",
  `${"a".repeat(100)}\u001b`,
  `${"a".repeat(152)}{${"a".repeat(152)}`,
  "{".repeat(153),
  `${"日".repeat(66)}😀${"日".repeat(66)}`,
  "😀".repeat(67),
  `${"日".repeat(60)}👨‍👩‍👧‍👦${"日".repeat(63)}`,
  `${"日".repeat(66)}\r\n${"日".repeat(66)}`,
  `${"a".repeat(158)}€`,
  `${"a".repeat(159)}€`,
  "€".repeat(80),
  `${"日".repeat(69)}😀`,
];

// Pieces whose sizes differ (1 or 2 septets; 1, 2 or 11 code units) and that may land on any boundary.
const PIECES = ["a", " ", "{", "€", "\u001b", "\r\n", "é", "ç", "日", "😀", "👍🏽", "🇫🇷", "👨‍👩‍👧‍👦"];

/**
 * Random texts of one to a few segments mixing some of those pieces. Up to ~320 characters: longer ones
 * make sms-segments-calculator slow under Bun (see src/sms/segments.ts).
 */
export const segmentTexts: fc.Arbitrary<string> = fc
  .subarray(PIECES)
  .chain((some) => fc.array(fc.constantFrom("a", ...some), { minLength: 60, maxLength: 320 }))
  .map((chars) => chars.join(""));
