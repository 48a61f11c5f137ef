import { describe, expect, it } from "bun:test";
import { createHash } from "node:crypto";
import { createXStandIn } from "../../src/sandbox/x";

const CLIENT_ID = "client";
const CLIENT_SECRET = "secret";
const REDIRECT = "https://app.test/auth/callback";
const VERIFIER = "v".repeat(64);

function authorizeQuery(overrides: Record<string, string> = {}): URLSearchParams {
  return new URLSearchParams({
    response_type: "code",
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT,
    state: "st<ate>",
    code_challenge: createHash("sha256").update(VERIFIER).digest("base64url"),
    code_challenge_method: "S256",
    scope: "tweet.read tweet.write users.read offline.access",
    ...overrides,
  });
}

function setup(): ReturnType<typeof createXStandIn> {
  return createXStandIn({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
}

async function accessTokenFor(standIn: ReturnType<typeof createXStandIn>, username: string): Promise<string> {
  const callback = new URL(
    await standIn.approve(`https://x.test/i/oauth2/authorize?${authorizeQuery()}`, username),
  );
  const response = await standIn.handle(
    new Request("https://api.x.test/2/oauth2/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        grant_type: "authorization_code",
        code: callback.searchParams.get("code"),
        redirect_uri: REDIRECT,
        code_verifier: VERIFIER,
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
      }),
    }),
  );
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

describe("consent page", () => {
  it("should render a form with every value HTML-escaped", async () => {
    const standIn = setup();
    const response = await standIn.handle(
      new Request(
        `https://x.test/i/oauth2/authorize?${authorizeQuery({ state: `"><script>alert(1)</script>` })}`,
      ),
    );
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).not.toContain("<script>");
    expect(html).toContain("&quot;&gt;&lt;script&gt;");
    expect(html).toContain('name="decision" value="allow"');
    expect(html).toContain('name="decision" value="deny"');
    expect(html).toContain('name="username"');
  });

  it("should show an error page, not a redirect, for an unknown client", async () => {
    const standIn = setup();
    const response = await standIn.handle(
      new Request(`https://x.test/i/oauth2/authorize?${authorizeQuery({ client_id: "someone-else" })}`),
    );
    expect(response.status).toBe(400);
    expect(() =>
      standIn.deny(`https://x.test/i/oauth2/authorize?${authorizeQuery({ client_id: "other" })}`),
    ).toThrow();
  });

  it("should answer the form's Authorize with a 302 carrying a working code", async () => {
    const standIn = setup();
    const form = new URLSearchParams(authorizeQuery());
    form.set("username", "@Alice_1");
    form.set("decision", "allow");
    const response = await standIn.handle(
      new Request("https://x.test/prefix/i/oauth2/authorize", { method: "POST", body: form }),
    );
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location") ?? "");
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get("state")).toBe("st<ate>");
    expect(location.searchParams.get("code")?.length).toBeGreaterThan(40);
    expect(standIn.users().map((user) => user.username)).toEqual(["Alice_1"]);
  });

  it("should answer the form's Cancel with access_denied", async () => {
    const standIn = setup();
    const form = new URLSearchParams(authorizeQuery());
    form.set("decision", "deny");
    const response = await standIn.handle(
      new Request("https://x.test/i/oauth2/authorize", { method: "POST", body: form }),
    );
    const location = new URL(response.headers.get("location") ?? "");
    expect(location.searchParams.get("error")).toBe("access_denied");
    expect(standIn.users()).toEqual([]);
  });
});

describe("API formats", () => {
  it("should answer a bad token with X's 401 problem document", async () => {
    const standIn = setup();
    const response = await standIn.handle(
      new Request("https://api.x.test/2/users/me", { headers: { authorization: "Bearer nope" } }),
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      title: "Unauthorized",
      type: "about:blank",
      status: 401,
      detail: "Unauthorized",
    });
  });

  it("should send rate-limit headers with every post and log requests by X path under any prefix", async () => {
    const standIn = setup();
    const token = await accessTokenFor(standIn, "alice");
    const post = (text: string): Promise<Response> =>
      standIn.handle(
        new Request("https://sandbox.test/mounted/here/2/tweets", {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ text }),
        }),
      );
    const first = await post("one");
    const second = await post("two");
    expect(first.status).toBe(201);
    expect(first.headers.get("x-rate-limit-limit")).toBe("100");
    expect(Number(first.headers.get("x-rate-limit-remaining"))).toBe(99);
    expect(Number(second.headers.get("x-rate-limit-remaining"))).toBe(98);
    expect(Number(first.headers.get("x-rate-limit-reset"))).toBeGreaterThan(Date.now() / 1000);
    const body = (await first.json()) as {
      data: { id: string; text: string; edit_history_tweet_ids: string[] };
    };
    expect(body.data).toEqual({ id: body.data.id, text: "one", edit_history_tweet_ids: [body.data.id] });
    expect(standIn.requests.at(-1)).toEqual({ method: "POST", path: "/2/tweets" });
  });

  it("should refuse a reply to a post that does not exist", async () => {
    const standIn = setup();
    const token = await accessTokenFor(standIn, "alice");
    const response = await standIn.handle(
      new Request("https://api.x.test/2/tweets", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ text: "hi", reply: { in_reply_to_tweet_id: "1234567890" } }),
      }),
    );
    expect(response.status).toBe(403);
    expect(standIn.posts()).toEqual([]);
  });

  it("should expire access tokens on the injected clock", async () => {
    let now = 1_800_000_000_000;
    const standIn = createXStandIn({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      clock: { now: () => now },
    });
    standIn.setAccessTokenLifetime(60);
    const token = await accessTokenFor(standIn, "alice");
    const me = (): Promise<Response> =>
      standIn.handle(
        new Request("https://api.x.test/2/users/me", { headers: { authorization: `Bearer ${token}` } }),
      );
    expect((await me()).status).toBe(200);
    now += 61_000;
    expect((await me()).status).toBe(401);
  });
});

describe("injected faults", () => {
  const me = (token: string): Request =>
    new Request("https://api.x.test/2/users/me", { headers: { authorization: `Bearer ${token}` } });

  it("should answer a raw fault verbatim: an HTML page, a bare OK, an empty body", async () => {
    const standIn = setup();
    standIn.failNext("users_me", { status: 200, raw: { body: "<html>hi</html>", contentType: "text/html" } });
    standIn.failNext("users_me", { status: 200, raw: { body: "OK", contentType: "text/plain" } });
    standIn.failNext("users_me", { status: 201, raw: { body: "" } });

    const html = await standIn.handle(me("any"));
    const ok = await standIn.handle(me("any"));
    const empty = await standIn.handle(me("any"));

    expect([html.status, html.headers.get("content-type"), await html.text()]).toEqual([
      200,
      "text/html",
      "<html>hi</html>",
    ]);
    expect([ok.status, ok.headers.get("content-type"), await ok.text()]).toEqual([200, "text/plain", "OK"]);
    expect([empty.status, empty.headers.get("content-type"), await empty.text()]).toEqual([201, null, ""]);
  });

  it("should answer a redirect fault with its Location and no body, and {} as JSON", async () => {
    const standIn = setup();
    standIn.failNext("users_me", { status: 302, headers: { location: "https://x.com/login" } });
    standIn.failNext("users_me", { status: 200, body: {} });

    const redirect = await standIn.handle(me("any"));
    const empty = await standIn.handle(me("any"));

    expect([redirect.status, redirect.headers.get("location"), await redirect.text()]).toEqual([
      302,
      "https://x.com/login",
      "",
    ]);
    expect(empty.headers.get("content-type")).toStartWith("application/json");
    expect(await empty.json()).toEqual({});
  });

  it("should post for real before a raw fault with afterHandling, and fault the timeline on its own route", async () => {
    const standIn = setup();
    const token = await accessTokenFor(standIn, "alice");
    const userId = standIn.users()[0]?.id ?? "";
    standIn.failNext("tweets", {
      status: 200,
      raw: { body: "<html/>", contentType: "text/html" },
      afterHandling: true,
    });
    standIn.failNext("timeline", { status: 503 });

    const posted = await standIn.handle(
      new Request("https://api.x.test/2/tweets", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ text: "made, answer lost" }),
      }),
    );
    const timeline = (path: string): Promise<Response> =>
      standIn.handle(
        new Request(`https://api.x.test${path}`, { headers: { authorization: `Bearer ${token}` } }),
      );

    expect(await posted.text()).toBe("<html/>");
    expect(standIn.posts().map((post) => post.text)).toEqual(["made, answer lost"]);
    expect((await timeline(`/2/users/${userId}/tweets`)).status).toBe(503);
    expect((await timeline("/2/users/me")).status).toBe(200);
    expect((await timeline(`/2/users/${userId}/tweets`)).status).toBe(200);
  });
});
