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
	"github.com/ticketly/ticketly/internal/keycloak"
	"github.com/ticketly/ticketly/internal/logging"
	"github.com/ticketly/ticketly/internal/metrics"
	"github.com/ticketly/ticketly/internal/postgres"
)

//go:embed openapi.yaml
var openapiDoc []byte

const service = "event-command"

// run starts the service and returns once it has stopped. Every resource it acquires is
// released by a defer, on every path.
func run(ctx context.Context, _ []string, getenv func(string) string) error {
	c, err := loadConfig(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log, err := logging.New(os.Stderr, service, c.Service.LogLevel)
	if err != nil {
		return err
	}
	c.Service.Announce(log, c.components()...)
	pool, err := postgres.Connect(ctx, c.Database.URL, int32(c.Database.MaxConns))
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := postgres.MigrateWhenReady(ctx, log, pool, c.Database.URL, "catalog", c.Database.Wait); err != nil {
		return err
	}
	if ctx.Err() != nil { // stopped while waiting for the database
		return nil
	}
	verifier, err := auth.NewVerifier(ctx, c.OIDC.Config)
	if err != nil {
		return err
	}
	store := postgres.NewCatalog(pool)
	users := keycloak.New(ctx, keycloak.Config{AdminURL: c.Keycloak.AdminURL, TokenURL: c.Keycloak.TokenURL,
		ClientID: c.Keycloak.Client.ID, ClientSecret: c.Keycloak.Client.Secret}, log)
	app := command.NewService(store.Organizations, store.Categories, store.Events, store.Templates, users, time.Now)
	checker := health.New(2*time.Second,
		health.Check{Name: "postgres", Fn: pool.Ping},
		health.Check{Name: "keycloak", Fn: func(ctx context.Context) error { return auth.Ping(ctx, c.OIDC.Config) }},
	)
	base := httpapi.Base{Logger: log, Health: checker, Metrics: metrics.New(service), OpenAPI: openapiDoc, CORSOrigins: c.Service.CORSOrigins}
	authn := verifier.Middleware(func(w http.ResponseWriter, r *http.Request, err error) { httpapi.WriteError(w, r, log, err) })
	return httpapi.Run(ctx, log, c.Service.HTTP, routes(base, authn, app), checker, nil)
}
