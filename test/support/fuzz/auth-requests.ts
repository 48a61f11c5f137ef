import fc from "fast-check";
import { STATE_COOKIE } from "../../../src/auth/cookie";
import { anyText, contentTypes, type FuzzWorld, headerValue, junkBody, type Probe } from "./probe";

/** A link's token: a live one, one of the right shape, or anything a browser could put in a path. */
function token(world: FuzzWorld): fc.Arbitrary<{ path: string; live: boolean }> {
  const made = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/),
    anyText.map(encodeURIComponent),
    fc.constantFrom("callback", "..%2F..%2Fetc%2Fpasswd", "%00", "%zz", "a/b", "a?b=c"),
  );
  const live = world.links.length > 0 ? [{ weight: 2, arbitrary: fc.constantFrom(...world.links) }] : [];
  return fc
    .oneof(...live, { weight: 3, arbitrary: made.map((t) => `/auth/${t}`) })
    .map((path) => ({ path, live: world.links.includes(path) }));
}

const optional = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.option(arbitrary, { nil: undefined });

/** What a browser, a link-preview bot or a forging page says about where the request comes from. */
function source(world: FuzzWorld): fc.Arbitrary<Record<string, string>> {
  const origin = optional(
    fc.oneof(
      fc.constantFrom(
        world.publicUrl,
        "null",
        "https://evil.example",
        `${world.publicUrl}/`,
        "http://smstweet.test",
      ),
      headerValue,
    ),
  );
  const site = optional(
    fc.oneof(fc.constantFrom("same-origin", "none", "cross-site", "same-site"), headerValue),
  );
  const cookie = optional(
    fc.oneof(
      headerValue,
      headerValue.map((v) => `${STATE_COOKIE}=${v}`),
    ),
  );
  return fc.record({ origin, site, cookie }).map(({ origin, site, cookie }) => {
    const headers: Record<string, string> = {};
    if (origin !== undefined) headers.origin = origin;
    if (site !== undefined) headers["sec-fetch-site"] = site;
    if (cookie !== undefined) headers.cookie = cookie;
    return headers;
  });
}

/** GET /auth/<token>: the link's page. A GET never stores. */
export function linkPage(world: FuzzWorld): fc.Arbitrary<Probe> {
  return fc
    .record({ token: token(world), headers: source(world), method: fc.constantFrom("GET", "GET", "HEAD") })
    .map(({ token, headers, method }) => ({ method, path: token.path, headers, mayStore: false }));
}

/** POST /auth/<token>: the Connect button, pressed on our page, on another site's, or by a script. */
export function connectButton(world: FuzzWorld): fc.Arbitrary<Probe> {
  return fc
    .record({
      token: token(world),
      headers: source(world),
      type: optional(contentTypes),
      body: optional(junkBody),
    })
    .map(({ token, headers, type, body }) => ({
      method: "POST",
      path: token.path,
      headers: type === undefined ? headers : { ...headers, "content-type": type },
      ...(body === undefined ? {} : { body }),
      mayStore: token.live,
    }));
}

/** GET /auth/callback: X's redirect, a replay, or a forgery, with or without this browser's cookie. */
export function callback(world: FuzzWorld): fc.Arbitrary<Probe> {
  const signIn = world.signIns.length > 0 ? fc.option(fc.constantFrom(...world.signIns)) : fc.constant(null);
  return fc
    .record({
      signIn,
      state: optional(anyText),
      code: optional(fc.oneof(anyText, fc.stringMatching(/^[A-Za-z0-9_-]{20,60}$/))),
      error: optional(fc.oneof(fc.constantFrom("access_denied", "server_error", "invalid_scope"), anyText)),
      extra: fc.dictionary(anyText, anyText, { maxKeys: 2 }),
      cookie: optional(headerValue),
      ownCookie: fc.boolean(),
      // A key twice (`code=a&code=b`): a framework may then hand the handler an array.
      repeat: optional(fc.record({ key: fc.constantFrom("state", "code", "error"), value: anyText })),
    })
    .map((draw): Probe => {
      const query = new URLSearchParams(draw.extra);
      const state = draw.signIn && draw.state === undefined ? draw.signIn.state : draw.state;
      if (state !== undefined) query.set("state", state);
      if (draw.code !== undefined) query.set("code", draw.code);
      if (draw.error !== undefined) query.set("error", draw.error);
      if (draw.repeat) query.append(draw.repeat.key, draw.repeat.value);
      const cookie = draw.signIn && draw.ownCookie ? draw.signIn.cookie : draw.cookie;
      const live =
        draw.signIn !== null && query.get("state") === draw.signIn.state && cookie === draw.signIn.cookie;
      return {
        method: "GET",
        path: `/auth/callback?${query}`,
        headers: cookie === undefined ? {} : { cookie },
        mayStore: live,
        ...(live ? { upstream: true as const } : {}),
      };
    });
}
