package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/config"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/ordering"
	"github.com/ticketly/ticketly/internal/tickets"
)

// devWebhookSecret is the local stack's Stripe webhook signing secret. Production sets its
// endpoint's real secret.
const devWebhookSecret = "whsec_ticketly_local_development_only"

type cfg struct {
	LogLevel      string
	HTTP          httpapi.ServeConfig
	DatabaseURL   string
	DatabaseWait  time.Duration
	DBMaxConns    int
	RedisAddr     string
	RedisPassword string
	RedisPoolSize int
	StripeAPIBase string
	StripeKey     string
	// StripeWebhookSecret verifies webhook signatures (whsec_…).
	StripeWebhookSecret string
	StripeTimeout       time.Duration
	Auth                auth.Config
	// TicketSigningKey is the base64 Ed25519 seed signing ticket QR codes.
	TicketSigningKey string
	// CatalogCacheTTL is how long sessions, layouts, prices and discounts read from the
	// catalog are reused (0: never cached).
	CatalogCacheTTL time.Duration
	SweepInterval   time.Duration
	Ordering        ordering.Config
}

// loadConfig reads the settings; the defaults fit the local stack (make run), where Stripe
// is stripe-mock.
func loadConfig(getenv func(string) string) (cfg, error) {
	e := config.New(getenv)
	oc := ordering.DefaultConfig
	oc.HoldTTL = e.Duration("HOLD_TTL", oc.HoldTTL)
	oc.GateSlack = e.Duration("HOLD_GATE_SLACK", oc.GateSlack)
	oc.IdempotencyRetention = e.Duration("IDEMPOTENCY_RETENTION", oc.IdempotencyRetention)
	oc.DuplicateWait = e.Duration("IDEMPOTENCY_WAIT", oc.DuplicateWait)
	oc.Limits.MaxSeats = e.Int("ORDER_MAX_SEATS", oc.Limits.MaxSeats)
	oc.Limits.MaxStandingPerBlock = e.Int("ORDER_MAX_STANDING", oc.Limits.MaxStandingPerBlock)
	c := cfg{
		LogLevel: e.String("LOG_LEVEL", "info"),
		HTTP: httpapi.ServeConfig{
			Addr:            e.String("HTTP_ADDR", "127.0.0.1:8083"),
			DrainDelay:      e.Duration("DRAIN_DELAY", 0),
			ShutdownTimeout: e.Duration("SHUTDOWN_TIMEOUT", 15e9),
		},
		DatabaseURL:         e.String("DATABASE_URL", "postgres://ticketly_order:ticketly_order@127.0.0.1:5432/ticketly?search_path=ordering"),
		DatabaseWait:        e.Duration("DATABASE_WAIT", 60*time.Second),
		DBMaxConns:          e.Int("DB_MAX_CONNS", 20),
		RedisAddr:           e.String("REDIS_ADDR", "127.0.0.1:6379"),
		RedisPassword:       e.String("REDIS_PASSWORD", ""),
		RedisPoolSize:       e.Int("REDIS_POOL_SIZE", 64),
		StripeAPIBase:       e.String("STRIPE_API_BASE", "http://127.0.0.1:12111"),
		StripeKey:           e.String("STRIPE_SECRET_KEY", "sk_test_123"),
		StripeWebhookSecret: e.String("STRIPE_WEBHOOK_SECRET", devWebhookSecret),
		StripeTimeout:       e.Duration("STRIPE_TIMEOUT", 10*time.Second),
		Auth: auth.Config{
			Issuer:   e.String("OIDC_ISSUER", "http://localhost:8180/realms/ticketly"),
			JWKSURL:  e.String("OIDC_JWKS_URL", ""),
			Audience: e.String("OIDC_AUDIENCE", "ticketly-api"),
		},
		TicketSigningKey: e.String("TICKET_SIGNING_KEY", tickets.DevSeed),
		CatalogCacheTTL:  e.Duration("CATALOG_CACHE_TTL", 3*time.Second),
		SweepInterval:    e.Duration("SWEEP_INTERVAL", 2*time.Second),
		Ordering:         oc,
	}
	return c, errors.Join(e.Err(), c.Validate())
}

func (c cfg) Validate() error {
	var errs []error
	for k, v := range map[string]string{"DATABASE_URL": c.DatabaseURL, "REDIS_ADDR": c.RedisAddr,
		"STRIPE_API_BASE": c.StripeAPIBase, "STRIPE_SECRET_KEY": c.StripeKey, "STRIPE_WEBHOOK_SECRET": c.StripeWebhookSecret} {
		if err := config.Require(k, v); err != nil {
			errs = append(errs, err)
		}
	}
	if err := c.Auth.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("OIDC: %w", err))
	}
	if _, err := tickets.NewSigner(c.TicketSigningKey); err != nil {
		errs = append(errs, fmt.Errorf("TICKET_SIGNING_KEY: %w", err))
	}
	o := c.Ordering
	if o.HoldTTL < time.Second || o.HoldTTL > 24*time.Hour {
		errs = append(errs, fmt.Errorf("HOLD_TTL must be between 1s and 24h, got %s", o.HoldTTL))
	}
	if o.GateSlack < 0 {
		errs = append(errs, fmt.Errorf("HOLD_GATE_SLACK must not be negative"))
	}
	if o.IdempotencyRetention < 24*time.Hour {
		errs = append(errs, fmt.Errorf("IDEMPOTENCY_RETENTION must be at least 24h (SPEC section 2), got %s", o.IdempotencyRetention))
	}
	if o.DuplicateWait < 0 || o.DuplicateWait > time.Minute {
		errs = append(errs, fmt.Errorf("IDEMPOTENCY_WAIT must be between 0 and 1m"))
	}
	if o.Limits.MaxSeats < 1 || o.Limits.MaxSeats > 100 {
		errs = append(errs, fmt.Errorf("ORDER_MAX_SEATS must be between 1 and 100"))
	}
	if o.Limits.MaxStandingPerBlock < 1 || o.Limits.MaxStandingPerBlock > 100 {
		errs = append(errs, fmt.Errorf("ORDER_MAX_STANDING must be between 1 and 100"))
	}
	if c.SweepInterval < 10*time.Millisecond {
		errs = append(errs, fmt.Errorf("SWEEP_INTERVAL must be at least 10ms"))
	}
	if c.DBMaxConns < 1 {
		errs = append(errs, fmt.Errorf("DB_MAX_CONNS must be positive"))
	}
	if c.RedisPoolSize < 1 {
		errs = append(errs, fmt.Errorf("REDIS_POOL_SIZE must be positive"))
	}
	if c.DatabaseWait < 0 {
		errs = append(errs, fmt.Errorf("DATABASE_WAIT must not be negative"))
	}
	if c.CatalogCacheTTL < 0 {
		errs = append(errs, fmt.Errorf("CATALOG_CACHE_TTL must not be negative"))
	}
	return errors.Join(errs...)
}
