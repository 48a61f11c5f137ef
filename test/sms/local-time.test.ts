import { describe, expect, it } from "bun:test";
import { timeFor } from "../../src/sms/local-time";

const NOON_UTC = Date.UTC(2026, 0, 15, 12, 5);

describe("times in replies", () => {
  it("should use the texter's zone when their country has exactly one", () => {
    expect(timeFor("+447911123456", NOON_UTC)).toBe("12:05"); // London in January
    expect(timeFor("+33612345678", NOON_UTC)).toBe("13:05"); // Paris
    expect(timeFor("+819012345678", NOON_UTC)).toBe("21:05"); // Tokyo
    expect(timeFor("+447911123456", Date.UTC(2026, 6, 15, 23, 30))).toBe("00:30"); // summer time, past midnight
  });

  it("should say UTC, and name it, for countries with several zones or numbers it cannot place", () => {
    expect(timeFor("+14155550100", NOON_UTC)).toBe("12:05 UTC");
    expect(timeFor("+61412345678", NOON_UTC)).toBe("12:05 UTC");
    expect(timeFor("+999", NOON_UTC)).toBe("12:05 UTC");
  });
});
