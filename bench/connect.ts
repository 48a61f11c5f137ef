/**
 * Connecting numbers the way texters do, through the app's public interfaces only: a signed "hi" to
 * POST /sms, the link from the Twilio stand-in's text, GET and POST /auth/<token> (the page and its
 * button), consent at the X stand-in, and the callback with the browser's cookie; then the "Connected" text.
 */
import type { AppProcess, StandIns } from "./processes";
import { PUBLIC_URL, sign, usernameOf } from "./requests";

/** Posts one signed webhook; throws unless the app answers 200. */
export async function text(app: AppProcess, from: string, body: string): Promise<void> {
  const { signature, body: form } = sign(from, body);
  const response = await fetch(`${app.url}/sms`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
    body: form,
  });
  if (response.status !== 200) {
    throw new Error(`bench: webhook answered ${response.status}: ${(await response.text()).slice(0, 120)}`);
  }
}

const onApp = (app: AppProcess, publicLink: string): string => publicLink.replace(PUBLIC_URL, app.url);

async function connectOne(app: AppProcess, standIns: StandIns, phone: string): Promise<void> {
  const before = (await standIns.textsTo(phone, 0)).length;
  await text(app, phone, "hi");
  const welcome = (await standIns.textsTo(phone, before + 1)).at(-1) ?? "";
  const link = /https?:\/\/[^\s/]+\/auth\/[A-Za-z0-9_-]+/.exec(welcome)?.[0];
  if (!link) throw new Error(`bench: no link in the text to ${phone}: "${welcome}"`);
  const page = await fetch(onApp(app, link));
  if (page.status !== 200) throw new Error(`bench: the auth page answered ${page.status}`);
  const start = await fetch(onApp(app, link), { method: "POST", redirect: "manual" });
  const authorizeUrl = start.headers.get("location");
  const cookie = start.headers.get("set-cookie")?.split(";")[0];
  if (start.status !== 303 || !authorizeUrl || !cookie) {
    throw new Error(`bench: the Connect button answered ${start.status}`);
  }
  const callback = await standIns.approve(authorizeUrl, usernameOf(phone));
  const landed = await fetch(onApp(app, callback), { headers: { cookie } });
  if (landed.status !== 200) throw new Error(`bench: the OAuth callback answered ${landed.status}`);
  const connected = (await standIns.textsTo(phone, before + 2)).at(-1) ?? "";
  if (!connected.startsWith("Connected")) throw new Error(`bench: expected "Connected…", got "${connected}"`);
}

/** Connects every number at once; resolves with how long it took (ms). */
export async function connectAll(
  app: AppProcess,
  standIns: StandIns,
  phones: readonly string[],
): Promise<number> {
  const started = performance.now();
  await Promise.all(phones.map((phone) => connectOne(app, standIns, phone)));
  return performance.now() - started;
}
