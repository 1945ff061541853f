package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/ticketly/ticketly/internal/svctest"
)

// succeededIn is a signed payment_intent.succeeded of amount in currency for an order.
func succeededIn(t *testing.T, svc *svctest.Service, eventID string, o map[string]any, amount int64, currency string) response {
	t.Helper()
	obj := map[string]any{"id": piOf(t, o), "object": "payment_intent", "amount": amount, "amount_received": amount,
		"currency": currency, "status": "succeeded", "metadata": map[string]string{"order_id": o["id"].(string)}}
	payload, _ := json.Marshal(map[string]any{"id": eventID, "object": "event", "type": "payment_intent.succeeded",
		"api_version": "2023-10-16", "created": time.Now().Unix(), "data": map[string]any{"object": obj}})
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: testWebhookSecret})
	return call(t, http.MethodPost, svc.URL+"/api/v1/webhooks/stripe", "", payload, "Stripe-Signature", signed.Header)
}

// TestWebhookPaysOnlyTheOrdersAmountInItsCurrency: a signed succeeded payment of the
// order's amount in another currency, or of more than its amount, does not make it PAID;
// each is recorded as a mismatch and counted; the matching payment then pays it. User
// buyer983 (no other test uses it).
func TestWebhookPaysOnlyTheOrdersAmountInItsCurrency(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 1, gaCapacity: 1})
	o := mustOrder(t, svc, "buyer983", seatBody(f.SessionID, f.CheapSeats[0]))
	total := num(o["total_minor"])
	for _, c := range []struct {
		name     string
		amount   int64
		currency string
	}{
		{"another currency", total, "usd"},
		{"more than the total", total + 1, "eur"},
	} {
		evt := "evt_" + uuid.NewString()
		r := succeededIn(t, svc, evt, o, c.amount, c.currency)
		if r.Status != http.StatusOK || r.json(t)["outcome"] != "amount_mismatch" {
			t.Fatalf("%s: %d %s, want 200 amount_mismatch", c.name, r.Status, r.Body)
		}
		if st, _, _ := orderRow(t, o["id"].(string)); st != "PENDING_PAYMENT" {
			t.Fatalf("%s: order %s, want PENDING_PAYMENT", c.name, st)
		}
		var mismatch bool
		var currency string
		if err := orderDB(t).QueryRow(context.Background(), `SELECT mismatch, currency FROM ordering.stripe_events WHERE id = $1`, evt).
			Scan(&mismatch, &currency); err != nil || !mismatch || !strings.EqualFold(currency, c.currency) {
			t.Fatalf("%s: recorded %v %s (%v)", c.name, mismatch, currency, err)
		}
	}
	if _, m := callRaw(t, svc.URL+"/metrics"); !strings.Contains(m, "ticketly_payment_mismatches_total 2") {
		t.Fatalf("ticketly_payment_mismatches_total not 2:\n%s", grepLines(m, "mismatch"))
	}
	pay(t, svc, o)
	if st, _, _ := orderRow(t, o["id"].(string)); st != "PAID" {
		t.Fatalf("after the matching payment the order is %s", st)
	}
}
