import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { Page } from "playwright-core";
import { checkPage as checkSandboxPage, type SandboxBrowser, startSandboxBrowser } from "../support/browser";

const XSS = `<img src=x onerror="window.__xss=1;alert(1)"><script>window.__xss=1;alert(1)</script>`;
// A browser journey outlives bun's 5-second default.
const TIMEOUT = 60_000;
let sb: SandboxBrowser;
let page: Page;

beforeAll(async () => {
  sb = await startSandboxBrowser();
  page = sb.page;
}, TIMEOUT);
afterAll(async () => sb?.stop());

const checkPage = (name: string): Promise<void> => checkSandboxPage(sb, name);

async function textFrom(phone: string, text: string): Promise<string> {
  await page.goto(`${sb.app.url}/sandbox?phone=${encodeURIComponent(phone)}`);
  const before = await page.locator(".bubble.service").count();
  await page.getByLabel("Message").fill(text);
  await page.getByRole("button", { name: "Send" }).click();
  return (await page.locator(".bubble.service .bubble-text").nth(before).textContent()) ?? "";
}

const scriptRan = (): Promise<boolean> => page.evaluate(() => "__xss" in window);

describe("the sandbox's failure pages, in Chromium", () => {
  it(
    "should say so when the texter cancels at X, and when a link is reused or the state is wrong",
    async () => {
      const phone = "+14155550177";
      expect(await textFrom(phone, "hi")).toContain("/auth/");
      const link =
        (await page.locator(".bubble.service a[href*='/auth/']").last().getAttribute("href")) ?? "";
      await page.goto(link);
      await page.getByRole("button", { name: "Connect with X" }).click();
      await page.getByRole("button", { name: "Cancel" }).click();
      await page.getByRole("heading", { name: "Your X account was not connected" }).waitFor();
      await checkPage("20-denied-at-x");

      await page.goto(link);
      await page.getByRole("button", { name: "Connect with X" }).click();
      await page.getByLabel("Post as (X username)").fill("other_user");
      await page.getByRole("button", { name: "Authorize" }).click();
      await page.getByRole("heading", { name: "Connected as @other_user" }).waitFor();
      const used = await page.goto(link);
      expect(used?.status()).toBe(410);
      await page.getByRole("heading", { name: "This link no longer works" }).waitFor();
      await checkPage("21-link-used");

      const forged = await page.goto(`${sb.app.url}/auth/callback?state=forged&code=forged`);
      expect(forged?.status()).toBe(400);
      await page
        .getByRole("heading", { name: "This sign-in is finished, or was started elsewhere" })
        .waitFor();
      await checkPage("22-wrong-state");
    },
    TIMEOUT,
  );

  it(
    "should answer an unknown path with the 404 page",
    async () => {
      const response = await page.goto(`${sb.app.url}/wp-login.php`);
      expect(response?.status()).toBe(404);
      await page.getByRole("heading", { name: "Page not found" }).waitFor();
      await checkPage("23-not-found");
    },
    TIMEOUT,
  );

  it(
    "should show script typed as a phone number as text, and run none of it",
    async () => {
      const response = await page.goto(`${sb.app.url}/sandbox?phone=${encodeURIComponent(XSS)}`);
      expect(response?.status()).toBe(400);
      expect(await page.getByRole("alert").textContent()).toContain(XSS);
      expect(await page.getByLabel("Your phone number").inputValue()).toBe(XSS);
      expect(await scriptRan()).toBe(false);
      await checkPage("24-bad-number");
    },
    TIMEOUT,
  );

  it(
    "should post script typed as a message as text, and show it inert in the simulator and on the timeline",
    async () => {
      const phone = "+14155550178";
      await textFrom(phone, "hi");
      await page.locator(".bubble.service a[href*='/auth/']").last().click();
      await page.getByRole("button", { name: "Connect with X" }).click();
      await page.getByLabel("Post as (X username)").fill("xss_tester");
      await page.getByRole("button", { name: "Authorize" }).click();
      await page.getByRole("heading", { name: "Connected as @xss_tester" }).waitFor();

      expect(await textFrom(phone, XSS)).toStartWith("Posted");
      expect(await page.locator(".bubble.phone .bubble-text").last().textContent()).toBe(XSS);
      expect(await scriptRan()).toBe(false);
      await checkPage("25-script-as-text");

      await page.goto(`${sb.app.url}/sandbox/timeline`);
      expect(await page.locator("#account-xss_tester ~ ol .post-text").first().textContent()).toBe(XSS);
      expect(await scriptRan()).toBe(false);
      expect(sb.consoleErrors).toEqual([]);
    },
    TIMEOUT,
  );
});
