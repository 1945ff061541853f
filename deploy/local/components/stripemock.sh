# stripe-mock (Stripe's API mock, stateless fixtures), built from the tools module
# (tools/go.mod pins github.com/stripe/stripe-mock as a tool). Loopback only: -http-port and
# -https-port would listen on every interface.
stripemock_install() { go_build_tool stripe-mock github.com/stripe/stripe-mock; }
stripemock_start() {
  ensure_port_free stripemock "$STRIPE_PORT"
  ensure_port_free stripemock "$STRIPE_HTTPS_PORT"
  start_bg stripemock "$BIN_DIR/stripe-mock" \
    -http-addr "127.0.0.1:$STRIPE_PORT" -https-addr "127.0.0.1:$STRIPE_HTTPS_PORT"
}
# Any key of the form sk_test_... is accepted.
stripemock_ready() {
  curl -sf -m 3 -o /dev/null -u sk_test_123: "http://127.0.0.1:$STRIPE_PORT/v1/payment_intents"
}
stripemock_describe() {
  echo "http://127.0.0.1:$STRIPE_PORT and https://127.0.0.1:$STRIPE_HTTPS_PORT (stripe-mock $(sed -n 's#^\tgithub.com/stripe/stripe-mock \(v[^ ]*\).*#\1#p' "$ROOT/tools/go.mod"), key sk_test_...)"
}
