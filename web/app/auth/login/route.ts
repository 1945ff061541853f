// GET /auth/login?returnTo=/path: starts the authorization code flow with PKCE. The verifier,
// state and nonce stay in a short-lived encrypted httpOnly cookie (path /auth) until the
// callback; only the challenge leaves for Keycloak.
import { authConfig, publicOrigin, safeReturnTo } from "@/lib/auth-config";
import { problem, redirect } from "@/lib/auth-http";
import { loginRedirect } from "@/lib/auth-oidc";
import { LOGIN_COOKIE, seal } from "@/lib/session-codec";

export const dynamic = "force-dynamic";

/** How long a sign-in may take at Keycloak (seconds). */
const LOGIN_TTL = 600;

export async function GET(req: Request): Promise<Response> {
  const cfg = authConfig();
  const returnTo = safeReturnTo(new URL(req.url).searchParams.get("returnTo"));
  const origin = publicOrigin(req, cfg.origin);
  let started;
  try {
    started = await loginRedirect(`${origin}/auth/callback`, returnTo);
  } catch {
    return problem(503, "The sign-in service cannot be reached right now. Please try again in a moment.");
  }
  const cookie = { name: LOGIN_COOKIE, value: seal(started.state, cfg.sessionSecret, LOGIN_COOKIE), maxAge: LOGIN_TTL, path: "/auth" };
  return redirect(started.url.href, [cookie], cfg.secureCookies);
}
