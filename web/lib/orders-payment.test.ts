// Unit tests of how an order is paid, by environment.
import { test } from "node:test";
import assert from "node:assert/strict";
import { paymentMode } from "./orders-payment";

test("a real publishable key selects Stripe's Payment Element, ahead of the dev tool", () => {
  const key = "pk_test_51AbCdEfGhIjKlMnOpQrStUvWx";
  assert.deepEqual(paymentMode({ STRIPE_PUBLISHABLE_KEY: key, STRIPE_DEV_URL: "http://127.0.0.1:12113" }), { kind: "stripe", publishableKey: key });
  assert.deepEqual(paymentMode({ NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: key }), { kind: "stripe", publishableKey: key });
});

test("without a real key the local stack pays in test mode, and elsewhere nothing is offered", () => {
  for (const key of ["", "pk_test_x", "sk_test_51AbCdEfGhIjKlMnOpQrStUvWx", "pk_test_123"]) {
    assert.deepEqual(paymentMode({ STRIPE_PUBLISHABLE_KEY: key, STRIPE_DEV_URL: "http://127.0.0.1:12113" }), { kind: "test" }, key);
  }
  assert.deepEqual(paymentMode({}), { kind: "none" });
});
