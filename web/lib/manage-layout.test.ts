// Unit tests of the layout designer's model and the console's small helpers (node:test).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fromLayout, keptBlockedSeats, newBlock, seatCount, size, toSpec } from "./manage-layout";
import { fieldsUnder, fromLocalInput, query, toMinor, type Problem } from "./manage";
import type { Layout } from "./manage-types";

const tier = "11111111-1111-4111-8111-111111111111";
const other = "22222222-2222-4222-8222-222222222222";
const seat = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

const stored: Layout = {
  blocks: [
    { id: "stage", name: "Stage", type: "non_sellable", position: { x: 100, y: 0 } },
    {
      id: "stalls", name: "Stalls", type: "seated_grid", position: { x: 10, y: 60 }, tier_id: tier,
      rows: [
        { label: "A", seats: [{ id: seat(1), label: "A1", tier_id: tier }, { id: seat(2), label: "A2", tier_id: tier }] },
        { label: "B", seats: [{ id: seat(3), label: "B1", tier_id: tier }, { id: seat(4), label: "B2", tier_id: tier }] },
      ],
    },
    { id: "floor", name: "Floor", type: "standing", capacity: 40, tier_id: other },
  ],
  blocked_seat_ids: [seat(2), seat(4)],
};

test("a loaded layout keeps its seats (and their ids) while a grid is only moved", () => {
  const blocks = fromLayout(stored);
  assert.deepEqual(blocks.map((b) => [b.id, b.rows, b.columns, b.capacity, b.tierId]), [
    ["stage", 5, 10, 100, ""], ["stalls", 2, 2, 100, tier], ["floor", 5, 10, 40, other],
  ]);
  blocks[1].x = 300;
  const spec = toSpec(blocks);
  assert.deepEqual(spec[1].position, { x: 300, y: 60 });
  assert.equal(spec[1].grid, undefined);
  assert.deepEqual(spec[1].rows?.flatMap((r) => r.seats.map((s) => s.id)), [seat(1), seat(2), seat(3), seat(4)]);
  assert.deepEqual(spec[0], { id: "stage", name: "Stage", type: "non_sellable", position: { x: 100, y: 0 } });
  assert.deepEqual(spec[2], { id: "floor", name: "Floor", type: "standing", position: { x: 20, y: 140 }, capacity: 40, tier_id: other });
  assert.deepEqual(keptBlockedSeats(stored.blocked_seat_ids, blocks), [seat(2), seat(4)]);
});

test("a resized or re-tiered grid is sent as a grid and its blocked seats are dropped", () => {
  for (const change of [{ rows: 3 }, { columns: 5 }, { tierId: other }]) {
    const blocks = fromLayout(stored);
    Object.assign(blocks[1], change);
    const spec = toSpec(blocks);
    assert.equal(spec[1].rows, undefined, JSON.stringify(change));
    assert.deepEqual(spec[1].grid, { rows: blocks[1].rows, columns: blocks[1].columns });
    assert.deepEqual(keptBlockedSeats(stored.blocked_seat_ids, blocks), []);
  }
});

test("new blocks get unique ids and their type's defaults; places are counted", () => {
  const a = newBlock("seated_grid", [], tier);
  const b = newBlock("seated_grid", [a.id], tier);
  const st = newBlock("non_sellable", [], tier);
  assert.notEqual(a.id, b.id);
  assert.equal(st.tierId, "");
  assert.equal(seatCount([a, st, { ...newBlock("standing", [], tier), capacity: 7 }]), 57);
  assert.ok(size(a).w >= a.columns * 12 && size(a).h >= a.rows * 12);
});

test("helpers: amounts, times, queries and field errors", () => {
  assert.equal(toMinor("25"), 2500);
  assert.equal(toMinor("25.5"), 2550);
  assert.equal(toMinor("0,99"), 99);
  assert.ok(Number.isNaN(toMinor("abc")));
  assert.ok(Number.isNaN(toMinor("1.234")));
  assert.equal(fromLocalInput("2030-05-01T19:30"), "2030-05-01T19:30:00Z");
  assert.equal(fromLocalInput(""), "");
  assert.equal(query({ a: "1", b: "", c: undefined, d: 2 }), "?a=1&d=2");
  const p: Problem = { status: 400, code: "invalid", message: "", details: {}, fields: { "blocks[1].grid.rows": "x", "blocks[10].id": "y", name: "z" } };
  assert.deepEqual(fieldsUnder(p, "blocks[1]"), [["blocks[1].grid.rows", "x"]]);
});
