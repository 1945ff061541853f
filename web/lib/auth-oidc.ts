// The OpenID Connect half of sign-in, on openid-client: Keycloak's metadata (discovered once),
// the authorization URL with PKCE, the code exchange, the refresh and the end-session URL.
// Server-only: it is imported by route handlers and lib/session.ts, never by a client component.
import * as oidc from "openid-client";
import { authConfig, insecureIssuerAllowed } from "./auth-config";
import { jwtClaims, type StoredSession } from "./session-codec";

let discovered: Promise<oidc.Configuration> | null = null;

/** client returns the realm's configuration for the public client, discovering it on first use. */
export function client(): Promise<oidc.Configuration> {
  if (!discovered) {
    const cfg = authConfig();
    // http is accepted only for a Keycloak on this machine (the local stack); anywhere else
    // the issuer must be https.
    const execute = insecureIssuerAllowed(cfg.issuer) ? [oidc.allowInsecureRequests] : [];
    discovered = oidc.discovery(new URL(cfg.issuer), cfg.clientId, undefined, oidc.None(), { execute });
    // A failed discovery (Keycloak still starting) is retried by the next request.
    discovered.catch(() => { discovered = null; });
  }
  return discovered;
}

/** What /auth/login keeps in its cookie for /auth/callback. */
export interface LoginState { verifier: string; state: string; nonce: string; returnTo: string }

/** loginRedirect starts a sign-in: the URL to send the browser to and the state to keep. */
export async function loginRedirect(redirectURI: string, returnTo: string): Promise<{ url: URL; state: LoginState }> {
  const config = await client();
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectURI,
    scope: "openid profile email",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
  });
  return { url, state: { verifier, state, nonce, returnTo } };
}

/** completeLogin exchanges the callback's code for tokens and returns the session they make. */
export async function completeLogin(callbackURL: URL, st: LoginState): Promise<StoredSession> {
  const tokens = await oidc.authorizationCodeGrant(await client(), callbackURL, {
    pkceCodeVerifier: st.verifier,
    expectedState: st.state,
    expectedNonce: st.nonce,
    idTokenExpected: true,
  });
  return toSession(tokens, tokens.claims() ?? {});
}

/** refresh renews the session's tokens; it throws when Keycloak refuses (the user is signed out). */
export async function refresh(s: StoredSession): Promise<StoredSession> {
  if (!s.refreshToken) throw new Error("no refresh token");
  const tokens = await oidc.refreshTokenGrant(await client(), s.refreshToken);
  const next = toSession(tokens, tokens.claims() ?? { sub: s.sub });
  return {
    ...next,
    // Keycloak may omit what did not change.
    refreshToken: next.refreshToken ?? s.refreshToken,
    idToken: next.idToken ?? s.idToken,
    email: next.email || s.email,
    name: next.name || s.name,
    username: next.username || s.username,
  };
}

/** endSessionURL is Keycloak's sign-out URL, coming back to postLogout. */
export async function endSessionURL(s: StoredSession | null, postLogout: string): Promise<URL> {
  const params: Record<string, string> = { post_logout_redirect_uri: postLogout };
  if (s?.idToken) params.id_token_hint = s.idToken;
  return oidc.buildEndSessionUrl(await client(), params);
}

// toSession keeps what the app needs from a token response: the ID token's identity, the
// access token's realm roles (the claims the services authorise on) and the expiries.
function toSession(t: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, id: Record<string, unknown>): StoredSession {
  const now = Math.floor(Date.now() / 1000);
  const at = jwtClaims(t.access_token);
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  const realm = at.realm_access as { roles?: unknown } | undefined;
  const roles = Array.isArray(realm?.roles) ? realm.roles.filter((r): r is string => typeof r === "string") : [];
  const expiresIn = t.expiresIn() ?? 300;
  // Keycloak says how long the refresh token lives; without it the session ends with the access token.
  const refreshIn = typeof t.refresh_expires_in === "number" && t.refresh_expires_in > 0 ? t.refresh_expires_in : t.refresh_token ? 1800 : expiresIn;
  return {
    sub: str(id.sub) || str(at.sub),
    username: str(id.preferred_username) || str(at.preferred_username),
    email: str(id.email) || str(at.email),
    name: str(id.name) || str(at.name) || str(id.preferred_username) || str(at.preferred_username),
    roles,
    accessToken: t.access_token,
    accessExpires: now + expiresIn,
    refreshToken: t.refresh_token,
    refreshExpires: now + Math.max(refreshIn, expiresIn),
    idToken: t.id_token,
  };
}
