package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

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

// Requests are kept small and leave no server-side cursor open (All drains its one): documents can be
// large (a session's seat map), and the local wire server (FerretDB 1.x) holds a
// PostgreSQL connection for every open cursor; enough of them exhaust its pool and stall it.
//
// Writes are smaller still: FerretDB 1.24 keeps every statement's lookup of an update command
// open (holding a PostgreSQL connection) until the whole command ends, and then needs one more
// connection to write. One bulk write of 50 replacements took all 50 connections of its pool
// and waited forever for the 51st, stalling every client of the server.
const (
	maxIDsPerFind    = 50
	maxDocsPerWrite  = 8
	maxBytesPerWrite = 4 << 20
)

// maxDocBytes keeps a document below MongoDB's 16 MiB limit with room for the protocol.
const maxDocBytes = 15 << 20

// RejectedError reports documents the store refused for their content: over the size
// limit, not encodable, or refused by the server for what they hold (a field name it does
// not accept, an invalid value). Writing them again cannot succeed. Put stores every other
// document before returning it.
type RejectedError struct {
	Reasons map[string]string // document id -> why it was refused
}

// Rejected maps each document that was not stored to the reason.
func (e *RejectedError) Rejected() map[string]string { return e.Reasons }

func (e *RejectedError) Error() string {
	ids := slices.Sorted(maps.Keys(e.Reasons))
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id + ": " + e.Reasons[id]
	}
	return "documents refused by the store: " + strings.Join(parts, "; ")
}

// contentCodes are the server codes of a write refused for the document it carries (by
// MongoDB or FerretDB); any other failure (network, timeout, write concern, a duplicate key
// between two concurrent upserts, a stepping-down primary) is worth retrying.
var contentCodes = map[int]string{
	2:     "BadValue", // FerretDB: invalid key ('.' or a leading '$'), invalid value
	9:     "FailedToParse",
	14:    "TypeMismatch",
	22:    "InvalidBSON",
	52:    "DollarPrefixedFieldName",
	53:    "InvalidIdField",
	55:    "InvalidDBRef",
	56:    "EmptyFieldName",
	57:    "DottedFieldName",
	66:    "ImmutableField",
	121:   "DocumentValidationFailure",
	10334: "BSONObjectTooLarge",
	17419: "DocumentTooLarge",
	17420: "DocumentTooLarge",
}

func contentReason(code int, msg string) (string, bool) {
	name, ok := contentCodes[code]
	if !ok {
		return "", false
	}
	return fmt.Sprintf("refused by the store: %s (%d): %s", name, code, msg), true
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

// All calls fn for every stored document. It reads through one cursor, drained without
// pause, in batches of maxIDsPerFind: paging by _id instead made FerretDB read and sort
// the whole collection for every page, so a replica's start-up load grew with the square
// of the read model (57 s for 2,800 events).
func (s *DocStore[D]) All(ctx context.Context, fn func(id string, d *D) error) error {
	cur, err := s.coll.Find(ctx, bson.D{}, options.Find().SetBatchSize(maxIDsPerFind))
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
	if err := cur.Err(); err != nil {
		return fmt.Errorf("find %s: %w", s.coll.Name(), err)
	}
	return nil
}

// Put replaces (or inserts) the documents, in unordered bulk writes of bounded size. The
// documents refused for their content are reported with a *RejectedError after every other
// one is stored; any other error is transient (some documents may be stored, none is lost
// by writing them all again).
func (s *DocStore[D]) Put(ctx context.Context, docs map[string]*D) error {
	rejected := map[string]string{}
	var batch []pendingDoc
	size := 0
	for id, d := range docs {
		b, err := encode(id, d)
		if err != nil {
			rejected[id] = fmt.Sprintf("cannot be encoded: %v", err)
			continue
		}
		if len(b) > maxDocBytes {
			rejected[id] = fmt.Sprintf("%d bytes, over the %d MiB document limit", len(b), maxDocBytes>>20)
			continue
		}
		if len(batch) > 0 && (len(batch) >= maxDocsPerWrite || size+len(b) > maxBytesPerWrite) {
			if err := s.write(ctx, batch, rejected); err != nil {
				return err
			}
			batch, size = batch[:0], 0
		}
		batch = append(batch, pendingDoc{id, b})
		size += len(b)
	}
	if err := s.write(ctx, batch, rejected); err != nil {
		return err
	}
	if len(rejected) > 0 {
		return &RejectedError{Reasons: rejected}
	}
	return nil
}

type pendingDoc struct {
	id  string
	raw bson.Raw
}

// write stores batch in one unordered bulk write, adding the documents the server refuses
// for their content to rejected. When the server refuses any document for its content, the
// documents are written again one at a time to learn which: its report cannot be trusted
// to name them (FerretDB 1.x stops at the first refused document of an unordered write and
// reports it at index 0), and replacing a document twice is harmless.
func (s *DocStore[D]) write(ctx context.Context, batch []pendingDoc, rejected map[string]string) error {
	if len(batch) == 0 {
		return nil
	}
	models := make([]mongo.WriteModel, len(batch))
	for i, p := range batch {
		models[i] = mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: p.id}}).SetReplacement(p.raw).SetUpsert(true)
	}
	_, err := s.coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
	if err == nil {
		return nil
	}
	reason, content := refusedForContent(err)
	switch {
	case !content:
		return fmt.Errorf("write %s: %w", s.coll.Name(), err)
	case len(batch) == 1:
		rejected[batch[0].id] = reason
		return nil
	}
	for i := range batch {
		if err := s.write(ctx, batch[i:i+1], rejected); err != nil {
			return err
		}
	}
	return nil
}

// refusedForContent reports whether err says the server refused a document for its
// content, and why.
func refusedForContent(err error) (string, bool) {
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) {
		for _, we := range bwe.WriteErrors {
			if reason, ok := contentReason(we.Code, we.Message); ok {
				return reason, true
			}
		}
		return "", false
	}
	var ce mongo.CommandError
	if errors.As(err, &ce) {
		return contentReason(int(ce.Code), ce.Message)
	}
	return "", false
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
