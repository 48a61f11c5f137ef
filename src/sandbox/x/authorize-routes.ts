import { decide, readAuthorizeParams } from "./consent";
import { authorizeErrorPage, consentPage, formToQuery } from "./consent-page";
import type { StandInState } from "./state";

export function authorizePage(state: StandInState, request: Request): Promise<Response> {
  const query = new URL(request.url).searchParams;
  const checked = readAuthorizeParams(query, state.clientId);
  return checked.ok ? consentPage(query) : authorizeErrorPage(checked.error);
}

export async function authorizeDecision(state: StandInState, request: Request): Promise<Response> {
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return authorizeErrorPage("The form could not be read.");
  }
  const query = formToQuery(form, new URL(request.url));
  const checked = readAuthorizeParams(query, state.clientId);
  if (!checked.ok) return authorizeErrorPage(checked.error);
  const username = form.get("username");
  const decision =
    form.get("decision") === "allow"
      ? { allow: true as const, username: typeof username === "string" ? username : "" }
      : { allow: false as const };
  const result = decide(state, query, decision);
  if (!result.ok) return consentPage(query, result.error, decision.allow ? decision.username : undefined);
  return new Response(null, { status: 302, headers: { location: result.value } });
}
