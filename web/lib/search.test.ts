// Unit tests of the home page's filter reading (node:test): `npm test` runs them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { apiErrorText, categoryOptions, isDay, pageHref, parseSearch, readValues, toMinor } from "./search";

const CAT = "ca032da2-4fd0-450b-b2af-8f858a0d095c";

test("amounts typed in major units become minor units", () => {
  assert.equal(toMinor("12"), 1200);
  assert.equal(toMinor("12.5"), 1250);
  assert.equal(toMinor("12,05"), 1205);
  assert.equal(toMinor("0"), 0);
  for (const bad of ["", "-1", "1.234", "12e3", "abc", "1.", ".5"]) assert.equal(toMinor(bad), null, bad);
});

test("days are real calendar days", () => {
  assert.ok(isDay("2026-02-28"));
  assert.ok(isDay("2028-02-29"));
  for (const bad of ["2026-02-30", "2026-13-01", "2026-1-1", "01/12/2026", "2026-12-01T00:00:00Z"]) assert.ok(!isDay(bad), bad);
});

test("a full set of filters becomes the API's query", () => {
  const p = parseSearch({
    q: "  jazz night ", category: CAT, from: "2026-12-01", to: "2026-12-31",
    price_min: "10", price_max: "25.50", lat: "52.0", lng: "4.3", radius_km: "10", page: "2", page_size: "5",
  });
  assert.deepEqual(p.errors, []);
  assert.ok(p.filtered);
  assert.deepEqual(Object.fromEntries(new URLSearchParams(p.apiQuery)), {
    q: "jazz night", category: CAT, from: "2026-12-01T00:00:00Z", to: "2026-12-31T23:59:59Z",
    price_min: "1000", price_max: "2550", lat: "52", lng: "4.3", radius_km: "10", page: "2", page_size: "5",
  });
  assert.equal(p.page, 2);
  assert.equal(p.pageSize, 5);
});

test("no filter: page 1 of 20, not filtered; the distance alone filters nothing", () => {
  const p = parseSearch({ radius_km: "25", q: "" });
  assert.deepEqual(p.errors, []);
  assert.equal(p.filtered, false);
  assert.equal(p.apiQuery, "page=1&page_size=20");
});

test("filters the API would refuse are caught, and nothing is sent", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ price_min: "50", price_max: "10" }, /lowest price is above the highest/],
    [{ price_min: "ten" }, /lowest price is not an amount/],
    [{ from: "2026-12-10", to: "2026-12-01" }, /end date is before the start date/],
    [{ from: "2026-02-30" }, /start date is not a date/],
    [{ category: "music" }, /category/],
    [{ lat: "52" }, /location is not valid/],
    [{ lat: "100", lng: "4" }, /location is not valid/],
    [{ lat: "52", lng: "4", radius_km: "0" }, /distance/],
    [{ page: "0" }, /page number/],
    [{ page_size: "500" }, /page size/],
    [{ q: "x".repeat(201) }, /too long/],
  ];
  for (const [params, want] of cases) {
    const p = parseSearch(params);
    assert.equal(p.apiQuery, "", JSON.stringify(params));
    assert.match(p.errors.join(" "), want, JSON.stringify(params));
    assert.ok(p.filtered, "an error hides trending");
  }
  assert.deepEqual(parseSearch({ price_min: "10", price_max: "10" }).errors, [], "an equal range is fine");
  assert.deepEqual(parseSearch({ from: "2026-12-01", to: "2026-12-01" }).errors, [], "one day is fine");
});

test("a repeated field counts once", () => {
  assert.equal(readValues({ q: ["a", "b"] }).q, "a");
});

test("page links keep the filters and drop what is empty", () => {
  const v = readValues({ q: "jazz", price_max: "20", radius_km: "25", page: "3", page_size: "1" });
  assert.equal(pageHref(v, 4), "/?q=jazz&price_max=20&page_size=1&page=4");
  assert.equal(pageHref(v, 1), "/?q=jazz&price_max=20&page_size=1");
  assert.equal(pageHref(readValues({ lat: "52", lng: "4.3", radius_km: "10" }), 2), "/?lat=52&lng=4.3&radius_km=10&page=2");
  assert.equal(pageHref(readValues({}), 1), "/");
});

test("categories are shown as a tree: each parent followed by its children", () => {
  const music = { id: "m", name: "Music" }, sport = { id: "s", name: "Sport" };
  const jazz = { id: "j", name: "Jazz", parent: music }, rugby = { id: "r", name: "Rugby", parent: sport };
  const orphan = { id: "o", name: "Orphan", parent: { id: "gone", name: "Gone" } };
  assert.deepEqual(categoryOptions([music, sport, jazz, rugby, orphan]), [
    { id: "m", name: "Music", depth: 0 }, { id: "j", name: "Jazz", depth: 1 },
    { id: "s", name: "Sport", depth: 0 }, { id: "r", name: "Rugby", depth: 1 },
    { id: "o", name: "Orphan", depth: 0 },
  ]);
});

test("the API's refusal is shown with its fields", () => {
  assert.equal(apiErrorText({ error: { code: "invalid", message: "request has invalid fields", details: { fields: { price_max: "must not be below price_min" } } } }),
    "request has invalid fields: price max must not be below price_min.");
  assert.equal(apiErrorText({ error: { code: "invalid", message: "bad" } }), "bad");
  assert.equal(apiErrorText("<html>"), "The search could not be run.");
  assert.equal(apiErrorText(null), "The search could not be run.");
});
