// POST /auth/logout (the header's "Sign out" form): the session cookie is cleared, then
// Keycloak ends its own session (id_token_hint) and sends the browser back home.
import { authConfig, publicOrigin } from "@/lib/auth-config";
import { problem, redirect } from "@/lib/auth-http";
import { endSessionURL } from "@/lib/auth-oidc";
import { sameOrigin } from "@/lib/proxy";
import { parseCookies, readSession, sessionCookies } from "@/lib/session-codec";

export const dynamic = "force-dynamic";

export async function POST(req: Request): Promise<Response> {
  const cfg = authConfig();
  // Another site must not be able to sign the user out either.
  if (!sameOrigin(req, cfg.origin)) return problem(403, "Sign-out must come from this site.");
  const cookies = parseCookies(req.headers.get("cookie"));
  const session = readSession(cookies, cfg.sessionSecret);
  const clear = sessionCookies(null, cookies, cfg.sessionSecret);
  const home = `${publicOrigin(req, cfg.origin)}/`;
  if (!session) return redirect("/", clear, cfg.secureCookies);
  try {
    return redirect((await endSessionURL(session, home)).href, clear, cfg.secureCookies);
  } catch {
    // Keycloak unreachable: this app's session is gone all the same.
    return redirect("/", clear, cfg.secureCookies);
  }
}
