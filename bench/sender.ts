/**
 * A load generator in a process of its own (so its CPU is not the app's): replays pre-signed webhooks
 * from a `signature<TAB>form-body` file (the format of peers/replay.lua), each line once.
 *
 * `<url>` may list several, comma-separated: line i goes to the (i mod n)th, as a round-robin balancer would.
 *
 *   bun bench/sender.ts burst <url> <file> <connections> [count] [seconds]
 *     closed loop: `connections` loops, each sending its next line as soon as the last was answered
 *     (until every line is sent, or `seconds` have passed).
 *   bun bench/sender.ts rate <url> <file> <perSecond> [count]
 *     open loop at a fixed rate: line i is due at start + i / perSecond and is sent then, whatever is
 *     still in flight; latency is measured from that scheduled time (no coordinated omission).
 *
 * Prints one JSON line: a `SenderResult`.
 */

export type SenderResult = {
  sent: number;
  ok: number;
  /** Answers other than 200. */
  non2xx: number;
  /** Connection errors. */
  errors: number;
  elapsedMs: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** How late the sender itself was in sending, beyond the schedule (rate mode), p99 and max. */
  lagP99: number;
  lagMax: number;
  firstError?: string;
};

type Line = { signature: string; body: string };

async function readLines(file: string, count: number): Promise<Line[]> {
  const lines: Line[] = [];
  for (const line of (await Bun.file(file).text()).split("\n")) {
    if (lines.length >= count) break;
    const tab = line.indexOf("\t");
    if (tab > 0) lines.push({ signature: line.slice(0, tab), body: line.slice(tab + 1) });
  }
  return lines;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

async function main(): Promise<void> {
  const [mode, url, file, param, countArg, secondsArg] = process.argv.slice(2);
  if ((mode !== "burst" && mode !== "rate") || !url || !file || !param) {
    console.error("usage: sender.ts burst|rate <url> <file> <connections|perSecond> [count] [seconds]");
    process.exit(2);
  }
  const urls = url.split(",");
  const lines = await readLines(file, countArg ? Number(countArg) : Number.POSITIVE_INFINITY);
  let sent = lines.length;
  const latencies = new Float64Array(lines.length);
  const lags = new Float64Array(lines.length);
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let firstError: string | undefined;

  const send = async (i: number, from: number): Promise<void> => {
    const line = lines[i];
    if (!line) return;
    try {
      const response = await fetch(urls[i % urls.length] ?? url, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": line.signature,
        },
        body: line.body,
      });
      const text = await response.text();
      if (response.status === 200) ok++;
      else {
        non2xx++;
        firstError ??= `HTTP ${response.status}: ${text.slice(0, 120)}`;
      }
    } catch (error) {
      errors++;
      firstError ??= String(error);
    }
    latencies[i] = performance.now() - from;
  };

  const started = performance.now();
  if (mode === "burst") {
    const stopAt = secondsArg ? started + Number(secondsArg) * 1000 : Number.POSITIVE_INFINITY;
    let next = 0;
    const loop = async (): Promise<void> => {
      for (let i = next++; i < lines.length && performance.now() < stopAt; i = next++) {
        await send(i, performance.now());
      }
    };
    await Promise.all(Array.from({ length: Number(param) }, loop));
    sent = Math.min(next - Number(param), lines.length);
  } else {
    const interval = 1000 / Number(param);
    const inFlight: Promise<void>[] = [];
    let i = 0;
    while (i < lines.length) {
      const now = performance.now();
      for (; i < lines.length; i++) {
        const due = started + i * interval;
        if (due > now) break;
        lags[i] = now - due;
        inFlight.push(send(i, due));
      }
      if (i < lines.length) await Bun.sleep(Math.max(0, started + i * interval - performance.now()));
    }
    await Promise.all(inFlight);
  }
  const elapsedMs = performance.now() - started;
  const sorted = latencies.slice(0, sent).sort();
  const sortedLags = lags.slice(0, sent).sort();
  const result: SenderResult = {
    sent,
    ok,
    non2xx,
    errors,
    elapsedMs,
    rps: (sent / elapsedMs) * 1000,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? 0,
    lagP99: mode === "rate" ? percentile(sortedLags, 0.99) : 0,
    lagMax: mode === "rate" ? (sortedLags.at(-1) ?? 0) : 0,
    ...(firstError === undefined ? {} : { firstError }),
  };
  console.log(JSON.stringify(result));
}

if (import.meta.main) await main();
