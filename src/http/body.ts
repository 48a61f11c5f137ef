import { badRequest, payloadTooLarge, requestTimeout } from "./errors";

/** Generous for a Twilio webhook (ten media URLs and every field fit in a few kilobytes). */
export const MAX_BODY_BYTES = 64 * 1024;

export type BodyRules = {
  /** The whole body must have arrived this long after the first read, or the answer is 408. */
  deadlineMs: number;
  maxBytes?: number;
};

/**
 * Reads a request body as text, refusing it before reading when it is too large, and giving up when it
 * trickles: a client that holds a connection open a byte at a time never reaches the handler's work.
 */
export async function readLimitedText(request: Request, rules: BodyRules): Promise<string> {
  const limit = rules.maxBytes ?? MAX_BODY_BYTES;
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw payloadTooLarge();
  const reading = request.arrayBuffer();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"expired">((resolve) => {
    timer = setTimeout(() => resolve("expired"), rules.deadlineMs);
  });
  let read: ArrayBuffer | "expired";
  try {
    read = await Promise.race([reading, expired]);
  } catch (error) {
    // The client went away mid-body (or Caddy cut it off at its own deadline): nobody waits for an answer.
    throw badRequest("Request body incomplete", { cause: error });
  } finally {
    clearTimeout(timer);
  }
  if (read === "expired") {
    // Closing the socket (the 408 says Connection: close) ends the read; its failure is expected.
    reading.catch(() => {});
    throw requestTimeout();
  }
  if (read.byteLength > limit) throw payloadTooLarge();
  return new TextDecoder().decode(read);
}

/** Form fields as Twilio sent them: all of them, for the signature. */
export function parseForm(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(text)) fields[key] = value;
  return fields;
}
