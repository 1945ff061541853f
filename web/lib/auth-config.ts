// The sign-in settings of the web app, read once from the environment (SPEC sections 5 and 11).
// In production the session secret must be set: a development default would let anyone who
// read this file forge sessions.

/** The development default of WEB_SESSION_SECRET; never accepted when TICKETLY_ENV=production. */
export const DEV_SESSION_SECRET = "ticketly-development-web-session-secret-do-not-use";

/** AuthConfig is what sign-in needs. */
export interface AuthConfig {
  /** The Keycloak realm's issuer (OIDC_ISSUER). */
  issuer: string;
  /** The public client of the web app (OIDC_CLIENT_ID). */
  clientId: string;
  /** The secret the session cookie is encrypted with (WEB_SESSION_SECRET). */
  sessionSecret: string;
  /** The public origin of the web app when pinned (WEB_ORIGIN); otherwise taken from each request. */
  origin?: string;
  production: boolean;
  /** Whether cookies carry Secure: in production, or when the pinned origin is https. */
  secureCookies: boolean;
}

type Env = Record<string, string | undefined>;

/** authConfig reads the settings from env and throws, naming them, when they are unusable. */
export function authConfig(env: Env = process.env): AuthConfig {
  const production = env.TICKETLY_ENV === "production";
  const problems: string[] = [];
  const issuer = env.OIDC_ISSUER || "http://localhost:8180/realms/ticketly";
  if (!/^https?:\/\/[^/]+/.test(issuer)) problems.push("OIDC_ISSUER is not a URL");
  else if (production && !issuer.startsWith("https://")) problems.push("OIDC_ISSUER must be https in production");
  let sessionSecret = env.WEB_SESSION_SECRET ?? "";
  if (!sessionSecret) {
    if (production) problems.push("WEB_SESSION_SECRET is required in production");
    sessionSecret = DEV_SESSION_SECRET;
  } else if (production && (sessionSecret === DEV_SESSION_SECRET || sessionSecret.length < 32)) {
    problems.push("WEB_SESSION_SECRET must be 32 or more characters and not the development default");
  }
  if (problems.length > 0) throw new Error(`web app configuration: ${problems.join("; ")}`);
  const origin = env.WEB_ORIGIN ? env.WEB_ORIGIN.replace(/\/+$/, "") : undefined;
  return {
    issuer: issuer.replace(/\/+$/, ""),
    clientId: env.OIDC_CLIENT_ID || "web",
    sessionSecret,
    origin,
    production,
    secureCookies: production || (origin?.startsWith("https://") ?? false),
  };
}

/** insecureIssuerAllowed: plain http is accepted only for an issuer on this machine. */
export function insecureIssuerAllowed(issuer: string): boolean {
  return /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//.test(issuer + "/");
}

/**
 * publicOrigin is the origin browsers use to reach this app: WEB_ORIGIN, else the request's Host.
 * X-Forwarded-* are not read: the CSRF check compares against this origin, and a script may
 * set those headers where it cannot set Host. Behind a reverse proxy, set WEB_ORIGIN.
 */
export function publicOrigin(req: Request, pinned?: string): string {
  if (pinned) return pinned;
  const url = new URL(req.url);
  return `${url.protocol}//${req.headers.get("host") ?? url.host}`;
}

/** safeReturnTo accepts only a same-origin relative path ("/orders?x=1"); anything else is "/". */
export function safeReturnTo(v: string | null | undefined): string {
  if (!v || !v.startsWith("/") || v.startsWith("//") || v.startsWith("/\\")) return "/";
  try {
    const u = new URL(v, "http://same.invalid");
    if (u.origin !== "http://same.invalid") return "/";
    return u.pathname + u.search + u.hash;
  } catch {
    return "/";
  }
}
