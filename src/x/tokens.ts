import type { Clock } from "../clock";
import { type Cipher, DecryptionError } from "../crypto/cipher";
import type { Database } from "../db/client";
import { getTexter, replaceTokens } from "../db/texters";
import { type Logger, maskPhone } from "../log";
import type { XGateway, XTokens } from "./gateway";

/** Refresh this long before X says the access token expires, so a post never races the expiry. */
const REFRESH_MARGIN_MS = 60_000;

export type AccessOutcome =
  | { kind: "ok"; accessToken: string; handle: string; userId: string }
  /** No tokens, or the refresh token is dead: only a new consent helps. */
  | { kind: "disconnected" }
  | { kind: "unavailable"; detail: string };

export type SealedTokens = { accessToken: string; refreshToken: string; tokenExpiresAt: number };

export async function sealTokens(cipher: Cipher, phone: string, tokens: XTokens): Promise<SealedTokens> {
  const [accessToken, refreshToken] = await Promise.all([
    cipher.encrypt(tokens.accessToken, tokenContext(phone, "access")),
    cipher.encrypt(tokens.refreshToken, tokenContext(phone, "refresh")),
  ]);
  return { accessToken, refreshToken, tokenExpiresAt: tokens.expiresAt };
}

/** Opens a sealed pair; null when no key this process has can (TOKEN_ENCRYPTION_KEY changed or lost). */
export async function openTokens(
  cipher: Cipher,
  phone: string,
  sealed: { accessToken: string; refreshToken: string },
): Promise<{ accessToken: string; refreshToken: string } | null> {
  try {
    const [accessToken, refreshToken] = await Promise.all([
      cipher.decrypt(sealed.accessToken, tokenContext(phone, "access")),
      cipher.decrypt(sealed.refreshToken, tokenContext(phone, "refresh")),
    ]);
    return { accessToken, refreshToken };
  } catch (error) {
    if (error instanceof DecryptionError) return null;
    throw error;
  }
}

type StoredAccount = {
  accessToken: string;
  refreshToken: string;
  tokenExpiresAt: number;
  handle: string;
  userId: string;
};

type KeeperDeps = { db: Database; x: XGateway; cipher: Cipher; clock: Clock; logger: Logger };

type TokenKind = "access" | "refresh";

const DISCONNECTED: AccessOutcome = { kind: "disconnected" };

/**
 * Hands out access tokens, refreshing them when due. X refresh tokens rotate (each works once),
 * so refreshes are single-flight per number and the new pair is stored before anyone uses it.
 * Tokens still sealed under the previous key are sealed again under the current one when used.
 */
export class TokenKeeper {
  // Refreshes and re-encryptions share one slot per number: a re-encryption landing after a refresh
  // read the row would make the refresh's conditional write miss, and the rotated pair would be lost.
  readonly #inFlight = new Map<string, { kind: "refresh" | "reseal"; outcome: Promise<AccessOutcome> }>();

  constructor(private readonly deps: KeeperDeps) {}

  async access(phone: string): Promise<AccessOutcome> {
    const pending = this.#inFlight.get(phone);
    if (pending) return pending.outcome;
    const row = await this.#row(phone);
    // A refresh or re-encryption may have begun while the row was read: its outcome is the one to use.
    const started = this.#inFlight.get(phone);
    if (started) return started.outcome;
    if (!row) return DISCONNECTED;
    if (row.tokenExpiresAt - this.deps.clock.now() <= REFRESH_MARGIN_MS) return this.#refresh(phone);
    const { cipher } = this.deps;
    if (cipher.needsReencryption(row.accessToken) || cipher.needsReencryption(row.refreshToken)) {
      return this.#claim(phone, "reseal", () => this.#reseal(phone, row));
    }
    const accessToken = await this.#open(phone, row.accessToken, "access");
    if (accessToken === null) return DISCONNECTED;
    return { kind: "ok", accessToken, handle: row.handle, userId: row.userId };
  }

  /** Both tokens in clear, for revoking them at X (LOGOUT, DELETE); null when none are stored or readable. */
  async tokensOf(phone: string): Promise<{ accessToken: string; refreshToken: string } | null> {
    const row = await this.#row(phone);
    return row ? this.#openBoth(phone, row) : null;
  }

  /** After X answered 401 to `rejected`: refresh, unless another caller already replaced it. */
  async afterRejection(phone: string, rejected: string): Promise<AccessOutcome> {
    const current = await this.access(phone);
    if (current.kind !== "ok" || current.accessToken !== rejected) return current;
    return this.#refresh(phone);
  }

  #refresh(phone: string): Promise<AccessOutcome> {
    const pending = this.#inFlight.get(phone);
    if (pending?.kind === "refresh") return pending.outcome;
    // A re-encryption hands out the token X just rejected: wait for it, then refresh.
    if (pending) {
      return pending.outcome.then((outcome) => (outcome.kind === "ok" ? this.#refresh(phone) : outcome));
    }
    return this.#claim(phone, "refresh", () => this.#doRefresh(phone));
  }

  #claim(
    phone: string,
    kind: "refresh" | "reseal",
    work: () => Promise<AccessOutcome>,
  ): Promise<AccessOutcome> {
    const entry = { kind, outcome: work() };
    entry.outcome = entry.outcome.finally(() => {
      if (this.#inFlight.get(phone) === entry) this.#inFlight.delete(phone);
    });
    this.#inFlight.set(phone, entry);
    return entry.outcome;
  }

  async #doRefresh(phone: string): Promise<AccessOutcome> {
    const { x, cipher, logger } = this.deps;
    const row = await this.#row(phone);
    if (!row) return DISCONNECTED;
    const refreshToken = await this.#open(phone, row.refreshToken, "refresh");
    if (refreshToken === null) return DISCONNECTED;
    const outcome = await x.refresh(refreshToken);
    if (outcome.kind === "invalid_grant") {
      logger.warn("x.refresh_token_dead", { phone: maskPhone(phone) });
      return DISCONNECTED;
    }
    if (outcome.kind === "unavailable") return { kind: "unavailable", detail: outcome.detail };
    const sealed = await sealTokens(cipher, phone, outcome.tokens);
    await this.#storeRefreshed(phone, { ciphertext: row.refreshToken, plaintext: refreshToken }, sealed);
    logger.info("x.token_refreshed", { phone: maskPhone(phone) });
    return { kind: "ok", accessToken: outcome.tokens.accessToken, handle: row.handle, userId: row.userId };
  }

  /**
   * Conditional on the old ciphertext: a reconnect that happened meanwhile must not be overwritten.
   * Another process may only have re-encrypted the same refresh token, which is no reason to lose the
   * rotated pair: then the write is retried against the new ciphertext.
   */
  async #storeRefreshed(
    phone: string,
    old: { ciphertext: string; plaintext: string },
    sealed: SealedTokens,
  ): Promise<void> {
    const { db } = this.deps;
    const write = (expected: string): Promise<boolean> =>
      replaceTokens(db, phone, sealed, { refreshToken: expected });
    if (await write(old.ciphertext)) return;
    const now = await this.#row(phone);
    if (!now) return;
    if ((await this.#decrypt(phone, now.refreshToken, "refresh")) === old.plaintext)
      await write(now.refreshToken);
  }

  /** Seals both tokens again under the current key, so that the previous key can be retired. */
  async #reseal(phone: string, row: StoredAccount): Promise<AccessOutcome> {
    const { db, cipher, logger } = this.deps;
    const tokens = await this.#openBoth(phone, row);
    if (!tokens) return DISCONNECTED;
    const sealed = await sealTokens(cipher, phone, { ...tokens, expiresAt: row.tokenExpiresAt });
    // Conditional on the old ciphertexts, as a refresh is: a reconnect or refresh meanwhile wins.
    const resealed = await replaceTokens(db, phone, sealed, {
      refreshToken: row.refreshToken,
      accessToken: row.accessToken,
    });
    if (resealed) {
      logger.info("x.tokens_reencrypted", { phone: maskPhone(phone), keyId: cipher.keyId });
    }
    return { kind: "ok", accessToken: tokens.accessToken, handle: row.handle, userId: row.userId };
  }

  async #openBoth(
    phone: string,
    row: StoredAccount,
  ): Promise<{ accessToken: string; refreshToken: string } | null> {
    const [accessToken, refreshToken] = await Promise.all([
      this.#decrypt(phone, row.accessToken, "access"),
      this.#decrypt(phone, row.refreshToken, "refresh"),
    ]);
    if (accessToken !== null && refreshToken !== null) return { accessToken, refreshToken };
    this.#undecryptable(phone);
    return null;
  }

  async #open(phone: string, ciphertext: string, kind: TokenKind): Promise<string | null> {
    const plaintext = await this.#decrypt(phone, ciphertext, kind);
    if (plaintext === null) this.#undecryptable(phone);
    return plaintext;
  }

  /**
   * Null when no configured key opens the token (TOKEN_ENCRYPTION_KEY changed or lost): that is a
   * disconnection the texter can repair by reconnecting, not a fault to retry.
   */
  async #decrypt(phone: string, ciphertext: string, kind: TokenKind): Promise<string | null> {
    try {
      return await this.deps.cipher.decrypt(ciphertext, tokenContext(phone, kind));
    } catch (error) {
      if (error instanceof DecryptionError) return null;
      throw error;
    }
  }

  #undecryptable(phone: string): void {
    this.deps.logger.warn("x.tokens_undecryptable", { phone: maskPhone(phone) });
  }

  async #row(phone: string): Promise<StoredAccount | null> {
    const row = await getTexter(this.deps.db, phone);
    if (
      !row?.accessToken ||
      !row.refreshToken ||
      row.tokenExpiresAt === null ||
      !row.xHandle ||
      !row.xUserId
    ) {
      return null;
    }
    return {
      accessToken: row.accessToken,
      refreshToken: row.refreshToken,
      tokenExpiresAt: row.tokenExpiresAt,
      handle: row.xHandle,
      userId: row.xUserId,
    };
  }
}

function tokenContext(phone: string, kind: TokenKind): string {
  return `x-${kind}:${phone}`;
}
