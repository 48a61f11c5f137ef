import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { connectX, startX, X_CLIENT_ID, X_CLIENT_SECRET, X_REDIRECT_URI, type XHarness } from "../support/x";

let x: XHarness;
beforeAll(async () => {
  x = await startX();
});
afterAll(() => x.stop());

async function consentCode(username: string): Promise<{ code: string; codeVerifier: string }> {
  const request = x.gateway.authorizationRequest(X_REDIRECT_URI);
  const callback = new URL(await x.standIn.approve(request.url, username));
  return { code: callback.searchParams.get("code") ?? "", codeVerifier: request.codeVerifier };
}

describe("authorization request", () => {
  it("should point at X_AUTHORIZE_URL with PKCE S256, a fresh state and every scope", () => {
    const first = x.gateway.authorizationRequest(X_REDIRECT_URI);
    const second = x.gateway.authorizationRequest(X_REDIRECT_URI);
    const url = new URL(first.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${x.url}/i/oauth2/authorize`);
    expect(url.searchParams.get("client_id")).toBe(X_CLIENT_ID);
    expect(url.searchParams.get("redirect_uri")).toBe(X_REDIRECT_URI);
    expect(url.searchParams.get("state")).toBe(first.state);
    expect(url.searchParams.get("code_challenge_method")?.toUpperCase()).toBe("S256");
    expect(url.searchParams.get("scope")?.split(" ")).toEqual([
      "tweet.read",
      "tweet.write",
      "users.read",
      "offline.access",
      "media.write",
    ]);
    expect(second.state).not.toBe(first.state);
    expect(second.codeVerifier).not.toBe(first.codeVerifier);
  });
});

describe("code exchange", () => {
  it("should exchange an approved code for tokens that work", async () => {
    const before = Date.now();
    const tokens = await connectX(x, "alice");
    expect(tokens.accessToken.length).toBeGreaterThanOrEqual(40);
    expect(tokens.refreshToken).not.toBe(tokens.accessToken);
    expect(tokens.expiresAt).toBeGreaterThanOrEqual(before + 7200 * 1000);
    expect(x.standIn.issuedTokens("alice").sort()).toEqual([tokens.accessToken, tokens.refreshToken].sort());
    expect(await x.gateway.me(tokens.accessToken)).toEqual({
      kind: "ok",
      value: { id: expect.any(String), username: "alice" },
    });
  });

  it("should refuse a code presented with the wrong PKCE verifier", async () => {
    const { code } = await consentCode("bob");
    const wrongVerifier = x.gateway.authorizationRequest(X_REDIRECT_URI).codeVerifier;
    const outcome = await x.gateway.exchangeCode(code, wrongVerifier, X_REDIRECT_URI);
    expect(outcome).toEqual({ kind: "invalid_grant", detail: expect.stringContaining("code verifier") });
  });

  it("should refuse a code used twice, or with another redirect_uri", async () => {
    const { code, codeVerifier } = await consentCode("carol");
    expect((await x.gateway.exchangeCode(code, codeVerifier, X_REDIRECT_URI)).kind).toBe("ok");
    expect((await x.gateway.exchangeCode(code, codeVerifier, X_REDIRECT_URI)).kind).toBe("invalid_grant");
    const other = await consentCode("carol");
    const outcome = await x.gateway.exchangeCode(other.code, other.codeVerifier, "https://evil.test/cb");
    expect(outcome.kind).toBe("invalid_grant");
  });

  it("should redirect a denial with access_denied and the state", () => {
    const request = x.gateway.authorizationRequest(X_REDIRECT_URI);
    const callback = new URL(x.standIn.deny(request.url));
    expect(callback.origin + callback.pathname).toBe(X_REDIRECT_URI);
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("state")).toBe(request.state);
    expect(callback.searchParams.has("code")).toBe(false);
  });

  it("should report the token endpoint being down as unavailable", async () => {
    const { code, codeVerifier } = await consentCode("dave");
    x.standIn.failNext("token", { status: 503 });
    expect((await x.gateway.exchangeCode(code, codeVerifier, X_REDIRECT_URI)).kind).toBe("unavailable");
  });
});

describe("refresh", () => {
  it("should rotate: the old refresh token dies, the new pair works", async () => {
    const first = await connectX(x, "erin");
    const rotated = await x.gateway.refresh(first.refreshToken);
    if (rotated.kind !== "ok") throw new Error(`refresh failed: ${rotated.kind}`);
    expect(rotated.tokens.refreshToken).not.toBe(first.refreshToken);
    expect(rotated.tokens.accessToken).not.toBe(first.accessToken);

    expect(await x.gateway.refresh(first.refreshToken)).toEqual({
      kind: "invalid_grant",
      detail: "HTTP 400: Value passed for the token was invalid.",
    });
    expect((await x.gateway.me(rotated.tokens.accessToken)).kind).toBe("ok");
    expect((await x.gateway.refresh(rotated.tokens.refreshToken)).kind).toBe("ok");
  });

  it("should report a refresh token revoked at X as invalid_grant", async () => {
    const tokens = await connectX(x, "frank");
    x.standIn.revokeTokens("frank");
    expect((await x.gateway.refresh(tokens.refreshToken)).kind).toBe("invalid_grant");
    expect(await x.gateway.me(tokens.accessToken)).toEqual({ kind: "unauthorized" });
  });

  it("should report a 5xx from the token endpoint as unavailable, not as a dead grant", async () => {
    const tokens = await connectX(x, "grace");
    x.standIn.failNext("token", { status: 500 });
    expect((await x.gateway.refresh(tokens.refreshToken)).kind).toBe("unavailable");
    expect((await x.gateway.refresh(tokens.refreshToken)).kind).toBe("ok");
  });
});

describe("revoke", () => {
  it("should kill the revoked access token", async () => {
    const tokens = await connectX(x, "heidi");
    expect(await x.gateway.revoke(tokens.accessToken, "access_token")).toEqual({ kind: "ok", value: null });
    expect(await x.gateway.me(tokens.accessToken)).toEqual({ kind: "unauthorized" });
  });

  it("should kill a revoked refresh token and the access tokens issued with it", async () => {
    const tokens = await connectX(x, "ivan");
    expect((await x.gateway.revoke(tokens.refreshToken, "refresh_token")).kind).toBe("ok");
    expect((await x.gateway.refresh(tokens.refreshToken)).kind).toBe("invalid_grant");
    expect((await x.gateway.me(tokens.accessToken)).kind).toBe("unauthorized");
  });

  it("should leave a refresh token live when it is revoked under the access_token hint, as X does", async () => {
    const tokens = await connectX(x, "ivy");
    expect((await x.gateway.revoke(tokens.refreshToken, "access_token")).kind).toBe("ok");
    expect(x.standIn.liveTokens("ivy")).toContain(tokens.refreshToken);
    expect((await x.gateway.refresh(tokens.refreshToken)).kind).toBe("ok");
  });

  it("should refuse a revocation without a token_type_hint, as X does", async () => {
    const tokens = await connectX(x, "ivo");
    const response = await fetch(`${x.url}/2/oauth2/revoke`, {
      method: "POST",
      headers: {
        authorization: `Basic ${btoa(`${X_CLIENT_ID}:${X_CLIENT_SECRET}`)}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ token: tokens.accessToken }),
      tls: { ca: x.ca },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: "invalid_request",
      error_description: "Missing required parameter [token_type_hint].",
    });
    expect(x.standIn.liveTokens("ivo")).toContain(tokens.accessToken);
  });

  it("should show in the stand-in's token store which of a user's tokens X would still accept", async () => {
    const kept = await connectX(x, "mallory");
    const dropped = await connectX(x, "mallory");
    expect(x.standIn.liveTokens("mallory").sort()).toEqual(
      [kept.accessToken, kept.refreshToken, dropped.accessToken, dropped.refreshToken].sort(),
    );
    await x.gateway.revoke(dropped.refreshToken, "refresh_token");
    expect(x.standIn.liveTokens("mallory").sort()).toEqual([kept.accessToken, kept.refreshToken].sort());
    x.standIn.expireAccessTokens("mallory");
    expect(x.standIn.liveTokens("mallory")).toEqual([kept.refreshToken]);
  });
});

describe("token endpoint formats", () => {
  it("should accept X's documented form body with Basic client auth, and refuse a wrong secret", async () => {
    const { code, codeVerifier } = await consentCode("judy");
    const post = (secret: string): Promise<Response> =>
      x.standIn.handle(
        new Request("https://api.x.test/2/oauth2/token", {
          method: "POST",
          headers: {
            authorization: `Basic ${btoa(`${X_CLIENT_ID}:${secret}`)}`,
            "content-type": "application/x-www-form-urlencoded",
          },
          body: new URLSearchParams({
            grant_type: "authorization_code",
            code,
            redirect_uri: X_REDIRECT_URI,
            code_verifier: codeVerifier,
          }),
        }),
      );
    expect((await post("wrong")).status).toBe(401);
    const response = await post(X_CLIENT_SECRET);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      token_type: "bearer",
      expires_in: 7200,
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      scope: "tweet.read tweet.write users.read offline.access media.write",
    });
  });
});
