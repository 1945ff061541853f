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
	"github.com/ticketly/ticketly/internal/config"
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
	if err := postgres.MigrateWhenReady(ctx, log, pool, c.Database.URL, "ordering", c.Database.Wait); err != nil {
		return err
	}
	if ctx.Err() != nil { // stopped while waiting for the database
		return nil
	}
	verifier, err := auth.NewVerifier(ctx, c.OIDC.Config)
	if err != nil {
		return err
	}
	signer, err := tickets.NewSigner(c.Tickets.SigningKey)
	if err != nil {
		return err
	}
	rdb, err := gateRedis(c.Redis)
	if err != nil {
		return err
	}
	defer func() { _ = rdb.Close() }()
	gate := locking.New(rdb, c.Ordering.GateSlack)
	if err := gate.Load(ctx); err != nil {
		log.Warn("could not preload the hold scripts; they load on first use", "err", err)
	}
	pay := stripe.New(c.Stripe.Config)
	orders := postgres.NewOrders(pool)
	app := ordering.NewService(postgres.NewCatalogReader(pool, c.CatalogCacheTTL), orders, gate, pay, signer,
		c.Ordering, time.Now, log)
	app.UseSales(orders)
	cancels := ordering.NewCancellations(app, orders, c.CancelBatch)
	defer app.Wait() // background work finishes before Redis and the pool close

	checker := health.New(2*time.Second,
		health.Check{Name: "postgres", Fn: pool.Ping},
		health.Check{Name: "redis", Fn: func(ctx context.Context) error { return rdb.Ping(ctx).Err() }},
		health.Check{Name: "keycloak", Fn: func(ctx context.Context) error { return auth.Ping(ctx, c.OIDC.Config) }},
	)
	reg := metrics.New(service)
	om := newOrderMetrics()
	reg.Register(om.collectable...)
	app.Observe(om)
	base := httpapi.Base{Logger: log, Health: checker, Metrics: reg, OpenAPI: openapiDoc, CORSOrigins: c.Service.CORSOrigins,
		Admission: c.Service.Admission()}
	authn := verifier.Middleware(func(w http.ResponseWriter, r *http.Request, err error) { httpapi.WriteError(w, r, log, err) })
	sweeper := func(ctx context.Context) error { return app.Sweep(ctx, c.SweepInterval) }
	return httpapi.Run(ctx, log, c.Service.HTTP, routes(base, authn, cancels, pay, signer), checker,
		[]func(context.Context) error{sweeper})
}

// gateRedis is the seat gate's Redis client: short timeouts, so a slow Redis falls back
// to the database's decision instead of holding requests.
func gateRedis(r config.Redis) (*redis.Client, error) {
	tlsConfig, err := r.TLSConfig()
	if err != nil {
		return nil, err
	}
	return redis.NewClient(&redis.Options{Addr: r.Addr, Username: r.Username, Password: r.Password,
		TLSConfig: tlsConfig, PoolSize: r.PoolSize,
		DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second}), nil
}
