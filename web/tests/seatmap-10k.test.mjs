// Measurement at scale (issue 11): a 10,000-seat session's map renders every seat and stays
// live. Creates (once; reused by title afterwards) an event with a 10,000-seat session through
// the web origin (organizer writes -> event-command, admin approval), then measures the time to
// the first rendered seat map and from an order's 201 to the seat showing LOCKED. Numbers are
// printed, never asserted. Run by deploy/local/webtest.sh.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { launch, token, WEB } from "./lib/browser.mjs";

const TITLE = "Web test: 10,000 seats";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function api(tok, method, path, body) {
  const res = await fetch(`${WEB}${path}`, {
    method,
    headers: { ...(tok ? { Authorization: `Bearer ${tok}` } : {}), ...(body ? { "Content-Type": "application/json" } : {}), "Idempotency-Key": randomUUID() },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// bigSession returns the event and session of the 10,000-seat test event, creating it once.
async function bigSession() {
  const found = await api(null, "GET", `/api/v1/events?q=${encodeURIComponent(TITLE)}`);
  const hit = found.items.find((e) => e.title === TITLE && e.next_session);
  if (hit) return { eventId: hit.id, sessionId: hit.next_session.id };
  const org = await token("organizer");
  const orgId = (await api(org, "GET", "/api/v1/organizations/mine")).items[0].id;
  const cats = (await api(null, "GET", "/api/v1/categories")).items;
  const cat = cats.find((c) => c.name === "Music") ?? cats[0];
  const ev = await api(org, "POST", "/api/v1/events", {
    organization_id: orgId, category_id: cat.id, title: TITLE, description: "A large hall for the seat map's browser tests.",
    tiers: [{ name: "Hall", colour: "#6366f1", price_minor: 2000, currency: "EUR" }],
  });
  const tier = ev.tiers?.[0]?.id ?? (await api(org, "GET", `/api/v1/events/${ev.id}`)).tiers[0].id;
  const start = new Date(Date.now() + 60 * 86400e3);
  start.setUTCHours(19, 0, 0, 0);
  const blocks = ["north", "east", "south", "west"].map((id) => ({
    id, name: `Hall ${id}`, type: "seated_grid", grid: { rows: 25, columns: 100, tier_id: tier, start_row_label: "A" },
  }));
  const s = await api(org, "POST", `/api/v1/events/${ev.id}/sessions`, {
    start_time: start.toISOString(), end_time: new Date(start.getTime() + 3 * 3600e3).toISOString(),
    sales_start_time: new Date(Date.now() - 3600e3).toISOString(), sales_end_time: start.toISOString(),
    session_type: "PHYSICAL", venue: { name: "Test Hall", address: "1 Test Street", latitude: 52.0, longitude: 4.3 },
    layout: { blocks },
  });
  await api(org, "POST", `/api/v1/events/${ev.id}/submit`);
  await api(await token("admin"), "POST", `/api/v1/events/${ev.id}/approve`);
  return { eventId: ev.id, sessionId: s.id };
}

test("a 10,000-seat session renders every seat and turns a held one LOCKED live", { timeout: 240000 }, async () => {
  const { eventId, sessionId } = await bigSession();
  // Wait until the read model serves the session on sale with all its seats.
  let seats;
  for (let i = 0; i < 120; i++) {
    const res = await fetch(`${WEB}/api/v1/sessions/${sessionId}/seats`);
    if (res.status === 200) {
      seats = await res.json();
      if (seats.status === "ON_SALE" && seats.seats.length === 10000) break;
    }
    await sleep(1000);
  }
  assert.equal(seats?.seats.length, 10000, "the read model lists 10,000 seats");
  assert.equal(seats.status, "ON_SALE", "the session is on sale");

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const t0 = Date.now();
  await page.goto(`${WEB}/events/${eventId}/sessions/${sessionId}`, { waitUntil: "domcontentloaded" });
  await page.locator("[data-seat-id]").first().waitFor({ state: "attached", timeout: 30000 });
  const renderMs = Date.now() - t0;
  assert.equal(await page.locator("[data-seat-id]").count(), 10000, "one element per seat");
  await page.waitForFunction(() => document.getElementById("live-state")?.textContent?.startsWith("Live"), null, { timeout: 15000 });

  // Picking stays quick at this size: a click, then arrow keys and Space (the map is one tab stop).
  const pickMs = await page.evaluate(async () => {
    const seat = document.querySelector('[data-seat-id][data-status="AVAILABLE"]');
    const t = performance.now();
    seat.click();
    while (seat.getAttribute("aria-pressed") !== "true") await new Promise((r) => requestAnimationFrame(r));
    const ms = performance.now() - t;
    seat.click();
    return ms;
  });
  assert.equal(await page.locator('[data-seat-id][tabindex="0"]').count(), 1, "one tab stop for 10,000 seats");
  await page.locator('[data-seat-id][tabindex="0"]').focus();
  const from = await page.evaluate(() => document.activeElement?.getAttribute("data-seat-id"));
  const k0 = Date.now();
  for (let i = 0; i < 10; i++) await page.keyboard.press(i % 2 ? "ArrowDown" : "ArrowRight");
  const keysMs = (Date.now() - k0) / 10;
  const to = await page.evaluate(() => document.activeElement?.getAttribute("data-seat-id"));
  assert.ok(to && to !== from, "arrow keys move the focus from seat to seat");
  console.log(`pick_ms=${pickMs.toFixed(1)} arrow_key_ms=${keysMs.toFixed(1)}`);

  const tok = await token(`buyer${900 + Math.floor(Math.random() * 100)}`);
  const free = seats.seats.filter((s) => s.status === "AVAILABLE");
  let order, seat, t1;
  for (let attempt = 0; attempt < 5 && !order; attempt++) {
    seat = free[Math.floor(Math.random() * free.length)].id;
    const res = await fetch(`${WEB}/api/v1/orders`, {
      method: "POST",
      headers: { Authorization: `Bearer ${tok}`, "Content-Type": "application/json", "Idempotency-Key": `webtest-${randomUUID()}` },
      body: JSON.stringify({ session_id: sessionId, seat_ids: [seat] }),
    });
    t1 = Date.now();
    if (res.status === 409) continue;
    assert.equal(res.status, 201, `order: ${await res.clone().text()}`);
    order = await res.json();
  }
  assert.ok(order, "an order held a seat");
  try {
    await page.waitForFunction((s) => document.querySelector(`[data-seat-id="${s}"]`)?.getAttribute("data-status") === "LOCKED", seat, { timeout: 5000 });
    console.log(`seats_rendered=10000 first_render_ms=${renderMs} live_locked_ms=${Date.now() - t1}`);
  } finally {
    await fetch(`${WEB}/api/v1/orders/${order.id}/cancel`, { method: "POST", headers: { Authorization: `Bearer ${tok}` } });
  }
  await page.close();
});
