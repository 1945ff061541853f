package mongo

import (
	"context"
	"encoding/json"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// DocStore keeps read-model documents of type D in one collection, keyed by _id. A
// document is stored as the BSON form of its JSON encoding, so read-model types carry JSON
// tags only; whole documents are replaced (one writer per document, so no partial-update
// races, which FerretDB's non-atomic updates could not survive).
type DocStore[D any] struct {
	coll *mongo.Collection
}

// NewDocStore returns the store of collection name in db.
func NewDocStore[D any](db *mongo.Database, name string) *DocStore[D] {
	return &DocStore[D]{coll: db.Collection(name)}
}

// Get returns the stored documents among ids (missing ones are absent from the map).
func (s *DocStore[D]) Get(ctx context.Context, ids []string) (map[string]*D, error) {
	out := make(map[string]*D, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	cur, err := s.coll.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", s.coll.Name(), err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		id, d, err := decode[D](cur.Current)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", s.coll.Name(), err)
		}
		out[id] = d
	}
	return out, cur.Err()
}

// All calls fn for every stored document.
func (s *DocStore[D]) All(ctx context.Context, fn func(id string, d *D) error) error {
	cur, err := s.coll.Find(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("find %s: %w", s.coll.Name(), err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		id, d, err := decode[D](cur.Current)
		if err != nil {
			return fmt.Errorf("decode %s: %w", s.coll.Name(), err)
		}
		if err := fn(id, d); err != nil {
			return err
		}
	}
	return cur.Err()
}

// Put replaces (or inserts) the documents, all in one unordered bulk write.
func (s *DocStore[D]) Put(ctx context.Context, docs map[string]*D) error {
	if len(docs) == 0 {
		return nil
	}
	models := make([]mongo.WriteModel, 0, len(docs))
	for id, d := range docs {
		b, err := encode(id, d)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", s.coll.Name(), id, err)
		}
		models = append(models, mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}).
			SetReplacement(b).SetUpsert(true))
	}
	if _, err := s.coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
		return fmt.Errorf("write %s: %w", s.coll.Name(), err)
	}
	return nil
}

// Clear removes every document (used by rebuilds).
func (s *DocStore[D]) Clear(ctx context.Context) error {
	if _, err := s.coll.DeleteMany(ctx, bson.D{}); err != nil {
		return fmt.Errorf("clear %s: %w", s.coll.Name(), err)
	}
	return nil
}

func encode(id string, d any) (bson.Raw, error) {
	j, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	var doc bson.D
	if err := bson.UnmarshalExtJSON(j, false, &doc); err != nil {
		return nil, err
	}
	doc = append(bson.D{{Key: "_id", Value: id}}, doc...)
	return bson.Marshal(doc)
}

func decode[D any](raw bson.Raw) (string, *D, error) {
	id, ok := raw.Lookup("_id").StringValueOK()
	if !ok {
		return "", nil, fmt.Errorf("document without a string _id")
	}
	j, err := bson.MarshalExtJSON(raw, false, false)
	if err != nil {
		return "", nil, err
	}
	d := new(D)
	if err := json.Unmarshal(j, d); err != nil {
		return "", nil, err
	}
	return id, d, nil
}
