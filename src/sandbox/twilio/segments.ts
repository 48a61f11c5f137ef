/**
 * `num_segments` / `NumSegments` as Twilio reports them, counted apart from the app's own arithmetic
 * (src/sms/segments.ts) so that the stand-in checks it rather than echoing it. Not with Twilio's own
 * sms-segments-calculator: under Bun, 2,000 calls on typical replies take 5.3–5.7 s in a fresh process
 * (up to 6 ms a call while the JIT tiers up), too slow for a stand-in that the bench's drain drives at
 * about 150 texts a second. The tests hold this count against that calculator instead.
 *
 * Counted the way a text is sent: encoded (GSM 03.38 septets, else UTF-16 code units), then the encoded
 * stream cut into parts of 140 octets less a 6-octet header, never between an escape septet and its
 * character nor inside what shows as one character.
 */

/** The GSM 03.38 default alphabet in septet order; 0x1B escapes to the extension table. */
const DEFAULT_ALPHABET =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const ESCAPE = 0x1b;
/** The extension table: each character is sent as ESCAPE and its septet here. */
const EXTENSION = new Map<string, number>([
  ["\f", 0x0a],
  ["^", 0x14],
  ["{", 0x28],
  ["}", 0x29],
  ["\\", 0x2f],
  ["[", 0x3c],
  ["~", 0x3d],
  ["]", 0x3e],
  ["|", 0x40],
  ["€", 0x65],
]);

const GRAPHEMES = new Intl.Segmenter("en", { granularity: "grapheme" });

export function twilioSegments(body: string): number {
  const septets = gsm7(body);
  if (septets !== null) {
    return cut(septets.length, 160, 153, (at) => septets[at - 1] !== ESCAPE);
  }
  const starts = new Set<number>();
  for (const { index, segment } of GRAPHEMES.segment(body)) {
    starts.add(index);
    // Twilio's calculator takes CR LF as two characters, though Unicode shows them as one.
    if (segment === "\r\n") starts.add(index + 1);
  }
  return cut(body.length, 70, 67, (at) => starts.has(at));
}

/** The text as GSM 03.38 septets, or null when a character has none (then it goes as UTF-16). */
function gsm7(body: string): number[] | null {
  const septets: number[] = [];
  for (const char of body) {
    const septet = DEFAULT_ALPHABET.indexOf(char);
    const extension = EXTENSION.get(char);
    // U+001B has a septet, but that septet is the escape: Twilio sends a text holding it as UTF-16.
    if (septet !== -1 && septet !== ESCAPE) septets.push(septet);
    else if (extension !== undefined) septets.push(ESCAPE, extension);
    else return null;
  }
  return septets;
}

/**
 * How many parts an encoded text of `length` units goes in: one if it fits `alone`, else parts of
 * `perPart`, each cut moved back until `canCut` allows it (one too long to be kept whole is cut anyway).
 */
function cut(length: number, alone: number, perPart: number, canCut: (at: number) => boolean): number {
  if (length <= alone) return 1;
  let parts = 0;
  for (let start = 0; start < length; parts += 1) {
    let end = start + perPart;
    while (end > start && end < length && !canCut(end)) end -= 1;
    start = end > start ? end : start + perPart;
  }
  return parts;
}
