import { attr } from "../../web/escape";
import { Layout } from "../../web/layout";
import { SANDBOX_SCRIPT, SANDBOX_USERNAME } from "../settings";

/** X's consent screen as the sandbox shows it; the decision's logic is in consent.ts. */

const AUTHORIZE_PARAMS = [
  "response_type",
  "client_id",
  "redirect_uri",
  "state",
  "code_challenge",
  "code_challenge_method",
  "scope",
] as const;

const SCOPE_WORDS: Record<string, string> = {
  "tweet.read": "Read your posts",
  "tweet.write": "Post and delete posts for you",
  "users.read": "See your profile",
  "offline.access": "Stay connected until you revoke access",
  "media.write": "Upload pictures for your posts",
};

async function page(title: string, body: JSX.Element, status: number): Promise<Response> {
  const html = await (
    <Layout title={`${title} – fake X (sandbox)`} sandbox head={<script src={SANDBOX_SCRIPT} defer />}>
      {body}
    </Layout>
  );
  return new Response(html, {
    status,
    // The query carries OAuth state: keep it out of Referer, and out of caches.
    headers: {
      "content-type": "text/html; charset=utf-8",
      "referrer-policy": "no-referrer",
      "cache-control": "no-store",
    },
  });
}

export function consentPage(query: URLSearchParams, error?: string, username?: string): Promise<Response> {
  const scopes = (query.get("scope") ?? "").split(/\s+/).filter(Boolean);
  const handle = username?.trim().replace(/^@/, "") || SANDBOX_USERNAME;
  return page(
    "Authorize smstweet",
    <>
      <p class="fake-x-brand">Fake X</p>
      <h1 id="consent-heading" safe>{`Authorize smstweet to post as @${handle}?`}</h1>
      <p>smstweet will be able to:</p>
      <ul>
        {scopes.map((scope) => (
          <li safe>{SCOPE_WORDS[scope] ?? scope}</li>
        ))}
      </ul>
      {error ? (
        <p role="alert" class="error" safe>
          {error}
        </p>
      ) : (
        ""
      )}
      <form method="post" class="stack">
        {AUTHORIZE_PARAMS.map((name) => (
          <input type="hidden" name={name} value={attr(query.get(name) ?? "")} />
        ))}
        <label for="username">Post as (X username)</label>
        <input
          id="username"
          name="username"
          value={attr(handle)}
          autocomplete="username"
          required
          pattern="@?[A-Za-z0-9_]{1,15}"
          aria-describedby="username-hint"
        />
        <p id="username-hint" class="hint">
          A pretend account: 1 to 15 letters, digits or _. A new name makes a new account.
        </p>
        <button type="submit" name="decision" value="allow">
          Authorize
        </button>
        <button type="submit" name="decision" value="deny" formnovalidate class="secondary">
          Cancel
        </button>
      </form>
    </>,
    error ? 400 : 200,
  );
}

export function authorizeErrorPage(error: string): Promise<Response> {
  return page(
    "Something went wrong",
    <>
      <h1>Something went wrong</h1>
      <p safe>{error}</p>
    </>,
    400,
  );
}

/** The form posts the original query back as fields; the query string may be absent. */
export function formToQuery(form: FormData, url: URL): URLSearchParams {
  const query = new URLSearchParams(url.search);
  for (const name of AUTHORIZE_PARAMS) {
    const value = form.get(name);
    if (typeof value === "string") query.set(name, value);
  }
  return query;
}
