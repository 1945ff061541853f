package main

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/command"
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
	if err := postgres.MigrateWhenReady(ctx, log, pool, c.DatabaseURL, "catalog", c.DatabaseWait); err != nil {
		pool.Close()
		return err
	}
	if ctx.Err() != nil { // stopped while waiting for the database
		pool.Close()
		return nil
	}
	verifier, err := auth.NewVerifier(ctx, c.Auth)
	if err != nil {
		pool.Close()
		return err
	}
	store := postgres.NewCatalog(pool)
	app := command.NewService(store.Organizations, store.Categories, store.Events, store.Templates, time.Now)
	checker := health.New(2*time.Second,
		health.Check{Name: "postgres", Fn: pool.Ping},
		health.Check{Name: "keycloak", Fn: func(ctx context.Context) error { return auth.Ping(ctx, c.Auth) }},
	)
	base := httpapi.Base{Logger: log, Health: checker, Metrics: metrics.New(service), OpenAPI: openapiDoc}
	authn := verifier.Middleware(func(w http.ResponseWriter, r *http.Request, err error) { httpapi.WriteError(w, r, log, err) })
	return httpapi.Run(ctx, log, c.HTTP, routes(base, authn, app), checker, nil, pool.Close)
}
