// The signed-in user, for server components, server actions and route handlers (server-only:
// it reads the httpOnly session cookie, which the browser's JavaScript never sees).
//   const s = await getSession();          // null when signed out
//   const res = await apiFetch("/api/v1/orders");  // the owning service, with s's bearer token
import { cache } from "react";
import { cookies } from "next/headers";
import { authConfig } from "./auth-config";
import { route, serviceURL } from "./routes";
import { loadSession } from "./session-store";

/** The signed-in user. */
export interface Session {
  sub: string;
  username: string;
  email: string;
  name: string;
  /** Realm roles, e.g. event_admin, category_admin, organization_admin. */
  roles: string[];
  accessToken: string;
}

/**
 * getSession returns the signed-in user, or null. An access token about to expire is
 * refreshed; the refreshed cookie is written where Next.js allows it (route handlers and
 * server actions), and a server component's render simply uses the fresh token.
 */
export const getSession = cache(loadRequestSession);

// loadRequestSession does getSession's work; cache() runs it once per server render (the
// layout and the page both ask), so an expiring token is refreshed once, not twice.
async function loadRequestSession(): Promise<Session | null> {
  const jar = await cookies();
  const all = new Map(jar.getAll().map((c) => [c.name, c.value]));
  const { session, setCookie } = await loadSession(all);
  const { secureCookies } = authConfig();
  for (const c of setCookie) {
    try {
      jar.set(c.name, c.value, { path: c.path, maxAge: c.maxAge, httpOnly: true, sameSite: "lax", secure: secureCookies });
    } catch {
      break; // a server component's render: cookies are read-only there
    }
  }
  if (!session) return null;
  const { sub, username, email, name, roles, accessToken } = session;
  return { sub, username, email, name, roles, accessToken };
}

/**
 * apiFetch calls the service that owns path (lib/routes.ts) directly, with the signed-in
 * user's bearer token when there is one. path starts with /api/v1/.
 */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const method = (init.method ?? "GET").toUpperCase();
  const service = route(method, path.split("?")[0]);
  if (!service) throw new Error(`apiFetch: no service owns ${method} ${path}`);
  const s = await getSession();
  const h = new Headers(init.headers);
  if (s && !h.has("authorization")) h.set("authorization", `Bearer ${s.accessToken}`);
  if (!h.has("accept")) h.set("accept", "application/json");
  return fetch(serviceURL(service) + path, { ...init, method, headers: h, cache: "no-store" });
}
