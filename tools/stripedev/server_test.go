package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
)

const testSecret = "whsec_stripedev_test"

// newSettler returns stripedev's handler delivering to order, and the URL to settle pi.
func newSettler(t *testing.T, order http.Handler) http.Handler {
	t.Helper()
	o := httptest.NewServer(order)
	t.Cleanup(o.Close)
	s := &server{log: slog.New(slog.DiscardHandler), orderURL: o.URL, secret: testSecret, client: o.Client()}
	return s.routes()
}

func settle(h http.Handler, pi, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/v1/payment_intents/"+pi+"/webhook", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, req)
	return rec
}

type answer struct {
	Status  int    `json:"status"`
	EventID string `json:"event_id"`
	Outcome string `json:"outcome"`
}

// TestSettleDeliversASignedEvent: the order service gets an event signed with the webhook
// secret (verified the way stripe-go verifies Stripe's), of the requested type, whose
// PaymentIntent carries the id, amount, currency and order of the request.
func TestSettleDeliversASignedEvent(t *testing.T) {
	t.Parallel()
	const order = "5f0c7a36-8d7e-4a0b-9a51-2b0d3c4e5f60"
	for _, c := range []struct {
		outcome, wantType, wantStatus string
		received                      int64
	}{
		{"succeeded", "payment_intent.succeeded", "succeeded", 4500},
		{"failed", "payment_intent.payment_failed", "requires_payment_method", 0},
	} {
		t.Run(c.outcome, func(t *testing.T) {
			t.Parallel()
			var got stripe.Event
			var pi stripe.PaymentIntent
			h := newSettler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				ev, err := webhook.ConstructEvent(body, r.Header.Get("Stripe-Signature"), testSecret)
				if err != nil || r.URL.Path != "/api/v1/webhooks/stripe" {
					t.Errorf("order service got %s: %v", r.URL.Path, err)
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				got = ev
				if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil {
					t.Error(err)
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"received":true,"event_id":"`+ev.ID+`","outcome":"paid"}`)
			}))
			rec := settle(h, "pi_dev123", `{"outcome":"`+c.outcome+`","amount":4500,"currency":"EUR","order_id":"`+order+`"}`)
			var a answer
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &a) != nil || a.Status != http.StatusOK || a.Outcome != "paid" || a.EventID != got.ID {
				t.Fatalf("answer %d %s (event %q)", rec.Code, rec.Body, got.ID)
			}
			if string(got.Type) != c.wantType || !strings.HasPrefix(got.ID, "evt_") || got.Livemode {
				t.Fatalf("event %s %s livemode %v", got.ID, got.Type, got.Livemode)
			}
			if pi.ID != "pi_dev123" || pi.Amount != 4500 || pi.AmountReceived != c.received || pi.Currency != "eur" ||
				pi.Metadata["order_id"] != order || string(pi.Status) != c.wantStatus {
				t.Fatalf("payment intent %+v", pi)
			}
			if (c.outcome == "failed") != (pi.LastPaymentError != nil) {
				t.Fatalf("last_payment_error %+v", pi.LastPaymentError)
			}
		})
	}
}

// TestSettlePassesTheOrderServicesStatusOn: a refusal of the order service is reported,
// not turned into an error of stripedev's own.
func TestSettlePassesTheOrderServicesStatusOn(t *testing.T) {
	t.Parallel()
	h := newSettler(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	rec := settle(h, "pi_x", `{"outcome":"succeeded","amount":1,"currency":"eur","order_id":"5f0c7a36-8d7e-4a0b-9a51-2b0d3c4e5f60"}`)
	var a answer
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &a) != nil || a.Status != http.StatusServiceUnavailable {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

func TestSettleRefusesBadInput(t *testing.T) {
	t.Parallel()
	var called atomic.Int32
	h := newSettler(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called.Add(1) }))
	good := `"outcome":"succeeded","amount":4500,"currency":"eur","order_id":"5f0c7a36-8d7e-4a0b-9a51-2b0d3c4e5f60"`
	for _, c := range []struct{ name, pi, body string }{
		{"unknown field", "pi_1", `{` + good + `,"status":"paid"}`},
		{"bad outcome", "pi_1", `{"outcome":"maybe","amount":4500,"currency":"eur","order_id":"5f0c7a36-8d7e-4a0b-9a51-2b0d3c4e5f60"}`},
		{"no outcome", "pi_1", `{"amount":4500,"currency":"eur","order_id":"5f0c7a36-8d7e-4a0b-9a51-2b0d3c4e5f60"}`},
		{"negative amount", "pi_1", `{"outcome":"failed","amount":-1,"currency":"eur","order_id":"5f0c7a36-8d7e-4a0b-9a51-2b0d3c4e5f60"}`},
		{"zero amount", "pi_1", `{"outcome":"failed","amount":0,"currency":"eur","order_id":"5f0c7a36-8d7e-4a0b-9a51-2b0d3c4e5f60"}`},
		{"fractional amount", "pi_1", `{"outcome":"failed","amount":12.5,"currency":"eur","order_id":"5f0c7a36-8d7e-4a0b-9a51-2b0d3c4e5f60"}`},
		{"amount as text", "pi_1", `{"outcome":"failed","amount":"45","currency":"eur","order_id":"5f0c7a36-8d7e-4a0b-9a51-2b0d3c4e5f60"}`},
		{"no amount", "pi_1", `{"outcome":"failed","currency":"eur","order_id":"5f0c7a36-8d7e-4a0b-9a51-2b0d3c4e5f60"}`},
		{"bad currency", "pi_1", `{"outcome":"failed","amount":1,"currency":"euro","order_id":"5f0c7a36-8d7e-4a0b-9a51-2b0d3c4e5f60"}`},
		{"bad order id", "pi_1", `{"outcome":"failed","amount":1,"currency":"eur","order_id":"42"}`},
		{"operator as order id", "pi_1", `{"outcome":"failed","amount":1,"currency":"eur","order_id":{"$gt":""}}`},
		{"not a payment intent", "ch_1", `{` + good + `}`},
		{"trailing data", "pi_1", `{` + good + `} {}`},
		{"not JSON", "pi_1", `outcome=succeeded`},
		{"empty", "pi_1", ``},
		{"huge", "pi_1", `{` + good + `,"x":"` + strings.Repeat("a", maxBody) + `"}`},
	} {
		rec := settle(h, c.pi, c.body)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"invalid"`) {
			t.Errorf("%s: %d %s", c.name, rec.Code, rec.Body)
		}
	}
	if n := called.Load(); n != 0 {
		t.Fatalf("the order service was called %d times", n)
	}
}

func TestSettleWithTheOrderServiceDown(t *testing.T) {
	t.Parallel()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	s := &server{log: slog.New(slog.DiscardHandler), orderURL: down.URL, secret: testSecret, client: http.DefaultClient}
	rec := settle(s.routes(), "pi_1", `{"outcome":"succeeded","amount":1,"currency":"eur","order_id":"5f0c7a36-8d7e-4a0b-9a51-2b0d3c4e5f60"}`)
	if rec.Code != http.StatusBadGateway || !strings.Contains(rec.Body.String(), `"unavailable"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
