// Fresh test events for the browser tests, built through the web origin as an organizer
// would (event-command), approved by the admin, and waited for until the read model serves
// the session ON_SALE: every test gets seats nobody else touches.
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { token, WEB } from "./browser.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** api calls the web origin's API with a bearer token; a non-2xx answer throws with its body. */
export async function api(tok, method, path, body) {
  const res = await fetch(`${WEB}${path}`, {
    method,
    headers: { ...(tok ? { Authorization: `Bearer ${tok}` } : {}), ...(body ? { "Content-Type": "application/json" } : {}), "Idempotency-Key": randomUUID() },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/**
 * onSaleEvent creates an event titled title with two tiers (Stalls 30.00, Floor 20.00 EUR), one
 * session whose layout has a stage, a seated block of rows x columns and a standing block of
 * standingCapacity, and a public 10 % discount code; approves it and waits until its session
 * is ON_SALE in the read model and the event is found by search.
 * Returns { eventId, sessionId, code, seats } (seats: the read model's seat list).
 */
export async function onSaleEvent(title, { rows = 3, columns = 8, standingCapacity = 50 } = {}) {
  const org = await token("organizer");
  const orgId = (await api(org, "GET", "/api/v1/organizations/mine")).items[0].id;
  const cats = (await api(null, "GET", "/api/v1/categories")).items;
  const cat = cats.find((c) => c.name === "Music") ?? cats[0];
  const ev = await api(org, "POST", "/api/v1/events", {
    organization_id: orgId, category_id: cat.id, title, description: "Created by a browser test of the web app.",
    tiers: [
      { name: "Stalls", colour: "#2563eb", price_minor: 3000, currency: "EUR" },
      { name: "Floor", colour: "#16a34a", price_minor: 2000, currency: "EUR" },
    ],
  });
  const tiers = ev.tiers ?? (await api(org, "GET", `/api/v1/manage/events/${ev.id}`)).tiers;
  const tierId = (name) => tiers.find((t) => t.name === name).id;
  const start = new Date(Date.now() + 30 * 86400e3);
  start.setUTCHours(19, 30, 0, 0);
  const s = await api(org, "POST", `/api/v1/events/${ev.id}/sessions`, {
    start_time: start.toISOString(), end_time: new Date(start.getTime() + 3 * 3600e3).toISOString(),
    sales_start_time: new Date(Date.now() - 3600e3).toISOString(), sales_end_time: start.toISOString(),
    session_type: "PHYSICAL", venue: { name: "Web Test Hall", address: "2 Test Street", latitude: 52.0, longitude: 4.3 },
    layout: {
      blocks: [
        { id: "stage", name: "Stage", type: "non_sellable" },
        { id: "stalls", name: "Stalls", type: "seated_grid", grid: { rows, columns, tier_id: tierId("Stalls"), start_row_label: "A" } },
        { id: "floor", name: "Floor", type: "standing", capacity: standingCapacity, tier_id: tierId("Floor") },
      ],
    },
  });
  const code = `WEB${randomUUID().slice(0, 6).toUpperCase()}`;
  await api(org, "POST", `/api/v1/events/${ev.id}/discounts`, { code, kind: "PERCENTAGE", percent: 10, public: true });
  await api(org, "POST", `/api/v1/events/${ev.id}/submit`);
  await api(await token("admin"), "POST", `/api/v1/events/${ev.id}/approve`);

  let seats, listed;
  for (let i = 0; i < 90; i++) {
    const res = await fetch(`${WEB}/api/v1/sessions/${s.id}/seats`);
    if (res.status === 200) seats = await res.json();
    const found = await fetch(`${WEB}/api/v1/events?q=${encodeURIComponent(title)}`);
    if (found.status === 200) listed = (await found.json()).items.some((e) => e.id === ev.id);
    if (seats?.status === "ON_SALE" && seats.seats.length === rows * columns && listed) break;
    await sleep(1000);
  }
  assert.equal(seats?.status, "ON_SALE", `session ${s.id} on sale in the read model`);
  assert.equal(seats.seats.length, rows * columns, "every seat in the read model");
  assert.ok(listed, "the event is found by search");
  return { eventId: ev.id, sessionId: s.id, code, seats: seats.seats };
}

// The local stack's development webhook secret (internal/config: DevStripeWebhookSecret).
const WEBHOOK_SECRET = process.env.STRIPE_WEBHOOK_SECRET ?? "whsec_ticketly_local_development_only";

/** pay sends the order service, through the web origin, a signed payment_intent.succeeded for
 * order (as Stripe would) and asserts it was taken. */
export async function pay(order) {
  const payload = JSON.stringify({
    id: `evt_${randomUUID()}`, object: "event", type: "payment_intent.succeeded", api_version: "2023-10-16",
    created: Math.floor(Date.now() / 1000),
    data: { object: {
      id: order.payment.payment_intent_id, object: "payment_intent", amount: order.total_minor, amount_received: order.total_minor,
      currency: order.currency.toLowerCase(), status: "succeeded", metadata: { order_id: order.id },
    } },
  });
  const t = Math.floor(Date.now() / 1000);
  const sig = createHmac("sha256", WEBHOOK_SECRET).update(`${t}.${payload}`).digest("hex");
  const res = await fetch(`${WEB}/api/v1/webhooks/stripe`, { method: "POST", headers: { "Content-Type": "application/json", "Stripe-Signature": `t=${t},v1=${sig}` }, body: payload });
  assert.equal(res.status, 200, `webhook: ${await res.text()}`);
}
