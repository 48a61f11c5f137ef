import { describe, expect, it } from "bun:test";
import { parseConfig } from "../src/config";
import { redactUrl } from "../src/config-database";

const valid = {
  PUBLIC_URL: "https://smstweet.example.org",
  TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
  TWILIO_ACCOUNT_SID: `AC${"a".repeat(32)}`,
  TWILIO_AUTH_TOKEN: "secret",
  TWILIO_PHONE_NUMBER: "+14155550100",
  X_CLIENT_ID: "client",
  X_CLIENT_SECRET: "client-secret",
};

const PASSWORD = "hunter2-s3cret";

function problemsOf(env: Record<string, string>): string {
  const result = parseConfig({ ...valid, ...env });
  if (result.ok) throw new Error("expected problems");
  return result.problems.join("\n");
}

describe("choosing the database", () => {
  it("should keep SQLite at DATABASE_PATH when DATABASE_URL is unset", () => {
    const result = parseConfig({ ...valid, DATABASE_PATH: "/tmp/x.db" });
    if (!result.ok) throw new Error(result.problems.join("; "));
    expect(result.config.database).toEqual({ dialect: "sqlite", path: "/tmp/x.db" });
    expect(result.config.notices).toEqual([]);
  });

  it("should choose PostgreSQL for a postgres:// or postgresql:// DATABASE_URL, with 10 connections by default", () => {
    for (const url of [
      `postgres://app:${PASSWORD}@db.internal:5432/smstweet?sslmode=verify-full`,
      "postgresql://app@db.internal/smstweet",
    ]) {
      const result = parseConfig({ ...valid, DATABASE_URL: url });
      if (!result.ok) throw new Error(result.problems.join("; "));
      expect(result.config.database).toEqual({ dialect: "postgres", url, poolSize: 10 });
      expect(Object.isFrozen(result.config.database)).toBe(true);
    }
  });

  it("should read DATABASE_POOL_SIZE and report one below 1 or not whole with every other problem", () => {
    const result = parseConfig({ ...valid, DATABASE_URL: "postgres://db/s", DATABASE_POOL_SIZE: "3" });
    if (!result.ok) throw new Error(result.problems.join("; "));
    expect(result.config.database).toMatchObject({ poolSize: 3 });
    for (const bad of ["0", "-2", "2.5", "ten"]) {
      const text = problemsOf({ DATABASE_URL: "postgres://db/s", DATABASE_POOL_SIZE: bad, PORT: "99999" });
      expect(text).toContain("DATABASE_POOL_SIZE");
      expect(text).toContain("PORT");
    }
  });

  it("should report a DATABASE_URL that is not PostgreSQL's with the other problems, without its password", () => {
    for (const url of [
      `mysql://app:${PASSWORD}@db/smstweet`,
      `sqlite://app:${PASSWORD}@db/x.db`,
      `http://app:${PASSWORD}@db`,
      `not a url ${PASSWORD}`,
      `postgres://app:${PASSWORD}@/smstweet`,
    ]) {
      const text = problemsOf({ DATABASE_URL: url, LOG_LEVEL: "loud" });
      expect(text).toContain("DATABASE_URL");
      expect(text).toContain("LOG_LEVEL");
      expect(text).not.toContain(PASSWORD);
    }
  });

  it("should report an sslmode libpq and the driver do not both mean the same way", () => {
    const text = problemsOf({ DATABASE_URL: `postgres://a:${PASSWORD}@db/s?sslmode=sometimes` });
    expect(text).toContain("sslmode");
    expect(text).not.toContain(PASSWORD);
    for (const mode of ["disable", "prefer", "require", "verify-full"]) {
      expect(parseConfig({ ...valid, DATABASE_URL: `postgres://db/s?sslmode=${mode}` }).ok).toBe(true);
    }
  });

  it("should let DATABASE_URL win over DATABASE_PATH and say at startup that the path is ignored", () => {
    const result = parseConfig({
      ...valid,
      DATABASE_PATH: "/srv/old.db",
      DATABASE_URL: `postgres://app:${PASSWORD}@db/smstweet`,
    });
    if (!result.ok) throw new Error(result.problems.join("; "));
    expect(result.config.database.dialect).toBe("postgres");
    expect(result.config.notices).toHaveLength(1);
    expect(result.config.notices[0]).toContain("DATABASE_PATH (/srv/old.db) is ignored");
    expect(result.config.notices[0]).not.toContain(PASSWORD);
  });
});

describe("redactUrl", () => {
  it("should hide the password and keep what an operator needs to recognise the database", () => {
    const shown = redactUrl(`postgres://app:${PASSWORD}@db.internal:6432/smstweet?sslmode=require`);
    expect(shown).toBe("postgres://app:***@db.internal:6432/smstweet?sslmode=require");
    expect(redactUrl("postgres://db/s")).toBe("postgres://db/s");
    expect(redactUrl(`pg://app:${PASSWORD}@x y/z`)).not.toContain(PASSWORD);
  });
});
