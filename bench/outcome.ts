/** What a bench run collects for its closing report: the targets table's rows and the loud notes. */
import type { StandIns } from "./processes";
import type { StandInStats } from "./standins";

export type Status = "met" | "MISSED" | "BLOCKED" | "SKIPPED" | "ERROR";
export type TargetRow = { target: string; figure: string; goal: string; status: Status };

export const targets: TargetRow[] = [];
export const notes: string[] = [];
export const say = (line: string): void => console.log(line);
/** A line that must not scroll by unnoticed: printed framed now, repeated under the targets table. */
export const loud = (line: string): void => {
  console.log(`\n!!! ${line}\n`);
  notes.push(line);
};
export const meets = (ok: boolean): Status => (ok ? "met" : "MISSED");
/** "12 %": CPU used outside the bench, in % of one core. */
export const cpu = (percent: number | undefined): string =>
  percent === undefined ? "" : `${percent.toFixed(0)} %`;

/** The part cannot be measured on this database (yet): its rows say why instead of giving a figure. */
export class Blocked extends Error {
  override name = "Blocked";
}

/** Waits until X has `posts` more posts and Twilio `texts` more texts than `from`, or nothing moves for `stallMs`. */
export async function settle(
  standIns: StandIns,
  from: StandInStats,
  goal: { posts: number; texts: number },
  stallMs = 10_000,
  limitMs = 300_000,
): Promise<{ reached: boolean; stats: StandInStats }> {
  const deadline = Date.now() + limitMs;
  let last = from;
  let movedAt = Date.now();
  for (;;) {
    const stats = await standIns.stats();
    if (stats.posts - from.posts >= goal.posts && stats.texts - from.texts >= goal.texts) {
      return { reached: true, stats };
    }
    if (stats.posts !== last.posts || stats.texts !== last.texts) movedAt = Date.now();
    last = stats;
    if (Date.now() - movedAt > stallMs || Date.now() > deadline) return { reached: false, stats };
    await Bun.sleep(20);
  }
}
