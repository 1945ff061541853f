// Discovery in a real browser (issue 11): two fresh events that share a unique word, found on
// the home page by text, narrowed by price, category, dates and distance, paged one by one; a
// bad price range explained without a search; and following an event round-trips through the
// scheduler's subscriptions API. Screenshots of each step.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { json, launch, seriousViolations, shot, signIn, token, WEB } from "./lib/browser.mjs";
import { api } from "./lib/events.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const day = (d) => d.toISOString().slice(0, 10);

// listedEvent creates an approved event with one tier and one standing-only session.
async function listedEvent(org, orgId, { title, categoryId, priceMinor, start, venue }) {
  const ev = await api(org, "POST", "/api/v1/events", {
    organization_id: orgId, category_id: categoryId, title, description: "Created by the web search test.",
    tiers: [{ name: "General", colour: "#7c3aed", price_minor: priceMinor, currency: "EUR" }],
  });
  const tiers = ev.tiers ?? (await api(org, "GET", `/api/v1/manage/events/${ev.id}`)).tiers;
  const s = await api(org, "POST", `/api/v1/events/${ev.id}/sessions`, {
    start_time: start.toISOString(), end_time: new Date(start.getTime() + 2 * 3600e3).toISOString(),
    sales_start_time: new Date(Date.now() - 3600e3).toISOString(), sales_end_time: start.toISOString(),
    session_type: "PHYSICAL", venue,
    layout: { blocks: [{ id: "floor", name: "Floor", type: "standing", capacity: 20, tier_id: tiers[0].id }] },
  });
  await api(org, "POST", `/api/v1/events/${ev.id}/submit`);
  await api(await token("admin"), "POST", `/api/v1/events/${ev.id}/approve`);
  return { id: ev.id, sessionId: s.id, orgId, title };
}

const word = `srch${randomUUID().slice(0, 8)}`;
let browser, a, b, category;

before(async () => {
  browser = await launch();
  const org = await token("organizer");
  const orgId = (await api(org, "GET", "/api/v1/organizations/mine")).items[0].id;
  category = await api(await token("admin"), "POST", "/api/v1/categories", { name: `Search test ${word}` });
  const music = (await api(null, "GET", "/api/v1/categories")).items.find((c) => c.name === "Music" && !c.parent);
  const at = (days) => { const d = new Date(Date.now() + days * 86400e3); d.setUTCHours(19, 0, 0, 0); return d; };
  a = await listedEvent(org, orgId, { title: `Cheap ${word}`, categoryId: category.id, priceMinor: 1500, start: at(40),
    venue: { name: "Search Hall", address: "1 Search Street, Delft", latitude: 52.0, longitude: 4.3 } });
  b = await listedEvent(org, orgId, { title: `Dear ${word}`, categoryId: music.id, priceMinor: 8000, start: at(70),
    venue: { name: "Lejos Arena", address: "Calle 2, Madrid", latitude: 40.4, longitude: -3.7 } });
  b.start = at(70);
  for (let i = 0; i < 90; i++) {
    const found = await json(await fetch(`${WEB}/api/v1/events?q=${word}`));
    if (found.items?.length === 2) return;
    await sleep(1000);
  }
  assert.fail(`both events found by /api/v1/events?q=${word}`);
});
after(async () => { await browser?.close(); });

// results lists the titles of the search results on the page.
const results = (page) => page.getByRole("list", { name: "Search results" }).locator("li strong").allTextContents();

test("search by text, price, category, dates and distance; paging keeps the filters; a bad range is explained", { timeout: 120000 }, async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, geolocation: { latitude: 52.0, longitude: 4.3 }, permissions: ["geolocation"] });
  const page = await ctx.newPage();
  await page.goto(WEB);
  await page.getByRole("heading", { name: "Trending" }).or(page.getByRole("heading", { name: "Upcoming events" })).first().waitFor();
  assert.deepEqual(await seriousViolations(page), [], "axe: home");

  // Text: both.
  await page.getByLabel("Search events").fill(word);
  await Promise.all([page.waitForURL(/q=srch/), page.getByRole("button", { name: "Search" }).click()]);
  assert.deepEqual((await results(page)).sort(), [a.title, b.title].sort());
  assert.equal(await page.getByRole("heading", { name: "Trending" }).count(), 0, "no trending when filtered");
  await shot(page, "search-1-text");

  // Price: at most 20.00 keeps the cheap one.
  await page.getByLabel("Max price").fill("20");
  await Promise.all([page.waitForURL(/price_max=20/), page.getByRole("button", { name: "Search" }).click()]);
  assert.deepEqual(await results(page), [a.title]);
  await shot(page, "search-2-price");
  await page.getByLabel("Max price").fill("");

  // Category: the fresh one keeps the cheap one.
  await page.getByLabel("Category").selectOption(category.id);
  await Promise.all([page.waitForURL(/category=/), page.getByRole("button", { name: "Search" }).click()]);
  assert.deepEqual(await results(page), [a.title]);
  await page.getByLabel("Category").selectOption("");

  // Dates: the day of the second event's session keeps it.
  await page.getByLabel("From").fill(day(b.start));
  await page.getByLabel("To").fill(day(b.start));
  await Promise.all([page.waitForURL(/from=/), page.getByRole("button", { name: "Search" }).click()]);
  assert.deepEqual(await results(page), [b.title]);
  await shot(page, "search-3-dates");

  // Near me (the browser is in Delft): only the event in Delft.
  await page.goto(`${WEB}/?q=${word}`);
  await page.getByRole("button", { name: "Use my location" }).click();
  await page.getByText("Using your location").waitFor();
  await page.getByLabel("Within").selectOption("25");
  await Promise.all([page.waitForURL(/lat=52/), page.getByRole("button", { name: "Search" }).click()]);
  assert.deepEqual(await results(page), [a.title]);
  await shot(page, "search-4-near-me");

  // Paging: one per page; Next shows the other and keeps the text.
  await page.goto(`${WEB}/?q=${word}&page_size=1`);
  const first = await results(page);
  assert.equal(first.length, 1);
  await page.getByText("Page 1 of 2").waitFor();
  await Promise.all([page.waitForURL(/page=2/), page.getByRole("link", { name: "Next" }).click()]);
  const second = await results(page);
  assert.equal(second.length, 1);
  assert.deepEqual([...first, ...second].sort(), [a.title, b.title].sort());
  assert.match(page.url(), new RegExp(`q=${word}`), "Next keeps the filters");
  await shot(page, "search-5-page-2");
  await Promise.all([page.waitForURL((u) => !u.href.includes("page=2")), page.getByRole("link", { name: "Previous" }).click()]);
  assert.deepEqual(await results(page), first);

  // A bad range: explained, no results asked for.
  await page.getByLabel("Min price").fill("50");
  await page.getByLabel("Max price").fill("10");
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("alert").getByText("The lowest price is above the highest price.").waitFor();
  assert.equal(await page.getByRole("list", { name: "Search results" }).count(), 0);
  await shot(page, "search-6-bad-range");

  // A search only the API refuses (a NUL in the text): its message, not a crash.
  await page.goto(`${WEB}/?q=%00`);
  await page.getByRole("alert").getByText(/must not contain the NUL character/).waitFor();
  await ctx.close();
});

test("a buyer follows an event, sees it followed after a reload, and unfollows it; the session and the organization too", { timeout: 90000 }, async () => {
  const user = "buyer990";
  const tok = await token(user);
  const mine = async () => (await api(tok, "GET", "/api/v1/subscriptions")).items.filter((s) => s.event_id === a.id);
  // The organization is shared by every run: an earlier, failed run may have left it followed.
  for (const s of (await api(tok, "GET", "/api/v1/subscriptions")).items.filter((s) => s.organization_id === a.orgId)) {
    await api(tok, "DELETE", `/api/v1/subscriptions/${s.id}`);
  }

  const anon = await browser.newPage();
  await anon.goto(`${WEB}/events/${a.id}`);
  await anon.getByRole("link", { name: "Sign in to follow" }).waitFor();
  assert.match(await anon.getByText("1 Search Street, Delft").textContent(), /Search Hall/);
  await anon.getByText("On sale").waitFor();
  assert.deepEqual(await seriousViolations(anon), [], "axe: event page, signed out");
  await anon.close();

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await signIn(page, user, user, `/events/${a.id}`);
  const box = page.locator('[data-follow="event"]');
  await box.getByRole("button", { name: `Follow ${a.title}` }).click();
  await page.locator('[data-follow="event"][data-following="true"]').waitFor();
  assert.equal((await mine()).length, 1, "the API has the subscription");

  await page.reload();
  await page.locator('[data-follow="event"][data-following="true"]').getByText("Following").waitFor();
  await shot(page, "search-7-following");
  assert.deepEqual(await seriousViolations(page), [], "axe: event page, following");
  await box.getByRole("button", { name: `Unfollow ${a.title}` }).click();
  await page.locator('[data-follow="event"][data-following="false"]').waitFor();
  assert.equal((await mine()).length, 0, "the API has no subscription any more");

  // The session and the organization follow the same way.
  for (const kind of ["session", "organization"]) {
    const btn = page.locator(`[data-follow="${kind}"]`);
    await btn.getByRole("button", { name: /^Follow/ }).click();
    await page.locator(`[data-follow="${kind}"][data-following="true"]`).waitFor();
    const subs = (await api(tok, "GET", "/api/v1/subscriptions")).items;
    const id = kind === "session" ? a.sessionId : a.orgId;
    assert.ok(subs.some((s) => s[`${kind}_id`] === id), `the API has the ${kind} followed`);
    await btn.getByRole("button", { name: /^Unfollow/ }).click();
    await page.locator(`[data-follow="${kind}"][data-following="false"]`).waitFor();
    assert.ok(!(await api(tok, "GET", "/api/v1/subscriptions")).items.some((s) => s[`${kind}_id`] === id), `the ${kind} unfollowed`);
  }
  await ctx.close();
});
