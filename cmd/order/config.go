package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/ticketly/ticketly/internal/config"
	"github.com/ticketly/ticketly/internal/ordering"
)

// devDatabaseURL is the local stack's role of the order service.
const devDatabaseURL = "postgres://ticketly_order:ticketly_order@127.0.0.1:5432/ticketly?search_path=ordering"

type cfg struct {
	Service  config.Service
	Database config.Database
	Redis    config.Redis
	Stripe   config.Stripe
	OIDC     config.OIDC
	// Tickets is the Ed25519 seed signing ticket QR codes.
	Tickets config.Tickets
	// CatalogCacheTTL is how long sessions, layouts, prices and discounts read from the
	// catalog are reused (0: never cached).
	CatalogCacheTTL time.Duration
	SweepInterval   time.Duration
	// CancelBatch bounds the orders one call of the internal cancel-orders API ends.
	CancelBatch int
	Ordering    ordering.Config
}

// loadConfig reads the settings; the defaults fit the local stack (make run), where Stripe
// is stripe-mock.
func loadConfig(getenv func(string) string) (cfg, error) {
	e := config.New(getenv)
	oc := ordering.DefaultConfig
	oc.HoldTTL = e.Duration("HOLD_TTL", oc.HoldTTL)
	oc.GateSlack = e.Duration("HOLD_GATE_SLACK", oc.GateSlack)
	oc.ProvisionalHold = e.Duration("HOLD_PROVISIONAL_TTL", oc.ProvisionalHold)
	oc.IdempotencyRetention = e.Duration("IDEMPOTENCY_RETENTION", oc.IdempotencyRetention)
	oc.DuplicateWait = e.Duration("IDEMPOTENCY_WAIT", oc.DuplicateWait)
	oc.Limits.MaxSeats = e.Int("ORDER_MAX_SEATS", oc.Limits.MaxSeats)
	oc.Limits.MaxStandingPerBlock = e.Int("ORDER_MAX_STANDING", oc.Limits.MaxStandingPerBlock)
	c := cfg{
		Service:         config.LoadService(e, "127.0.0.1:8083", ""),
		Database:        config.LoadDatabase(e, devDatabaseURL, 20),
		Redis:           config.LoadRedis(e),
		Stripe:          config.LoadStripe(e),
		OIDC:            config.LoadOIDC(e),
		Tickets:         config.LoadTickets(e),
		CatalogCacheTTL: e.Duration("CATALOG_CACHE_TTL", 3*time.Second),
		SweepInterval:   e.Duration("SWEEP_INTERVAL", 2*time.Second),
		CancelBatch:     e.Int("CANCEL_BATCH", ordering.DefaultCancelBatch),
		Ordering:        oc,
	}
	return c, errors.Join(e.Err(), c.Validate())
}

func (c cfg) components() []config.Component {
	return []config.Component{c.Database, c.Redis, c.Stripe, c.OIDC, c.Tickets}
}

func (c cfg) Validate() error {
	errs := []error{c.Service.Check(c.components()...)}
	o := c.Ordering
	if o.HoldTTL < time.Second || o.HoldTTL > 24*time.Hour {
		errs = append(errs, fmt.Errorf("HOLD_TTL must be between 1s and 24h, got %s", o.HoldTTL))
	}
	if o.ProvisionalHold < time.Second || o.ProvisionalHold > o.HoldTTL {
		errs = append(errs, fmt.Errorf("HOLD_PROVISIONAL_TTL must be between 1s and HOLD_TTL, got %s", o.ProvisionalHold))
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
	if c.CancelBatch < 1 || c.CancelBatch > 1000 {
		errs = append(errs, fmt.Errorf("CANCEL_BATCH must be between 1 and 1000, got %d", c.CancelBatch))
	}
	if c.CatalogCacheTTL < 0 {
		errs = append(errs, fmt.Errorf("CATALOG_CACHE_TTL must not be negative"))
	}
	return errors.Join(errs...)
}
