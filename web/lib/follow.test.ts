// Unit tests of following (node:test): `npm test` runs them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { followBody, followError, subscriptionOf } from "./follow";

test("each target is followed by its own field", () => {
  assert.deepEqual(followBody("event", "e1"), { event_id: "e1" });
  assert.deepEqual(followBody("session", "s1"), { session_id: "s1" });
  assert.deepEqual(followBody("organization", "o1"), { organization_id: "o1" });
});

test("the subscription of a target is found by kind and id", () => {
  const items = [
    { id: "a", event_id: "x", source: "user" },
    { id: "b", session_id: "x", source: "purchase" },
    { id: "c", organization_id: "o", source: "user" },
  ];
  assert.equal(subscriptionOf(items, "event", "x"), "a");
  assert.equal(subscriptionOf(items, "session", "x"), "b");
  assert.equal(subscriptionOf(items, "organization", "o"), "c");
  assert.equal(subscriptionOf(items, "organization", "x"), null);
});

test("failures are worded for the buyer", () => {
  assert.match(followError(401), /sign in again/);
  assert.match(followError(422), /e-mail/);
  assert.match(followError(503), /try again/);
});
