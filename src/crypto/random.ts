/** 32 random bytes (256 bits), URL-safe: used for one-time link tokens. */
export function randomToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
}

/** Secrets are looked up by hash so that a copy of the database does not hold usable links. */
export function sha256(value: string): string {
  return new Bun.CryptoHasher("sha256").update(value).digest("hex");
}
