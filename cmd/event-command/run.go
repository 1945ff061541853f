package main

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

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
	if err := migrateWhenReady(ctx, log, pool, c.DatabaseURL, c.DatabaseWait); err != nil {
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

// migrateWhenReady applies the catalog migrations before the service serves. While
// PostgreSQL does not answer yet (the stack is still starting) it retries for up to wait;
// a migration that fails while the database answers is a real problem and fails at once.
func migrateWhenReady(ctx context.Context, log *slog.Logger, pool *pgxpool.Pool, url string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	delay := 250 * time.Millisecond
	for {
		err := ping(ctx, pool)
		if err == nil {
			if err = postgres.Migrate(url, "catalog"); err == nil {
				return nil
			}
			if ping(ctx, pool) == nil {
				return fmt.Errorf("apply catalog migrations: %w", err)
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not reachable after %s: %w", wait, err)
		}
		log.Warn("postgres not ready; retrying migrations", "err", err, "retry_in", delay.String())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(delay*2, 5*time.Second)
	}
}

func ping(ctx context.Context, pool *pgxpool.Pool) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return pool.Ping(ctx)
}
