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

// Requests are kept small and never leave a server-side cursor open: documents can be
// large (a session's seat map), and the local wire server (FerretDB 1.x) holds a
// PostgreSQL connection for every open cursor; enough of them exhaust its pool and stall it.
const (
	maxIDsPerFind    = 50
	maxDocsPerWrite  = 50
	maxBytesPerWrite = 4 << 20
)

// maxDocBytes keeps a document below MongoDB's 16 MiB limit with room for the protocol.
const maxDocBytes = 15 << 20

// TooLargeError reports documents that can never be stored (over the document size limit).
// Put stores every other document before returning it.
type TooLargeError struct{ IDs []string }

// TooLarge lists the documents that were not stored.
func (e *TooLargeError) TooLarge() []string { return e.IDs }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("documents over the %d MiB limit: %v", maxDocBytes>>20, e.IDs)
}

// Get returns the stored documents among ids (missing ones are absent from the map).
func (s *DocStore[D]) Get(ctx context.Context, ids []string) (map[string]*D, error) {
	out := make(map[string]*D, len(ids))
	for start := 0; start < len(ids); start += maxIDsPerFind {
		chunk := ids[start:min(start+maxIDsPerFind, len(ids))]
		if err := s.find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: chunk}}}}, func(id string, d *D) error {
			out[id] = d
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// find reads the documents matching filter in pages of maxIDsPerFind by ascending _id, each
// page one request answered in one batch (no cursor left open between requests).
func (s *DocStore[D]) find(ctx context.Context, filter bson.D, fn func(id string, d *D) error) error {
	last := ""
	for {
		page := filter
		if after := (bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: last}}}}); last != "" && len(filter) == 0 {
			page = after
		} else if last != "" {
			page = bson.D{{Key: "$and", Value: bson.A{filter, after}}}
		}
		cur, err := s.coll.Find(ctx, page, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).
			SetLimit(maxIDsPerFind).SetBatchSize(maxIDsPerFind+1))
		if err != nil {
			return fmt.Errorf("find %s: %w", s.coll.Name(), err)
		}
		n := 0
		for cur.Next(ctx) {
			id, d, err := decode[D](cur.Current)
			if err != nil {
				cur.Close(ctx)
				return fmt.Errorf("decode %s: %w", s.coll.Name(), err)
			}
			if err := fn(id, d); err != nil {
				cur.Close(ctx)
				return err
			}
			last, n = id, n+1
		}
		err = cur.Err()
		cur.Close(ctx)
		if err != nil {
			return fmt.Errorf("find %s: %w", s.coll.Name(), err)
		}
		if n < maxIDsPerFind {
			return nil
		}
	}
}

// All calls fn for every stored document.
func (s *DocStore[D]) All(ctx context.Context, fn func(id string, d *D) error) error {
	return s.find(ctx, bson.D{}, fn)
}

// Put replaces (or inserts) the documents, in unordered bulk writes of bounded size.
func (s *DocStore[D]) Put(ctx context.Context, docs map[string]*D) error {
	var models []mongo.WriteModel
	size := 0
	flush := func() error {
		if len(models) == 0 {
			return nil
		}
		if _, err := s.coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
			return fmt.Errorf("write %s: %w", s.coll.Name(), err)
		}
		models, size = models[:0], 0
		return nil
	}
	var tooLarge []string
	for id, d := range docs {
		b, err := encode(id, d)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", s.coll.Name(), id, err)
		}
		if len(b) > maxDocBytes {
			tooLarge = append(tooLarge, id)
			continue
		}
		if len(models) > 0 && (len(models) >= maxDocsPerWrite || size+len(b) > maxBytesPerWrite) {
			if err := flush(); err != nil {
				return err
			}
		}
		models = append(models, mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}).
			SetReplacement(b).SetUpsert(true))
		size += len(b)
	}
	if err := flush(); err != nil {
		return err
	}
	if len(tooLarge) > 0 {
		return &TooLargeError{IDs: tooLarge}
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
