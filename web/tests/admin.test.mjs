// Browser tests of the admin pages (issue 11), signed in as `admin` (event_admin and
// category_admin): two freshly submitted events appear in the approval queue, oldest submission
// first, each with its organization's name and when it was submitted; one is rejected
// with a reason (it leaves the queue and the organizer's API shows that reason), the other is
// approved and appears in the public search within seconds (CDC to event-query). Categories
// are created, renamed and deleted on /admin/categories, and the API's refusal to delete a
// category with sub-categories is shown. Fresh titles and names per run; the events are
// deleted afterwards (their sessions never go on sale).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { launch, signIn, shot, token, json, WEB } from "./lib/browser.mjs";
import { api } from "./lib/events.mjs";

const ORG = "Web tests: approvals";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// The queue's time format (web/lib/api.ts when).
const when = (iso) => new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC";

// submitted creates a PENDING event with one session whose sales open in 30 days, and returns
// its id and submission time.
async function submitted(org, orgId, title) {
  const ev = await api(org, "POST", "/api/v1/events", {
    organization_id: orgId, title, description: "Submitted by the admin pages' browser test.",
    tiers: [{ name: "Seat", colour: "#22C55E", price_minor: 1000, currency: "EUR" }],
  });
  const start = new Date(Date.now() + 40 * 86400e3);
  start.setUTCHours(20, 0, 0, 0);
  await api(org, "POST", `/api/v1/events/${ev.id}/sessions`, {
    start_time: start.toISOString(), end_time: new Date(start.getTime() + 2 * 3600e3).toISOString(),
    sales_start_time: new Date(Date.now() + 30 * 86400e3).toISOString(), sales_end_time: start.toISOString(),
    session_type: "PHYSICAL", venue: { name: "Queue Hall", address: "3 Test Street", latitude: 52.0, longitude: 4.3 },
    layout: { blocks: [{ id: "hall", name: "Hall", type: "seated_grid", grid: { rows: 2, columns: 5, tier_id: ev.tiers[0].id, start_row_label: "A" } }] },
  });
  const pending = await api(org, "POST", `/api/v1/events/${ev.id}/submit`);
  assert.ok(pending.submitted_at, "the submit answer says when");
  return { id: ev.id, submittedAt: pending.submitted_at };
}

test("the approval queue rejects with a reason and approves into the public search", { timeout: 120000 }, async () => {
  const run = randomUUID().slice(0, 8);
  const org = await token("organizer");
  let o = (await api(org, "GET", "/api/v1/organizations/mine")).items.find((x) => x.name === ORG);
  if (!o) o = await api(org, "POST", "/api/v1/organizations", { name: ORG });
  const rejectTitle = `Web test: reject me ${run}`;
  const approveTitle = `Web test: approve me ${run}`;
  const { id: rejectId, submittedAt: rejectSubmitted } = await submitted(org, o.id, rejectTitle);
  const { id: approveId } = await submitted(org, o.id, approveTitle);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, "admin");
    await page.goto(`${WEB}/admin`);
    const card = (id) => page.locator(`article[data-event-id="${id}"]`);
    await card(rejectId).waitFor({ timeout: 15000 });
    await card(approveId).waitFor();
    const text = await card(rejectId).innerText();
    assert.match(text, new RegExp(ORG), "the queue names the organization");
    assert.match(text, /Queue Hall/, "the queue lists the sessions");
    assert.ok(text.includes(`submitted ${when(rejectSubmitted)}`), `the queue says when it was submitted: ${text}`);
    assert.equal(await card(rejectId).locator("time").getAttribute("datetime"), rejectSubmitted);
    const order = await page.locator("article[data-event-id]").evaluateAll((cards) => cards.map((c) => c.dataset.eventId));
    assert.ok(order.indexOf(rejectId) < order.indexOf(approveId), "the longer-waiting event comes first");
    await shot(page, "admin-queue");

    // Reject with a reason: the button stays disabled until a reason is given.
    const reason = `Missing venue details (${run})`;
    await card(rejectId).getByText("Reject…").click();
    const rejectButton = card(rejectId).getByRole("button", { name: "Reject", exact: true });
    assert.ok(await rejectButton.isDisabled(), "no rejection without a reason");
    await card(rejectId).getByLabel(`Reason for rejecting “${rejectTitle}” (the organizer reads it)`).fill(reason);
    await rejectButton.click();
    await card(rejectId).waitFor({ state: "detached", timeout: 10000 });
    await page.getByRole("status").getByText(`Rejected “${rejectTitle}”: ${reason}`).waitFor();
    const rejected = await api(org, "GET", `/api/v1/manage/events/${rejectId}`);
    assert.equal(rejected.status, "REJECTED");
    assert.equal(rejected.rejection_reason, reason, "the organizer reads the reason given");

    // Approve: it leaves the queue and the public search finds it soon after (CDC).
    await card(approveId).getByRole("button", { name: "Approve" }).click();
    await card(approveId).waitFor({ state: "detached", timeout: 10000 });
    await page.getByRole("status").getByText(`Approved “${approveTitle}”.`).waitFor();
    await shot(page, "admin-decided");
    const t0 = Date.now();
    let found = false;
    while (!found && Date.now() - t0 < 15000) {
      const res = await json(await fetch(`${WEB}/api/v1/events?q=${encodeURIComponent(approveTitle)}`));
      found = res.items.some((e) => e.id === approveId);
      if (!found) await sleep(250);
    }
    assert.ok(found, `the approved event is in the public search within 15 s`);
    console.log(`approve_to_search_ms=${Date.now() - t0}`);

    // Reloaded, the queue no longer lists either.
    await page.reload();
    await page.getByRole("heading", { name: /Awaiting approval/ }).waitFor();
    await page.waitForFunction(() => !document.body.innerText.includes("Loading…"));
    assert.equal(await card(rejectId).count(), 0);
    assert.equal(await card(approveId).count(), 0);
    await page.close();
  } finally {
    for (const id of [rejectId, approveId]) await api(org, "DELETE", `/api/v1/events/${id}`).catch((e) => console.log(`cleanup: ${e.message}`));
  }
});

test("categories are created, renamed and deleted, and the API's refusals are shown", { timeout: 60000 }, async () => {
  const run = randomUUID().slice(0, 8);
  const parent = `Web test ${run}`;
  const child = `Web test child ${run}`;
  const page = await browser.newPage();
  await signIn(page, "admin");
  await page.goto(`${WEB}/admin/categories`);
  const row = (name) => page.locator("li[data-category-id]").filter({ has: page.locator(".name", { hasText: new RegExp(`^${name}$`) }) });
  const status = page.getByRole("status");

  await page.getByLabel("Name", { exact: true }).fill(parent);
  await page.getByRole("button", { name: "Add category" }).click();
  await status.getByText(`Created “${parent}”.`).waitFor();
  await page.getByLabel("Name", { exact: true }).fill(child);
  await page.getByLabel("Under").selectOption({ label: parent });
  await page.getByRole("button", { name: "Add category" }).click();
  await status.getByText(`Created “${child}”.`).waitFor();
  assert.equal(await row(child).getAttribute("class"), "child", "the sub-category is shown under its parent");

  // A category with sub-categories cannot be deleted: the API's 409 is shown.
  await row(parent).getByRole("button", { name: `Delete ${parent}` }).click();
  await row(parent).getByRole("button", { name: "Confirm delete" }).click();
  const alert = page.getByRole("alert").filter({ hasText: /\S/ });
  await alert.waitFor();
  assert.match(await alert.innerText(), new RegExp(`“${parent}” was not deleted: .*sub-categor`), "the refusal names the category and says why");
  assert.equal(await row(parent).count(), 1, "the parent is still there");
  await shot(page, "admin-categories-refused");

  const renamed = `${child} renamed`;
  await row(child).getByRole("button", { name: `Rename ${child}` }).click();
  await page.getByLabel(`New name for “${child}”`).fill(renamed);
  await page.getByRole("button", { name: "Save" }).click();
  await status.getByText(`Renamed “${child}” to “${renamed}”.`).waitFor();

  for (const name of [renamed, parent]) {
    await row(name).getByRole("button", { name: `Delete ${name}` }).click();
    await row(name).getByRole("button", { name: "Confirm delete" }).click();
    await status.getByText(`Deleted “${name}”.`).waitFor();
    await row(name).waitFor({ state: "detached", timeout: 5000 });
  }
  await shot(page, "admin-categories");
  await page.close();
});
