// Browser tests of the check-in door (issue 11): a ticket of a freshly paid order is checked in
// once on /checkin as the `scanner` user ("Checked in"), then again ("Already checked in at
// …"), and a code that is no ticket is "Not valid"; the organizer (owner) undoes a check-in
// and the ticket goes in again; the camera path scans where BarcodeDetector exists (a stand-in
// detector and camera here). Each ticket is bought through the web
// origin's API as a buyer and paid with a correctly signed payment_intent.succeeded webhook
// (the local stack's development secret), the same code path as Stripe's.
// The door is an event of its own organization ("Web tests: doors", scanner a SCANNER member),
// created once and reused: every run buys one more of its 1,000 seats.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { launch, signIn, shot, token, json, WEB } from "./lib/browser.mjs";
import { api, pay } from "./lib/events.mjs";

const ORG = "Web tests: doors";
const TITLE = "Web test: check-in door";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// door returns the test door's organization, event and session, creating them once.
async function door() {
  const org = await token("organizer");
  let o = (await api(org, "GET", "/api/v1/organizations/mine")).items.find((x) => x.name === ORG);
  if (!o) o = await api(org, "POST", "/api/v1/organizations", { name: ORG });
  // The order service admits the owner, ADMIN or SCANNER members of the session's organization.
  await api(org, "POST", `/api/v1/organizations/${o.id}/members`, { user: "scanner", roles: ["SCANNER"] });
  const found = (await json(await fetch(`${WEB}/api/v1/events?q=${encodeURIComponent(TITLE)}`))).items
    .find((e) => e.title === TITLE && e.next_session);
  if (found) return { eventId: found.id, sessionId: found.next_session.id };
  const cats = (await api(null, "GET", "/api/v1/categories")).items;
  const ev = await api(org, "POST", "/api/v1/events", {
    organization_id: o.id, category_id: cats[0]?.id ?? null, title: TITLE, description: "A door for the check-in page's browser test.",
    tiers: [{ name: "Door", colour: "#0EA5E9", price_minor: 1500, currency: "EUR" }],
  });
  const start = new Date(Date.now() + 90 * 86400e3);
  start.setUTCHours(19, 0, 0, 0);
  const s = await api(org, "POST", `/api/v1/events/${ev.id}/sessions`, {
    start_time: start.toISOString(), end_time: new Date(start.getTime() + 3 * 3600e3).toISOString(),
    sales_start_time: new Date(Date.now() - 3600e3).toISOString(), sales_end_time: start.toISOString(),
    session_type: "PHYSICAL", venue: { name: "Door Hall", address: "2 Test Street", latitude: 52.0, longitude: 4.3 },
    layout: { blocks: [{ id: "hall", name: "Hall", type: "seated_grid", grid: { rows: 20, columns: 50, tier_id: ev.tiers[0].id, start_row_label: "A" } }] },
  });
  await api(org, "POST", `/api/v1/events/${ev.id}/submit`);
  await api(await token("admin"), "POST", `/api/v1/events/${ev.id}/approve`);
  return { eventId: ev.id, sessionId: s.id };
}

// freeSeats waits until event-query serves the session on sale and returns its free seats.
async function freeSeats(sessionId) {
  for (let i = 0; i < 60; i++) {
    const res = await fetch(`${WEB}/api/v1/sessions/${sessionId}/seats`);
    if (res.status === 200) {
      const doc = await res.json();
      if (doc.status === "ON_SALE") return doc.seats.filter((s) => s.status === "AVAILABLE").map((s) => s.id);
    }
    await sleep(1000);
  }
  throw new Error(`session ${sessionId} is not served ON_SALE by event-query after 60 s`);
}

// paidTicket buys one free seat of the session as a buyer, pays it and returns its ticket.
async function paidTicket(sessionId) {
  const buyer = await token(`buyer${940 + Math.floor(Math.random() * 10)}`);
  const free = await freeSeats(sessionId);
  for (let attempt = 0; attempt < 5; attempt++) {
    const seat = free[Math.floor(Math.random() * free.length)];
    const res = await fetch(`${WEB}/api/v1/orders`, {
      method: "POST",
      headers: { Authorization: `Bearer ${buyer}`, "Content-Type": "application/json", "Idempotency-Key": `webtest-checkin-${randomUUID()}` },
      body: JSON.stringify({ session_id: sessionId, seat_ids: [seat] }),
    });
    if (res.status === 409) continue; // another run took it first
    assert.equal(res.status, 201, `order: ${await res.clone().text()}`);
    const order = await res.json();
    await pay(order);
    for (let i = 0; i < 20; i++) {
      const items = (await api(buyer, "GET", `/api/v1/orders/${order.id}/tickets`)).items;
      if (items[0]?.qr) return items[0];
      await sleep(250);
    }
    throw new Error(`order ${order.id} has no ticket after its payment`);
  }
  throw new Error("no free seat could be held in 5 attempts");
}

test("a scanner checks a paid ticket in once, then sees it already checked in; a bad code is not valid", { timeout: 180000 }, async () => {
  const { sessionId } = await door();
  const ticket = await paidTicket(sessionId);

  const page = await browser.newPage({ viewport: { width: 412, height: 915 } }); // a phone at the door
  await signIn(page, "scanner");
  // The scanner's sessions are offered (organizations where it is a SCANNER member).
  await page.goto(`${WEB}/checkin`);
  const picker = page.getByLabel("Session");
  await page.waitForFunction((id) => [...document.querySelectorAll("#door-session option")].some((o) => o.value === id), sessionId, { timeout: 15000 })
    .catch(() => { throw new Error(`the door's session ${sessionId} is not offered to the scanner`); });
  assert.match(await picker.locator(`option[value="${sessionId}"]`).innerText(), new RegExp(TITLE));
  await page.goto(`${WEB}/checkin?session_id=${sessionId}`);
  assert.equal(await picker.inputValue(), sessionId, "?session_id= picks the session");
  const field = page.getByLabel("Ticket code (scan, type or paste)");
  const result = page.locator("#scan-result");
  const scan = async (code, want, name) => {
    await field.fill(code);
    await field.press("Enter");
    await page.locator(`#scan-result[data-result="${want}"]`).waitFor({ timeout: 10000 })
      .catch(async () => { throw new Error(`scan of ${name}: want ${want}, page shows "${await result.innerText()}"`); });
    assert.equal(await field.inputValue(), "", "the field is cleared after a scan");
    assert.ok(await field.evaluate((el) => el === document.activeElement), "the field has the focus again after a scan");
    await shot(page, `checkin-${want}`);
    return result.innerText();
  };

  const first = await scan(ticket.qr, "checked_in", "the fresh ticket");
  assert.match(first, /Checked in/);
  assert.ok(first.includes(ticket.label), `the seat's label ${ticket.label} is shown: ${first}`);
  assert.match(first, /buyer94\d@/, "the holder is shown");
  // Undoing is for the organization's owner and admins: the scanner is told so.
  await page.getByRole("button", { name: "Undo this check-in" }).click();
  await page.getByRole("alert").getByText("Only the organization's owner or admins can undo a check-in.").waitFor({ timeout: 10000 });
  assert.ok(await field.evaluate((el) => el === document.activeElement), "the field has the focus again after the undo");

  const again = await scan(ticket.qr, "already", "the same ticket again");
  assert.match(again, /Already checked in\s+at \S/);

  const bad = await scan("not-a-ticket-" + randomUUID(), "not_valid", "a code that is no ticket");
  assert.match(bad, /Not valid/);
  assert.equal(await page.locator("#scan-result").getAttribute("role"), "status", "the result is announced");
  await page.close();
});

test("the organizer undoes a mistaken check-in and the ticket can be scanned again", { timeout: 180000 }, async () => {
  const { sessionId } = await door();
  const ticket = await paidTicket(sessionId);
  const page = await browser.newPage();
  await signIn(page, "organizer");
  await page.goto(`${WEB}/checkin?session_id=${sessionId}`);
  const field = page.getByLabel("Ticket code (scan, type or paste)");
  await field.fill(ticket.qr);
  await field.press("Enter");
  await page.locator('#scan-result[data-result="checked_in"]').waitFor({ timeout: 10000 });
  await page.getByRole("button", { name: "Undo this check-in" }).click();
  await page.getByText("Check-in undone: the ticket can be scanned again.").waitFor({ timeout: 10000 });
  await field.fill(ticket.qr);
  await field.press("Enter");
  await page.locator('#scan-result:has-text("Scan 2")[data-result="checked_in"]').waitFor({ timeout: 10000 });
  await page.close();
});

test("where the browser has BarcodeDetector, the camera scans a ticket in", { timeout: 180000 }, async () => {
  const { sessionId } = await door();
  const ticket = await paidTicket(sessionId);
  const context = await browser.newContext({ viewport: { width: 412, height: 915 } });
  // Headless Chromium has neither a camera nor BarcodeDetector here: a canvas stands in for the
  // camera and a detector that "sees" the ticket's code in any frame for the platform's.
  await context.addInitScript((qr) => {
    window.BarcodeDetector = class { async detect() { return [{ rawValue: qr }]; } };
    navigator.mediaDevices.getUserMedia = async () => {
      const canvas = Object.assign(document.createElement("canvas"), { width: 64, height: 64 });
      const draw = () => { canvas.getContext("2d").fillRect(0, 0, 64, 64); requestAnimationFrame(draw); };
      draw();
      return canvas.captureStream(10);
    };
  }, ticket.qr);
  const page = await context.newPage();
  await signIn(page, "scanner");
  await page.goto(`${WEB}/checkin?session_id=${sessionId}`);
  await page.getByRole("button", { name: "Scan with camera" }).click();
  await page.locator('#scan-result[data-result="checked_in"]').waitFor({ timeout: 15000 });
  assert.ok((await page.locator("#scan-result").innerText()).includes(ticket.label));
  assert.equal(await page.locator("video").count(), 0, "the camera is closed after a code was read");
  await context.close();
});
