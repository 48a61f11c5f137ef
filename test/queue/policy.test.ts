import { describe, expect, it } from "bun:test";
import { DEFAULT_POLICY, decide } from "../../src/queue/policy";

const HOUR = 60 * 60_000;
const T0 = Date.UTC(2026, 10, 25, 12);
const job = (over: Partial<{ attempts: number; faults: number; createdAt: number }> = {}) => ({
  createdAt: T0,
  attempts: 1,
  faults: 0,
  ...over,
});
const half = () => 0.5;

describe("the failure policy", () => {
  it("should finish a job that is done, whatever its detail", () => {
    expect(
      decide(job(), { kind: "done", detail: "refused:policy", refused: true }, T0, DEFAULT_POLICY),
    ).toEqual({
      kind: "finish",
    });
  });

  it("should back off an outage exponentially with jitter, capped", () => {
    const delays = [1, 2, 3, 4, 8, 12].map((attempts) => {
      const decision = decide(job({ attempts }), { kind: "retry", reason: "503" }, T0, DEFAULT_POLICY, half);
      return decision.kind === "reschedule" ? decision.runAt - T0 : -1;
    });
    expect(delays).toEqual([1_500, 3_000, 6_000, 12_000, 192_000, 225_000]);
    const spread = new Set(
      [0, 0.3, 0.9].map((r) => {
        const d = decide(job({ attempts: 3 }), { kind: "retry", reason: "503" }, T0, DEFAULT_POLICY, () => r);
        return d.kind === "reschedule" ? d.runAt : 0;
      }),
    );
    expect(spread.size).toBe(3);
  });

  it("should wait exactly until a reset the dependency named", () => {
    const at = T0 + 15 * 60_000;
    expect(decide(job(), { kind: "retry", reason: "429", at }, T0, DEFAULT_POLICY)).toEqual({
      kind: "reschedule",
      runAt: at,
      fault: false,
    });
  });

  it("should give up at once when the named reset is past the give-up hour (X's daily cap)", () => {
    const at = T0 + 20 * HOUR;
    expect(decide(job(), { kind: "retry", reason: "429", at }, T0, DEFAULT_POLICY)).toMatchObject({
      kind: "give_up",
      cause: "reset",
      retryAt: at,
    });
  });

  it("should give up an outage by age, never by count", () => {
    const young = decide(
      job({ attempts: 500 }),
      { kind: "retry", reason: "503" },
      T0 + HOUR - 1,
      DEFAULT_POLICY,
    );
    expect(young.kind).toBe("reschedule");
    const old = decide(job({ attempts: 2 }), { kind: "retry", reason: "503" }, T0 + HOUR, DEFAULT_POLICY);
    expect(old).toMatchObject({ kind: "give_up", cause: "age" });
  });

  it("should schedule the last try at the deadline rather than past it", () => {
    const decision = decide(
      job({ attempts: 20 }),
      { kind: "retry", reason: "503" },
      T0 + HOUR - 1_000,
      DEFAULT_POLICY,
    );
    expect(decision).toMatchObject({ kind: "reschedule", runAt: T0 + HOUR });
  });

  it("should count faults and give up at the cap, even within the hour", () => {
    const { maxFaults } = DEFAULT_POLICY;
    const before = decide(
      job({ faults: maxFaults - 2 }),
      { kind: "fault", reason: "TypeError" },
      T0,
      DEFAULT_POLICY,
    );
    expect(before).toMatchObject({ kind: "reschedule", fault: true });
    const last = decide(
      job({ faults: maxFaults - 1 }),
      { kind: "fault", reason: "TypeError" },
      T0,
      DEFAULT_POLICY,
    );
    expect(last).toMatchObject({ kind: "give_up", cause: "faults" });
  });

  it("should never schedule a retry in the past or at a fixed interval", () => {
    for (let attempts = 1; attempts < 40; attempts++) {
      const d = decide(job({ attempts }), { kind: "fault", reason: "x" }, T0, {
        ...DEFAULT_POLICY,
        maxFaults: 99,
      });
      if (d.kind !== "reschedule") throw new Error("expected a reschedule");
      expect(d.runAt).toBeGreaterThan(T0);
    }
  });
});
