package main

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/health"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/locking"
	"github.com/ticketly/ticketly/internal/logging"
	"github.com/ticketly/ticketly/internal/metrics"
	"github.com/ticketly/ticketly/internal/ordering"
	"github.com/ticketly/ticketly/internal/postgres"
	"github.com/ticketly/ticketly/internal/stripe"
	"github.com/ticketly/ticketly/internal/tickets"
)

//go:embed openapi.yaml
var openapiDoc []byte

const service = "order"

func run(ctx context.Context, _ []string, getenv func(string) string) error {
	c, err := loadConfig(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log, err := logging.New(os.Stderr, service, c.LogLevel)
	if err != nil {
		return err
	}
	pool, err := postgres.Connect(ctx, c.DatabaseURL, int32(c.DBMaxConns))
	if err != nil {
		return err
	}
	if err := postgres.MigrateWhenReady(ctx, log, pool, c.DatabaseURL, "ordering", c.DatabaseWait); err != nil {
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
	signer, err := tickets.NewSigner(c.TicketSigningKey)
	if err != nil {
		pool.Close()
		return err
	}
	if c.TicketSigningKey == tickets.DevSeed {
		log.Warn("tickets are signed with the public development key; set TICKET_SIGNING_KEY in production")
	}
	rdb := redis.NewClient(&redis.Options{Addr: c.RedisAddr, Password: c.RedisPassword, PoolSize: c.RedisPoolSize,
		DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second})
	gate := locking.New(rdb, c.Ordering.GateSlack)
	if err := gate.Load(ctx); err != nil {
		log.Warn("could not preload the hold scripts; they load on first use", "err", err)
	}
	pay := stripe.New(stripe.Config{APIBase: c.StripeAPIBase, SecretKey: c.StripeKey, WebhookSecret: c.StripeWebhookSecret,
		Timeout: c.StripeTimeout, MaxRetries: 2})
	app := ordering.NewService(postgres.NewCatalogReader(pool, c.CatalogCacheTTL), postgres.NewOrders(pool), gate, pay, signer,
		c.Ordering, time.Now, log)

	checker := health.New(2*time.Second,
		health.Check{Name: "postgres", Fn: pool.Ping},
		health.Check{Name: "redis", Fn: func(ctx context.Context) error { return rdb.Ping(ctx).Err() }},
		health.Check{Name: "keycloak", Fn: func(ctx context.Context) error { return auth.Ping(ctx, c.Auth) }},
	)
	reg := metrics.New(service)
	om := newOrderMetrics()
	reg.Register(om.collectable...)
	app.Observe(om)
	base := httpapi.Base{Logger: log, Health: checker, Metrics: reg, OpenAPI: openapiDoc}
	authn := verifier.Middleware(func(w http.ResponseWriter, r *http.Request, err error) { httpapi.WriteError(w, r, log, err) })
	sweeper := func(ctx context.Context) error { return app.Sweep(ctx, c.SweepInterval) }
	return httpapi.Run(ctx, log, c.HTTP, routes(base, authn, app, pay, signer), checker,
		[]func(context.Context) error{sweeper}, app.Wait, pool.Close, func() { _ = rdb.Close() })
}
