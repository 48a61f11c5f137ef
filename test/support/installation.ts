import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTwilio, type TwilioFixture } from "./twilio";
import { startX, type XHarness } from "./x";

/**
 * Stand-ins and a database file that outlive restarts of the service, as they would in production; what to
 * undo afterwards is pushed onto `cleanups`.
 */
export async function installation(
  cleanups: (() => unknown)[],
): Promise<{ dbPath: string; x: XHarness; twilio: TwilioFixture }> {
  const dir = mkdtempSync(join(tmpdir(), "smstweet-install-"));
  const x = await startX();
  const twilio = startTwilio();
  cleanups.push(
    () => rmSync(dir, { recursive: true, force: true }),
    () => twilio.stop(),
    () => x.stop(),
  );
  return { dbPath: join(dir, "app.db"), x, twilio };
}
