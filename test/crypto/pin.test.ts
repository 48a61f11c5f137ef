import { describe, expect, it } from "bun:test";
import { keyId } from "../../src/crypto/cipher";
import { createPinKeys } from "../../src/crypto/pin";

const OLD_KEY = new Uint8Array(32).fill(11);
const NEW_KEY = new Uint8Array(32).fill(22);
const PHONE = "+14155550100";

describe("PIN MACs", () => {
  it("should store an HMAC with the key's id, never the PIN, and check it", async () => {
    const pins = await createPinKeys(NEW_KEY);
    const stored = await pins.mac(PHONE, "4821");
    expect(stored.keyId).toBe(await keyId(NEW_KEY));
    expect(stored.mac).not.toContain("4821");
    expect(Buffer.from(stored.mac, "base64url")).toHaveLength(32);
    expect(await pins.check(PHONE, "4821", stored)).toEqual({ kind: "match", remac: null });
    expect(await pins.check(PHONE, "4822", stored)).toEqual({ kind: "mismatch" });
  });

  it("should bind the MAC to the number", async () => {
    const pins = await createPinKeys(NEW_KEY);
    const stored = await pins.mac(PHONE, "4821");
    expect(await pins.check("+14155550199", "4821", stored)).toEqual({ kind: "mismatch" });
  });

  it("should check a PIN under the previous key and MAC it again under the current one", async () => {
    const before = await (await createPinKeys(OLD_KEY)).mac(PHONE, "4821");
    const rotated = await createPinKeys(NEW_KEY, OLD_KEY);
    const check = await rotated.check(PHONE, "4821", before);
    expect(check.kind).toBe("match");
    if (check.kind !== "match" || check.remac === null) throw new Error("expected a re-MAC");
    expect(check.remac.keyId).toBe(await keyId(NEW_KEY));
    expect(await rotated.check(PHONE, "4821", check.remac)).toEqual({ kind: "match", remac: null });
    expect(await rotated.check(PHONE, "1111", before)).toEqual({ kind: "mismatch" });
  });

  it("should call a PIN whose key is gone unchecked, right or wrong", async () => {
    const before = await (await createPinKeys(OLD_KEY)).mac(PHONE, "4821");
    const lost = await createPinKeys(NEW_KEY);
    expect(await lost.check(PHONE, "4821", before)).toEqual({ kind: "unchecked" });
    expect(await lost.check(PHONE, "0000", before)).toEqual({ kind: "unchecked" });
  });
});
