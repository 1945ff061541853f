package main

import (
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/ticketly/ticketly/internal/kafka"
	"github.com/ticketly/ticketly/internal/mongo"
	"github.com/ticketly/ticketly/internal/projection"
	"github.com/ticketly/ticketly/internal/readmodel"
)

// readModels is event-query's registry of read models, in rebuild order: each line binds a
// model's definition (internal/projection) to its document store and to the in-memory view
// it bootstraps (nil in modes without a view). The projectors, their readiness, `rebuild`
// and the view's follower (feeds and bootstrap) are all derived from this list.
//
// Adding a read model: define it in internal/projection (document, Key, Apply, New, Clone
// and its Model value with a new permanent group), add its line here, and give the view a
// collection for it (readmodel.New: track) with the queries that serve it.
func readModels(db *mongodrv.Database, view *readmodel.View, cfg kafka.ProjectorConfig) []kafka.ReadModel {
	return []kafka.ReadModel{
		bind(projection.Organizations, docStore(db, projection.Organizations), view, cfg),
		bind(projection.Categories, docStore(db, projection.Categories), view, cfg),
		bind(projection.Events, mongo.NewEventStore(db, projection.Events.Collection), view, cfg),
		bind(projection.SeatStatus, docStore(db, projection.SeatStatus), view, cfg),
		bind(projection.Trending, docStore(db, projection.Trending), view, cfg),
	}
}

func docStore[D any](db *mongodrv.Database, m projection.Model[D]) kafka.DocStore[D] {
	return mongo.NewDocStore[D](db, m.Collection)
}

func bind[D any](m projection.Model[D], store kafka.DocStore[D], view *readmodel.View, cfg kafka.ProjectorConfig) kafka.ReadModel {
	return kafka.Bind(m, store, readmodel.Loader(view, m), cfg)
}
