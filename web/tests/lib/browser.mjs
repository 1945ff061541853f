// Shared helpers of the browser tests (playwright-core driving Debian's Chromium against the
// running local stack): launching the browser, signing in through Keycloak's own login form,
// screenshots kept as artifacts, and tokens for API calls.
//   import { launch, signIn, shot, token, WEB } from "./lib/browser.mjs";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const WEB = process.env.WEB_URL ?? "http://localhost:3000";
export const KEYCLOAK = process.env.KEYCLOAK_URL ?? "http://localhost:8180";
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const ARTIFACTS = process.env.WEB_TEST_ARTIFACTS ?? join(process.cwd(), "tests", "artifacts");

/** launch starts headless Chromium with the stack's flags and a fresh profile. */
export async function launch() {
  // playwright gives every launch a fresh temporary --user-data-dir of its own (it refuses
  // the flag here), so runs never share a profile.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

/**
 * signIn signs page in as username through the header's "Sign in" link and Keycloak's login
 * form, and waits until the app shows the user's name. returnTo is the page to start from.
 */
export async function signIn(page, username, password = username, returnTo = "/") {
  await page.goto(`${WEB}${returnTo}`);
  // The header's link: a page that needs an account offers its own "Sign in" too.
  await page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Sign in", exact: true }).click();
  await page.locator("#username").waitFor({ timeout: 15000 });
  await page.locator("#username").fill(username);
  await page.locator("#password").fill(password);
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(WEB), { timeout: 15000 }),
    page.locator("#kc-login").click(),
  ]);
  await page.getByRole("button", { name: "Sign out" }).waitFor({ timeout: 15000 });
}

/** shot saves a full-page screenshot as $WEB_TEST_ARTIFACTS/<name>.png. */
export async function shot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** token gets an access token for user from Keycloak's dev-cli client (direct grant, dev realm only). */
export async function token(user, password = user) {
  const res = await fetch(`${KEYCLOAK}/realms/ticketly/protocol/openid-connect/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "password", client_id: "dev-cli", username: user, password }),
  });
  assert.equal(res.status, 200, `token for ${user}`);
  return (await res.json()).access_token;
}

/** json reads a response's JSON body, failing with the start of the text when it is not JSON. */
export async function json(res) {
  const text = await res.text();
  try { return JSON.parse(text); } catch { throw new Error(`${res.status} not JSON: ${text.slice(0, 200)}`); }
}

/**
 * seriousViolations runs axe-core on the page and returns its serious and critical
 * accessibility violations as short strings (empty when there are none). options are axe.run's
 * (e.g. { rules: { "target-size": { enabled: true } } } for a rule axe leaves off by default).
 */
export async function seriousViolations(page, options = {}) {
  const { readFileSync } = await import("node:fs");
  const { createRequire } = await import("node:module");
  const src = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  await page.addScriptTag({ content: src });
  return page.evaluate(async (options) => {
    const r = await window.axe.run(document, { resultTypes: ["violations"], ...options });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}, e.g. ${v.nodes[0]?.target})`);
  }, options);
}
