/**
 * SMS segment arithmetic, hand-written on purpose: sms-segments-calculator (Twilio's own, used by the
 * tests as the reference) becomes pathologically slow under Bun after a few dozen calls on long texts
 * (seconds per call and hundreds of MB of memory once JavaScriptCore optimises it), and a reply is measured
 * many times while fitting a quote. The rules are small and fixed (3GPP TS 23.038), and counted here as
 * Twilio's calculator counts them (the tests hold the two together).
 */

// U+001B is absent on purpose: its septet is the escape to the extension table, so Twilio sends a text
// holding it as UCS-2.
const GSM_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/** Escape-table characters: two septets each. */
const GSM_EXTENDED = "\f^{}\\[~]|€";

const BASIC = new Set(GSM_BASIC);
const EXTENDED = new Set(GSM_EXTENDED);

const GRAPHEMES = new Intl.Segmenter("en", { granularity: "grapheme" });

export type SegmentCount = { segments: number; encoding: "GSM-7" | "UCS-2" };

export function measureSms(body: string): SegmentCount {
  let septets = 0;
  for (const char of body) {
    if (BASIC.has(char)) septets += 1;
    else if (EXTENDED.has(char)) septets += 2;
    else return { segments: ucs2Segments(body), encoding: "UCS-2" };
  }
  return { segments: septets <= 160 ? 1 : gsmSegments(body), encoding: "GSM-7" };
}

/** 153 septets a segment once a text needs several (the rest carries the header); escape pairs stay whole. */
function gsmSegments(body: string): number {
  let segments = 1;
  let used = 0;
  for (const char of body) {
    const size = EXTENDED.has(char) ? 2 : 1;
    if (used + size > 153) {
      segments += 1;
      used = 0;
    }
    used += size;
  }
  return segments;
}

/**
 * 70 code units alone, else 67 a segment, cut before what shows as one character (a surrogate pair, an
 * emoji sequence) rather than through it, as Twilio's calculator does; but CR LF it takes as two.
 */
function ucs2Segments(body: string): number {
  if (body.length <= 70) return 1;
  const graphemes = GRAPHEMES.segment(body);
  let segments = 0;
  for (let start = 0; start < body.length; segments += 1) {
    let end = start + 67;
    const straddling = end < body.length ? graphemes.containing(end) : undefined;
    // A character longer than a whole segment (dozens of combining marks) has to be cut somewhere.
    if (straddling && straddling.index > start && straddling.segment !== "\r\n") end = straddling.index;
    start = end;
  }
  return segments;
}

/**
 * Fills `template`'s `{quote}` with as much of `quote` as keeps the whole text within `segments`: its END
 * behind "..." (where a too-long text stops fitting) or, with `keep: "start"`, its START followed by "..."
 * (which post a confirmation is about). Null when not even a few characters fit: one non-GSM character in
 * the quote switches the whole text to UCS-2, and 70 characters leave no room for a quote.
 */
export function fitQuote(
  template: string,
  quote: string,
  segments = 1,
  keep: "start" | "end" = "end",
): string | null {
  const build = (q: string): string => template.replace("{quote}", q);
  if (measureSms(build(quote)).segments <= segments) return build(quote);
  const chars = Array.from(quote);
  const shortened = (n: number): string =>
    keep === "end"
      ? `...${chars
          .slice(chars.length - n)
          .join("")
          .trimStart()}`
      : `${chars.slice(0, n).join("").trimEnd()}...`;
  let low = 0;
  let high = chars.length;
  // Binary search on how many characters to keep, beside an ellipsis made of GSM-7 dots.
  while (low < high) {
    const n = Math.ceil((low + high) / 2);
    if (measureSms(build(shortened(n))).segments <= segments) low = n;
    else high = n - 1;
  }
  return shortened(low).length < 6 ? null : build(shortened(low));
}
