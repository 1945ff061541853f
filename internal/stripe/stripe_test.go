package stripe_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/ticketly/ticketly/internal/ordering"
	"github.com/ticketly/ticketly/internal/stripe"
	"github.com/ticketly/ticketly/internal/svctest"
)

const secret = "whsec_adapter_test"

// client talks to the local stack's stripe-mock (STRIPE_API_BASE, default :12111).
func client() *stripe.Client {
	base := os.Getenv("STRIPE_API_BASE")
	if base == "" {
		base = "http://127.0.0.1:12111"
	}
	return stripe.New(stripe.Config{APIBase: base, SecretKey: "sk_test_123", WebhookSecret: secret, Timeout: 5 * time.Second})
}

func TestPaymentIntentsAgainstStripeMock(t *testing.T) {
	t.Parallel()
	svctest.RequireStack(t, svctest.StripeMock)
	c := client()
	ctx := context.Background()
	in, err := c.CreateIntent(ctx, ordering.IntentRequest{OrderID: uuid.New(), AmountMinor: 1500, Currency: "EUR",
		IdempotencyKey: "order:" + uuid.NewString() + ":pi", BuyerEmail: "b@example.com"})
	if err != nil {
		t.Fatalf("create (is stripe-mock up? bash deploy/local/stack.sh up): %v", err)
	}
	if !strings.HasPrefix(in.ID, "pi_") || in.ClientSecret == "" {
		t.Fatalf("intent %+v", in)
	}
	if s, err := c.ClientSecret(ctx, in.ID); err != nil || s == "" {
		t.Fatalf("client secret: %q %v", s, err)
	}
	if id, err := c.Refund(ctx, in.ID, 500, "refund:"+uuid.NewString()); err != nil || !strings.HasPrefix(id, "re_") {
		t.Fatalf("refund: %q %v", id, err)
	}
	if err := c.CancelIntent(ctx, in.ID); err != nil {
		t.Fatalf("cancel: %v", err)
	}
}

func event(t *testing.T, typ, apiVersion string, obj map[string]any) []byte {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"id": "evt_1", "object": "event", "type": typ, "api_version": apiVersion,
		"data": map[string]any{"object": obj}})
	return b
}

func TestParseWebhook(t *testing.T) {
	t.Parallel()
	c := client()
	orderID := uuid.New()
	payload := event(t, "payment_intent.succeeded", "2020-08-27", map[string]any{"id": "pi_1", "object": "payment_intent",
		"amount": 2000, "amount_received": 2000, "currency": "eur", "metadata": map[string]string{"order_id": orderID.String()}})
	sign := func(p []byte, s string, at time.Time) string {
		return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: p, Secret: s, Timestamp: at}).Header
	}
	ev, err := c.ParseWebhook(payload, sign(payload, secret, time.Now()))
	if err != nil {
		t.Fatalf("valid event (another API version is accepted): %v", err)
	}
	if ev.ID != "evt_1" || ev.Type != ordering.EventPaymentSucceeded || ev.PaymentIntentID != "pi_1" || ev.OrderID != orderID ||
		ev.AmountMinor != 2000 || ev.Currency != "EUR" {
		t.Fatalf("event %+v", ev)
	}
	for name, hdr := range map[string]string{
		"wrong secret": sign(payload, "whsec_other", time.Now()),
		"too old":      sign(payload, secret, time.Now().Add(-10*time.Minute)),
		"unsigned":     "",
		"garbage":      "v1=zz",
	} {
		if _, err := c.ParseWebhook(payload, hdr); !errors.Is(err, stripe.ErrSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
	tampered := []byte(strings.Replace(string(payload), "2000", "1", 1))
	if _, err := c.ParseWebhook(tampered, sign(payload, secret, time.Now())); !errors.Is(err, stripe.ErrSignature) {
		t.Errorf("tampered body: %v", err)
	}
	// A signed event with a NUL in a field the order service stores is refused as malformed
	// (it would fail in PostgreSQL with a 500), not as a bad signature.
	for name, body := range map[string][]byte{
		"event id":  []byte(`{"id":"evt_\u0000","object":"event","type":"payment_intent.canceled","data":null}`),
		"intent id": event(t, "payment_intent.canceled", "2023-10-16", map[string]any{"id": "pi_\u0000"}),
		"error message": event(t, "payment_intent.payment_failed", "2023-10-16", map[string]any{"id": "pi_3",
			"last_payment_error": map[string]any{"message": "no\u0000"}}),
	} {
		if _, err := c.ParseWebhook(body, sign(body, secret, time.Now())); err == nil || errors.Is(err, stripe.ErrSignature) {
			t.Errorf("NUL in %s: %v", name, err)
		}
	}
	failed := event(t, "payment_intent.payment_failed", "2023-10-16", map[string]any{"id": "pi_2", "object": "payment_intent",
		"amount": 2000, "currency": "eur", "last_payment_error": map[string]any{"message": "declined"}})
	ev, err = c.ParseWebhook(failed, sign(failed, secret, time.Now()))
	if err != nil || ev.FailureMessage != "declined" || ev.OrderID != uuid.Nil {
		t.Fatalf("failed event %+v %v", ev, err)
	}
}
