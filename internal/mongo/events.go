package mongo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/ticketly/ticketly/internal/projection"
)

// EventStore keeps event documents with their sessions' seat maps in a collection of their
// own, one document per session: editing an event's description does not rewrite a
// stadium's seat map, and no event document nears the 16 MiB document limit. To its users
// it stores whole projection.EventDoc values.
type EventStore struct {
	events  *DocStore[eventRecord]
	layouts *DocStore[layoutRecord]
	coll    *mongo.Collection // layouts, for deletes
}

type eventRecord struct {
	projection.EventDoc
	// LayoutHashes maps each session to the hash of its stored seat map.
	LayoutHashes map[string]string `json:"layout_hashes"`
}

type layoutRecord struct {
	EventID string            `json:"event_id"`
	Hash    string            `json:"hash"`
	Layout  projection.Layout `json:"layout"`
}

// NewEventStore returns the store of collection name (events) and name+"_layouts".
func NewEventStore(db *mongo.Database, name string) *EventStore {
	return &EventStore{events: NewDocStore[eventRecord](db, name), layouts: NewDocStore[layoutRecord](db, name+"_layouts"),
		coll: db.Collection(name + "_layouts")}
}

func layoutHash(l projection.Layout) (string, error) {
	b, err := json.Marshal(l)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12]), nil
}

// Get returns the stored documents among ids, seat maps included.
func (s *EventStore) Get(ctx context.Context, ids []string) (map[string]*projection.EventDoc, error) {
	recs, err := s.events.Get(ctx, ids)
	if err != nil {
		return nil, err
	}
	return s.attach(ctx, recs)
}

func (s *EventStore) attach(ctx context.Context, recs map[string]*eventRecord) (map[string]*projection.EventDoc, error) {
	var sessions []string
	for _, r := range recs {
		for _, ss := range r.Sessions {
			sessions = append(sessions, ss.ID)
		}
	}
	layouts, err := s.layouts.Get(ctx, sessions)
	if err != nil {
		return nil, err
	}
	return join(recs, layouts), nil
}

// join puts each session's seat map into its event's document.
func join(recs map[string]*eventRecord, layouts map[string]*layoutRecord) map[string]*projection.EventDoc {
	out := make(map[string]*projection.EventDoc, len(recs))
	for id, r := range recs {
		d := r.EventDoc
		d.Sessions = append([]projection.Session(nil), r.Sessions...)
		for i := range d.Sessions {
			if l := layouts[d.Sessions[i].ID]; l != nil {
				d.Sessions[i].Layout = l.Layout
			}
		}
		out[id] = &d
	}
	return out
}

// All calls fn for every stored document, seat maps included (both collections read whole:
// one query per collection, not one per page of sessions).
func (s *EventStore) All(ctx context.Context, fn func(id string, d *projection.EventDoc) error) error {
	recs := map[string]*eventRecord{}
	if err := s.events.All(ctx, func(id string, r *eventRecord) error { recs[id] = r; return nil }); err != nil {
		return err
	}
	layouts := map[string]*layoutRecord{}
	if err := s.layouts.All(ctx, func(id string, l *layoutRecord) error { layouts[id] = l; return nil }); err != nil {
		return err
	}
	for id, d := range join(recs, layouts) {
		if err := fn(id, d); err != nil {
			return err
		}
	}
	return nil
}

// Put stores the documents: the event parts always, a session's seat map only when it
// changed, and it forgets the seat maps of sessions that are gone.
func (s *EventStore) Put(ctx context.Context, docs map[string]*projection.EventDoc) error {
	ids := make([]string, 0, len(docs))
	for id := range docs {
		ids = append(ids, id)
	}
	stored, err := s.events.Get(ctx, ids)
	if err != nil {
		return err
	}
	recs := make(map[string]*eventRecord, len(docs))
	layouts := map[string]*layoutRecord{}
	sessionEvent := map[string]string{}
	gone := map[string][]string{} // event id -> its sessions that are gone
	for id, d := range docs {
		r := &eventRecord{EventDoc: *d, LayoutHashes: map[string]string{}}
		r.Sessions = make([]projection.Session, len(d.Sessions))
		var old map[string]string
		if o := stored[id]; o != nil {
			old = o.LayoutHashes
		}
		for i, ss := range d.Sessions {
			h, err := layoutHash(ss.Layout)
			if err != nil {
				return fmt.Errorf("hash layout of session %s: %w", ss.ID, err)
			}
			r.LayoutHashes[ss.ID] = h
			if old[ss.ID] != h {
				layouts[ss.ID] = &layoutRecord{EventID: id, Hash: h, Layout: ss.Layout}
				sessionEvent[ss.ID] = id
			}
			ss.Layout = projection.Layout{}
			r.Sessions[i] = ss
		}
		for sid := range old {
			if _, ok := r.LayoutHashes[sid]; !ok {
				gone[id] = append(gone[id], sid)
			}
		}
		recs[id] = r
	}
	// Seat maps first: an event document never points at a seat map that is not stored.
	rejected := map[string]string{}
	if err := s.layouts.Put(ctx, layouts); err != nil {
		var re *RejectedError
		if !errors.As(err, &re) {
			return err
		}
		for sid, reason := range re.Reasons {
			rejected[sessionEvent[sid]] = fmt.Sprintf("seat map of session %s %s", sid, reason)
			delete(recs, sessionEvent[sid])
		}
	}
	if err := s.events.Put(ctx, recs); err != nil {
		var re *RejectedError
		if !errors.As(err, &re) {
			return err
		}
		maps.Copy(rejected, re.Reasons)
	}
	// The seat maps of a refused event stay: its stored document still points at them.
	var drop []string
	for id, sids := range gone {
		if _, refused := rejected[id]; !refused {
			drop = append(drop, sids...)
		}
	}
	if len(drop) > 0 {
		if _, err := s.coll.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: drop}}}}); err != nil {
			return fmt.Errorf("delete seat maps: %w", err)
		}
	}
	if len(rejected) > 0 {
		return &RejectedError{Reasons: rejected}
	}
	return nil
}

// Clear removes every document (used by rebuilds).
func (s *EventStore) Clear(ctx context.Context) error {
	return errors.Join(s.events.Clear(ctx), s.layouts.Clear(ctx))
}
