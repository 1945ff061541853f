package main

import (
	"errors"
	"fmt"

	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/config"
	"github.com/ticketly/ticketly/internal/httpapi"
)

type cfg struct {
	LogLevel      string
	HTTP          httpapi.ServeConfig
	DatabaseURL   string
	RedisAddr     string
	StripeAPIBase string
	StripeKey     string
	Auth          auth.Config
}

// loadConfig reads the settings; the defaults fit the local stack (make run), where Stripe
// is stripe-mock.
func loadConfig(getenv func(string) string) (cfg, error) {
	e := config.New(getenv)
	c := cfg{
		LogLevel: e.String("LOG_LEVEL", "info"),
		HTTP: httpapi.ServeConfig{
			Addr:            e.String("HTTP_ADDR", "127.0.0.1:8083"),
			DrainDelay:      e.Duration("DRAIN_DELAY", 0),
			ShutdownTimeout: e.Duration("SHUTDOWN_TIMEOUT", 15e9),
		},
		DatabaseURL:   e.String("DATABASE_URL", "postgres://ticketly_order:ticketly_order@127.0.0.1:5432/ticketly?search_path=ordering"),
		RedisAddr:     e.String("REDIS_ADDR", "127.0.0.1:6379"),
		StripeAPIBase: e.String("STRIPE_API_BASE", "http://127.0.0.1:12111"),
		StripeKey:     e.String("STRIPE_SECRET_KEY", "sk_test_123"),
		Auth: auth.Config{
			Issuer:   e.String("OIDC_ISSUER", "http://localhost:8180/realms/ticketly"),
			JWKSURL:  e.String("OIDC_JWKS_URL", ""),
			Audience: e.String("OIDC_AUDIENCE", "ticketly-api"),
		},
	}
	return c, errors.Join(e.Err(), c.Validate())
}

func (c cfg) Validate() error {
	var errs []error
	for k, v := range map[string]string{"DATABASE_URL": c.DatabaseURL, "REDIS_ADDR": c.RedisAddr,
		"STRIPE_API_BASE": c.StripeAPIBase, "STRIPE_SECRET_KEY": c.StripeKey} {
		if err := config.Require(k, v); err != nil {
			errs = append(errs, err)
		}
	}
	if err := c.Auth.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("OIDC: %w", err))
	}
	return errors.Join(errs...)
}
