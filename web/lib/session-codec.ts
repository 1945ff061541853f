// The session cookie's format: the session is encrypted and authenticated (AES-256-GCM, key
// derived from WEB_SESSION_SECRET) so the browser holds it without being able to read the
// tokens inside or change a claim, then cut into cookies small enough for every browser
// (about 4 KB each). Pure functions: no Next.js, no network.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/** The name of the session cookie; its chunks are SESSION_COOKIE.0, .1, ... */
export const SESSION_COOKIE = "tl_session";
/** The cookie holding the PKCE verifier, state and nonce between /auth/login and /auth/callback. */
export const LOGIN_COOKIE = "tl_login";
/** The largest value of one cookie chunk; the name and attributes stay under 4,096 bytes with it. */
export const CHUNK_SIZE = 3800;
/** More chunks than this is not a session of ours. */
const MAX_CHUNKS = 6;

/** What the session cookie holds. */
export interface StoredSession {
  sub: string;
  username: string;
  email: string;
  name: string;
  roles: string[];
  accessToken: string;
  /** When the access token expires (Unix seconds). */
  accessExpires: number;
  refreshToken?: string;
  /** When the refresh token, and so the session, expires (Unix seconds). */
  refreshExpires: number;
  idToken?: string;
}

function key(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "ticketly-web", `cookie:${purpose}`, 32));
}

/** seal encrypts value for purpose (the purpose is bound in: a login cookie never opens as a session). */
export function seal(value: unknown, secret: string, purpose: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key(secret, purpose), iv);
  const body = Buffer.concat([c.update(JSON.stringify(value), "utf8"), c.final()]);
  return "v1." + Buffer.concat([iv, body, c.getAuthTag()]).toString("base64url");
}

/** unseal returns what seal encrypted, or null when the text was altered, is foreign or stale. */
export function unseal<T>(text: string | undefined, secret: string, purpose: string): T | null {
  if (!text?.startsWith("v1.")) return null;
  const raw = Buffer.from(text.slice(3), "base64url");
  if (raw.length < 12 + 16 + 1) return null;
  try {
    const d = createDecipheriv("aes-256-gcm", key(secret, purpose), raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(raw.length - 16));
    const plain = Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]);
    return JSON.parse(plain.toString("utf8")) as T;
  } catch {
    return null;
  }
}

/** parseCookies reads a Cookie request header. */
export function parseCookies(header: string | null | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    if (!out.has(name)) out.set(name, part.slice(i + 1).trim());
  }
  return out;
}

/** chunkNames lists the session chunks present in cookies, in order. */
export function chunkNames(cookies: Map<string, string>): string[] {
  const names: string[] = [];
  for (let i = 0; i < MAX_CHUNKS && cookies.has(`${SESSION_COOKIE}.${i}`); i++) names.push(`${SESSION_COOKIE}.${i}`);
  return names;
}

/** hasSessionCookie tells whether a request claims a session (whether or not it is valid). */
export function hasSessionCookie(cookies: Map<string, string>): boolean {
  return cookies.has(`${SESSION_COOKIE}.0`);
}

/** readSession opens the session of a request's cookies, or null (absent, altered, expired). */
export function readSession(cookies: Map<string, string>, secret: string, now = Date.now() / 1000): StoredSession | null {
  const names = chunkNames(cookies);
  if (names.length === 0) return null;
  const s = unseal<StoredSession>(names.map((n) => cookies.get(n)).join(""), secret, SESSION_COOKIE);
  if (!s || typeof s.accessToken !== "string" || s.refreshExpires <= now) return null;
  return s;
}

/** A cookie to write on the answer (maxAge 0 deletes it). */
export interface CookieWrite { name: string; value: string; maxAge: number; path: string }

/** setCookieHeader formats c as a Set-Cookie value: httpOnly and SameSite=Lax always. */
export function setCookieHeader(c: CookieWrite, secure: boolean): string {
  return `${c.name}=${c.value}; Path=${c.path}; Max-Age=${Math.max(0, Math.floor(c.maxAge))}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

/**
 * sessionCookies returns the cookies that store s (or, with s null, clear the session),
 * clearing the chunks of the old cookies that the new value no longer needs.
 */
export function sessionCookies(s: StoredSession | null, old: Map<string, string>, secret: string, now = Date.now() / 1000): CookieWrite[] {
  const out: CookieWrite[] = [];
  let count = 0;
  if (s) {
    const text = seal(s, secret, SESSION_COOKIE);
    const maxAge = Math.floor(s.refreshExpires - now);
    for (let i = 0; i * CHUNK_SIZE < text.length; i++, count++) {
      out.push({ name: `${SESSION_COOKIE}.${i}`, value: text.slice(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE), maxAge, path: "/" });
    }
  }
  for (const name of chunkNames(old).slice(count)) out.push({ name, value: "", maxAge: 0, path: "/" });
  return out;
}

/** jwtClaims reads the claims of a JWT the app received straight from the token endpoint. */
export function jwtClaims(jwt: string | undefined): Record<string, unknown> {
  const part = jwt?.split(".")[1];
  if (!part) return {};
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return {};
  }
}
