// Browser test of the organizer console (issue 11, SPEC section 9), in Debian's Chromium driven
// by playwright-core against the running local stack through the web origin:
// the Keycloak user `organizer` builds a fresh event in the wizard — two tiers, a session at a
// venue, a layout designed in the designer (a seated grid, a standing area and a stage, one
// moved by dragging and one by the arrow keys) — and submits it; `admin` approves it on /admin
// and it is found by search on /; a sale made through the API (a buyer's order and a signed
// Stripe webhook) shows up on the organizer's open dashboard without a reload. A buyer who
// opens the event's console page is told plainly that they are not allowed. An online session
// (a link, no venue) is added through the console's session form.
//   WEB_URL=http://localhost:3000 node --test --test-concurrency=1 tests/organizer.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { launch, signIn, shot, token, json, seriousViolations, WEB } from "./lib/browser.mjs";
import { pay } from "./lib/events.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// local renders a time for <input type="datetime-local"> (the console's times are UTC).
const local = (d) => d.toISOString().slice(0, 16);

// until polls fn (returning a truthy value when done) every interval ms for at most ms.
async function until(what, fn, ms = 60000, interval = 1000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${what}`);
    await sleep(interval);
  }
}

// sell buys one free seat of the session as a buyer through the web origin and pays it with a
// signed payment_intent.succeeded webhook, as Stripe would. Returns the order.
async function sell(sessionId) {
  const free = await until("the session is ON_SALE in the read model", async () => {
    const res = await fetch(`${WEB}/api/v1/sessions/${sessionId}/seats`);
    if (res.status !== 200) return null;
    const doc = await res.json();
    return doc.status === "ON_SALE" ? doc.seats.filter((s) => s.status === "AVAILABLE").map((s) => s.id) : null;
  });
  const buyer = await token(`buyer${960 + Math.floor(Math.random() * 20)}`);
  const res = await fetch(`${WEB}/api/v1/orders`, {
    method: "POST",
    headers: { Authorization: `Bearer ${buyer}`, "Content-Type": "application/json", "Idempotency-Key": `organizer-test-${randomUUID()}` },
    body: JSON.stringify({ session_id: sessionId, seat_ids: [free[0]] }),
  });
  const order = await json(res);
  assert.equal(res.status, 201, `order: ${JSON.stringify(order)}`);
  await pay(order);
  return order;
}

test("an organizer builds an event with a designed layout, an admin approves it, a sale shows on the live dashboard", { timeout: 240000 }, async () => {
  const title = `Organizer Test ${randomUUID().slice(0, 8)}`;
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await signIn(page, "organizer", "organizer", "/");

  // /manage lists the organizer's organizations; the first one gets the event.
  await page.goto(`${WEB}/manage`);
  const orgLink = page.locator('a[href^="/manage/orgs/"]').first();
  await orgLink.waitFor({ timeout: 15000 });
  await shot(page, "organizer-manage");
  assert.deepEqual(await seriousViolations(page), [], "axe: organizer-manage");
  await orgLink.click();
  await page.getByRole("heading", { name: "Create an event" }).waitFor();

  // Members: an unknown user is refused by name; a known one is added by user name with a
  // role, listed with their e-mail address, and removed again.
  const member = `buyer${500 + Math.floor(Math.random() * 100)}`;
  const members = page.getByRole("region", { name: "Members" });
  await members.getByLabel("User name or e-mail").fill(`nobody-${randomUUID().slice(0, 8)}`);
  await members.getByRole("button", { name: "Add member" }).click();
  await members.getByRole("alert").filter({ hasText: "No user called" }).waitFor({ timeout: 10000 });
  await members.getByLabel("User name or e-mail").fill(member);
  await members.getByLabel("Role").selectOption("SCANNER");
  await members.getByRole("button", { name: "Add member" }).click();
  const row = members.getByRole("listitem").filter({ hasText: member });
  await row.getByText(`${member}@`).waitFor({ timeout: 10000 });
  await shot(page, "organizer-organization");
  page.once("dialog", (d) => void d.accept());
  await row.getByRole("button", { name: `Remove ${member}` }).click();
  await row.waitFor({ state: "detached", timeout: 10000 });
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Description").fill("Built in the organizer console by a browser test.");
  await page.getByRole("button", { name: "Create event" }).click();
  await page.waitForURL(/\/manage\/events\/[0-9a-f-]{36}$/, { timeout: 15000 });
  const eventId = page.url().split("/").pop();
  await page.getByRole("heading", { name: title }).waitFor();
  // A partial edit of the details.
  await page.getByLabel("Description").fill("Edited in the console.");
  await page.getByRole("button", { name: "Save details" }).click();
  await page.getByText("Saved.", { exact: true }).waitFor({ timeout: 10000 });

  // Tiers: a wrong price is refused next to its field, then two tiers are added.
  const tierForm = page.getByRole("form", { name: "Add a tier" });
  await tierForm.getByLabel("Tier name").fill("Stalls");
  await tierForm.getByLabel("Price").fill("abc");
  await tierForm.getByRole("button", { name: "Add tier" }).click();
  await page.locator("#t-price-err").waitFor();
  await tierForm.getByLabel("Price").fill("30");
  await tierForm.getByRole("button", { name: "Add tier" }).click();
  await page.getByTestId("tiers").getByText("Stalls").waitFor();
  await tierForm.getByLabel("Tier name").fill("Floor");
  await tierForm.getByLabel("Price").fill("20.00");
  await tierForm.getByRole("button", { name: "Add tier" }).click();
  await page.getByTestId("tiers").getByText("Floor").waitFor();

  // A session at a venue, on sale from an hour ago until it starts in 30 days.
  const start = new Date(Date.now() + 30 * 86400e3);
  start.setUTCHours(19, 30, 0, 0);
  await page.getByLabel("Venue name").fill("Console Test Hall");
  await page.getByLabel("Address").fill("3 Designer Street, Utrecht");
  await page.getByLabel("Latitude").fill("52.09");
  await page.getByLabel("Longitude").fill("5.12");
  await page.getByLabel("Starts (UTC)").fill(local(start));
  await page.getByLabel("Sales start (UTC)").fill(local(new Date(Date.now() - 3600e3)));
  // An end before the start: the API's field error is shown next to the field.
  await page.getByLabel("Ends (UTC)").fill(local(new Date(start.getTime() - 3600e3)));
  await page.getByRole("button", { name: "Add session" }).click();
  await page.locator("#s-end-err").getByText("must be after start_time").waitFor({ timeout: 10000 });
  await page.getByLabel("Ends (UTC)").fill(local(new Date(start.getTime() + 3 * 3600e3)));
  await page.getByRole("button", { name: "Add session" }).click();
  const sessionRow = page.getByTestId("sessions").locator("li[data-session-id]").first();
  await sessionRow.waitFor({ timeout: 15000 });
  const sessionId = await sessionRow.getAttribute("data-session-id");
  // A partial edit of the session: its venue's name.
  await sessionRow.getByRole("button", { name: /^Edit the session of/ }).click();
  const editForm = page.getByRole("form", { name: "Edit the session" });
  await editForm.getByLabel("Venue name").fill("Console Test Hall, main room");
  await editForm.getByRole("button", { name: "Save session" }).click();
  await sessionRow.getByText("Console Test Hall, main room").waitFor({ timeout: 10000 });

  // A public discount code.
  const code = `T${randomUUID().slice(0, 6).toUpperCase()}`;
  const discountForm = page.getByRole("form", { name: "Add a code" });
  await discountForm.getByLabel("Code").fill(code);
  await discountForm.getByLabel("Percent (1–100)").fill("10");
  await discountForm.getByLabel("Public (shown on the event page)").check();
  await discountForm.getByRole("group", { name: /Only for these tiers/ }).getByLabel("Floor").check();
  await discountForm.getByRole("button", { name: "Add code" }).click();
  await page.getByText(code, { exact: true }).waitFor({ timeout: 10000 });
  await page.getByText("tiers: Floor").waitFor();
  await shot(page, "organizer-event-wizard");
  assert.deepEqual(await seriousViolations(page), [], "axe: organizer-event-wizard");

  // The layout designer: a seated grid of 3 x 8 (Stalls), a standing area of 50 (Floor), a stage.
  await sessionRow.getByRole("link", { name: "Design layout" }).click();
  await page.waitForURL(/\/layout$/);
  await page.getByRole("button", { name: "Add seated grid" }).click();
  const props = page.getByTestId("block-props");
  await props.getByLabel("Rows").fill("3");
  await props.getByLabel("Seats per row").fill("8");
  await props.getByLabel("Tier").selectOption({ label: "Stalls" });
  await page.getByRole("button", { name: "Add standing area" }).click();
  await props.getByLabel("Capacity").fill("50");
  await props.getByLabel("Tier").selectOption({ label: "Floor" });
  await page.getByRole("button", { name: "Add stage" }).click();
  assert.equal(await page.locator("[data-block-id]").count(), 3, "three blocks on the canvas");

  // Drag the stage with the pointer...
  const stage = page.locator('[data-block-id="stage"]');
  const box = await stage.boundingBox();
  const before = { x: Number(await stage.getAttribute("data-x")), y: Number(await stage.getAttribute("data-y")) };
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2 + 15, { steps: 6 });
  await page.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2 + 30, { steps: 6 });
  await page.mouse.up();
  const dragged = { x: Number(await stage.getAttribute("data-x")), y: Number(await stage.getAttribute("data-y")) };
  assert.ok(dragged.x >= before.x + 100 && dragged.y >= before.y + 20, `stage dragged from ${JSON.stringify(before)} to ${JSON.stringify(dragged)}`);
  // ...and the standing area with the keyboard (10 units a press).
  const floor = page.locator('[data-block-id="standing"]');
  await floor.focus();
  const fx = Number(await floor.getAttribute("data-x"));
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  assert.equal(Number(await floor.getAttribute("data-x")), fx + 30, "three ArrowRight presses move the block 30 units");
  await assert.doesNotReject(page.getByTestId("designer-status").getByText("moved to").waitFor());
  assert.match(await page.getByTestId("layout-summary").textContent(), /3 blocks, 74 places/);
  await shot(page, "organizer-layout-designer");
  assert.deepEqual(await seriousViolations(page), [], "axe: organizer-layout-designer");
  // A grid without a tier is refused by the API; the error shows next to the block's field.
  await page.locator('[data-block-id="seats"]').click();
  await props.getByLabel("Tier").selectOption({ label: "(choose a tier)" });
  await page.getByRole("button", { name: "Save layout" }).click();
  await page.locator("#bp-tier-err").waitFor({ timeout: 15000 });
  assert.match(await page.locator("#bp-tier-err").textContent(), /tier/);
  await shot(page, "organizer-layout-field-error");
  await props.getByLabel("Tier").selectOption({ label: "Stalls" });
  await page.getByRole("button", { name: "Save layout" }).click();
  await page.getByTestId("designer-status").getByText("Layout saved: 74 places.").waitFor({ timeout: 15000 });

  // Saved as a seating template of the organization, then loaded back from it.
  const templateName = `Console template ${randomUUID().slice(0, 8)}`;
  await page.getByLabel("New template name").fill(templateName);
  await page.getByRole("button", { name: "Save as template" }).click();
  await page.getByText(`Saved as template "${templateName}".`).waitFor({ timeout: 15000 });
  await page.getByLabel("Template", { exact: true }).selectOption({ label: templateName });
  await page.getByRole("button", { name: "Load template" }).click();
  await page.getByText(`Loaded "${templateName}".`).waitFor({ timeout: 15000 });
  assert.equal(await page.locator("[data-block-id]").count(), 3, "the template's three blocks are loaded");

  // The stored layout has the three blocks where the designer put them.
  const org = await token("organizer");
  const stored = await json(await fetch(`${WEB}/api/v1/manage/sessions/${sessionId}`, { headers: { Authorization: `Bearer ${org}` } }));
  const byId = Object.fromEntries(stored.layout.blocks.map((b) => [b.id, b]));
  assert.deepEqual(Object.keys(byId).sort(), ["seats", "stage", "standing"]);
  assert.equal(byId.seats.rows.length, 3);
  assert.equal(byId.seats.rows[0].seats.length, 8);
  assert.equal(byId.standing.capacity, 50);
  assert.deepEqual(byId.stage.position, { x: dragged.x, y: dragged.y });
  // The template is not needed any more (templates count against the organization's plan).
  const orgId = (await json(await fetch(`${WEB}/api/v1/manage/events/${eventId}`, { headers: { Authorization: `Bearer ${org}` } }))).organization_id;
  const templates = (await json(await fetch(`${WEB}/api/v1/organizations/${orgId}/seating-templates`, { headers: { Authorization: `Bearer ${org}` } }))).items;
  const tpl = templates.find((x) => x.name === templateName);
  assert.ok(tpl, "the template is stored");
  assert.equal((await fetch(`${WEB}/api/v1/seating-templates/${tpl.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${org}` } })).status, 204);

  // Submit for approval.
  await page.goto(`${WEB}/manage/events/${eventId}`);
  await page.getByRole("button", { name: "Submit for approval" }).click();
  await page.locator('[data-status="PENDING"]').first().waitFor({ timeout: 15000 });

  // The admin approves it on /admin.
  const adminCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const admin = await adminCtx.newPage();
  await signIn(admin, "admin", "admin", "/");
  await admin.goto(`${WEB}/admin`);
  const card = admin.locator(`article[data-event-id="${eventId}"]`);
  await card.waitFor({ timeout: 20000 });
  await card.getByRole("button", { name: "Approve" }).click();
  await admin.getByRole("heading", { name: "Decided just now" }).waitFor({ timeout: 15000 });
  await shot(admin, "organizer-admin-approved");
  await adminCtx.close();

  // It is found by search on /.
  await until("the event is found by search on /", async () => {
    await page.goto(`${WEB}/?q=${encodeURIComponent(title)}`);
    return (await page.getByRole("link", { name: title }).count()) > 0;
  }, 60000, 1500);
  await shot(page, "organizer-search");

  // The dashboard counts a sale live.
  await page.goto(`${WEB}/manage/events/${eventId}/dashboard`);
  await page.locator('[data-testid="feed-state"][data-state="live"]').waitFor({ timeout: 15000 });
  await page.getByTestId("total-sold").waitFor();
  assert.equal((await page.getByTestId("total-sold").textContent()).trim(), "0");
  const order = await sell(sessionId);
  const t0 = Date.now();
  await page.locator(`[data-testid="checkout-feed"] li[data-order-id="${order.id}"]`).first().waitFor({ timeout: 20000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="total-sold"]')?.textContent?.trim() === "1", null, { timeout: 20000 });
  console.log(`dashboard counted the sale ${Date.now() - t0} ms after the webhook`);
  assert.match(await page.getByTestId("total-revenue").textContent(), /30/);
  // The charts' text alternatives count it too.
  await page.locator('[data-testid="chart-sold-session"] td[data-value="1"]').waitFor({ timeout: 5000 });
  await page.locator('[data-testid="chart-orders-session"] td[data-value="1"]').waitFor({ timeout: 5000 });
  assert.equal(await page.locator('[data-testid="chart-sold-tier"] tr', { hasText: "Stalls" }).locator("td").getAttribute("data-value"), "1");
  await page.locator(`[data-testid="orders-table"] tr[data-order-id="${order.id}"]`).waitFor({ timeout: 10000 });
  await shot(page, "organizer-dashboard");
  // The attendee export is a plain link: the session cookie authenticates it.
  const csv = await page.request.get(await page.getByRole("link", { name: "Attendees (CSV)" }).evaluate((a) => a.href));
  assert.equal(csv.status(), 200);
  assert.match(await csv.text(), new RegExp(`^ticket_id,.*\n.*${order.id}`, "s"));
  assert.deepEqual(await seriousViolations(page), [], "axe: organizer-dashboard");

  // The order's page shows its line and offers refunds.
  await page.locator(`[data-testid="orders-table"] tr[data-order-id="${order.id}"] a`).click();
  await page.getByRole("heading", { name: "Refund" }).waitFor({ timeout: 15000 });
  await shot(page, "organizer-order");
  assert.deepEqual(await seriousViolations(page), [], "axe: organizer-order");

  // Refunds: more than was paid is refused with the API's figures; 5.00 goes through.
  const dialogs = [];
  page.on("dialog", (d) => { dialogs.push(d.message()); void d.accept(); });
  await page.getByLabel("An amount (no ticket is voided)").check();
  await page.getByLabel("Amount (EUR)").fill("100");
  await page.getByRole("button", { name: "Refund", exact: true }).click();
  await page.getByRole("alert").getByText("Left to refund: €30.00").waitFor({ timeout: 15000 });
  await page.getByLabel("Amount (EUR)").fill("5");
  await page.getByRole("button", { name: "Refund", exact: true }).click();
  await page.getByText("Refunded €5.00.").waitFor({ timeout: 15000 });
  await page.getByTestId("refunded").getByText("€5.00").waitFor({ timeout: 10000 });

  // Seat blocks on the session's map: two free seats are blocked through the order service;
  // the sold seat cannot be.
  await page.goto(`${WEB}/manage/sessions/${sessionId}/seats`);
  const freeSeats = page.locator('[data-seat-id][data-status="AVAILABLE"]');
  await freeSeats.first().waitFor({ timeout: 15000 });
  const toBlock = [await freeSeats.nth(3).getAttribute("data-seat-id"), await freeSeats.nth(4).getAttribute("data-seat-id")];
  for (const id of toBlock) await page.locator(`[data-seat-id="${id}"]`).click();
  await page.getByRole("button", { name: "Block 2 selected", exact: true }).click();
  await page.getByText("2 seats blocked.").waitFor({ timeout: 15000 });
  await until("the blocked seats are BLOCKED on the public seat map", async () => {
    const doc = await json(await fetch(`${WEB}/api/v1/sessions/${sessionId}/seats`));
    return toBlock.every((id) => doc.seats.find((s) => s.id === id)?.status === "BLOCKED");
  }, 20000, 500);
  await page.locator(`[data-seat-id="${order.seat_ids[0]}"]`).click();
  await page.getByRole("button", { name: "Block 1 selected", exact: true }).click();
  await page.getByRole("alert").filter({ hasText: /taken|held|sold/ }).waitFor({ timeout: 10000 });
  await shot(page, "organizer-seat-blocks");
  assert.deepEqual(await seriousViolations(page), [], "axe: organizer-seat-blocks");

  // Cancelling the session says that it refunds every paid order, and does it.
  await page.goto(`${WEB}/manage/events/${eventId}`);
  await page.getByRole("button", { name: /^Cancel session/ }).click();
  await page.getByText("Session cancelled: its paid orders are being refunded.").waitFor({ timeout: 15000 });
  assert.match(dialogs.at(-1), /refunded in full/);
  await page.getByTestId("sessions").locator('[data-status="CANCELLED"]').waitFor({ timeout: 10000 });

  // A buyer is told plainly that the event's console is not theirs.
  const buyerCtx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const buyer = await buyerCtx.newPage();
  await signIn(buyer, "buyer", "buyer", "/");
  await buyer.goto(`${WEB}/manage/events/${eventId}`);
  await buyer.getByTestId("not-allowed").waitFor({ timeout: 15000 });
  await shot(buyer, "organizer-not-allowed-phone");
  assert.deepEqual(await seriousViolations(buyer), [], "axe: organizer-not-allowed-phone");
  await buyerCtx.close();

  // The designer and the dashboard on a phone-width screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${WEB}/manage/sessions/${sessionId}/layout`);
  await page.locator('[data-block-id="seats"]').waitFor({ timeout: 15000 });
  await shot(page, "organizer-layout-designer-phone");
  await page.goto(`${WEB}/manage/events/${eventId}/dashboard`);
  await page.getByTestId("total-sold").waitFor({ timeout: 15000 });
  await shot(page, "organizer-dashboard-phone");
  await ctx.close();
});

test("an organizer adds an online session in the console", { timeout: 90000 }, async () => {
  const org = await token("organizer");
  const orgId = (await json(await fetch(`${WEB}/api/v1/organizations/mine`, { headers: { Authorization: `Bearer ${org}` } }))).items[0].id;
  const title = `Online Test ${randomUUID().slice(0, 8)}`;
  const res = await fetch(`${WEB}/api/v1/events`, {
    method: "POST", headers: { Authorization: `Bearer ${org}`, "Content-Type": "application/json" },
    body: JSON.stringify({ organization_id: orgId, title, description: "An online session added by a browser test." }),
  });
  const ev = await json(res);
  assert.equal(res.status, 201, JSON.stringify(ev));
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await ctx.newPage();
    await signIn(page, "organizer", "organizer", `/manage/events/${ev.id}`);
    await page.getByRole("heading", { name: title }).waitFor({ timeout: 15000 });
    const start = new Date(Date.now() + 20 * 86400e3);
    start.setUTCHours(18, 0, 0, 0);
    const link = `https://stream.example/${randomUUID().slice(0, 8)}`;
    const form = page.getByRole("form", { name: "Add a session" });
    await form.getByLabel("Online").check();
    assert.equal(await form.getByLabel("Venue name").count(), 0, "no venue for an online session");
    await form.getByLabel("Online link").fill(link);
    await form.getByLabel("Starts (UTC)").fill(local(start));
    await form.getByLabel("Ends (UTC)").fill(local(new Date(start.getTime() + 3600e3)));
    await form.getByLabel("Sales start (UTC)").fill(local(new Date(Date.now() + 86400e3)));
    await form.getByRole("button", { name: "Add session" }).click();
    await page.getByTestId("sessions").getByText(`Online: ${link}`).waitFor({ timeout: 15000 });
    await shot(page, "organizer-online-session");
    const stored = await json(await fetch(`${WEB}/api/v1/manage/events/${ev.id}`, { headers: { Authorization: `Bearer ${org}` } }));
    assert.equal(stored.sessions.length, 1);
    assert.equal(stored.sessions[0].session_type, "ONLINE");
    assert.equal(stored.sessions[0].online_link, link);
  } finally {
    await ctx.close();
    await fetch(`${WEB}/api/v1/events/${ev.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${org}` } });
  }
});
