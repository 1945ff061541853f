package main

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/health"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/kafka"
	"github.com/ticketly/ticketly/internal/logging"
	"github.com/ticketly/ticketly/internal/mail"
	"github.com/ticketly/ticketly/internal/metrics"
	"github.com/ticketly/ticketly/internal/postgres"
	"github.com/ticketly/ticketly/internal/scheduling"
)

//go:embed openapi.yaml
var openapiDoc []byte

const service = "scheduler"

// run starts the service and returns once it has stopped. Every resource it acquires is
// released by a defer, on every path.
func run(ctx context.Context, args []string, getenv func(string) string) error {
	return runWith(ctx, args, getenv, deps{})
}

// deps are what tests replace: the clock jobs are planned and run by (default the wall
// clock).
type deps struct {
	Clock scheduling.Clock
	// KafkaStart, when set, is where a new consumer group starts reading (instead of the
	// end of the topics): a test's own group misses nothing written after it began.
	KafkaStart time.Time
	// Scope, when set, limits the replica to the jobs of the objects a test adds to it.
	Scope *scheduling.Scope
}

// runWith is run with injectable dependencies (two replicas with one test clock in one
// test process: each run has its own metrics registry).
func runWith(ctx context.Context, _ []string, getenv func(string) string, d deps) error {
	c, err := loadConfig(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if d.Clock == nil {
		d.Clock = scheduling.RealClock{}
		if c.Jobs.ClockOffset != 0 {
			oc := &scheduling.OffsetClock{}
			oc.Advance(c.Jobs.ClockOffset)
			d.Clock = oc
		}
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
	if err := postgres.MigrateWhenReady(ctx, log, pool, c.Database.URL, "scheduling", c.Database.Wait); err != nil {
		return err
	}
	if ctx.Err() != nil { // stopped while waiting for the database
		return nil
	}
	verifier, err := auth.NewVerifier(ctx, c.OIDC.Config)
	if err != nil {
		return err
	}
	kc, err := kafka.NewClient(kafka.ClusterOf(c.Kafka))
	if err != nil {
		return err
	}
	defer kc.Close()
	sender, err := mail.NewSMTPSender(c.SMTP)
	if err != nil {
		return err
	}
	checker := health.New(2*time.Second,
		health.Check{Name: "postgres", Fn: pool.Ping},
		health.Check{Name: "kafka", Fn: kc.Ping},
		health.Check{Name: "smtp", Fn: sender.Ping},
		health.Check{Name: "keycloak", Fn: func(ctx context.Context) error { return auth.Ping(ctx, c.OIDC.Config) }},
	)
	base := httpapi.Base{Logger: log, Health: checker, Metrics: metrics.New(service), OpenAPI: openapiDoc, CORSOrigins: c.Service.CORSOrigins}
	authn := verifier.Middleware(func(w http.ResponseWriter, r *http.Request, err error) { httpapi.WriteError(w, r, log, err) })
	subs := postgres.NewSubscriptions(pool)

	stopJobs, err := startJobs(ctx, log, c, pool, sender, base.Metrics, d)
	if err != nil {
		return err
	}
	defer stopJobs()
	return httpapi.Run(ctx, log, c.Service.HTTP, routes(base, authn, subs), checker, nil)
}

// startJobs starts the job runner and the CDC planner; the returned function stops both
// and waits for them (a job in progress finishes and records its outcome first).
func startJobs(ctx context.Context, log *slog.Logger, c cfg, pool *pgxpool.Pool, sender mail.Sender, reg *metrics.Registry, d deps) (func(), error) {
	clock := d.Clock
	scope := d.Scope
	if scope == nil && len(c.Jobs.Scope) > 0 {
		scope = scheduling.NewScope(c.Jobs.Scope...)
	}
	jobs := postgres.NewSchedulingJobs(pool)
	reads := postgres.NewSchedulingReads(pool)
	m := scheduling.NewMetrics()
	reg.Register(m.Collectors()...)
	svcClient := serviceClient(ctx, c.Jobs.TokenURL, c.Client.ID, c.Client.Secret)
	handlers := &scheduling.Handlers{
		API:           newSessionAPI(c.Jobs.CommandURL, svcClient),
		Orders:        newOrderAPI(c.Jobs.OrderURL, svcClient),
		Model:         reads,
		Jobs:          jobs,
		Sender:        sender,
		MailOptions:   mail.Options{From: c.SMTP.From, WebURL: c.SMTP.WebURL},
		TrendingEvery: c.Jobs.TrendingInterval,
		SweepEvery:    c.Jobs.SweepInterval,
		Metrics:       m,
		Log:           log,
	}
	runner := &scheduling.Runner{Store: jobs, Clock: clock, Handler: handlers, Log: log, Metrics: m,
		Workers: c.Jobs.Workers, Poll: c.Jobs.Poll, Scope: scope}
	now := clock.Now()
	// The recurring jobs exist once; the sweep runs at every start (it plans the sessions
	// created while no scheduler ran), trending keeps its rhythm.
	sweep := scheduling.PlanRecurring(scheduling.KindSweep, now)
	sweep.Mode = scheduling.Coalesce
	if scope == nil { // a scoped replica (tests) runs no recurring job
		err := jobs.Apply(ctx, []scheduling.Plan{sweep, scheduling.PlanRecurring(scheduling.KindTrending, now)}, nil)
		if err != nil && ctx.Err() == nil {
			log.Warn("planning the recurring jobs failed; the next start plans them", "err", err)
		}
	}
	p := &planner{cluster: kafka.ClusterOf(c.Kafka), group: c.Jobs.Group, jobs: jobs, lookup: reads, clock: clock,
		runner: runner, poll: c.Jobs.Poll, log: log, scope: scope, start: d.KafkaStart}
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = runner.Run(jctx) }()
	go func() { defer wg.Done(); p.Run(jctx) }()
	log.Info("scheduler jobs started", "workers", runner.Workers, "poll", c.Jobs.Poll, "group", c.Jobs.Group)
	return func() { cancel(); wg.Wait() }, nil
}

// routes is the service's HTTP surface: the operational endpoints, then /api/v1 behind
// authn, which authenticates every request before anything else happens.
func routes(base httpapi.Base, authn func(http.Handler) http.Handler, subs subscriptionStore) chi.Router {
	r := httpapi.NewRouter(base)
	r.Route("/api/v1", func(r chi.Router) {
		r.Use(authn)
		mountSubscriptions(r, base.Logger, subs)
	})
	return r
}
