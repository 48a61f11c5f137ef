/**
 * `num_segments` / `NumSegments` as Twilio reports them, counted apart from the app's own arithmetic
 * (src/sms/segments.ts) so that the stand-in checks it rather than echoing it. Not with Twilio's own
 * sms-segments-calculator: under Bun, 2,000 calls on typical replies take 5.3–5.7 s in a fresh process
 * (up to 6 ms a call while the JIT tiers up), too slow for a stand-in that the bench's drain drives at
 * about 150 texts a second. The tests hold this count against that calculator instead.
 *
 * Counted the way a text is sent: encoded (GSM 03.38 septets, else UTF-16), then cut into parts of
 * 140 octets less a 6-octet header, never between an escape septet and its character nor inside what
 * shows as one character.
 */

/** The GSM 03.38 default alphabet in septet order; 0x1B escapes to the extension table. */
const DEFAULT_ALPHABET =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const ESCAPE = 0x1b;
/** The extension table's characters: each is sent as ESCAPE and a second septet. */
const EXTENSION = new Set("\f^{}\\[~]|€");

const GRAPHEMES = new Intl.Segmenter("en", { granularity: "grapheme" });

export function twilioSegments(body: string): number {
  const septets = gsm7(body);
  if (septets !== null) return parts(septets, 160, 153);
  // Twilio's calculator takes CR LF as two characters, though Unicode shows them as one.
  const units = Array.from(GRAPHEMES.segment(body), ({ segment }) => segment).flatMap((grapheme) =>
    grapheme === "\r\n" ? [1, 1] : [grapheme.length],
  );
  return parts(units, 70, 67);
}

/** Septets per character, or null when a character has none (then the text goes as UTF-16). */
function gsm7(body: string): number[] | null {
  const septets: number[] = [];
  for (const char of body) {
    const septet = DEFAULT_ALPHABET.indexOf(char);
    // U+001B has a septet, but it is the escape: Twilio sends a text holding it as UTF-16.
    if (septet !== -1 && septet !== ESCAPE) septets.push(1);
    else if (EXTENSION.has(char)) septets.push(2);
    else return null;
  }
  return septets;
}

/** How many parts characters of these sizes fill: all in one if they fit, else `perPart` each, uncut. */
function parts(sizes: number[], alone: number, perPart: number): number {
  if (sizes.reduce((sum, size) => sum + size, 0) <= alone) return 1;
  let count = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > perPart) {
      count += 1;
      used = 0;
    }
    used += size;
  }
  return count;
}
