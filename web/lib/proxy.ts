// The proxy half of the one entry point: forwards a request to the service that owns it
// (lib/routes.ts) and streams both bodies through, unbuffered (SSE included).
//
// Browsers are signed in by an httpOnly session cookie, never by a token in their JavaScript:
// a request without an Authorization header but with the session cookie gets the session's
// bearer token added here. Such a cookie-authenticated request that changes something must
// come from this origin (Origin, else Referer), or it is refused 403: the cookie alone must not
// let another site act for the user. A request that brings its own Authorization header (API
// clients, tests) passes through untouched.
import { publicOrigin } from "./auth-config";
import { hasSessionCookie, parseCookies, setCookieHeader, type CookieWrite } from "./session-codec";
import { route, serviceURL, type Service } from "./routes";

/** Request headers passed on to the services; everything else stays at the edge. */
export const FORWARDED_REQUEST_HEADERS = [
  "accept",
  "accept-language",
  "authorization",
  "content-type",
  "idempotency-key",
  "if-none-match",
  "last-event-id",
  "stripe-signature",
  "user-agent",
  "x-request-id",
];

// Hop-by-hop headers and those that no longer describe the body once fetch has decoded it.
const DROPPED_RESPONSE_HEADERS = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-encoding",
  "content-length",
  "upgrade",
  "trailer",
]);

/** errorResponse answers in the API's error shape (SPEC section 4). */
export function errorResponse(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

/** The session of a request's cookies as the proxy needs it (lib/session-store.ts in the app). */
export type SessionLoader = (cookies: Map<string, string>) => Promise<{ accessToken: string | null; setCookie: CookieWrite[] }>;

/** How forward authenticates browsers; without it, requests pass as they come. */
export interface SessionOptions {
  load: SessionLoader;
  /** The app's pinned public origin (WEB_ORIGIN), else the request's Host decides. */
  origin?: string;
  secureCookies: boolean;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** sameOrigin tells whether a request was sent by a page of this origin (Origin, else Referer). */
export function sameOrigin(req: Request, pinned?: string): boolean {
  const self = publicOrigin(req, pinned);
  const origin = req.headers.get("origin");
  if (origin && origin !== "null") return origin === self;
  const referer = req.headers.get("referer");
  if (!referer) return false;
  try {
    return new URL(referer).origin === self;
  } catch {
    return false;
  }
}

/** forward sends req to the service that owns its method and path and returns its answer. */
export async function forward(req: Request, env: Record<string, string | undefined> = process.env, auth?: SessionOptions): Promise<Response> {
  const url = new URL(req.url);
  const service: Service | undefined = route(req.method, url.pathname);
  if (!service) return errorResponse(404, "not_found", `no API at ${req.method} ${url.pathname}`);
  const target = serviceURL(service, env) + url.pathname + url.search;

  const headers = new Headers();
  for (const h of FORWARDED_REQUEST_HEADERS) {
    const v = req.headers.get(h);
    if (v !== null) headers.set(h, v);
  }
  let setCookie: CookieWrite[] = [];
  const cookies = parseCookies(req.headers.get("cookie"));
  if (auth && !headers.has("authorization") && hasSessionCookie(cookies)) {
    if (!SAFE_METHODS.has(req.method.toUpperCase()) && !sameOrigin(req, auth.origin)) {
      return errorResponse(403, "forbidden", "a signed-in request from another origin is refused");
    }
    const loaded = await auth.load(cookies);
    if (loaded.accessToken) headers.set("authorization", `Bearer ${loaded.accessToken}`);
    setCookie = loaded.setCookie;
  }
  const fwd = req.headers.get("x-forwarded-for");
  headers.set("x-forwarded-for", fwd ?? "127.0.0.1");
  headers.set("x-forwarded-host", url.host);
  headers.set("x-forwarded-proto", url.protocol.replace(":", ""));
  const hasBody = req.method !== "GET" && req.method !== "HEAD" && req.body !== null;

  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: req.method,
      headers,
      body: hasBody ? req.body : undefined,
      // Node's fetch streams a request body only in half-duplex mode.
      ...(hasBody ? { duplex: "half" } : {}),
      redirect: "manual",
      cache: "no-store",
      signal: req.signal,
    } as RequestInit);
  } catch (err) {
    if (req.signal.aborted) return errorResponse(499, "unavailable", "client went away");
    return errorResponse(502, "unavailable", `${service} is unreachable`);
  }

  const out = new Headers();
  upstream.headers.forEach((v, k) => {
    if (!DROPPED_RESPONSE_HEADERS.has(k.toLowerCase())) out.append(k, v);
  });
  for (const c of setCookie) out.append("set-cookie", setCookieHeader(c, auth?.secureCookies ?? false));
  if ((upstream.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    out.set("cache-control", "no-cache, no-transform");
    out.set("x-accel-buffering", "no");
  }
  return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers: out });
}
