import { basicCredentials, json, oauthError, readParams } from "./http";
import type { StandInState } from "./state";

const INVALID_TOKEN = "Value passed for the token was invalid.";

/** Confidential clients authenticate with Basic or with client_id + client_secret in the body. */
function authenticateClient(state: StandInState, request: Request, params: Map<string, string>): boolean {
  const basic = basicCredentials(request);
  const id = basic?.id ?? params.get("client_id");
  const secret = basic?.secret ?? params.get("client_secret");
  return id === state.clientId && secret === state.clientSecret;
}

function clientRefused(): Response {
  return oauthError(401, "unauthorized_client", "Missing valid authorization header");
}

export async function tokenRoute(state: StandInState, request: Request): Promise<Response> {
  const params = await readParams(request);
  if (!authenticateClient(state, request, params)) return clientRefused();
  const grantType = params.get("grant_type");
  if (grantType === "authorization_code") {
    const code = params.get("code");
    const redirectUri = params.get("redirect_uri");
    const codeVerifier = params.get("code_verifier");
    if (!code || !redirectUri || !codeVerifier) {
      return oauthError(
        400,
        "invalid_request",
        "Missing required parameter [code, redirect_uri or code_verifier].",
      );
    }
    const redeemed = state.codes.redeem(code, { clientId: state.clientId, redirectUri, codeVerifier });
    if (!redeemed.ok) return oauthError(400, "invalid_request", redeemed.description);
    const { userId, clientId, scope } = redeemed.grant;
    return json(state.tokens.issue({ userId, clientId, scope }));
  }
  if (grantType === "refresh_token") {
    const rotated = state.tokens.rotate(params.get("refresh_token") ?? "", state.clientId);
    // Real X answers a reused or unknown refresh token with invalid_request, not invalid_grant.
    return rotated ? json(rotated) : oauthError(400, "invalid_request", INVALID_TOKEN);
  }
  return oauthError(400, "invalid_request", "Value passed for the grant type was invalid.");
}

export async function revokeRoute(state: StandInState, request: Request): Promise<Response> {
  const params = await readParams(request);
  if (!authenticateClient(state, request, params)) return clientRefused();
  const token = params.get("token");
  if (!token) return oauthError(400, "invalid_request", "Missing required parameter [token].");
  // X requires the hint (RFC 7009 makes it optional), and looks the token up under that type alone.
  const hint = params.get("token_type_hint");
  if (!hint) return oauthError(400, "invalid_request", "Missing required parameter [token_type_hint].");
  // RFC 7009: unknown tokens are "revoked" too, so revocation never leaks which tokens exist. A token
  // sent under the other type's hint is such an unknown token: X says revoked and it stays live.
  if (hint === "access_token" || hint === "refresh_token") state.tokens.revoke(token, state.clientId, hint);
  return json({ revoked: true });
}
