// Unit tests of the admin pages' helpers (node:test): `npm test` runs them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { byParent, problemText, signInPath } from "./admin";

test("categories are listed as a tree: each top-level one, by name, followed by its children", () => {
  const rows = byParent([
    { id: "j", name: "Jazz", parent_id: "m" },
    { id: "t", name: "Theatre", parent_id: null },
    { id: "m", name: "Music", parent_id: null },
    { id: "b", name: "Blues", parent_id: "m" },
    { id: "o", name: "Orphan", parent_id: "gone" }, // its parent deleted meanwhile: shown at the top
  ]);
  assert.deepEqual(rows.map((r) => `${r.depth}:${r.category.name}`), ["0:Music", "1:Blues", "1:Jazz", "0:Orphan", "0:Theatre"]);
});

test("a refusal is worded with its field errors; sign-in comes back to the page", () => {
  assert.equal(problemText({ status: 400, code: "invalid", message: "invalid category", details: { fields: { name: "is required" } } }),
    "invalid category (name: is required)");
  assert.equal(problemText({ status: 409, code: "conflict", message: "has events" }), "has events");
  assert.equal(signInPath("/admin/categories"), "/auth/login?returnTo=%2Fadmin%2Fcategories");
});
