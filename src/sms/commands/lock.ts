import type { PinMac } from "../../crypto/pin";
import { enqueueText } from "../../db/outbound";
import { setLock } from "../../db/texters";
import type { Writer } from "../../db/transaction";
import { maskPhone } from "../../log";
import type { JobResult } from "../../queue/types";
import type { LockCommand } from "../interpret";
import { replies } from "../replies";
import { disconnect } from "./account";
import { sendLink } from "./link";
import { finish, type Step, type Texter } from "./step";
import { closeThread } from "./thread";

/**
 * LOCK against SIM swaps (spec: LOCK grammar). A PIN guards a connection: while one is set and an account
 * is connected, every text starts with it. Its HMAC (crypto/pin) is kept with its key id; `writeLock` is
 * the one place these columns change. Five wrong PINs in 24 hours freeze the number: the connection is
 * let go (tokens revoked at X, waiting posts cancelled), and only a new link connects it again.
 */

export const MAX_WRONG_PINS = 5;
export const WRONG_PIN_WINDOW_MS = 24 * 60 * 60_000;

export function isLocked(texter: Texter): boolean {
  return texter.pinMac !== null && texter.refreshToken !== null;
}

type LockChange = { set: PinMac } | { clear: true } | { failures: number[] };

/** Every write of the lock's columns: a new PIN, a cleared one (UNLOCK, a connection, a freeze), or the wrong PINs' times. */
export function writeLock(tx: Writer, phone: string, change: LockChange): Promise<void> {
  const values =
    "set" in change
      ? { pinMac: change.set.mac, pinKeyId: change.set.keyId, pinFailures: "[]" }
      : "clear" in change
        ? { pinMac: null, pinKeyId: null, pinFailures: "[]" }
        : { pinFailures: JSON.stringify(change.failures) };
  return setLock(tx, phone, values);
}

/** LOCK, UNLOCK and FORGOT, with or without the PIN prefix. */
export function lockCommand(step: Step, command: LockCommand, pin: string | null): Promise<JobResult> {
  switch (command) {
    case "lock":
      return lock(step, pin);
    case "unlock":
      return unlock(step, pin);
    case "forgot":
      return sendLink(step, false, {
        link: replies.forgotLink(),
        throttled: replies.forgotCoolingDown(),
        capped: replies.forgotLimitReached,
      });
  }
}

async function lock(step: Step, pin: string | null): Promise<JobResult> {
  if (isLocked(step.texter)) return finish(step, "already_locked", { reply: replies.alreadyLocked() });
  if (pin === null) return finish(step, "lock_format", { reply: replies.lockFormat() });
  const { phone } = step.message;
  const mac = await step.deps.pins.mac(phone, pin);
  return finish(step, "locked", {
    reply: replies.locked(),
    write: (tx) => writeLock(tx, phone, { set: mac }),
  });
}

async function unlock(step: Step, pin: string | null): Promise<JobResult> {
  if (!isLocked(step.texter)) return finish(step, "not_locked", { reply: replies.notLocked() });
  if (pin === null) return finish(step, "unlock_format", { reply: replies.unlockFormat() });
  const gate = await checkPin(step, pin);
  if (gate.kind === "shut") return gate.result;
  const { phone } = step.message;
  return finish(step, "unlocked", {
    reply: replies.unlocked(),
    write: (tx) => writeLock(tx, phone, { clear: true }),
  });
}

export type PinGate =
  /** The right PIN; `remac` is what to store when it was MACed under the previous key. */
  | { kind: "open"; remac: PinMac | null }
  /** A wrong PIN (counted) or one that cannot be checked (not counted): this result ends the text. */
  | { kind: "shut"; result: JobResult };

/** Checks a PIN a locked number's text started with. */
export async function checkPin(step: Step, pin: string): Promise<PinGate> {
  const { pinMac, pinKeyId } = step.texter;
  if (pinMac === null || pinKeyId === null) return { kind: "open", remac: null };
  const check = await step.deps.pins.check(step.message.phone, pin, { mac: pinMac, keyId: pinKeyId });
  switch (check.kind) {
    case "match":
      return { kind: "open", remac: check.remac };
    case "unchecked":
      // Its key is gone: never counted as wrong (spec), only FORGOT helps.
      return { kind: "shut", result: finish(step, "pin_unchecked", { reply: replies.pinUnchecked() }) };
    case "mismatch":
      return { kind: "shut", result: wrongPin(step) };
  }
}

/** Stores the PIN under the current key along with whatever the text did. */
export function withRemac(step: Step, result: JobResult, remac: PinMac | null): JobResult {
  if (remac === null) return result;
  const first = result.write;
  return {
    ...result,
    write: async (tx) => {
      await first?.(tx);
      await writeLock(tx, step.message.phone, { set: remac });
    },
  };
}

/** A locked number's text without a PIN at its start: not posted, not counted. */
export function lockedWithoutPin(step: Step): JobResult {
  return finish(step, "locked_without_pin", { reply: replies.lockedWithoutPin() });
}

/** Counts a wrong PIN; the fifth within 24 hours freezes the number. (The text lane reads one text at a time.) */
function wrongPin(step: Step): JobResult {
  const { clock, logger } = step.deps;
  const { phone } = step.message;
  const now = clock.now();
  const recent = (parseFailures(step.texter.pinFailures) ?? []).filter(
    (at) => now - at < WRONG_PIN_WINDOW_MS,
  );
  const failures = [...recent, now];
  if (failures.length < MAX_WRONG_PINS) {
    return finish(step, "wrong_pin", {
      reply: replies.wrongPin(MAX_WRONG_PINS - failures.length),
      write: (tx) => writeLock(tx, phone, { failures }),
    });
  }
  return finish(step, "frozen", {
    write: async (tx) => {
      const cancelled = await disconnect(tx, phone, now);
      await closeThread(tx, phone);
      await writeLock(tx, phone, { clear: true });
      // The count of cancelled posts is known only in the commit, so the reply is queued here.
      await enqueueText(tx, { phone, body: replies.frozen(cancelled) }, now);
      logger.warn("texter.frozen", { phone: maskPhone(phone) });
    },
  });
}

function parseFailures(json: string): number[] | null {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.filter((at): at is number => typeof at === "number") : null;
  } catch {
    return null;
  }
}
