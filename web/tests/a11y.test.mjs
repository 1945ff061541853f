// Accessibility of the main pages (issue 11): axe-core, injected into each page in Chromium,
// finds no violation of impact "serious" or "critical". Pages that need a user are visited
// signed in as that user (buyer for /orders, organizer for /manage, admin for /admin, scanner
// for /checkin). Every page is screenshotted; a failure lists each violation with its nodes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, signIn, shot, json, seriousViolations, WEB } from "./lib/browser.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// demo finds the demo event and its next session through the web origin.
async function demo() {
  const res = await fetch(`${WEB}/api/v1/events?q=${encodeURIComponent("Ticketly Demo Night")}`);
  assert.equal(res.status, 200, "GET /api/v1/events through the web origin");
  const ev = (await json(res)).items.find((e) => e.title === "Ticketly Demo Night" && e.next_session);
  assert.ok(ev, "the demo event with a next session is listed (make run loads it)");
  return { eventId: ev.id, sessionId: ev.next_session.id };
}

// audit opens path (signed in as user, when given), waits for ready, and checks it with axe.
async function audit(name, path, { user, ready, act } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  try {
    if (user) await signIn(page, user);
    const res = await page.goto(`${WEB}${path}`, { waitUntil: "load" });
    assert.ok(res && res.status() < 400, `${path} answers ${res?.status()}`);
    if (ready) await page.locator(ready).first().waitFor({ state: "attached", timeout: 15000 });
    // Client components load their data after hydration: let them settle.
    await page.waitForLoadState("networkidle", { timeout: 10000 }).catch(() => {});
    if (act) await act(page);
    await shot(page, `a11y-${name}`);
    const found = await seriousViolations(page);
    assert.equal(found.length, 0, `${path} (${user ?? "signed out"}) has serious or critical violations:\n- ${found.join("\n- ")}`);
  } finally {
    await context.close();
  }
}

test("home page", { timeout: 60000 }, () => audit("home", "/"));
test("event page", { timeout: 60000 }, async () => { const { eventId } = await demo(); await audit("event", `/events/${eventId}`); });
test("session page with its seat map", { timeout: 90000 }, async () => {
  const { eventId, sessionId } = await demo();
  await audit("session", `/events/${eventId}/sessions/${sessionId}`, { ready: "[data-seat-id]" });
});
test("my orders (buyer)", { timeout: 60000 }, () => audit("orders", "/orders", { user: "buyer" }));
test("organizer console (organizer)", { timeout: 60000 }, () => audit("manage", "/manage", { user: "organizer" }));
test("approval queue (admin)", { timeout: 60000 }, () => audit("admin", "/admin", { user: "admin", ready: "#queue-title" }));
test("categories (admin)", { timeout: 60000 }, () => audit("admin-categories", "/admin/categories", { user: "admin", ready: "li[data-category-id]" }));
test("check-in door (scanner) showing a result", { timeout: 60000 }, () => audit("checkin", "/checkin", {
  user: "scanner", ready: "#qr",
  act: async (page) => { // the big result's colours are part of what is checked
    await page.locator("#qr").fill("not-a-ticket");
    await page.locator("#qr").press("Enter");
    await page.locator("#scan-result[data-result]:not([data-result=''])").waitFor({ timeout: 10000 });
  },
}));
