package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ticketly/ticketly/internal/stripe"
	"github.com/ticketly/ticketly/internal/tickets"
)

// The local stack's Stripe: stripe-mock accepts any key; the webhook secret is the one the
// stack's payment tool signs with.
const (
	DevStripeAPIBase       = "http://127.0.0.1:12111"
	DevStripeSecretKey     = "sk_test_123"
	DevStripeWebhookSecret = "whsec_ticketly_local_development_only"
)

// Stripe is the payment provider account.
type Stripe struct{ stripe.Config }

// LoadStripe reads STRIPE_API_BASE, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and
// STRIPE_TIMEOUT.
func LoadStripe(e *Env) Stripe {
	return Stripe{stripe.Config{
		APIBase:       e.String("STRIPE_API_BASE", DevStripeAPIBase),
		SecretKey:     e.String("STRIPE_SECRET_KEY", DevStripeSecretKey),
		WebhookSecret: e.String("STRIPE_WEBHOOK_SECRET", DevStripeWebhookSecret),
		Timeout:       e.Duration("STRIPE_TIMEOUT", 10*time.Second),
		MaxRetries:    2,
	}}
}

// Validate implements Component.
func (s Stripe) Validate() error {
	var errs []error
	if err := httpURL("STRIPE_API_BASE", s.APIBase); err != nil {
		errs = append(errs, err)
	}
	if err := Require("STRIPE_SECRET_KEY", s.SecretKey); err != nil {
		errs = append(errs, err)
	}
	if err := Require("STRIPE_WEBHOOK_SECRET", s.WebhookSecret); err != nil {
		errs = append(errs, err)
	}
	if s.Timeout <= 0 {
		errs = append(errs, errors.New("STRIPE_TIMEOUT must be positive"))
	}
	return errors.Join(errs...)
}

// Development implements Component. A test-mode key is refused in production too: it
// "charges" nothing, so every order would be paid for free.
func (s Stripe) Development() []DevSetting {
	var dev []DevSetting
	if u, err := url.Parse(s.APIBase); s.APIBase == DevStripeAPIBase {
		dev = append(dev, DevSetting{"STRIPE_API_BASE", "the local stripe-mock (" + DevStripeAPIBase + ")"})
	} else if err == nil && u.Scheme != "https" {
		dev = append(dev, DevSetting{"STRIPE_API_BASE", "plain http: Stripe is called over https"})
	}
	switch {
	case s.SecretKey == DevStripeSecretKey:
		dev = append(dev, DevSetting{"STRIPE_SECRET_KEY", "the public stripe-mock key " + DevStripeSecretKey})
	case strings.HasPrefix(s.SecretKey, "sk_test_") || strings.HasPrefix(s.SecretKey, "rk_test_"):
		dev = append(dev, DevSetting{"STRIPE_SECRET_KEY", "a test-mode key: production takes a live key (sk_live_… or rk_live_…)"})
	}
	if s.WebhookSecret == DevStripeWebhookSecret {
		dev = append(dev, DevSetting{"STRIPE_WEBHOOK_SECRET", "the public development webhook secret: anyone could mark orders paid"})
	}
	return dev
}

// Tickets is the key that signs ticket QR codes.
type Tickets struct {
	// SigningKey is the base64 Ed25519 seed.
	SigningKey string
}

// LoadTickets reads TICKET_SIGNING_KEY (default: the public tickets.DevSeed).
func LoadTickets(e *Env) Tickets {
	return Tickets{SigningKey: e.String("TICKET_SIGNING_KEY", tickets.DevSeed)}
}

// Validate implements Component.
func (t Tickets) Validate() error {
	if _, err := tickets.NewSigner(t.SigningKey); err != nil {
		return fmt.Errorf("TICKET_SIGNING_KEY: %w", err)
	}
	return nil
}

// Development implements Component.
func (t Tickets) Development() []DevSetting {
	if t.SigningKey == tickets.DevSeed {
		return []DevSetting{{"TICKET_SIGNING_KEY", "the public development seed (tickets.DevSeed): anyone could forge tickets"}}
	}
	return nil
}
