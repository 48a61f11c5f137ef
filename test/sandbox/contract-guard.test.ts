import { describe, expect, it } from "bun:test";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");

describe("a stand-in violation left behind", () => {
  it("should fail the test that caused it, naming the request, and spare the test that took it", async () => {
    const run = Bun.spawn(["bun", "test", "./test/support/fixtures/violations.fixture.ts"], {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([
      new Response(run.stdout).text(),
      new Response(run.stderr).text(),
      run.exited,
    ]);
    const output = out + err;

    expect(code).not.toBe(0);
    expect(output).toContain("(fail) leaves a violation behind");
    expect(output).toContain("X request on GET /2/users/me breaks the vendor's schema");
    expect(output).toContain("(pass) takes the violation it provoked");
  });
});
