// Unit tests of the door's reading of check-in answers (node:test): `npm test` runs them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { outcome } from "./checkin";

const err = (code: string, details: Record<string, unknown> = {}, message = "m") => ({ error: { code, message, details } });

test("each answer of POST /api/v1/checkins becomes what the scanner is shown", () => {
  assert.deepEqual(outcome(200, { ticket: { id: "t1" }, checked_in_at: "2026-12-01T20:00:00Z", label: "A-1", tier_name: "VIP", holder: { email: "b@x" } }),
    { kind: "checked_in", ticketId: "t1", label: "A-1", tier: "VIP", holder: "b@x", at: "2026-12-01T20:00:00Z" });
  assert.deepEqual(outcome(409, err("conflict", { checked_in_at: "2026-12-01T20:00:00Z" })), { kind: "already", at: "2026-12-01T20:00:00Z" });
  assert.deepEqual(outcome(422, err("unprocessable", { reason: "other_session" })), { kind: "not_valid", reason: "The ticket is for another session." });
  assert.equal(outcome(422, err("unprocessable", { reason: "something_new" }, "Refused at this door")).kind, "not_valid");
  assert.equal(outcome(400, err("invalid", {}, "qr is not a Ticketly ticket payload")).kind, "not_valid");
  assert.equal(outcome(400, err("invalid", { fields: { session_id: "must be a UUID" } })).kind, "error", "a bad session is the page's problem, not the ticket's");
  assert.equal(outcome(404, err("not_found")).kind, "not_valid");
  assert.equal(outcome(401, err("unauthorized")).kind, "signed_out");
  assert.equal(outcome(403, err("forbidden")).kind, "forbidden");
  assert.equal(outcome(503, err("unavailable", {}, "try later")).kind, "error");
  assert.equal(outcome(502, undefined).kind, "error", "a body that is not the API's error shape");
});
