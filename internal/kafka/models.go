package kafka

import (
	"context"
	"log/slog"

	"github.com/ticketly/ticketly/internal/projection"
)

// ReadModel is one read model as a query-side process keeps it, its document type bound
// (see Bind): the projector writing its documents to the store, its rebuild, and the
// bootstrap of a replica's in-memory view. A service lists its read models once, as a
// slice of ReadModel (its registry), and derives projectors, rebuild and view feeds from it.
type ReadModel interface {
	// Name is the model's name (metrics label, logs).
	Name() string
	// Feed is the topic a replica's view follows for the model, and the projector group
	// whose committed offsets the store's documents reflect.
	Feed() Feed
	// Run keeps the store current as a member of the model's consumer group (Projector.Run).
	Run(ctx context.Context) error
	// Positioned is the projector's readiness (Projector.Positioned).
	Positioned() error
	// Rebuild clears the store and rebuilds it from the earliest offset (Projector.Rebuild).
	Rebuild(ctx context.Context) (records int, err error)
	// Load hands every stored document to the view (bootstrap).
	Load(ctx context.Context) error
}

// DocStore is a Store that can also list and clear its documents.
type DocStore[D any] interface {
	Store[D]
	All(ctx context.Context, fn func(id string, d *D) error) error
	Clear(ctx context.Context) error
}

// ProjectorConfig is what every projector of a process shares.
type ProjectorConfig struct {
	Cluster Cluster
	Log     *slog.Logger
	Metrics *ProjectorMetrics
	// GroupPrefix is prepended to every model's consumer group (isolated test instances;
	// empty in production, where the permanent group names are used as they are).
	GroupPrefix string
	// StartAtEnd: see Projector.StartAtEnd.
	StartAtEnd bool
}

// Bind binds a model to its document store and to the view it bootstraps (load is told of
// every stored document; nil when the process keeps no view).
func Bind[D any](m projection.Model[D], store DocStore[D], load func(id string, d *D), cfg ProjectorConfig) ReadModel {
	m.Group = cfg.GroupPrefix + m.Group
	return &bound[D]{
		Projector: &Projector[D]{Model: m, Store: store, Cluster: cfg.Cluster, Log: cfg.Log, Metrics: cfg.Metrics, StartAtEnd: cfg.StartAtEnd},
		store:     store, load: load,
	}
}

type bound[D any] struct {
	*Projector[D]
	store DocStore[D]
	load  func(id string, d *D)
}

func (b *bound[D]) Name() string { return b.Model.Name }

func (b *bound[D]) Feed() Feed { return Feed{Topic: b.Model.Topic, Group: b.Model.Group} }

func (b *bound[D]) Rebuild(ctx context.Context) (int, error) {
	return b.Projector.Rebuild(ctx, b.store.Clear)
}

func (b *bound[D]) Load(ctx context.Context) error {
	if b.load == nil {
		return nil
	}
	return b.store.All(ctx, func(id string, d *D) error { b.load(id, d); return nil })
}
