package main

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/health"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/logging"
	"github.com/ticketly/ticketly/internal/metrics"
	"github.com/ticketly/ticketly/internal/postgres"
)

//go:embed openapi.yaml
var openapiDoc []byte

const service = "event-command"

func run(ctx context.Context, _ []string, getenv func(string) string) error {
	c, err := loadConfig(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log, err := logging.New(os.Stderr, service, c.LogLevel)
	if err != nil {
		return err
	}
	pool, err := postgres.Connect(ctx, c.DatabaseURL, 0)
	if err != nil {
		return err
	}
	checker := health.New(2*time.Second,
		health.Check{Name: "postgres", Fn: pool.Ping},
		health.Check{Name: "keycloak", Fn: func(ctx context.Context) error { return auth.Ping(ctx, c.Auth) }},
	)
	base := httpapi.Base{Logger: log, Health: checker, Metrics: metrics.New(service), OpenAPI: openapiDoc}
	return httpapi.Run(ctx, log, c.HTTP, routes(base), checker, nil, pool.Close)
}

// routes is the service's HTTP surface.
func routes(base httpapi.Base) chi.Router {
	return httpapi.NewRouter(base)
}
