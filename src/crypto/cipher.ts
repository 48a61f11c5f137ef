/** AES-256-GCM via Web Crypto for secrets at rest (X tokens, PKCE verifiers, pending link tokens). */

/** Before key ids: `v1.<iv>.<sealed>`. Still read, never written. */
const LEGACY = "v1";
/** `v2.<kid>.<iv>.<sealed>`: the kid says which key sealed it, so rotation needs no trial decryption. */
const CURRENT = "v2";
const IV_BYTES = 12;
const KID_HEX_CHARS = 8;

export class DecryptionError extends Error {
  constructor(options?: ErrorOptions) {
    super("Could not decrypt a stored secret (wrong TOKEN_ENCRYPTION_KEY or tampered data)", options);
    this.name = "DecryptionError";
  }
}

export type Cipher = {
  /** The current key's id, as written into every new ciphertext. */
  readonly keyId: string;
  /** `context` (e.g. the phone number) is bound as associated data: a ciphertext moved to another row fails. */
  encrypt(plaintext: string, context: string): Promise<string>;
  /** Throws DecryptionError when no configured key opens it. */
  decrypt(ciphertext: string, context: string): Promise<string>;
  /**
   * True unless `ciphertext` names the current key: seal it again to retire the previous key. A v1
   * ciphertext names no key, so it is always true for those.
   */
  needsReencryption(ciphertext: string): boolean;
};

type Key = { id: string; key: CryptoKey };

/**
 * The first 8 hex digits of SHA-256 of the raw key: enough to tell two keys apart in a ciphertext or a
 * log line, and 32 bits of a hash reveal nothing usable about a 256-bit key.
 */
export async function keyId(rawKey: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new Uint8Array(rawKey));
  return Buffer.from(digest).toString("hex").slice(0, KID_HEX_CHARS);
}

/**
 * Seals under `currentKey`; opens what either key sealed. `previousKey` is the key before the last
 * rotation, kept only until every ciphertext it sealed has been sealed again.
 */
export async function createCipher(currentKey: Uint8Array, previousKey?: Uint8Array): Promise<Cipher> {
  const current = await importKey(currentKey);
  const keys = [current];
  if (previousKey !== undefined && !Buffer.from(previousKey).equals(Buffer.from(currentKey))) {
    keys.push(await importKey(previousKey));
  }
  const encoder = new TextEncoder();

  const decrypt = async (ciphertext: string, context: string): Promise<string> => {
    const parsed = parse(ciphertext);
    if (!parsed) throw new DecryptionError();
    // A kid that matches no key still fails below with DecryptionError; two keys sharing a kid
    // (a 1-in-4-billion chance) are both tried.
    const candidates = parsed.kid === null ? keys : keys.filter((k) => k.id === parsed.kid);
    let failure: unknown;
    for (const candidate of candidates) {
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: parsed.iv, additionalData: encoder.encode(context) },
          candidate.key,
          parsed.sealed,
        );
        return new TextDecoder().decode(plain);
      } catch (cause) {
        failure = cause;
      }
    }
    throw new DecryptionError(failure === undefined ? undefined : { cause: failure });
  };

  return {
    keyId: current.id,
    async encrypt(plaintext, context) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const sealed = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: encoder.encode(context) },
        current.key,
        encoder.encode(plaintext),
      );
      return [CURRENT, current.id, base64url(iv), base64url(sealed)].join(".");
    },
    decrypt,
    needsReencryption(ciphertext) {
      return parse(ciphertext)?.kid !== current.id;
    },
  };
}

async function importKey(raw: Uint8Array): Promise<Key> {
  const key = await crypto.subtle.importKey("raw", new Uint8Array(raw), "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
  return { id: await keyId(raw), key };
}

type Parsed = { kid: string | null; iv: Uint8Array<ArrayBuffer>; sealed: Uint8Array<ArrayBuffer> };

function parse(ciphertext: string): Parsed | null {
  const parts = ciphertext.split(".");
  if (parts[0] === LEGACY && parts.length === 3) {
    const [, iv = "", sealed = ""] = parts;
    return { kid: null, iv: fromBase64url(iv), sealed: fromBase64url(sealed) };
  }
  if (parts[0] === CURRENT && parts.length === 4) {
    const [, kid = "", iv = "", sealed = ""] = parts;
    return { kid, iv: fromBase64url(iv), sealed: fromBase64url(sealed) };
  }
  return null;
}

function base64url(bytes: ArrayBuffer | Uint8Array): string {
  return Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString("base64url");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(text, "base64url"));
}
