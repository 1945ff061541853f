// Loading a request's session: open the cookie and, when the access token expires within
// 30 s, refresh it. Shared by the proxy, the auth routes and getSession(). The caller writes
// setCookie on its answer when it can (route handlers can, server components cannot).
import { authConfig } from "./auth-config";
import { refresh } from "./auth-oidc";
import { hasSessionCookie, readSession, sessionCookies, type CookieWrite, type StoredSession } from "./session-codec";

/** Refresh when the access token has less than this left (seconds). */
export const REFRESH_MARGIN = 30;

/** A request's session and the cookies that keep it up to date. */
export interface Loaded { session: StoredSession | null; setCookie: CookieWrite[] }

/** loadSession opens (and refreshes when due) the session of a request's cookies. */
export async function loadSession(cookies: Map<string, string>): Promise<Loaded> {
  const { sessionSecret } = authConfig();
  const s = readSession(cookies, sessionSecret);
  if (!s) {
    // An unreadable or expired cookie is cleared so that it stops claiming a session.
    return { session: null, setCookie: hasSessionCookie(cookies) ? sessionCookies(null, cookies, sessionSecret) : [] };
  }
  if (s.accessExpires - Date.now() / 1000 > REFRESH_MARGIN) return { session: s, setCookie: [] };
  try {
    const next = await refresh(s);
    return { session: next, setCookie: sessionCookies(next, cookies, sessionSecret) };
  } catch {
    // A refused refresh means the sign-in is over (Keycloak session ended or revoked).
    return { session: null, setCookie: sessionCookies(null, cookies, sessionSecret) };
  }
}
