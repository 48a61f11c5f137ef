import type { StoredUser } from "./types";

export type UserRegistry = {
  /** Finds the user by handle (case-insensitive, like X), creating them on first consent. */
  ensure(username: string): StoredUser;
  byId(id: string): StoredUser | undefined;
  byUsername(username: string): StoredUser | undefined;
  all(): StoredUser[];
};

export function createUserRegistry(nextId: () => string): UserRegistry {
  const users = new Map<string, StoredUser>();
  const byUsername = (username: string): StoredUser | undefined => users.get(username.toLowerCase());
  return {
    ensure(username) {
      const existing = byUsername(username);
      if (existing) return existing;
      const user: StoredUser = { id: nextId(), username, name: username };
      users.set(username.toLowerCase(), user);
      return user;
    },
    byId: (id) => [...users.values()].find((user) => user.id === id),
    byUsername,
    all: () => [...users.values()].map((user) => ({ ...user })),
  };
}

/** X handles: 1–15 letters, digits or underscores. */
export function isValidUsername(username: string): boolean {
  return /^[A-Za-z0-9_]{1,15}$/.test(username);
}
