import { randomToken } from "./ids";

export type TokenResponse = {
  token_type: "bearer";
  expires_in: number;
  access_token: string;
  scope: string;
  refresh_token?: string;
};

export type TokenType = "access_token" | "refresh_token";

export type Session = { userId: string; clientId: string; scope: string[] };

export type TokenStore = {
  issue(session: Session): TokenResponse;
  /** Refresh tokens rotate: each works once, then only its successor does. */
  rotate(refreshToken: string, clientId: string): TokenResponse | null;
  /** Looks the token up only among those of `type`: X honours no revocation under the wrong hint. */
  revoke(token: string, clientId: string, type: TokenType): void;
  authenticate(accessToken: string): Session | null;
  expireAccess(userId?: string): void;
  revokeUser(userId: string): void;
  setAccessLifetime(seconds: number): void;
  issuedTo(userId: string): string[];
  liveOf(userId: string): string[];
};

type AccessRecord = Session & { expiresAt: number; alive: boolean; refreshToken: string | null };
type RefreshRecord = Session & { alive: boolean };

export function createTokenStore(now: () => number): TokenStore {
  const access = new Map<string, AccessRecord>();
  const refresh = new Map<string, RefreshRecord>();
  let lifetimeSeconds = 7200;

  const issue = (session: Session): TokenResponse => {
    const accessToken = randomToken();
    const refreshToken = session.scope.includes("offline.access") ? randomToken() : null;
    access.set(accessToken, {
      ...session,
      expiresAt: now() + lifetimeSeconds * 1000,
      alive: true,
      refreshToken,
    });
    if (refreshToken) refresh.set(refreshToken, { ...session, alive: true });
    return {
      token_type: "bearer",
      expires_in: lifetimeSeconds,
      access_token: accessToken,
      scope: session.scope.join(" "),
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    };
  };

  const killAccessOf = (refreshToken: string): void => {
    for (const record of access.values()) if (record.refreshToken === refreshToken) record.alive = false;
  };

  return {
    issue,
    rotate(refreshToken, clientId) {
      const record = refresh.get(refreshToken);
      if (!record?.alive || record.clientId !== clientId) return null;
      record.alive = false;
      return issue({ userId: record.userId, clientId: record.clientId, scope: record.scope });
    },
    revoke(token, clientId, type) {
      const accessRecord = type === "access_token" ? access.get(token) : undefined;
      if (accessRecord && accessRecord.clientId === clientId) accessRecord.alive = false;
      const refreshRecord = type === "refresh_token" ? refresh.get(token) : undefined;
      if (refreshRecord && refreshRecord.clientId === clientId) {
        refreshRecord.alive = false;
        killAccessOf(token);
      }
    },
    authenticate(accessToken) {
      const record = access.get(accessToken);
      if (!record?.alive || record.expiresAt <= now()) return null;
      return { userId: record.userId, clientId: record.clientId, scope: record.scope };
    },
    expireAccess(userId) {
      for (const record of access.values()) {
        if (userId === undefined || record.userId === userId)
          record.expiresAt = Math.min(record.expiresAt, now());
      }
    },
    revokeUser(userId) {
      for (const record of access.values()) if (record.userId === userId) record.alive = false;
      for (const record of refresh.values()) if (record.userId === userId) record.alive = false;
    },
    setAccessLifetime(seconds) {
      lifetimeSeconds = seconds;
    },
    issuedTo(userId) {
      const mine = (entry: [string, Session]): boolean => entry[1].userId === userId;
      return [...access.entries(), ...refresh.entries()].filter(mine).map(([token]) => token);
    },
    liveOf(userId) {
      const usable = (entry: [string, AccessRecord | RefreshRecord]): boolean =>
        entry[1].userId === userId &&
        entry[1].alive &&
        (!("expiresAt" in entry[1]) || entry[1].expiresAt > now());
      return [...access.entries(), ...refresh.entries()].filter(usable).map(([token]) => token);
    },
  };
}
