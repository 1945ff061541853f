// Browser test of sign-in (issue 11, SPEC section 9): authorization code + PKCE with Keycloak's
// public client `web`; the session lives in an httpOnly cookie, never in the page's storage;
// the API answers through the web origin with the cookie only; another origin cannot use it;
// sign-out ends it. Run by deploy/local/webtest.sh.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { launch, signIn, shot, WEB } from "./lib/browser.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("a buyer signs in with Keycloak, uses the API through the cookie, and signs out", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${WEB}/`);
  assert.equal(await page.getByRole("button", { name: "Sign out" }).count(), 0, "signed out at first");

  await signIn(page, "buyer", "buyer", "/?q=demo");
  assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, "/?q=demo", "back where the sign-in started");
  const name = await page.getByTestId("user-name").textContent();
  assert.ok(name && name.trim().length > 0, "the header shows the user's name");
  await page.getByRole("link", { name: "My orders" }).waitFor();
  assert.equal(await page.getByRole("link", { name: "Admin" }).count(), 0, "no Admin link for a buyer");
  await shot(page, "auth-signed-in");

  // The session cookie is httpOnly and SameSite=Lax; the page's JavaScript sees no token.
  const cookies = await context.cookies(WEB);
  const session = cookies.filter((c) => c.name.startsWith("tl_session."));
  assert.ok(session.length > 0, "a session cookie is set");
  for (const c of session) {
    assert.equal(c.httpOnly, true, `${c.name} is httpOnly`);
    assert.equal(c.sameSite, "Lax", `${c.name} is SameSite=Lax`);
  }
  const seen = await page.evaluate(() => ({
    cookie: document.cookie,
    storage: JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
  }));
  assert.doesNotMatch(seen.cookie, /tl_session/, "document.cookie does not show the session");
  assert.doesNotMatch(seen.storage, /eyJ|token/i, "no token in localStorage or sessionStorage");

  // The API through the web origin with the cookie only.
  const mine = await page.evaluate(async () => {
    const r = await fetch("/api/v1/orders");
    return { status: r.status, body: await r.text() };
  });
  assert.equal(mine.status, 200, `GET /api/v1/orders with the cookie: ${mine.body.slice(0, 200)}`);

  // Another origin cannot use the cookie to change anything (the browser's own request
  // context carries the cookie; the Origin says where the request comes from).
  const direct = await context.request.post(`${WEB}/api/v1/orders`, {
    headers: { origin: "http://evil.example", "content-type": "application/json" }, data: "{}",
  });
  assert.equal(direct.status(), 403, "a cookie-authenticated POST from another origin is refused");
  assert.equal((await direct.json()).error.code, "forbidden");
  const same = await context.request.post(`${WEB}/api/v1/orders`, {
    headers: { origin: WEB, "content-type": "application/json" }, data: "{}",
  });
  assert.equal(same.status(), 400, "the same POST from this origin reaches the order service (and is invalid)");

  // Sign out: back home, signed out at Keycloak too (signing in again asks for the password).
  await Promise.all([page.waitForURL(`${WEB}/`, { timeout: 15000 }), page.getByRole("button", { name: "Sign out" }).click()]);
  await page.getByRole("link", { name: "Sign in", exact: true }).waitFor();
  assert.equal((await context.cookies(WEB)).filter((c) => c.name.startsWith("tl_session.")).length, 0, "the session cookie is gone");
  const after = await page.evaluate(async () => (await fetch("/api/v1/orders")).status);
  assert.equal(after, 401, "the API is signed out");
  await page.getByRole("link", { name: "Sign in", exact: true }).click();
  await page.locator("#username").waitFor({ timeout: 15000 });
  await shot(page, "auth-signed-out");
  await context.close();
});

test("sign-in refuses to return to another site", async () => {
  const page = await browser.newPage();
  const res = await page.request.get(`${WEB}/auth/login?returnTo=${encodeURIComponent("https://evil.example/")}`, { maxRedirects: 0 });
  assert.equal(res.status(), 303);
  assert.match(res.headers().location, /^http:\/\/localhost:8180\/realms\/ticketly\/protocol\/openid-connect\/auth\?/);
  const login = res.headers()["set-cookie"];
  assert.match(login, /tl_login=v1\.[^;]+; Path=\/auth; Max-Age=600; HttpOnly; SameSite=Lax/);
  const bad = await page.request.get(`${WEB}/auth/callback?code=x&state=y`, { maxRedirects: 0 });
  assert.equal(bad.status(), 400, "a callback without its login cookie is refused");
  await page.close();
});

// The session cookie as the app seals it (lib/session-codec.ts), with the development secret
// the local stack runs with: lets the test age the access token without waiting an hour.
function sessionKey() {
  return Buffer.from(hkdfSync("sha256", "ticketly-development-web-session-secret-do-not-use", "ticketly-web", "cookie:tl_session", 32));
}
function openSession(text) {
  const raw = Buffer.from(text.slice(3), "base64url");
  const d = createDecipheriv("aes-256-gcm", sessionKey(), raw.subarray(0, 12));
  d.setAuthTag(raw.subarray(raw.length - 16));
  return JSON.parse(Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString());
}
function sealSession(value) {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", sessionKey(), iv);
  const body = Buffer.concat([c.update(JSON.stringify(value)), c.final()]);
  return "v1." + Buffer.concat([iv, body, c.getAuthTag()]).toString("base64url");
}
async function readCookie(context) {
  const chunks = (await context.cookies(WEB)).filter((c) => c.name.startsWith("tl_session.")).sort((a, b) => a.name.localeCompare(b.name));
  return openSession(chunks.map((c) => c.value).join(""));
}
async function writeCookie(context, session) {
  const text = sealSession(session);
  const old = (await context.cookies(WEB)).filter((c) => c.name.startsWith("tl_session."));
  await context.clearCookies();
  const chunks = [];
  for (let i = 0; i * 3800 < text.length; i++) chunks.push({ name: `tl_session.${i}`, value: text.slice(i * 3800, (i + 1) * 3800), url: WEB, httpOnly: true, sameSite: "Lax" });
  await context.addCookies(chunks);
  return old.length;
}

test("an access token about to expire is refreshed; a refused refresh signs the user out", { timeout: 60000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, "buyer");
  const before = await readCookie(context);
  assert.ok(before.refreshToken && before.idToken, "the session keeps the refresh and ID tokens");

  // 10 s left (< 30 s): the next API call refreshes, and the new cookie holds a new token.
  await writeCookie(context, { ...before, accessExpires: Math.floor(Date.now() / 1000) + 10 });
  assert.equal(await page.evaluate(async () => (await fetch("/api/v1/orders")).status), 200);
  const after = await readCookie(context);
  assert.notEqual(after.accessToken, before.accessToken, "a new access token");
  assert.ok(after.accessExpires > Date.now() / 1000 + 60, "valid for a while again");

  // A refresh Keycloak refuses ends the session: 401, and the cookie is cleared.
  await writeCookie(context, { ...after, accessExpires: Math.floor(Date.now() / 1000), refreshToken: "not-a-refresh-token" });
  assert.equal(await page.evaluate(async () => (await fetch("/api/v1/orders")).status), 401);
  assert.equal((await context.cookies(WEB)).filter((c) => c.name.startsWith("tl_session.")).length, 0, "the session cookie is cleared");
  await page.goto(`${WEB}/`);
  await page.getByRole("link", { name: "Sign in", exact: true }).waitFor();
  await context.close();
});

test("the header's links follow the realm roles: Admin for event and category admins only", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, "admin");
  for (const name of ["My orders", "Manage", "Admin", "Check-in"]) await page.getByRole("link", { name, exact: true }).waitFor();
  await shot(page, "auth-admin-header");
  await context.close();
});
