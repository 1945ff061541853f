# stripedev (tools/stripedev): the local stand-in for Stripe.js (SPEC section 9, "Local
# payments"). POST /v1/payment_intents/{id}/webhook {"outcome","amount","currency","order_id"}
# makes it send the order service on :$ORDER_PORT the signed payment_intent.succeeded or
# payment_intent.payment_failed event a real payment would, with the development webhook
# secret (STRIPE_WEBHOOK_SECRET when set, as for the order service). Development only: it
# refuses TICKETLY_ENV=production.
: "${STRIPEDEV_PORT:=12113}"
stripedev_install() { go_build_tool stripedev ./stripedev; }
stripedev_start() {
  ensure_port_free stripedev "$STRIPEDEV_PORT"
  start_bg stripedev env TICKETLY_ENV=development STRIPEDEV_ADDR="127.0.0.1:$STRIPEDEV_PORT" \
    ORDER_URL="${ORDER_URL:-http://127.0.0.1:$ORDER_PORT}" "$BIN_DIR/stripedev"
}
stripedev_ready() { http_ok "http://127.0.0.1:$STRIPEDEV_PORT/healthz"; }
stripedev_describe() { echo "http://127.0.0.1:$STRIPEDEV_PORT (POST /v1/payment_intents/{id}/webhook settles a test payment)"; }
