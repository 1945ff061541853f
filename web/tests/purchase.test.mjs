// A full purchase in a real browser (issue 11), on a fresh event: search on the home page →
// event → session → two seats (one by mouse, one by keyboard) and a standing place → discount
// code → Hold and pay → Pay (test) → tickets with QR codes; the seats then show BOOKED to an
// anonymous visitor. Screenshots of each page. Needs the stack's Stripe dev tool
// (tools/stripedev on 127.0.0.1:12113). Run by deploy/local/webtest.sh.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { launch, seriousViolations, shot, signIn, token, WEB } from "./lib/browser.mjs";
import { api, onSaleEvent } from "./lib/events.mjs";

const STRIPE_DEV = process.env.STRIPE_DEV_URL ?? "http://127.0.0.1:12113";

let browser;
before(async () => {
  const up = await fetch(`${STRIPE_DEV}/healthz`).then((r) => r.ok, () => false);
  assert.ok(up, `the stack's Stripe dev tool answers on ${STRIPE_DEV}/healthz (tools/stripedev, started by make run)`);
  browser = await launch();
});
after(async () => { await browser?.close(); });

test("search → seats and standing → discount → pay (test mode) → tickets with QR, seats BOOKED for everyone", { timeout: 240000 }, async () => {
  const title = `Web purchase ${randomUUID().slice(0, 8)}`;
  const { eventId, sessionId, code } = await onSaleEvent(title);

  const buyer = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await buyer.newPage();
  await signIn(page, `buyer${800 + Math.floor(Math.random() * 100)}`);

  // Search → event → session.
  await page.getByLabel("Search events").fill(title);
  await Promise.all([page.waitForURL(/\?q=/), page.getByRole("button", { name: "Search" }).click()]);
  await shot(page, "purchase-1-search");
  await Promise.all([page.waitForURL(`${WEB}/events/${eventId}`), page.getByRole("link", { name: title }).click()]);
  await page.getByText(code).waitFor();
  await shot(page, "purchase-2-event");
  await Promise.all([page.waitForURL(`${WEB}/events/${eventId}/sessions/${sessionId}`), page.locator(`a[href="/events/${eventId}/sessions/${sessionId}"]`).click()]);
  await page.waitForFunction(() => document.getElementById("live-state")?.textContent?.startsWith("Live"), null, { timeout: 10000 });

  // Two seats: the first by mouse, the one right of it by keyboard; one standing place.
  const first = page.locator('[data-seat-id][data-status="AVAILABLE"]').first();
  const firstId = await first.getAttribute("data-seat-id");
  await first.click();
  assert.equal(await first.getAttribute("aria-pressed"), "true", "a picked seat is pressed");
  assert.equal(await first.getAttribute("data-status"), "AVAILABLE", "data-status stays the session's truth");
  await page.keyboard.press("ArrowRight");
  const second = page.locator("[data-seat-id]:focus");
  const secondId = await second.getAttribute("data-seat-id");
  assert.notEqual(secondId, firstId, "the arrow key moved the focus");
  await page.keyboard.press("Space");
  await page.waitForFunction((id) => document.querySelector(`[data-seat-id="${id}"]`)?.getAttribute("aria-pressed") === "true", secondId);
  assert.equal(await page.locator('[data-seat-id][tabindex="0"]').count(), 1, "the map is one tab stop");
  await page.getByLabel("Places in Floor").fill("1");
  await page.getByLabel("Discount code").fill(code.toLowerCase());
  await page.getByText("€80.00").waitFor();
  await shot(page, "purchase-3-session");
  assert.deepEqual(await seriousViolations(page), [], "axe: the session page with picks");

  // Hold and pay → the order page.
  await Promise.all([page.waitForURL(/\/orders\/[0-9a-f-]{36}$/, { timeout: 15000 }), page.getByRole("button", { name: "Hold and pay" }).click()]);
  await page.getByText("Awaiting payment").waitFor();
  assert.equal(await page.locator("#order-total").textContent(), "€72.00", "10 % off 80.00");
  await page.getByRole("heading", { name: "Test mode payment" }).waitFor();
  assert.match(await page.locator("#hold-left").textContent(), /^\d+:\d\d$/);
  await shot(page, "purchase-4-order");
  assert.deepEqual(await seriousViolations(page), [], "axe: the order awaiting payment");

  await page.getByRole("button", { name: "Pay (test)" }).click();
  await page.locator("#order-status[data-status=PAID]").waitFor({ timeout: 20000 });
  const qr = page.locator('img[alt^="QR code of ticket"]');
  await qr.nth(2).waitFor({ timeout: 20000 });
  assert.equal(await qr.count(), 3, "three tickets, each with its QR code");
  for (let i = 0; i < 3; i++) {
    assert.ok(await qr.nth(i).isVisible(), `QR ${i} visible`);
    assert.ok(await qr.nth(i).evaluate((img) => img.complete && img.naturalWidth > 0), `QR ${i} drawn`);
  }
  await shot(page, "purchase-5-tickets");
  assert.deepEqual(await seriousViolations(page), [], "axe: the paid order with tickets");

  // My orders lists it as paid.
  await page.getByRole("link", { name: "My orders", exact: true }).click();
  await page.getByRole("link", { name: title }).first().waitFor();
  await shot(page, "purchase-6-orders");
  assert.deepEqual(await seriousViolations(page), [], "axe: my orders");

  // Someone else, not signed in, sees both seats BOOKED.
  const anon = await browser.newContext();
  const other = await anon.newPage();
  await other.goto(`${WEB}/events/${eventId}/sessions/${sessionId}`);
  await other.waitForFunction(() => document.getElementById("live-state")?.textContent?.startsWith("Live"), null, { timeout: 10000 });
  for (const id of [firstId, secondId]) {
    await other.waitForFunction((s) => document.querySelector(`[data-seat-id="${s}"]`)?.getAttribute("data-status") === "BOOKED", id, { timeout: 5000 });
  }
  await other.getByRole("link", { name: "Sign in to buy" }).waitFor();
  await shot(other, "purchase-7-booked");
  await anon.close();
  await buyer.close();
});

test("the test-mode payment pays only the signed-in buyer's own order, from this site", { timeout: 180000 }, async () => {
  const { sessionId, seats } = await onSaleEvent(`Web pay guard ${randomUUID().slice(0, 8)}`, { rows: 1, columns: 2 });
  const owner = `buyer${300 + Math.floor(Math.random() * 100)}`;
  const order = await api(await token(owner), "POST", "/api/v1/orders", { session_id: sessionId, seat_ids: [seats[0].id] });
  const pay = (ctx, headers = {}) => ctx.request.post(`${WEB}/dev/pay/${order.id}`, {
    headers: { origin: WEB, "content-type": "application/json", ...headers }, data: { outcome: "succeeded" },
  });
  try {
    const anon = await browser.newContext();
    assert.equal((await pay(anon)).status(), 401, "signed out");
    const other = await browser.newContext();
    await signIn(await other.newPage(), `buyer${200 + Math.floor(Math.random() * 100)}`);
    const res = await pay(other);
    assert.equal(res.status(), 404, "another buyer's order does not exist for them");
    const mine = await browser.newContext();
    await signIn(await mine.newPage(), owner);
    assert.equal((await pay(mine, { origin: "http://evil.example" })).status(), 403, "another origin");
    const bad = await mine.request.post(`${WEB}/dev/pay/${order.id}`, { headers: { origin: WEB, "content-type": "application/json" }, data: { outcome: "maybe" } });
    assert.equal(bad.status(), 400, "an unknown outcome");
    assert.equal((await mine.request.post(`${WEB}/dev/pay/not-a-uuid`, { headers: { origin: WEB } })).status(), 400, "not a UUID");
    // A declined payment: the dev tool's signed payment_failed webhook cancels the order.
    const declined = await mine.request.post(`${WEB}/dev/pay/${order.id}`, { headers: { origin: WEB, "content-type": "application/json" }, data: { outcome: "failed" } });
    assert.equal(declined.status(), 200, await declined.text());
    let status;
    for (let i = 0; i < 20 && status !== "CANCELLED"; i++) {
      status = (await api(await token(owner), "GET", `/api/v1/orders/${order.id}`)).status;
      if (status !== "CANCELLED") await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(status, "CANCELLED", "a declined payment cancels the order");
    await Promise.all([anon.close(), other.close(), mine.close()]);
  } finally {
    // Frees the seat if an assertion stopped the test early (a no-op on a cancelled order).
    await api(await token(owner), "POST", `/api/v1/orders/${order.id}/cancel`).catch(() => {});
  }
});
