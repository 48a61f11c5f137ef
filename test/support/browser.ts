import { expect } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { type AppProcess, freePort, startAppProcess } from "./process";

const ROOT = join(import.meta.dir, "../..");
export const SCREENSHOTS = join(ROOT, "test-output/screenshots");
const AXE = join(ROOT, "node_modules/axe-core/axe.min.js");

/** A phone-sized browser on the sandbox, started as an operator would start it: `bun run start`, no env. */
export type SandboxBrowser = {
  app: AppProcess;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors, e.g. Content-Security-Policy violations: a page that trips the CSP is broken. */
  consoleErrors: string[];
  stop(): Promise<void>;
};

export async function startSandboxBrowser(): Promise<SandboxBrowser> {
  const dir = mkdtempSync(join(tmpdir(), "smstweet-browser-"));
  const app = await startAppProcess({ PORT: String(freePort()), DATABASE_PATH: join(dir, "sandbox.db") });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    // Error pages are meant to have error statuses; Chromium logs each one.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      consoleErrors.push(message.text());
    }
  });
  // Any dialog means script ran that should not have (the XSS checks inject alert() attempts).
  page.on("dialog", (dialog) => {
    consoleErrors.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    app,
    browser,
    context,
    page,
    consoleErrors,
    async stop() {
      await browser.close();
      app.process.kill();
      await app.process.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

let axeSource: string | undefined;

/**
 * axe-core's WCAG 2.x A/AA rules (labels, contrast, lang, names, ...) on the page as it stands.
 * Evaluated through the DevTools protocol, so the page's strict CSP stays on and is tested too.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  axeSource ??= await Bun.file(AXE).text();
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(options: unknown): Promise<AxeResults> } }).axe;
    const results = await axe.run({
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
    });
    return results.violations.map(
      (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`,
    );
  });
  return violations;
}

type AxeResults = { violations: { id: string; nodes: { target: string[] }[] }[] };

/** The page as it stands must be accessible and free of CSP violations or stray script; then a screenshot. */
export async function checkPage(sb: SandboxBrowser, name: string): Promise<void> {
  expect(await accessibilityViolations(sb.page)).toEqual([]);
  expect(sb.consoleErrors).toEqual([]);
  await screenshot(sb.page, name);
}
