import { describe, expect, it } from "bun:test";
import { createCipher, DecryptionError, keyId } from "../../src/crypto/cipher";

const OLD = new Uint8Array(32).fill(1);
const NEW = new Uint8Array(32).fill(2);
const OTHER = new Uint8Array(32).fill(3);
const CONTEXT = "x-access:+14155550100";

/** A ciphertext in the format written before key ids, sealed as that code sealed it. */
async function legacyCiphertext(rawKey: Uint8Array, plaintext: string, context: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new Uint8Array(rawKey), "AES-GCM", false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const encoder = new TextEncoder();
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(context) },
    key,
    encoder.encode(plaintext),
  );
  return `v1.${Buffer.from(iv).toString("base64url")}.${Buffer.from(sealed).toString("base64url")}`;
}

describe("createCipher", () => {
  it("should round-trip and write the current key's id into the ciphertext", async () => {
    const cipher = await createCipher(NEW);
    const sealed = await cipher.encrypt("secret token", CONTEXT);
    const [version, kid] = sealed.split(".");
    expect(version).toBe("v2");
    expect(kid).toBe(await keyId(NEW));
    expect(kid).toBe(cipher.keyId);
    expect(await cipher.decrypt(sealed, CONTEXT)).toBe("secret token");
    expect(cipher.needsReencryption(sealed)).toBe(false);
  });

  it("should derive a short key id that does not contain the key", async () => {
    const kid = await keyId(NEW);
    expect(kid).toMatch(/^[0-9a-f]{8}$/);
    expect(kid).not.toBe(await keyId(OLD));
    expect(Buffer.from(NEW).toString("hex")).not.toContain(kid);
  });

  it("should open what the previous key sealed and say it needs re-encryption", async () => {
    const before = await createCipher(OLD);
    const sealed = await before.encrypt("old token", CONTEXT);
    const after = await createCipher(NEW, OLD);
    expect(after.needsReencryption(sealed)).toBe(true);
    expect(await after.decrypt(sealed, CONTEXT)).toBe("old token");
    const resealed = await after.encrypt("old token", CONTEXT);
    expect(resealed.split(".")[1]).toBe(await keyId(NEW));
    expect(after.needsReencryption(resealed)).toBe(false);
  });

  it("should pick the key named by the kid rather than trying each", async () => {
    const cipher = await createCipher(NEW, OLD);
    const sealed = await (await createCipher(OLD)).encrypt("token", CONTEXT);
    // The same sealed bytes under the current key's id: only NEW is tried, and NEW cannot open them.
    const [, , iv, body] = sealed.split(".");
    const relabelled = ["v2", cipher.keyId, iv, body].join(".");
    await expect(cipher.decrypt(relabelled, CONTEXT)).rejects.toBeInstanceOf(DecryptionError);
    const unknownKid = ["v2", "00000000", iv, body].join(".");
    await expect(cipher.decrypt(unknownKid, CONTEXT)).rejects.toBeInstanceOf(DecryptionError);
  });

  it("should read v1 ciphertexts with the current key, then the previous one, and call them stale", async () => {
    const underNew = await legacyCiphertext(NEW, "sealed by v1 under the current key", CONTEXT);
    const underOld = await legacyCiphertext(OLD, "sealed by v1 under the previous key", CONTEXT);
    const cipher = await createCipher(NEW, OLD);
    expect(await cipher.decrypt(underNew, CONTEXT)).toBe("sealed by v1 under the current key");
    expect(await cipher.decrypt(underOld, CONTEXT)).toBe("sealed by v1 under the previous key");
    expect(cipher.needsReencryption(underNew)).toBe(true);
    expect(cipher.needsReencryption(underOld)).toBe(true);
    const withoutPrevious = await createCipher(NEW);
    expect(await withoutPrevious.decrypt(underNew, CONTEXT)).toBe("sealed by v1 under the current key");
    await expect(withoutPrevious.decrypt(underOld, CONTEXT)).rejects.toBeInstanceOf(DecryptionError);
  });

  it("should throw DecryptionError when no configured key opens the ciphertext", async () => {
    const sealed = await (await createCipher(OLD)).encrypt("token", CONTEXT);
    const withoutOld = await createCipher(NEW);
    await expect(withoutOld.decrypt(sealed, CONTEXT)).rejects.toBeInstanceOf(DecryptionError);
    await expect((await createCipher(NEW, OTHER)).decrypt(sealed, CONTEXT)).rejects.toBeInstanceOf(
      DecryptionError,
    );
  });

  it("should refuse tampered, moved and malformed ciphertexts", async () => {
    const cipher = await createCipher(NEW, OLD);
    const sealed = await cipher.encrypt("token", CONTEXT);
    const [version, kid, iv, body = ""] = sealed.split(".");
    const flipped = Buffer.from(body, "base64url");
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    const candidates = [
      [version, kid, iv, flipped.toString("base64url")].join("."),
      [version, kid, Buffer.alloc(12).toString("base64url"), body].join("."),
      [version, kid, iv, body.slice(0, -4)].join("."),
      `v3.${kid}.${iv}.${body}`,
      `${version}.${kid}.${iv}`,
      "",
      "not a ciphertext",
    ];
    for (const tampered of candidates) {
      await expect(cipher.decrypt(tampered, CONTEXT)).rejects.toBeInstanceOf(DecryptionError);
    }
    // The context is bound: the same ciphertext moved to another number's row does not open.
    await expect(cipher.decrypt(sealed, "x-access:+14155550199")).rejects.toBeInstanceOf(DecryptionError);
    expect(cipher.needsReencryption("not a ciphertext")).toBe(true);
  });

  it("should treat a previous key equal to the current one as no previous key", async () => {
    const cipher = await createCipher(NEW, new Uint8Array(NEW));
    const sealed = await cipher.encrypt("token", CONTEXT);
    expect(await cipher.decrypt(sealed, CONTEXT)).toBe("token");
    expect(cipher.needsReencryption(sealed)).toBe(false);
  });
});
