// Measurements of the web app (issue 11) in headless Chromium against the running stack; numbers
// are printed, never asserted.
//   (a) time to first seat-map render: navigation start -> every [data-seat-id] of the session in
//       the DOM, for the demo's 1,180-seat session and the 10,000-seat "Web test: 10,000 seats"
//       session (created once, as web/tests/seatmap-10k.test.mjs does); median of 5 cold loads
//       (a fresh browser context each: nothing cached);
//   (b) time from an order's 201 to the seat turning LOCKED on an open session page, over 50
//       holds by buyer500..buyer549: the POST is sent from the page itself, so the 201 and the
//       MutationObserver's LOCKED are stamped by the same clock (performance.now()); each order
//       is cancelled afterwards;
//   (c) JavaScript shipped per page (cache disabled): the sum of script response bytes, as
//       transferred (body on the wire) and decoded, and what gzip would make of them (the app
//       serves uncompressed: compression would buffer the SSE it passes through).
// Usage: node loadtest/web/measure.mjs   (WEB_URL, KEYCLOAK_URL, CHROMIUM as for the browser
// tests; the JSON goes to $MEASURE_JSON, else $LOG_DIR/web-measure.json, else stdout).
// deploy/local/bench.sh runs it as BENCH=web.
import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { cpus, loadavg } from "node:os";
import { randomUUID } from "node:crypto";
import { launch, signIn, token, WEB } from "../../web/tests/lib/browser.mjs";
import { api } from "../../web/tests/lib/events.mjs";

const LOADS = Number(process.env.MEASURE_LOADS ?? 5);
const HOLDS = Number(process.env.MEASURE_HOLDS ?? 50);
const BIG = "Web test: 10,000 seats";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] : NaN;
};
const round = (x) => Math.round(x * 10) / 10;

// demoSessions returns the demo event and its sessions with their seat counts.
async function demo() {
  const ev = (await api(null, "GET", `/api/v1/events?q=${encodeURIComponent("Ticketly Demo Night")}`)).items.find((e) => e.title === "Ticketly Demo Night");
  if (!ev) throw new Error("the demo event is not listed (make run loads it)");
  const doc = await api(null, "GET", `/api/v1/events/${ev.id}`);
  const sessions = [];
  for (const s of doc.sessions) {
    const seats = await api(null, "GET", `/api/v1/sessions/${s.id}/seats`);
    sessions.push({ eventId: ev.id, sessionId: s.id, seats: seats.seats.length, status: seats.status });
  }
  return sessions;
}

// bigSession returns the 10,000-seat session, creating it once (as seatmap-10k.test.mjs does).
async function bigSession() {
  const hit = (await api(null, "GET", `/api/v1/events?q=${encodeURIComponent(BIG)}`)).items.find((e) => e.title === BIG && e.next_session);
  if (hit) return { eventId: hit.id, sessionId: hit.next_session.id };
  const org = await token("organizer");
  const orgId = (await api(org, "GET", "/api/v1/organizations/mine")).items[0].id;
  const cats = (await api(null, "GET", "/api/v1/categories")).items;
  const ev = await api(org, "POST", "/api/v1/events", {
    organization_id: orgId, category_id: (cats.find((c) => c.name === "Music") ?? cats[0])?.id ?? null, title: BIG,
    description: "A large hall for the seat map's browser tests.", tiers: [{ name: "Hall", colour: "#6366f1", price_minor: 2000, currency: "EUR" }],
  });
  const start = new Date(Date.now() + 60 * 86400e3);
  start.setUTCHours(19, 0, 0, 0);
  const blocks = ["north", "east", "south", "west"].map((id) => ({
    id, name: `Hall ${id}`, type: "seated_grid", grid: { rows: 25, columns: 100, tier_id: ev.tiers[0].id, start_row_label: "A" },
  }));
  const s = await api(org, "POST", `/api/v1/events/${ev.id}/sessions`, {
    start_time: start.toISOString(), end_time: new Date(start.getTime() + 3 * 3600e3).toISOString(),
    sales_start_time: new Date(Date.now() - 3600e3).toISOString(), sales_end_time: start.toISOString(),
    session_type: "PHYSICAL", venue: { name: "Test Hall", address: "1 Test Street", latitude: 52.0, longitude: 4.3 }, layout: { blocks },
  });
  await api(org, "POST", `/api/v1/events/${ev.id}/submit`);
  await api(await token("admin"), "POST", `/api/v1/events/${ev.id}/approve`);
  for (let i = 0; i < 120; i++) {
    const seats = await fetch(`${WEB}/api/v1/sessions/${s.id}/seats`).then((r) => (r.ok ? r.json() : null));
    if (seats?.seats.length === 10000) break;
    await sleep(1000);
  }
  return { eventId: ev.id, sessionId: s.id };
}

// firstRender loads the session page in a fresh context and returns the page's own time from
// navigation start until all n seats are in the DOM (a MutationObserver installed before any
// script of the page runs).
async function firstRender(browser, { eventId, sessionId }, n) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript((want) => {
    const check = () => {
      if (window.__allSeatsAt === undefined && document.querySelectorAll("[data-seat-id]").length >= want) window.__allSeatsAt = performance.now();
    };
    new MutationObserver(check).observe(document, { childList: true, subtree: true });
  }, n);
  await page.goto(`${WEB}/events/${eventId}/sessions/${sessionId}`, { waitUntil: "domcontentloaded" });
  await page.waitForFunction(() => window.__allSeatsAt !== undefined, null, { timeout: 60000 });
  const ms = await page.evaluate(() => window.__allSeatsAt);
  await context.close();
  return ms;
}

// holdsToLocked opens the session page once, then for each buyer holds a free seat with a POST
// sent from the page (201 stamped with performance.now()) and stamps the seat's LOCKED with a
// MutationObserver; each order is cancelled (and its seat seen AVAILABLE again) before the next.
async function holdsToLocked(browser, { eventId, sessionId }) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${WEB}/events/${eventId}/sessions/${sessionId}`, { waitUntil: "domcontentloaded" });
  await page.waitForFunction(() => document.getElementById("live-state")?.textContent?.startsWith("Live"), null, { timeout: 30000 });
  const samples = [];
  let conflicts = 0;
  for (let i = 0; i < HOLDS; i++) {
    const buyer = `buyer${500 + (i % 50)}`;
    const tok = await token(buyer);
    const r = await page.evaluate(async ({ tok, sessionId, key }) => {
      const free = [...document.querySelectorAll('[data-seat-id][data-status="AVAILABLE"]')];
      const el = free[Math.floor(Math.random() * free.length)];
      const seat = el.getAttribute("data-seat-id");
      let lockedAt;
      const seen = new Promise((resolve) => {
        const obs = new MutationObserver(() => {
          if (el.getAttribute("data-status") === "LOCKED") { lockedAt = performance.now(); obs.disconnect(); resolve(); }
        });
        obs.observe(el, { attributes: true, attributeFilter: ["data-status"] });
        setTimeout(resolve, 10000);
      });
      const res = await fetch("/api/v1/orders", {
        method: "POST",
        headers: { Authorization: `Bearer ${tok}`, "Content-Type": "application/json", "Idempotency-Key": key },
        body: JSON.stringify({ session_id: sessionId, seat_ids: [seat] }),
      });
      const createdAt = performance.now();
      const body = await res.json().catch(() => null);
      if (res.status !== 201) return { status: res.status, seat };
      await seen;
      return { status: 201, seat, orderId: body.id, ms: lockedAt === undefined ? null : lockedAt - createdAt };
    }, { tok, sessionId, key: `measure-web-${randomUUID()}` });
    if (r.status === 409) { conflicts++; i--; if (conflicts > 20) throw new Error("too many 409s"); continue; }
    if (r.status !== 201) throw new Error(`hold ${i} by ${buyer}: ${r.status}`);
    if (r.ms === null) throw new Error(`seat ${r.seat} not LOCKED on the page 10 s after its 201`);
    samples.push(r.ms);
    await api(tok, "POST", `/api/v1/orders/${r.orderId}/cancel`);
    await page.waitForFunction((s) => document.querySelector(`[data-seat-id="${s}"]`)?.getAttribute("data-status") === "AVAILABLE", r.seat, { timeout: 10000 });
  }
  await page.close();
  return { samples, conflicts };
}

// jsShipped visits path (signed in as user when given) with the cache disabled and sums the
// bytes of every script response until the network is idle.
async function jsShipped(browser, path, user) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  if (user) await signIn(page, user);
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  const scripts = [];
  page.on("response", (res) => { if (res.request().resourceType() === "script") scripts.push(res); });
  await page.goto(`${WEB}${path}`, { waitUntil: "load" });
  await page.waitForLoadState("networkidle", { timeout: 15000 }).catch(() => {});
  let transferred = 0, decoded = 0, gzipped = 0;
  for (const res of scripts) {
    const sizes = await res.request().sizes().catch(() => ({ responseBodySize: 0 }));
    const body = await res.body().catch(() => Buffer.alloc(0));
    transferred += sizes.responseBodySize || 0;
    decoded += body.length;
    gzipped += gzipSync(body).length;
  }
  await context.close();
  return { path, user: user ?? null, files: scripts.length, transferred_bytes: transferred, decoded_bytes: decoded, gzip_bytes: gzipped };
}

const browser = await launch();
// The machine's load is kept with the numbers: they mean little without it.
const out = { measured_at: new Date().toISOString(), web: WEB, cpus: cpus().length, loadavg_start: loadavg(), render: [], holds: null, js: [] };
try {
  const sessions = await demo();
  const mid = sessions.find((s) => s.seats === 1180) ?? sessions.sort((a, b) => b.seats - a.seats)[0];
  const big = { ...(await bigSession()), seats: 10000 };
  for (const s of [mid, big]) {
    const loads = [];
    for (let i = 0; i < LOADS; i++) loads.push(await firstRender(browser, s, s.seats));
    out.render.push({ seats: s.seats, session_id: s.sessionId, loads_ms: loads.map(round), median_ms: round(quantile(loads, 0.5)) });
  }
  const { samples, conflicts } = await holdsToLocked(browser, mid);
  out.holds = { session_id: mid.sessionId, n: samples.length, conflicts_retried: conflicts, p50_ms: round(quantile(samples, 0.5)), p95_ms: round(quantile(samples, 0.95)), max_ms: round(Math.max(...samples)), samples_ms: samples.map(round) };
  const pages = [
    ["/"], [`/events/${mid.eventId}`], [`/events/${mid.eventId}/sessions/${mid.sessionId}`],
    ["/orders", "buyer"], ["/manage", "organizer"], ["/admin", "admin"], ["/checkin", "scanner"],
  ];
  for (const [path, user] of pages) out.js.push(await jsShipped(browser, path, user));
} finally {
  await browser.close();
}

out.loadavg_end = loadavg();
const kb = (b) => (b / 1024).toFixed(1);
console.log(`\nmachine: ${out.cpus} CPUs, load average ${out.loadavg_start.map((x) => x.toFixed(2)).join(" ")} at the start, ${out.loadavg_end.map((x) => x.toFixed(2)).join(" ")} at the end`);
console.log("\n| seat map | loads | median first render (ms) | loads (ms) |\n|---|---|---|---|");
for (const r of out.render) console.log(`| ${r.seats.toLocaleString("en")} seats | ${r.loads_ms.length} | ${r.median_ms} | ${r.loads_ms.join(", ")} |`);
console.log(`\n| order 201 -> LOCKED on an open page | n | p50 (ms) | p95 (ms) | max (ms) |\n|---|---|---|---|---|`);
console.log(`| ${out.holds.session_id} | ${out.holds.n} | ${out.holds.p50_ms} | ${out.holds.p95_ms} | ${out.holds.max_ms} |`);
console.log("\n| page | signed in as | scripts | transferred (KiB) | decoded (KiB) | gzipped (KiB) |\n|---|---|---|---|---|---|");
for (const j of out.js) console.log(`| ${j.path.replace(/[0-9a-f-]{36}/g, "{id}")} | ${j.user ?? "-"} | ${j.files} | ${kb(j.transferred_bytes)} | ${kb(j.decoded_bytes)} | ${kb(j.gzip_bytes)} |`);
const target = process.env.MEASURE_JSON ?? (process.env.LOG_DIR ? `${process.env.LOG_DIR}/web-measure.json` : "");
if (target) { writeFileSync(target, JSON.stringify(out, null, 2)); console.log(`\nJSON: ${target}`); } else console.log(JSON.stringify(out, null, 2));
