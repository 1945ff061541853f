package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/config"
	"github.com/ticketly/ticketly/internal/httpapi"
)

type cfg struct {
	LogLevel    string
	HTTP        httpapi.ServeConfig
	DatabaseURL string
	// DatabaseWait is how long start-up waits for PostgreSQL to answer before giving up.
	DatabaseWait time.Duration
	Auth         auth.Config
}

// loadConfig reads the settings; the defaults fit the local stack (make run).
func loadConfig(getenv func(string) string) (cfg, error) {
	e := config.New(getenv)
	c := cfg{
		LogLevel: e.String("LOG_LEVEL", "info"),
		HTTP: httpapi.ServeConfig{
			Addr:            e.String("HTTP_ADDR", "127.0.0.1:8081"),
			DrainDelay:      e.Duration("DRAIN_DELAY", 0),
			ShutdownTimeout: e.Duration("SHUTDOWN_TIMEOUT", 15e9),
		},
		DatabaseURL:  e.String("DATABASE_URL", "postgres://ticketly_command:ticketly_command@127.0.0.1:5432/ticketly?search_path=catalog"),
		DatabaseWait: e.Duration("DATABASE_WAIT", 60*time.Second),
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
	if err := config.Require("DATABASE_URL", c.DatabaseURL); err != nil {
		errs = append(errs, err)
	}
	if c.DatabaseWait < 0 {
		errs = append(errs, errors.New("DATABASE_WAIT must not be negative"))
	}
	if err := c.Auth.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("OIDC: %w", err))
	}
	return errors.Join(errs...)
}
