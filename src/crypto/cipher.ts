/** AES-256-GCM via Web Crypto for secrets at rest (X tokens, pending link tokens). */

const VERSION = "v1";
const IV_BYTES = 12;

export class DecryptionError extends Error {
  constructor(options?: ErrorOptions) {
    super("Could not decrypt a stored secret (wrong TOKEN_ENCRYPTION_KEY or tampered data)", options);
    this.name = "DecryptionError";
  }
}

export type Cipher = {
  /** `context` (e.g. the phone number) is bound as associated data: a ciphertext moved to another row fails. */
  encrypt(plaintext: string, context: string): Promise<string>;
  decrypt(ciphertext: string, context: string): Promise<string>;
};

export async function createCipher(rawKey: Uint8Array): Promise<Cipher> {
  const key = await crypto.subtle.importKey("raw", new Uint8Array(rawKey), "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
  const encoder = new TextEncoder();
  return {
    async encrypt(plaintext, context) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const sealed = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: encoder.encode(context) },
        key,
        encoder.encode(plaintext),
      );
      return `${VERSION}.${Buffer.from(iv).toString("base64url")}.${Buffer.from(sealed).toString("base64url")}`;
    },
    async decrypt(ciphertext, context) {
      const [version, iv, sealed] = ciphertext.split(".");
      if (version !== VERSION || iv === undefined || sealed === undefined) throw new DecryptionError();
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: Buffer.from(iv, "base64url"), additionalData: encoder.encode(context) },
          key,
          Buffer.from(sealed, "base64url"),
        );
        return new TextDecoder().decode(plain);
      } catch (cause) {
        throw new DecryptionError({ cause });
      }
    },
  };
}
