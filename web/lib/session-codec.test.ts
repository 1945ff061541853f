// Unit tests of the session cookie's format: sealed, tamper-evident, purpose-bound, chunked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CHUNK_SIZE, LOGIN_COOKIE, SESSION_COOKIE, parseCookies, readSession, seal, sessionCookies, setCookieHeader, unseal, type StoredSession } from "./session-codec";
import { authConfig, safeReturnTo } from "./auth-config";

const secret = "test-secret-test-secret-test-secret";
const now = 1_800_000_000;
const session: StoredSession = {
  sub: "u1", username: "buyer", email: "b@example.com", name: "Buyer One", roles: ["event_admin"],
  accessToken: "a".repeat(1500), accessExpires: now + 300, refreshToken: "r".repeat(900), refreshExpires: now + 1800, idToken: "i".repeat(1300),
};

// cookiesOf turns Set-Cookie writes into what the browser sends back.
function cookiesOf(writes: { name: string; value: string; maxAge: number }[]): Map<string, string> {
  return new Map(writes.filter((w) => w.maxAge > 0).map((w) => [w.name, w.value]));
}

test("a session round-trips through chunked cookies of at most ~4 KB each", () => {
  const writes = sessionCookies(session, new Map(), secret, now);
  assert.ok(writes.length >= 2, "a session with three tokens needs more than one cookie");
  for (const w of writes) assert.ok(setCookieHeader({ ...w, path: "/" }, true).length < 4000);
  assert.deepEqual(readSession(cookiesOf(writes), secret, now), session);
  assert.ok(writes.every((w) => w.value.length <= CHUNK_SIZE && w.maxAge === 1800));
});

test("an altered, foreign-keyed or expired session does not open", () => {
  const c = cookiesOf(sessionCookies(session, new Map(), secret, now));
  const first = c.get(`${SESSION_COOKIE}.0`)!;
  const flipped = new Map(c).set(`${SESSION_COOKIE}.0`, first.slice(0, 20) + (first[20] === "A" ? "B" : "A") + first.slice(21));
  assert.equal(readSession(flipped, secret, now), null);
  assert.equal(readSession(c, "another-secret-another-secret-xx", now), null);
  assert.equal(readSession(c, secret, now + 1801), null);
  assert.equal(readSession(new Map(), secret, now), null);
});

test("a sealed value opens only for its purpose", () => {
  const text = seal({ verifier: "v" }, secret, LOGIN_COOKIE);
  assert.deepEqual(unseal(text, secret, LOGIN_COOKIE), { verifier: "v" });
  assert.equal(unseal(text, secret, SESSION_COOKIE), null);
});

test("signing out clears every chunk; a smaller session clears the chunks it no longer uses", () => {
  const old = cookiesOf(sessionCookies(session, new Map(), secret, now));
  const cleared = sessionCookies(null, old, secret, now);
  assert.deepEqual(cleared.map((w) => [w.name, w.maxAge]), [...old.keys()].map((n) => [n, 0]));
  const small = sessionCookies({ ...session, accessToken: "a", refreshToken: "r", idToken: "i" }, old, secret, now);
  assert.equal(small.filter((w) => w.maxAge > 0).length, 1);
  assert.equal(small.filter((w) => w.maxAge === 0).length, old.size - 1);
});

test("cookies are parsed from a Cookie header", () => {
  assert.deepEqual([...parseCookies(" a=1; tl_session.0=x=y ;b=").entries()], [["a", "1"], ["tl_session.0", "x=y"], ["b", ""]]);
});

test("returnTo accepts only same-origin relative paths", () => {
  assert.equal(safeReturnTo("/orders?x=1#t"), "/orders?x=1#t");
  for (const bad of ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "", null, "orders"]) {
    assert.equal(safeReturnTo(bad), "/", String(bad));
  }
});

test("production refuses a missing or development session secret, naming it", () => {
  assert.throws(() => authConfig({ TICKETLY_ENV: "production", OIDC_ISSUER: "https://id.example/realms/t" }), /WEB_SESSION_SECRET/);
  assert.throws(() => authConfig({ TICKETLY_ENV: "production", OIDC_ISSUER: "https://id.example/realms/t", WEB_SESSION_SECRET: "short" }), /WEB_SESSION_SECRET/);
  assert.throws(() => authConfig({ TICKETLY_ENV: "production", WEB_SESSION_SECRET: "x".repeat(40) }), /OIDC_ISSUER/);
  assert.equal(authConfig({}).production, false, "development runs with its default secret");
  assert.ok(authConfig({ TICKETLY_ENV: "production", OIDC_ISSUER: "https://id.example/realms/t", WEB_SESSION_SECRET: "x".repeat(40) }).secureCookies);
});
