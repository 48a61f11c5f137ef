/**
 * SMS segment arithmetic, hand-written on purpose: sms-segments-calculator (Twilio's own, used by the
 * tests as the reference) becomes pathologically slow under Bun after a few dozen calls on long texts
 * (seconds per call and hundreds of MB of memory once JavaScriptCore optimises it), and a reply is measured
 * many times while fitting a quote. The rules are small and fixed (3GPP TS 23.038), and counted here as
 * Twilio's calculator counts them.
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

/** A segment carries 140 octets; in a concatenated text, 6 of them are Twilio's User Data Header. */
const SEGMENT_BITS = 140 * 8;
const HEADER_BITS = 6 * 8;

const GRAPHEMES = new Intl.Segmenter("en", { granularity: "grapheme" });

export type SegmentCount = { segments: number; encoding: "GSM-7" | "UCS-2" };

export function measureSms(body: string): SegmentCount {
  const septets: number[] = [];
  for (const char of body) {
    if (BASIC.has(char)) septets.push(7);
    else if (EXTENDED.has(char)) septets.push(14);
    else return { segments: ucs2Segments(body), encoding: "UCS-2" };
  }
  return { segments: pack(septets), encoding: "GSM-7" };
}

function ucs2Segments(body: string): number {
  if (body.length * 16 <= SEGMENT_BITS) return 1;
  // Twilio never splits what shows as one character (a surrogate pair, an emoji sequence) across segments,
  // except a line break written as CR LF, whose halves it places on their own.
  const sizes: number[] = [];
  for (const { segment } of GRAPHEMES.segment(body)) {
    if (segment === "\r\n") sizes.push(16, 16);
    else sizes.push(segment.length * 16);
  }
  return pack(sizes);
}

/**
 * How many segments characters of these sizes (in bits) fill, as Twilio's calculator packs them: a
 * character never straddles two segments (an escape pair, a surrogate pair), and when the text outgrows
 * one segment, the first takes a header too and hands on the characters that no longer fit. Those are
 * not checked again, so a character longer than a segment (a grapheme of dozens of code units) counts
 * as the calculator counts it.
 */
function pack(sizes: number[]): number {
  let segments = 1;
  let used = 0;
  const first: number[] = [];
  for (const size of sizes) {
    if (used + size > SEGMENT_BITS) {
      let carried = 0;
      if (segments === 1) {
        let kept = HEADER_BITS + used;
        while (kept > SEGMENT_BITS) {
          const last = first.pop() ?? 0;
          kept -= last;
          carried += last;
        }
      }
      segments += 1;
      used = HEADER_BITS + carried;
    }
    used += size;
    if (segments === 1) first.push(size);
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
