import { and, eq } from "drizzle-orm";
import type { Clock } from "../clock";
import { type Cipher, DecryptionError } from "../crypto/cipher";
import type { Database } from "../db/client";
import { texters } from "../db/schema";
import type { Writer } from "../db/transaction";
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

export function forgetTokens(tx: Writer, phone: string): void {
  tx.update(texters)
    .set({ accessToken: null, refreshToken: null, tokenExpiresAt: null })
    .where(eq(texters.phone, phone))
    .run();
}

type StoredAccount = {
  accessToken: string;
  refreshToken: string;
  tokenExpiresAt: number;
  handle: string;
  userId: string;
};

type KeeperDeps = { db: Database; x: XGateway; cipher: Cipher; clock: Clock; logger: Logger };

/**
 * Hands out access tokens, refreshing them when due. X refresh tokens rotate (each works once),
 * so refreshes are single-flight per number and the new pair is stored before anyone uses it.
 */
export class TokenKeeper {
  readonly #refreshing = new Map<string, Promise<AccessOutcome>>();

  constructor(private readonly deps: KeeperDeps) {}

  async access(phone: string): Promise<AccessOutcome> {
    const pending = this.#refreshing.get(phone);
    if (pending) return pending;
    const row = this.#row(phone);
    if (!row) return { kind: "disconnected" };
    if (row.tokenExpiresAt - this.deps.clock.now() > REFRESH_MARGIN_MS) {
      const accessToken = await this.deps.cipher.decrypt(row.accessToken, tokenContext(phone, "access"));
      return { kind: "ok", accessToken, handle: row.handle, userId: row.userId };
    }
    return this.#refresh(phone);
  }

  /** Both tokens in clear, for revoking them at X (LOGOUT, DELETE); null when none are stored. */
  async tokensOf(phone: string): Promise<{ accessToken: string; refreshToken: string } | null> {
    const row = this.#row(phone);
    if (!row) return null;
    const { cipher } = this.deps;
    const [accessToken, refreshToken] = await Promise.all([
      cipher.decrypt(row.accessToken, tokenContext(phone, "access")),
      cipher.decrypt(row.refreshToken, tokenContext(phone, "refresh")),
    ]);
    return { accessToken, refreshToken };
  }

  /** After X answered 401 to `rejected`: refresh, unless another caller already replaced it. */
  async afterRejection(phone: string, rejected: string): Promise<AccessOutcome> {
    const current = await this.access(phone);
    if (current.kind !== "ok" || current.accessToken !== rejected) return current;
    return this.#refresh(phone);
  }

  #refresh(phone: string): Promise<AccessOutcome> {
    const pending = this.#refreshing.get(phone);
    if (pending) return pending;
    const refresh = this.#doRefresh(phone).finally(() => this.#refreshing.delete(phone));
    this.#refreshing.set(phone, refresh);
    return refresh;
  }

  async #doRefresh(phone: string): Promise<AccessOutcome> {
    const { db, x, cipher, logger } = this.deps;
    const row = this.#row(phone);
    if (!row) return { kind: "disconnected" };
    const refreshToken = await cipher.decrypt(row.refreshToken, tokenContext(phone, "refresh"));
    const outcome = await x.refresh(refreshToken);
    if (outcome.kind === "invalid_grant") {
      logger.warn("x.refresh_token_dead", { phone: maskPhone(phone) });
      return { kind: "disconnected" };
    }
    if (outcome.kind === "unavailable") return { kind: "unavailable", detail: outcome.detail };
    const sealed = await sealTokens(cipher, phone, outcome.tokens);
    // Conditional on the old ciphertext: a reconnect that happened meanwhile must not be overwritten.
    db.update(texters)
      .set(sealed)
      .where(and(eq(texters.phone, phone), eq(texters.refreshToken, row.refreshToken)))
      .run();
    logger.info("x.token_refreshed", { phone: maskPhone(phone) });
    return { kind: "ok", accessToken: outcome.tokens.accessToken, handle: row.handle, userId: row.userId };
  }

  #row(phone: string): StoredAccount | null {
    const row = this.deps.db.select().from(texters).where(eq(texters.phone, phone)).get();
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

function tokenContext(phone: string, kind: "access" | "refresh"): string {
  return `x-${kind}:${phone}`;
}
