/**
 * Every process the bench runs: the stand-ins, the app (`bun src/index.ts`, configured only through its
 * environment), the peers, wrk and the Bun sender. Each is its own OS process, so each one's RSS and CPU
 * are its own.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { PartDatabase } from "./databases";
import { Blocked } from "./outcome";
import type { SenderResult } from "./sender";
import {
  BENCH_ACCOUNT_SID,
  BENCH_AUTH_TOKEN,
  BENCH_TWILIO_NUMBER,
  BENCH_X_CLIENT_ID,
  BENCH_X_CLIENT_SECRET,
  CERT_PATH,
  type StandInStats,
  type StandInUrls,
  type XMode,
} from "./standins";

export const ROOT = join(import.meta.dir, "..");
const BUN = process.execPath;
/** The production entry; overridable while the entry point moves (SPEC: a launcher picks it). */
const APP_ENTRY = process.env.BENCH_APP_ENTRY ?? "src/index.ts";
/** BENCH_PROFILE=<dir>: each app process writes a CPU profile (markdown) there when it stops. */
const PROFILE = process.env.BENCH_PROFILE
  ? ["--cpu-prof-md", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
  : [];

/** Every child still running, so that an interrupted bench leaves none behind. */
const children = new Set<Subprocess>();
const track = <T extends Subprocess>(child: T): T => {
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
};

/** Kills (SIGKILL) every child this bench started and that is still running. */
export function killChildren(): void {
  for (const child of children) child.kill("SIGKILL");
}

/** A free loopback port: bind to 0, read it, let go. */
export function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port ?? 0;
  probe.stop(true);
  return port;
}

/** Keeps the last `limit` characters a child wrote, for error messages. */
function tail(
  stream: ReadableStream<Uint8Array>,
  onLine?: (line: string) => void,
  limit = 16_000,
): () => string {
  let text = "";
  let partial = "";
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      const decoded = decoder.decode(chunk, { stream: true });
      text += decoded;
      if (text.length > limit * 2) text = text.slice(-limit);
      if (onLine) {
        const lines = (partial + decoded).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) onLine(line);
      }
    }
  })();
  return () => text.slice(-limit);
}

async function stopProcess(child: Subprocess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Polls until `check` is truthy; throws after `timeoutMs`. */
export async function until<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 30_000,
  everyMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await Bun.sleep(everyMs);
  }
}

// ─── stand-ins ────────────────────────────────────────────────────────────────────────────────────────

export type StandIns = StandInUrls & {
  pid: number;
  stats(): Promise<StandInStats>;
  setX(change: { mode?: XMode; delayMs?: number }): Promise<StandInStats>;
  /** The bodies of the texts to `phone`, once there are at least `count`. */
  textsTo(phone: string, count: number): Promise<string[]>;
  approve(authorizeUrl: string, username: string): Promise<string>;
  order(): Promise<{ checked: number; outOfOrder: number; duplicates: number }>;
  /** Status callbacks for every text go to `origin` (null: none are made). */
  callbacksTo(origin: string | null): Promise<void>;
  stop(): Promise<void>;
};

export async function startStandIns(): Promise<StandIns> {
  const child = track(
    Bun.spawn([BUN, "--no-env-file", join(import.meta.dir, "standins.ts")], {
      cwd: ROOT,
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    }),
  );
  const errors = tail(child.stderr);
  const reader = child.stdout.getReader();
  let first = "";
  while (!first.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`bench: the stand-ins did not start: ${errors()}`);
    first += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  void child.stdout.pipeTo(new WritableStream());
  const urls = JSON.parse(first.slice(0, first.indexOf("\n"))) as StandInUrls;
  const call = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const response = await fetch(`${urls.controlUrl}${path}`, init);
    if (!response.ok)
      throw new Error(`bench: stand-in ${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  };
  const post = <T>(path: string, body: unknown): Promise<T> =>
    call<T>(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  return {
    ...urls,
    pid: child.pid,
    stats: () => call("/stats"),
    setX: (change) => post("/x", change),
    textsTo: (phone, count) => call(`/texts?to=${encodeURIComponent(phone)}&count=${count}`),
    approve: async (url, username) =>
      (await post<{ callback: string }>("/approve", { url, username })).callback,
    order: () => call("/order"),
    callbacksTo: async (origin) => {
      await post("/callbacks", { origin });
    },
    stop: () => stopProcess(child, 2_000),
  };
}

// ─── the app ──────────────────────────────────────────────────────────────────────────────────────────

export type AppProcess = {
  url: string;
  pid: number;
  /** The app's memory, from /proc/<pid>/status: VmRSS now and VmHWM (peak RSS), in bytes. */
  memory(): { rss: number; peak: number };
  /** The app's CPU time so far (user + system), in ms. */
  cpuMs(): number;
  output(): string;
  /** How many log lines the app wrote per `level event` (it runs at LOG_LEVEL=warn), most frequent first. */
  logSummary(): string;
  stop(): Promise<void>;
};

/**
 * Caps and sizing from SPEC's environment table. The bench texts far more per number and per hour than
 * a texter would, so the cost guard is opened wide; an app that does not read a variable yet ignores it.
 */
const LIMITS_OFF = {
  MAX_TEXTS_PER_NUMBER_PER_HOUR: "1000000",
  MAX_TEXTS_PER_HOUR: "100000000",
  MAX_LINKS_PER_HOUR: "1000000",
  MAX_LINKS_PER_NUMBER_PER_DAY: "1000",
  MAX_HELP_PER_NUMBER_PER_HOUR: "1000",
  MAX_POSTS_PER_NUMBER_PER_DAY: "1000000",
};

/** The environment an operator would set to run the app against the stand-ins. */
export function appEnvironment(
  standIns: StandIns,
  port: number,
  database: Record<string, string>,
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: "https://smstweet.test",
    TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
    TWILIO_ACCOUNT_SID: BENCH_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: BENCH_AUTH_TOKEN,
    TWILIO_PHONE_NUMBER: BENCH_TWILIO_NUMBER,
    TWILIO_API_URL: standIns.twilioUrl,
    X_CLIENT_ID: BENCH_X_CLIENT_ID,
    X_CLIENT_SECRET: BENCH_X_CLIENT_SECRET,
    X_API_URL: standIns.xUrl,
    X_AUTHORIZE_URL: `${standIns.xUrl}/i/oauth2/authorize`,
    // The stand-ins' certificate, trusted the standard way: the app is given no bench hook.
    NODE_EXTRA_CA_CERTS: CERT_PATH,
    SMSTWEET_SANDBOX: "0",
    LOG_LEVEL: "warn",
    // Each part stops its app with SIGTERM: no load balancer to drain for.
    DRAIN_SECONDS: "0",
    WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY ?? "64",
    ...LIMITS_OFF,
    ...database,
  };
}

function procStatus(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return "";
  }
}

const kib = (status: string, field: string): number =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? "0") * 1024;

/**
 * Runs the app as its own process on `db` (the part's; several replicas may share it), `env` on top of the
 * operator's environment; resolves once /healthz answers 200, throws Blocked if the app's data is not in `db`.
 */
export async function startApp(
  standIns: StandIns,
  db: PartDatabase,
  env: Record<string, string> = {},
): Promise<AppProcess> {
  const port = freePort();
  const child = track(
    Bun.spawn([BUN, "--no-env-file", ...PROFILE, APP_ENTRY], {
      cwd: ROOT,
      env: { ...appEnvironment(standIns, port, db.env), ...env },
      stdout: "pipe",
      stderr: "pipe",
    }),
  );
  const events = new Map<string, number>();
  const logFile = process.env.BENCH_APP_LOG ? `${process.env.BENCH_APP_LOG}.${port}` : null;
  const countEvent = (line: string): void => {
    if (line.trim() === "") return;
    // BENCH_APP_LOG=<path prefix>: every line the app wrote, one file per app (for finding why a row missed).
    if (logFile) appendFileSync(logFile, `${line}\n`);
    let key = "unstructured output";
    try {
      const entry = JSON.parse(line) as { level?: string; event?: string };
      key = `${entry.level ?? "?"} ${entry.event ?? "?"}`;
    } catch {}
    events.set(key, (events.get(key) ?? 0) + 1);
  };
  const out = tail(child.stdout, countEvent);
  const err = tail(child.stderr, countEvent);
  const output = (): string => `${out()}${err()}`;
  const url = `http://127.0.0.1:${port}`;
  await until(
    async () => {
      if (child.exitCode !== null) throw new Error(`bench: the app exited ${child.exitCode}: ${output()}`);
      return (await fetch(`${url}/healthz`).catch(() => null))?.ok;
    },
    "the app to answer /healthz",
    20_000,
    20,
  );
  const misplaced = await db.misplaced();
  if (misplaced) {
    await stopProcess(child);
    throw new Blocked(misplaced);
  }
  // Twilio calls back on every text the app sends; BENCH_CALLBACKS=0 measures without them.
  await standIns.callbacksTo(process.env.BENCH_CALLBACKS === "0" ? null : url);
  return {
    url,
    pid: child.pid,
    memory: () => {
      const status = procStatus(child.pid);
      return { rss: kib(status, "VmRSS"), peak: kib(status, "VmHWM") };
    },
    cpuMs: () => {
      try {
        const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
        return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
      } catch {
        return 0;
      }
    },
    output,
    logSummary: () =>
      [...events.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([event, n]) => `${n.toLocaleString("en-US")} × ${event}`)
        .join(", ") || "nothing",
    stop: () => stopProcess(child),
  };
}

// ─── peers ────────────────────────────────────────────────────────────────────────────────────────────

export type Peer = { url: string; stop(): Promise<void> };

/** Waits for anything listening to answer HTTP at `url`. */
async function listening(url: string, child: Subprocess, output: () => string, name: string): Promise<void> {
  await until(
    async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}: ${output()}`);
      return (await fetch(url).catch(() => null)) !== null;
    },
    `${name} to listen`,
    20_000,
    50,
  );
}

/** peers/bare: Bun.serve reading the form and answering TwiML, nothing else. */
export async function startBare(): Promise<Peer> {
  const port = freePort();
  const child = track(
    Bun.spawn([BUN, "--no-env-file", join(import.meta.dir, "peers/bare/app.ts")], {
      env: { PATH: process.env.PATH ?? "", PORT: String(port) },
      stdout: "pipe",
      stderr: "pipe",
    }),
  );
  const err = tail(child.stderr);
  void tail(child.stdout);
  const url = `http://127.0.0.1:${port}`;
  await listening(url, child, err, "the bare Bun peer");
  return { url, stop: () => stopProcess(child) };
}

export const PYTHON = "/usr/bin/python3";

/** peers/fastapi under Debian's uvicorn: signature check, INSERT OR IGNORE into SQLite, sender lookup. */
export async function startFastApi(): Promise<Peer> {
  const port = freePort();
  const dir = mkdtempSync(join(tmpdir(), "smstweet-bench-fastapi-"));
  const child = track(
    Bun.spawn(
      [
        PYTHON,
        "-m",
        "uvicorn",
        "--app-dir",
        join(import.meta.dir, "peers/fastapi"),
        "app:app",
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "--log-level",
        "warning",
      ],
      {
        env: {
          PATH: process.env.PATH ?? "",
          PYTHONDONTWRITEBYTECODE: "1",
          TWILIO_AUTH_TOKEN: BENCH_AUTH_TOKEN,
          PUBLIC_URL: "https://smstweet.test",
          DB: join(dir, "peer.db"),
        },
        stdout: "pipe",
        stderr: "pipe",
      },
    ),
  );
  const err = tail(child.stderr);
  void tail(child.stdout);
  const url = `http://127.0.0.1:${port}`;
  await listening(url, child, err, "the FastAPI peer");
  return {
    url,
    stop: async () => {
      await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ─── load generators ──────────────────────────────────────────────────────────────────────────────────

export type BurstResult = {
  tool: "wrk" | "bun sender";
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Non-200 answers plus socket errors. */
  failed: number;
  /** % of one core used by processes outside the bench meanwhile (see cpuMeter). */
  othersCpu?: number;
};

/** wrk + peers/replay.lua: `connections` connections on one thread for `seconds`, each line once (cycling past the end). */
export async function wrkBurst(
  url: string,
  file: string,
  connections: number,
  seconds: number,
): Promise<BurstResult> {
  const child = track(
    Bun.spawn(
      [
        "wrk",
        "-t1",
        `-c${connections}`,
        `-d${seconds}s`,
        "-s",
        join(import.meta.dir, "peers/replay.lua"),
        url,
      ],
      { env: { PATH: process.env.PATH ?? "", REQS: file }, stdout: "pipe", stderr: "pipe" },
    ),
  );
  const [stdout, stderr] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  await child.exited;
  const line = /RESULT (.*)/.exec(stdout)?.[1];
  if (!line) throw new Error(`bench: wrk printed no RESULT line: ${stdout}${stderr}`);
  const field = (name: string): number => Number(new RegExp(`${name}=([\\d.]+)`).exec(line)?.[1] ?? "0");
  return {
    tool: "wrk",
    rps: field("rps"),
    p50: field("p50_ms"),
    p99: field("p99_ms"),
    requests: field("requests"),
    failed: field("non2xx") + field("sockerr"),
  };
}

/**
 * sender.ts in its own process; `mode` burst (param = connections) or rate (param = per second); with
 * several app URLs, line i goes to the (i mod n)th.
 */
export async function runSender(
  mode: "burst" | "rate",
  url: string | readonly string[],
  file: string,
  param: number,
  count?: number,
  seconds?: number,
): Promise<SenderResult> {
  const args = [
    mode,
    (typeof url === "string" ? [url] : url).map((one) => `${one}/sms`).join(","),
    file,
    String(param),
    String(count ?? Number.MAX_SAFE_INTEGER),
    ...(seconds === undefined ? [] : [String(seconds)]),
  ];
  const child = track(
    Bun.spawn([BUN, "--no-env-file", join(import.meta.dir, "sender.ts"), ...args], {
      env: { PATH: process.env.PATH ?? "" },
      stdout: "pipe",
      stderr: "pipe",
    }),
  );
  const [stdout, stderr] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  const code = await child.exited;
  if (code !== 0) throw new Error(`bench: sender exited ${code}: ${stderr}`);
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as SenderResult;
}

// ─── tools on a fresh machine ─────────────────────────────────────────────────────────────────────────

const hasPythonPeer = (): boolean =>
  existsSync(PYTHON) &&
  Bun.spawnSync([PYTHON, "-c", "import fastapi, uvicorn, twilio"], { stdout: "ignore", stderr: "ignore" })
    .exitCode === 0;

/** wrk and the FastAPI peer's Debian packages: installs what is missing when it can (root + apt-get). */
export function ensureTools(log: (line: string) => void): { wrk: boolean; fastapi: boolean } {
  const missing = [
    ...(Bun.which("wrk") ? [] : ["wrk"]),
    ...(hasPythonPeer() ? [] : ["python3-fastapi", "python3-uvicorn", "python3-twilio"]),
  ];
  if (missing.length > 0) {
    const apt = Bun.which("apt-get");
    if (process.getuid?.() === 0 && apt) {
      log(`installing ${missing.join(" ")} (apt-get) …`);
      const install = (): number =>
        Bun.spawnSync([apt, "install", "-y", "--no-install-recommends", ...missing], {
          env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
          stdout: "ignore",
          stderr: "ignore",
        }).exitCode;
      if (install() !== 0) {
        Bun.spawnSync([apt, "update"], { stdout: "ignore", stderr: "ignore" });
        install();
      }
    } else {
      log(`missing ${missing.join(" ")}, and not root with apt-get: cannot install them`);
    }
  }
  return { wrk: Bun.which("wrk") !== null, fastapi: existsSync(PYTHON) && hasPythonPeer() };
}

// ─── other load on the machine ────────────────────────────────────────────────────────────────────────

const TICK_MS = 10; // USER_HZ is 100 on Linux

function busyMs(): number {
  try {
    const [, ...values] = readFileSync("/proc/stat", "utf8").split("\n")[0]?.trim().split(/\s+/) ?? [];
    const [user, nice, system, , , irq, softirq, steal] = values.map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * TICK_MS;
  } catch {
    return 0;
  }
}

/** CPU ms of a process (with `reaped`, also of its children that have exited and been waited for). */
function processCpuMs(pid: number | "self", reaped = false): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    const own = Number(fields[11]) + Number(fields[12]);
    return (own + (reaped ? Number(fields[13]) + Number(fields[14]) : 0)) * TICK_MS;
  } catch {
    return 0;
  }
}

/** CPU used by the bench and everything it started (the app, stand-ins, peers, load generators). */
function benchCpuMs(): number {
  let total = processCpuMs("self", true);
  for (const child of children) total += processCpuMs(child.pid);
  return total;
}

/**
 * Starts measuring; the function it returns tells how busy the machine was since, in % of one core:
 * by the bench's processes, and by everything else (another job on a shared machine skews the figures).
 */
export function cpuMeter(): () => { bench: number; others: number } {
  const startedAt = performance.now();
  const busy = busyMs();
  const ours = benchCpuMs();
  return () => {
    const elapsed = performance.now() - startedAt;
    const bench = benchCpuMs() - ours;
    const all = busyMs() - busy;
    return { bench: (bench / elapsed) * 100, others: (Math.max(0, all - bench) / elapsed) * 100 };
  };
}
