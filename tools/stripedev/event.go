package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
)

// settleRequest asks for the outcome of a test payment.
type settleRequest struct {
	Outcome  string `json:"outcome"`
	Amount   *int64 `json:"amount"`
	Currency string `json:"currency"`
	OrderID  string `json:"order_id"`
}

var (
	intentID  = regexp.MustCompile(`^pi_[A-Za-z0-9_]{1,250}$`)
	currency  = regexp.MustCompile(`^[A-Za-z]{3}$`)
	canonical = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// validate lists every problem of the request.
func (r settleRequest) validate() error {
	var errs []error
	if r.Outcome != "succeeded" && r.Outcome != "failed" {
		errs = append(errs, fmt.Errorf("outcome %q: want succeeded or failed", r.Outcome))
	}
	if r.Amount == nil || *r.Amount <= 0 {
		errs = append(errs, errors.New("amount: a positive integer number of minor units is required"))
	}
	if !currency.MatchString(r.Currency) {
		errs = append(errs, fmt.Errorf("currency %q: want an ISO 4217 code such as eur", r.Currency))
	}
	if !canonical.MatchString(r.OrderID) {
		errs = append(errs, fmt.Errorf("order_id %q: want a UUID", r.OrderID))
	}
	return errors.Join(errs...)
}

// paymentEvent returns the Stripe event a real payment of PaymentIntent pi would send —
// payment_intent.succeeded or payment_intent.payment_failed, the intent as data.object with
// the order in its metadata, as internal/stripe reads it — and the event's id.
func paymentEvent(pi string, r settleRequest) ([]byte, string, error) {
	if !intentID.MatchString(pi) {
		return nil, "", fmt.Errorf("payment intent id %q: want pi_ followed by letters, digits or _", pi)
	}
	intent := map[string]any{"id": pi, "object": "payment_intent", "amount": *r.Amount,
		"currency": strings.ToLower(r.Currency), "livemode": false,
		"metadata": map[string]string{"order_id": strings.ToLower(r.OrderID)}}
	typ := "payment_intent.succeeded"
	if r.Outcome == "succeeded" {
		intent["amount_received"], intent["status"] = *r.Amount, "succeeded"
	} else {
		typ = "payment_intent.payment_failed"
		intent["amount_received"], intent["status"] = 0, "requires_payment_method"
		intent["last_payment_error"] = map[string]any{"type": "card_error", "code": "card_declined", "message": "Your card was declined."}
	}
	id, err := eventID()
	if err != nil {
		return nil, "", err
	}
	payload, err := json.Marshal(map[string]any{"id": id, "object": "event", "type": typ, "api_version": stripe.APIVersion,
		"created": time.Now().Unix(), "livemode": false, "pending_webhooks": 1, "data": map[string]any{"object": intent}})
	return payload, id, err
}

// eventID returns a fresh evt_… id: the order service records event ids to drop redeliveries.
func eventID() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("event id: %w", err)
	}
	return "evt_dev_" + hex.EncodeToString(b), nil
}

// sign returns the Stripe-Signature header of payload, signed now with secret.
func sign(payload []byte, secret string) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret}).Header
}
