// Package stripe is the payment adapter: PaymentIntents and refunds through stripe-go v76
// (against the real API or stripe-mock), and verification of Stripe's signed webhooks.
package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	sg "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/ticketly/ticketly/internal/ordering"
)

// Config locates Stripe.
type Config struct {
	APIBase       string // https://api.stripe.com, or stripe-mock's URL
	SecretKey     string
	WebhookSecret string // whsec_…
	Timeout       time.Duration
	MaxRetries    int64
}

// Client is the Stripe adapter; it implements ordering.Payments.
type Client struct {
	api           *client.API
	webhookSecret string
}

var _ ordering.Payments = (*Client)(nil)

// New returns a client for cfg.
func New(cfg Config) *Client {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	retries := cfg.MaxRetries
	// Every order creates an intent: keep as many connections to Stripe idle as a flash
	// sale has orders in flight (net/http keeps 2 per host by default, so 50 concurrent
	// buyers opened a new TLS connection for nearly every intent).
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 256, 128
	backend := sg.GetBackendWithConfig(sg.APIBackend, &sg.BackendConfig{
		URL:               sg.String(strings.TrimRight(cfg.APIBase, "/")),
		HTTPClient:        &http.Client{Timeout: timeout, Transport: tr},
		MaxNetworkRetries: &retries,
		LeveledLogger:     &sg.LeveledLogger{Level: sg.LevelNull},
	})
	return &Client{api: client.New(cfg.SecretKey, &sg.Backends{API: backend, Connect: backend, Uploads: backend}),
		webhookSecret: cfg.WebhookSecret}
}

// classify marks Stripe's refusals (4xx but rate limits) as ordering.ErrPaymentRejected.
func classify(op string, err error) error {
	var se *sg.Error
	if errors.As(err, &se) && se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 && se.HTTPStatusCode != http.StatusTooManyRequests {
		return fmt.Errorf("%s: %w: %s", op, ordering.ErrPaymentRejected, se.Msg)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// CreateIntent creates a PaymentIntent for an order; the idempotency key makes a retry
// return the same intent.
func (c *Client) CreateIntent(ctx context.Context, in ordering.IntentRequest) (ordering.Intent, error) {
	p := &sg.PaymentIntentParams{
		Amount:                  sg.Int64(in.AmountMinor),
		Currency:                sg.String(strings.ToLower(in.Currency)),
		AutomaticPaymentMethods: &sg.PaymentIntentAutomaticPaymentMethodsParams{Enabled: sg.Bool(true)},
		Description:             sg.String("Ticketly order " + in.OrderID.String()),
	}
	if in.BuyerEmail != "" {
		p.ReceiptEmail = sg.String(in.BuyerEmail)
	}
	p.AddMetadata("order_id", in.OrderID.String())
	p.Context = ctx
	p.SetIdempotencyKey(in.IdempotencyKey)
	pi, err := c.api.PaymentIntents.New(p)
	if err != nil {
		return ordering.Intent{}, classify("create payment intent", err)
	}
	return ordering.Intent{ID: pi.ID, ClientSecret: pi.ClientSecret}, nil
}

// ClientSecret fetches a PaymentIntent's client secret.
func (c *Client) ClientSecret(ctx context.Context, id string) (string, error) {
	p := &sg.PaymentIntentParams{}
	p.Context = ctx
	pi, err := c.api.PaymentIntents.Get(id, p)
	if err != nil {
		return "", classify("get payment intent", err)
	}
	return pi.ClientSecret, nil
}

// CancelIntent cancels a PaymentIntent.
func (c *Client) CancelIntent(ctx context.Context, id string) error {
	p := &sg.PaymentIntentCancelParams{}
	p.Context = ctx
	p.SetIdempotencyKey("cancel:" + id)
	if _, err := c.api.PaymentIntents.Cancel(id, p); err != nil {
		return classify("cancel payment intent", err)
	}
	return nil
}

// Refund refunds amount of a PaymentIntent once per idempotency key and returns the
// refund's ID.
func (c *Client) Refund(ctx context.Context, paymentIntentID string, amount int64, key string) (string, error) {
	p := &sg.RefundParams{PaymentIntent: sg.String(paymentIntentID), Amount: sg.Int64(amount)}
	p.AddMetadata("reason", "ticketly")
	p.Context = ctx
	p.SetIdempotencyKey(key)
	r, err := c.api.Refunds.New(p)
	if err != nil {
		return "", classify("refund", err)
	}
	return r.ID, nil
}

// ErrSignature is returned by ParseWebhook for a payload whose signature does not verify.
var ErrSignature = errors.New("stripe webhook signature is not valid")

// ParseWebhook verifies a webhook's Stripe-Signature over the raw body (HMAC-SHA256 with the
// endpoint secret, at most 5 minutes old) and extracts what the order service needs.
//
// The API version of the event is not checked (IgnoreAPIVersionMismatch): an account's
// endpoint may be pinned to another version than stripe-go's, and only the PaymentIntent's
// id, amounts, currency, metadata and last error are read — fields every version has.
func (c *Client) ParseWebhook(payload []byte, sigHeader string) (ordering.PaymentEvent, error) {
	ev, err := webhook.ConstructEventWithOptions(payload, sigHeader, c.webhookSecret,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		if errors.Is(err, webhook.ErrNotSigned) || errors.Is(err, webhook.ErrInvalidHeader) ||
			errors.Is(err, webhook.ErrNoValidSignature) || errors.Is(err, webhook.ErrTooOld) {
			return ordering.PaymentEvent{}, fmt.Errorf("%w: %v", ErrSignature, err)
		}
		return ordering.PaymentEvent{}, fmt.Errorf("parse stripe event: %w", err)
	}
	out := ordering.PaymentEvent{ID: ev.ID, Type: string(ev.Type)}
	if ev.ID == "" {
		return ordering.PaymentEvent{}, errors.New("stripe event has no id")
	}
	if err := storable("id", out.ID, "type", out.Type); err != nil {
		return ordering.PaymentEvent{}, err
	}
	if !strings.HasPrefix(out.Type, "payment_intent.") || ev.Data == nil {
		return out, nil
	}
	var pi struct {
		ID             string            `json:"id"`
		Amount         int64             `json:"amount"`
		AmountReceived int64             `json:"amount_received"`
		Currency       string            `json:"currency"`
		Metadata       map[string]string `json:"metadata"`
		LastError      *struct {
			Message string `json:"message"`
		} `json:"last_payment_error"`
	}
	if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil {
		return ordering.PaymentEvent{}, fmt.Errorf("stripe event %s: payment intent: %w", ev.ID, err)
	}
	if pi.ID == "" {
		return ordering.PaymentEvent{}, fmt.Errorf("stripe event %s has no payment intent id", ev.ID)
	}
	out.PaymentIntentID, out.Currency = pi.ID, strings.ToUpper(pi.Currency)
	out.AmountMinor = pi.AmountReceived
	if out.AmountMinor == 0 && out.Type == ordering.EventPaymentSucceeded {
		out.AmountMinor = pi.Amount
	}
	if id, ok := ordering.ParseID(pi.Metadata["order_id"]); ok {
		out.OrderID = id
	}
	if pi.LastError != nil {
		out.FailureMessage = pi.LastError.Message
	}
	if err := storable("payment intent id", out.PaymentIntentID, "currency", out.Currency,
		"last_payment_error.message", out.FailureMessage); err != nil {
		return ordering.PaymentEvent{}, err
	}
	return out, nil
}

// storable refuses text PostgreSQL cannot store (the NUL character; encoding/json already
// replaced invalid UTF-8): the event is recorded, so such a field would fail as a 500
// after the signature matched. pairs are field name, value.
func storable(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.IndexByte(pairs[i+1], 0) >= 0 {
			return fmt.Errorf("stripe event: %s contains the NUL character", pairs[i])
		}
	}
	return nil
}
