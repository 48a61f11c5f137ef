import { keyId } from "./cipher";

/**
 * LOCK PINs at rest: HMAC-SHA-256 (Web Crypto) of the number and the PIN, under a key derived (HKDF) from
 * TOKEN_ENCRYPTION_KEY. The MAC is stored with the id of the token key it came from, so a key rotation
 * needs no trial: a PIN under the previous key is still checked (and MACed again under the current one), a
 * PIN whose key is gone cannot be checked at all. PINs and MACs are never logged.
 */

/** The stored form of a PIN. */
export type PinMac = { mac: string; keyId: string };

export type PinCheck =
  | {
      kind: "match" /** The PIN MACed under the current key, when it was stored under the previous one. */;
      remac: PinMac | null;
    }
  | { kind: "mismatch" }
  /** Its key is gone (rotated away, lost): the PIN can be neither confirmed nor refused. */
  | { kind: "unchecked" };

export type PinKeys = {
  mac(phone: string, pin: string): Promise<PinMac>;
  check(phone: string, pin: string, stored: PinMac): Promise<PinCheck>;
};

type Key = { id: string; key: CryptoKey };

const INFO = new TextEncoder().encode("smstweet/pin-mac/v1");

export async function createPinKeys(currentKey: Uint8Array, previousKey?: Uint8Array): Promise<PinKeys> {
  const current = await deriveKey(currentKey);
  const keys = [current];
  if (previousKey !== undefined && !Buffer.from(previousKey).equals(Buffer.from(currentKey))) {
    keys.push(await deriveKey(previousKey));
  }
  const mac = async (key: Key, phone: string, pin: string): Promise<PinMac> => {
    const bytes = await crypto.subtle.sign("HMAC", key.key, message(phone, pin));
    return { mac: Buffer.from(bytes).toString("base64url"), keyId: key.id };
  };
  return {
    mac: (phone, pin) => mac(current, phone, pin),
    async check(phone, pin, stored) {
      const key = keys.find((k) => k.id === stored.keyId);
      if (!key) return { kind: "unchecked" };
      // subtle.verify compares in constant time.
      const valid = await crypto.subtle.verify(
        "HMAC",
        key.key,
        new Uint8Array(Buffer.from(stored.mac, "base64url")),
        message(phone, pin),
      );
      if (!valid) return { kind: "mismatch" };
      return { kind: "match", remac: key === current ? null : await mac(current, phone, pin) };
    },
  };
}

/** The MAC binds the number: a row copied to another number does not unlock it. */
function message(phone: string, pin: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${phone}\n${pin}`);
}

async function deriveKey(raw: Uint8Array): Promise<Key> {
  const base = await crypto.subtle.importKey("raw", new Uint8Array(raw), "HKDF", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: INFO },
    base,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
  return { id: await keyId(raw), key };
}
