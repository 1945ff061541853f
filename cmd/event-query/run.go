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
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"

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
	p := newProjectors(db, c.Kafka.Brokers, c.GroupPrefix, c.NewGroupsAtEnd, log, pm)

	if mode == "rebuild" {
		return p.rebuild(ctx)
	}

	kc, err := kafka.NewClient(c.Kafka.Brokers)
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
		workers = append(workers, p.runners()...)
		checker.Add("projectors", p.positioned)
	}
	view := readmodel.New(time.Now)
	sm := sse.NewMetrics()
	reg.Register(sm.Collectors()...)
	hub := sse.New(c.SSE, seatSource{view}, log, sm)
	view.OnSeatChange(func(sc projection.SeatChange, gap bool) { hub.Publish(toSSE(sc, gap)) })
	checkouts := sse.NewBroadcast(c.SSE.Heartbeat, log, sm)
	view.OnCheckout(func(co projection.Checkout) {
		if b, err := json.Marshal(co); err == nil {
			checkouts.Publish(co.EventID, "checkout", b)
		}
	})
	if mode == "serve" {
		f := p.follower(view, c.Partitions)
		checker.Add("read_model", func(context.Context) error { return f.CaughtUp() })
		workers = append(workers, f.Run)
	}
	base := httpapi.Base{Logger: log, Health: checker, Metrics: reg, OpenAPI: openapiDoc, CORSOrigins: c.Service.CORSOrigins}
	var h chi.Router
	if mode == "serve" {
		h = routes(base, &api{view: view, hub: hub, checkouts: checkouts, verifier: verifier, log: log})
	} else {
		h = httpapi.NewRouter(base)
	}
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
		out := sse.Snapshot{Version: snap.Version, Seats: snap.Seats, Standing: make([]sse.Standing, len(snap.Standing))}
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

// projectors bundles the three catalog read models' projectors and stores.
type projectors struct {
	events  *kafka.Projector[projection.EventDoc]
	orgs    *kafka.Projector[projection.OrgDoc]
	cats    *kafka.Projector[projection.CategoryDoc]
	seats   *kafka.Projector[projection.SeatStatusDoc]
	eventDB *mongo.EventStore
	orgDB   *mongo.DocStore[projection.OrgDoc]
	catDB   *mongo.DocStore[projection.CategoryDoc]
	seatDB  *mongo.DocStore[projection.SeatStatusDoc]
	log     *slog.Logger
	brokers []string
	atEnd   bool
}

func newProjectors(db *mongodrv.Database, brokers []string, groupPrefix string, atEnd bool, log *slog.Logger, pm *kafka.ProjectorMetrics) *projectors {
	p := &projectors{
		eventDB: mongo.NewEventStore(db, projection.Events.Collection),
		orgDB:   mongo.NewDocStore[projection.OrgDoc](db, projection.Organizations.Collection),
		catDB:   mongo.NewDocStore[projection.CategoryDoc](db, projection.Categories.Collection),
		seatDB:  mongo.NewDocStore[projection.SeatStatusDoc](db, projection.SeatStatus.Collection),
		log:     log, brokers: brokers, atEnd: atEnd,
	}
	events, orgs, cats, seats := projection.Events, projection.Organizations, projection.Categories, projection.SeatStatus
	events.Group, orgs.Group, cats.Group = groupPrefix+events.Group, groupPrefix+orgs.Group, groupPrefix+cats.Group
	seats.Group = groupPrefix + seats.Group
	p.events = &kafka.Projector[projection.EventDoc]{Model: events, Store: p.eventDB, Brokers: brokers, Log: log, Metrics: pm, StartAtEnd: atEnd}
	p.orgs = &kafka.Projector[projection.OrgDoc]{Model: orgs, Store: p.orgDB, Brokers: brokers, Log: log, Metrics: pm, StartAtEnd: atEnd}
	p.cats = &kafka.Projector[projection.CategoryDoc]{Model: cats, Store: p.catDB, Brokers: brokers, Log: log, Metrics: pm, StartAtEnd: atEnd}
	p.seats = &kafka.Projector[projection.SeatStatusDoc]{Model: seats, Store: p.seatDB, Brokers: brokers, Log: log, Metrics: pm, StartAtEnd: atEnd}
	return p
}

func (p *projectors) positioned(context.Context) error {
	return errors.Join(p.events.Positioned(), p.orgs.Positioned(), p.cats.Positioned(), p.seats.Positioned())
}

func (p *projectors) runners() []func(context.Context) error {
	return []func(context.Context) error{p.events.Run, p.orgs.Run, p.cats.Run, p.seats.Run}
}

// follower feeds the in-memory view: loaded from MongoDB, then advanced from the offsets
// the projector groups committed.
func (p *projectors) follower(view *readmodel.View, partitions int32) *kafka.Follower {
	return &kafka.Follower{
		Brokers: p.brokers, Partitions: partitions, Log: p.log, StartAtEnd: p.atEnd,
		Feeds: []kafka.Feed{
			{Topic: p.events.Model.Topic, Group: p.events.Model.Group},
			{Topic: p.orgs.Model.Topic, Group: p.orgs.Model.Group},
			{Topic: p.cats.Model.Topic, Group: p.cats.Model.Group},
			{Topic: p.seats.Model.Topic, Group: p.seats.Model.Group},
			{Topic: projection.TopicOrders}, // live only: organizers' checkout streams
		},
		Load: func(ctx context.Context) error {
			return errors.Join(
				p.eventDB.All(ctx, func(_ string, d *projection.EventDoc) error { view.PutEvent(d); return nil }),
				p.orgDB.All(ctx, func(_ string, d *projection.OrgDoc) error { view.PutOrg(d); return nil }),
				p.catDB.All(ctx, func(_ string, d *projection.CategoryDoc) error { view.PutCategory(d); return nil }),
				p.seatDB.All(ctx, func(_ string, d *projection.SeatStatusDoc) error { view.PutSeatStatus(d); return nil }),
			)
		},
		Apply: view.Apply,
	}
}

func (p *projectors) rebuild(ctx context.Context) error {
	for _, r := range []struct {
		name string
		fn   func(context.Context) (int, error)
	}{
		{"organizations", func(ctx context.Context) (int, error) { return p.orgs.Rebuild(ctx, p.orgDB.Clear) }},
		{"categories", func(ctx context.Context) (int, error) { return p.cats.Rebuild(ctx, p.catDB.Clear) }},
		{"events", func(ctx context.Context) (int, error) { return p.events.Rebuild(ctx, p.eventDB.Clear) }},
		{"seat_status", func(ctx context.Context) (int, error) { return p.seats.Rebuild(ctx, p.seatDB.Clear) }},
	} {
		start := time.Now()
		n, err := r.fn(ctx)
		if err != nil {
			return fmt.Errorf("rebuild %s: %w", r.name, err)
		}
		p.log.Info("read model rebuilt", "model", r.name, "records", n, "seconds", time.Since(start).Seconds())
	}
	return nil
}
