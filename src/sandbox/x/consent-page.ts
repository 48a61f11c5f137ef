/** X's consent screen, reduced to what a browser test needs. Styling comes later; the logic is in consent.ts. */

const AUTHORIZE_PARAMS = [
  "response_type",
  "client_id",
  "redirect_uri",
  "state",
  "code_challenge",
  "code_challenge_method",
  "scope",
] as const;

export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function page(title: string, body: string, status: number): Response {
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body>
${body}
</body>
</html>`;
  return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8" } });
}

export function consentPage(query: URLSearchParams, error?: string): Response {
  const hidden = AUTHORIZE_PARAMS.map(
    (name) => `<input type="hidden" name="${name}" value="${escapeHtml(query.get(name) ?? "")}">`,
  ).join("\n  ");
  const scopes = (query.get("scope") ?? "").split(/\s+/).filter(Boolean);
  const notice = error ? `<p role="alert">${escapeHtml(error)}</p>` : "";
  return page(
    "Authorize app – X (stand-in)",
    `<main>
<h1>Authorize app</h1>
<p>An app wants to access your X account.</p>
<ul>${scopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join("")}</ul>
${notice}
<form method="post">
  ${hidden}
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required pattern="@?[A-Za-z0-9_]{1,15}">
  <button type="submit" name="decision" value="allow">Authorize app</button>
  <button type="submit" name="decision" value="deny" formnovalidate>Cancel</button>
</form>
</main>`,
    error ? 400 : 200,
  );
}

export function authorizeErrorPage(error: string): Response {
  return page(
    "Something went wrong – X (stand-in)",
    `<main><h1>Something went wrong</h1><p>${escapeHtml(error)}</p></main>`,
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
