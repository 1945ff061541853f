package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/health"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/kafka"
	"github.com/ticketly/ticketly/internal/logging"
	"github.com/ticketly/ticketly/internal/metrics"
	"github.com/ticketly/ticketly/internal/mongo"
	"github.com/ticketly/ticketly/internal/projection"
	"github.com/ticketly/ticketly/internal/readmodel"
	"github.com/ticketly/ticketly/internal/sse"
)

//go:embed openapi.yaml
var openapiDoc []byte

const service = "event-query"

const usage = `usage: event-query [serve|project|rebuild]
  serve    (default) the public read API and live streams, with the projectors inside
  project  only the projectors (MongoDB read model), with /healthz, /readyz and /metrics
  rebuild  rebuild every read model from Kafka's earliest offset, then exit
           (stop the projectors first)`

// run starts the service (or runs a rebuild) and returns once it has stopped. Every
// resource it acquires is released by a defer, on every path.
func run(ctx context.Context, args []string, getenv func(string) string) error {
	mode := "serve"
	if len(args) > 1 {
		mode = args[1]
	}
	if mode != "serve" && mode != "project" && mode != "rebuild" {
		return errors.New(usage)
	}
	c, err := loadConfig(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log, err := logging.New(os.Stderr, service, c.Service.LogLevel)
	if err != nil {
		return err
	}
	log = log.With("mode", mode)
	c.Service.Announce(log, c.components()...)
	mc, err := mongo.Connect(c.Mongo.URI)
	if err != nil {
		return err
	}
	defer func() { _ = mc.Disconnect(context.Background()) }()
	db := mc.Database(c.Mongo.Database)
	reg := metrics.New(service)
	pm := kafka.NewProjectorMetrics()
	reg.Register(pm.Collectors()...)
	var view *readmodel.View
	if mode == "serve" {
		view = readmodel.New(time.Now)
	}
	cluster := kafka.ClusterOf(c.Kafka)
	models := readModels(db, view, kafka.ProjectorConfig{Cluster: cluster, Log: log, Metrics: pm,
		GroupPrefix: c.GroupPrefix, StartAtEnd: c.NewGroupsAtEnd})

	if mode == "rebuild" {
		return rebuild(ctx, log, models)
	}

	kc, err := kafka.NewClient(cluster)
	if err != nil {
		return err
	}
	defer kc.Close()
	verifier, err := auth.NewVerifier(ctx, c.OIDC.Config)
	if err != nil {
		return err
	}
	checker := health.New(2*time.Second,
		health.Check{Name: "mongodb", Fn: func(ctx context.Context) error { return mc.Ping(ctx, nil) }},
		health.Check{Name: "kafka", Fn: kc.Ping},
	)
	var workers []func(context.Context) error
	if mode == "project" || c.Projectors {
		for _, m := range models {
			workers = append(workers, m.Run)
		}
		checker.Add("projectors", func(context.Context) error {
			var errs []error
			for _, m := range models {
				errs = append(errs, m.Positioned())
			}
			return errors.Join(errs...)
		})
	}
	base := httpapi.Base{Logger: log, Health: checker, Metrics: reg, OpenAPI: openapiDoc, CORSOrigins: c.Service.CORSOrigins}
	if mode != "serve" {
		return httpapi.Run(ctx, log, c.Service.HTTP, httpapi.NewRouter(base), checker, workers)
	}
	sm := sse.NewMetrics()
	reg.Register(sm.Collectors()...)
	hub := sse.New(c.SSE, seatSource{view}, log, sm)
	view.OnSeatChange(func(sc projection.SeatChange, gap bool) { hub.Publish(toSSE(sc, gap)) })
	view.OnSessionStatus(hub.PublishStatus)
	checkouts := sse.NewBroadcast(c.SSE.Heartbeat, log, sm)
	view.OnCheckout(func(co projection.Checkout) {
		if b, err := json.Marshal(co); err == nil {
			checkouts.Publish(co.EventID, "checkout", b)
		}
	})
	f := follower(view, models, cluster, c.Partitions, c.NewGroupsAtEnd, log)
	checker.Add("read_model", func(context.Context) error { return f.CaughtUp() })
	workers = append(workers, f.Run)
	h := routes(base, &api{view: view, hub: hub, checkouts: checkouts, verifier: verifier, log: log})
	return httpapi.Run(ctx, log, c.Service.HTTP, h, checker, workers)
}

// routes is the service's HTTP surface; browsers on base.CORSOrigins may call it (the
// router answers their preflights).
func routes(base httpapi.Base, a *api) chi.Router {
	r := httpapi.NewRouter(base)
	a.routes(r)
	return r
}

// seatSource adapts the view to the SSE hub.
type seatSource struct{ v *readmodel.View }

func (s seatSource) WithSnapshot(id string, fn func(sse.Snapshot)) bool {
	return s.v.WithSeatSnapshot(id, func(snap readmodel.SeatSnapshot) {
		out := sse.Snapshot{Version: snap.Version, Status: snap.Status, Seats: snap.Seats, Standing: make([]sse.Standing, len(snap.Standing))}
		for i, l := range snap.Standing {
			out.Standing[i] = sse.Standing{BlockID: l.BlockID, Available: l.Available}
		}
		fn(out)
	})
}

func toSSE(sc projection.SeatChange, gap bool) sse.Change {
	out := sse.Change{SessionID: sc.SessionID, Version: sc.Version, Status: sc.Status, SeatIDs: sc.SeatIDs, Gap: gap, TsMs: sc.TsMs}
	for _, l := range sc.Standing {
		out.Standing = append(out.Standing, sse.Standing{BlockID: l.BlockID, Available: l.Available})
	}
	return out
}

// follower feeds the in-memory view: loaded from MongoDB, then advanced from the offsets
// the projector groups committed.
func follower(view *readmodel.View, models []kafka.ReadModel, cluster kafka.Cluster, partitions int32, atEnd bool, log *slog.Logger) *kafka.Follower {
	f := &kafka.Follower{Cluster: cluster, Partitions: partitions, Log: log, StartAtEnd: atEnd, Apply: view.Apply,
		Load: func(ctx context.Context) error {
			var errs []error
			for _, m := range models {
				errs = append(errs, m.Load(ctx))
			}
			return errors.Join(errs...)
		}}
	for _, m := range models {
		f.Feeds = append(f.Feeds, m.Feed())
	}
	f.Feeds = append(f.Feeds, kafka.Feed{Topic: projection.TopicOrders}) // live only: organizers' checkout streams
	return f
}

// rebuild rebuilds every read model from Kafka's earliest offset, in registry order.
func rebuild(ctx context.Context, log *slog.Logger, models []kafka.ReadModel) error {
	for _, m := range models {
		start := time.Now()
		n, err := m.Rebuild(ctx)
		if err != nil {
			return fmt.Errorf("rebuild %s: %w", m.Name(), err)
		}
		log.Info("read model rebuilt", "model", m.Name(), "records", n, "seconds", time.Since(start).Seconds())
	}
	return nil
}
