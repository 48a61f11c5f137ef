import { afterEach, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppProcess, startAppProcess } from "../support/process";
import { waitFor } from "../support/wait";

describe("a process told to stop (SIGTERM)", () => {
  let app: AppProcess | undefined;
  let dir = "";
  afterEach(() => {
    app?.process.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("should say 503 on /healthz?ready for DRAIN_SECONDS while it still serves, then stop cleanly", async () => {
    dir = mkdtempSync(join(tmpdir(), "smstweet-drain-"));
    app = await startAppProcess({ DATABASE_PATH: join(dir, "sandbox.db"), DRAIN_SECONDS: "3" });
    const { url } = app;
    expect((await fetch(`${url}/healthz?ready`)).status).toBe(200);

    const signalled = performance.now();
    app.process.kill("SIGTERM");
    const ready = await waitFor(async () => {
      const answer = await fetch(`${url}/healthz?ready`);
      return answer.status === 503 ? answer.text() : undefined;
    }, "?ready to say 503");
    expect(ready).toContain("draining");
    // Still serving while a load balancer moves its traffic elsewhere.
    expect((await fetch(`${url}/`)).status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    expect(await app.process.exited).toBe(0);
    expect(performance.now() - signalled).toBeGreaterThanOrEqual(3_000);
    expect(app.output()).toContain('"event":"app.draining"');
  }, 20_000);
});
