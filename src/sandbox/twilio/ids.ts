/** Twilio resource sids: a two-letter type prefix and 32 lowercase hex digits. */
export function twilioSid(prefix: "SM" | "MM" | "ME" | "RE"): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return prefix + Buffer.from(bytes).toString("hex");
}

/** An opaque, unguessable path segment, like the signature in a pre-signed CDN URL. */
export function cdnToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url");
}
