import { payloadTooLarge } from "./errors";

/** Generous for a Twilio webhook (ten media URLs and every field fit in a few kilobytes). */
export const MAX_BODY_BYTES = 64 * 1024;

/** Reads a request body as text, refusing it before reading when it is too large. */
export async function readLimitedText(request: Request, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw payloadTooLarge();
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > limit) throw payloadTooLarge();
  return new TextDecoder().decode(bytes);
}

/** Form fields as Twilio sent them: all of them, for the signature. */
export function parseForm(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(text)) fields[key] = value;
  return fields;
}
