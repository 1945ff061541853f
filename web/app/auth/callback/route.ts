// GET /auth/callback: Keycloak sends the browser back here with a code. The code is exchanged
// server-side (PKCE verifier, state and nonce checked by openid-client), the tokens go into the
// encrypted session cookie, and the browser goes on to where it was.
import { authConfig, publicOrigin } from "@/lib/auth-config";
import { problem, redirect } from "@/lib/auth-http";
import { completeLogin, type LoginState } from "@/lib/auth-oidc";
import { LOGIN_COOKIE, parseCookies, sessionCookies, unseal } from "@/lib/session-codec";

export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  const cfg = authConfig();
  const cookies = parseCookies(req.headers.get("cookie"));
  const clearLogin = { name: LOGIN_COOKIE, value: "", maxAge: 0, path: "/auth" };
  const st = unseal<LoginState>(cookies.get(LOGIN_COOKIE), cfg.sessionSecret, LOGIN_COOKIE);
  if (!st) return problem(400, "This sign-in has expired or was started in another browser.", [clearLogin], cfg.secureCookies);
  const url = new URL(req.url);
  if (url.searchParams.has("error")) {
    // The user cancelled at Keycloak, or Keycloak refused: nothing is signed in.
    return problem(400, `Keycloak answered: ${url.searchParams.get("error_description") ?? url.searchParams.get("error")}`, [clearLogin], cfg.secureCookies);
  }
  // The URL Keycloak redirected to, as the browser saw it (the redirect_uri of the code exchange).
  const callback = new URL(`${publicOrigin(req, cfg.origin)}/auth/callback${url.search}`);
  let session;
  try {
    session = await completeLogin(callback, st);
  } catch {
    return problem(400, "The sign-in could not be completed. Please sign in again.", [clearLogin], cfg.secureCookies);
  }
  return redirect(st.returnTo, [clearLogin, ...sessionCookies(session, cookies, cfg.sessionSecret)], cfg.secureCookies);
}
