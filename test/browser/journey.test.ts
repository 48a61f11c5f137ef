import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { Page } from "playwright-core";
import {
  accessibilityViolations,
  checkPage as checkSandboxPage,
  type SandboxBrowser,
  screenshot,
  startSandboxBrowser,
} from "../support/browser";

const PHONE = "+14155550123";
// A browser journey outlives bun's 5-second default.
const TIMEOUT = 60_000;
let sb: SandboxBrowser;
let page: Page;

beforeAll(async () => {
  sb = await startSandboxBrowser();
  page = sb.page;
}, TIMEOUT);
afterAll(async () => sb?.stop());

/** Every sandbox page carries the banner, besides the shared checks. */
async function checkPage(name: string): Promise<void> {
  await expect(page.locator(".sandbox-banner").textContent()).resolves.toContain("Sandbox mode");
  await checkSandboxPage(sb, name);
}

async function send(text: string): Promise<void> {
  const before = await page.locator(".bubble.service").count();
  await page.getByLabel("Message").fill(text);
  await page.getByRole("button", { name: "Send" }).click();
  // The page reloads itself until the reply is in.
  await page.locator(".bubble.service").nth(before).waitFor();
}

const lastReply = async (): Promise<string> =>
  (await page.locator(".bubble.service .bubble-text").last().textContent()) ?? "";

describe("the sandbox, clicked through in Chromium", () => {
  it(
    "should take a new texter from first text to a post on the fake X timeline",
    async () => {
      await page.goto(`${sb.app.url}/`);
      expect(sb.app.output()).toContain(`Open ${sb.app.url}/sandbox`);
      await checkPage("01-landing");

      await page.getByRole("link", { name: "Open the phone simulator" }).click();
      await page.getByRole("heading", { name: "Phone simulator" }).waitFor();
      await checkPage("02-simulator");

      await page.getByLabel("Your phone number").fill(PHONE);
      await page.getByRole("button", { name: "Open conversation" }).click();
      await send("hello");
      expect(await lastReply()).toContain("connect your X account");
      await checkPage("03-welcome-link");

      await page.locator(".bubble.service a[href*='/auth/']").last().click();
      await page.getByRole("heading", { name: "Connect your X account" }).waitFor();
      expect(await page.textContent("main")).toContain("•••• 0123");
      await checkPage("04-auth-link");

      const pressed = page.waitForRequest((r) => r.method() === "POST" && r.url().includes("/auth/"));
      await page.getByRole("button", { name: "Connect with X" }).click();
      // Our pages' Referrer-Policy lets the button's POST say where it comes from: the origin check needs it.
      expect(await (await pressed).headerValue("origin")).toBe(new URL(sb.app.url).origin);
      await page.getByRole("heading", { name: "Authorize smstweet to post as @sandbox_user?" }).waitFor();
      await checkPage("05-fake-x-consent");
      // The heading follows the username as it is typed.
      await page.getByLabel("Post as (X username)").fill("@flip_phone_fan");
      await page.getByRole("heading", { name: "Authorize smstweet to post as @flip_phone_fan?" }).waitFor();
      await page.getByLabel("Post as (X username)").fill("sandbox_user");
      await page.getByRole("heading", { name: "Authorize smstweet to post as @sandbox_user?" }).waitFor();

      await page.getByRole("button", { name: "Authorize" }).click();
      await page.getByRole("heading", { name: "Connected as @sandbox_user" }).waitFor();
      await checkPage("06-connected");

      await page.goto(`${sb.app.url}/sandbox?phone=${encodeURIComponent(PHONE)}`);
      await page.locator(".bubble.service", { hasText: "Connected as @sandbox_user." }).waitFor();
      await send("My first post by text, from the sandbox");
      expect(await lastReply()).toMatch(
        /^Posted "My first post by text, from the sandbox": https:\/\/x\.com\/sandbox_user\/status\/\d+$/,
      );
      await checkPage("07-posted");

      await page.locator(".bubble.service a", { hasText: "/status/" }).last().click();
      await page.getByRole("heading", { name: "Fake X timeline" }).waitFor();
      const post = page.locator(".post", { hasText: "My first post by text, from the sandbox" });
      expect(await post.count()).toBe(1);
      expect(page.url()).toContain(`#${await post.getAttribute("id")}`);
      await checkPage("08-timeline");
    },
    TIMEOUT,
  );

  it(
    "should delete the post on UNDO and show it gone from the fake timeline",
    async () => {
      await page.goto(`${sb.app.url}/sandbox?phone=${encodeURIComponent(PHONE)}`);
      await send("UNDO");
      expect(await lastReply()).toBe(
        'Deleted "My first post by text, from the sandbox" from X. UNDO again deletes the one before.',
      );
      await checkPage("09-undone");
      await page.goto(`${sb.app.url}/sandbox/timeline`);
      expect(await page.locator(".post", { hasText: "My first post by text" }).count()).toBe(0);
      await checkPage("10-timeline-after-undo");
    },
    TIMEOUT,
  );

  it(
    "should send a picture message picked in the simulator, and show it posted on the fake timeline",
    async () => {
      await page.goto(`${sb.app.url}/sandbox?phone=${encodeURIComponent(PHONE)}`);
      await page.getByLabel("An orange picture (PNG)").check();
      await send("Sunrise, by text");
      expect(await lastReply()).toMatch(
        /^Posted "Sunrise, by text": https:\/\/x\.com\/sandbox_user\/status\/\d+$/,
      );
      expect(await page.locator(".bubble.phone .bubble-picture").last().textContent()).toBe(
        "[picture: An orange picture (PNG)]",
      );
      await checkPage("12-picture-message");
      await page.locator(".bubble.service a", { hasText: "/status/" }).last().click();
      const post = page.locator(".post", { hasText: "Sunrise, by text" });
      await post.waitFor();
      expect(await post.locator("img").count()).toBe(1);
      await page.goto(`${sb.app.url}/sandbox?phone=${encodeURIComponent(PHONE)}`);
      await page.getByLabel("A PDF (not a picture X takes)").check();
      await send("a document");
      expect(await lastReply()).toStartWith("Not posted: smstweet can post JPEG, PNG, GIF or WebP pictures");
    },
    TIMEOUT,
  );

  it(
    "should lock the number with a PIN, refuse a text without it, and post one that starts with it",
    async () => {
      await page.goto(`${sb.app.url}/sandbox?phone=${encodeURIComponent(PHONE)}`);
      await send("LOCK 4821");
      expect(await lastReply()).toStartWith("Locked:");
      await send("no PIN on this one");
      expect(await lastReply()).toStartWith("Not posted: this number is locked.");
      await send("4821 posted behind a PIN");
      expect(await lastReply()).toMatch(/^Posted "posted behind a PIN": /);
      await checkPage("13-locked");
      await send("UNLOCK 4821");
      expect(await lastReply()).toStartWith("Unlocked:");
      await page.goto(`${sb.app.url}/sandbox/timeline`);
      expect(await page.locator(".post", { hasText: "posted behind a PIN" }).count()).toBe(1);
      expect(await page.locator(".post", { hasText: "4821" }).count()).toBe(0);
    },
    TIMEOUT,
  );

  it(
    "should keep what is being typed while the conversation waits for a reply",
    async () => {
      const quiet = "+14155550124";
      await page.goto(`${sb.app.url}/sandbox?phone=${encodeURIComponent(quiet)}`);
      await page.getByLabel("Message").fill("STOP");
      await page.getByRole("button", { name: "Send" }).click();
      await page.locator(".bubble.twilio").first().waitFor();
      // Opted out: nothing answers this one, so the conversation keeps waiting (and reloading).
      await page.getByLabel("Message").fill("are you there?");
      await page.getByRole("button", { name: "Send" }).click();
      await page.locator("#conversation[data-waiting='true']").waitFor();
      await page.evaluate(() => Object.assign(window, { stayed: true }));
      await page.getByLabel("Message").fill("a half-typed draft");
      await page.locator("#conversation[data-refreshes='2']").waitFor();
      expect(await page.getByLabel("Message").inputValue()).toBe("a half-typed draft");
      expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
      await checkPage("14-typing-kept");
    },
    TIMEOUT,
  );

  it(
    "should pass the contrast checks in dark mode too",
    async () => {
      await page.emulateMedia({ colorScheme: "dark" });
      for (const path of ["/", `/sandbox?phone=${encodeURIComponent(PHONE)}`, "/sandbox/timeline"]) {
        await page.goto(`${sb.app.url}${path}`);
        expect(await accessibilityViolations(page)).toEqual([]);
      }
      await screenshot(page, "11-simulator-dark");
      await page.emulateMedia({ colorScheme: "light" });
    },
    TIMEOUT,
  );
});
