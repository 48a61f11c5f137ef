import { SegmentedMessage } from "sms-segments-calculator";

export type SegmentCount = { segments: number; encoding: string };

export function measureSms(body: string): SegmentCount {
  const message = new SegmentedMessage(body);
  return { segments: message.segmentsCount, encoding: message.encodingName };
}

/**
 * Fills `template`'s `{quote}` with as much of the END of `quote` as keeps the whole text within
 * `segments`, or null when not even a few characters fit: one non-GSM character in the quote switches the
 * whole text to UCS-2, and 70 characters leave no room for a quote.
 */
export function fitQuote(template: string, quote: string, segments = 1): string | null {
  const build = (q: string): string => template.replace("{quote}", q);
  if (measureSms(build(quote)).segments <= segments) return build(quote);
  const chars = Array.from(quote);
  let low = 0;
  let high = chars.length;
  // Binary search on how many trailing characters to keep, behind an ellipsis made of GSM-7 dots.
  while (low < high) {
    const keep = Math.ceil((low + high) / 2);
    if (measureSms(build(`...${chars.slice(-keep).join("")}`)).segments <= segments) low = keep;
    else high = keep - 1;
  }
  const kept = chars
    .slice(chars.length - low)
    .join("")
    .trimStart();
  return kept.length < 3 ? null : build(`...${kept}`);
}
