// Package readmodel is the query side's in-memory view of the read model: bootstrapped
// from the MongoDB documents, then advanced by the same Debezium changes the projectors
// apply (with the same LSN guards), so hot reads never wait on the document store and
// every replica converges on the same state.
package readmodel

import (
	"slices"
	"sync"
	"time"

	"github.com/ticketly/ticketly/internal/projection"
)

// View holds the read model of one replica: one collection of documents per read model
// it serves, each fed by its model's topic (see track).
type View struct {
	mu       sync.RWMutex
	events   map[string]*projection.EventDoc
	orgs     map[string]*projection.OrgDoc
	cats     map[string]*projection.CategoryDoc
	seats    map[string]*projection.SeatStatusDoc
	trending map[string]*projection.TrendingDoc
	sessions map[string]string // session id -> event id
	text     map[string]string // event id -> lowercase searchable text of the event itself
	now      func() time.Time
	// byTopic and byName are the collections, as changes and stored documents find them.
	byTopic map[string]collection
	byName  map[string]collection
	// onSeatChange is told of every new seat change, in version order per session, while
	// the view is locked (so a snapshot taken under the read lock and this stream line up).
	onSeatChange func(c projection.SeatChange, gap bool)
	// onSessionStatus is told of every change of a session's status, while the view is locked.
	onSessionStatus func(sessionID, status string, version int64)
	onCheckout      func(c projection.Checkout)
}

// OnCheckout registers the listener of orders' status changes (organizer streams).
func (v *View) OnCheckout(fn func(c projection.Checkout)) { v.onCheckout = fn }

// OnSeatChange registers the listener of applied seat changes (the SSE hub). Set it
// before the view is fed.
func (v *View) OnSeatChange(fn func(c projection.SeatChange, gap bool)) { v.onSeatChange = fn }

// OnSessionStatus registers the listener of session status changes (the SSE hub), told the
// new status and the session's inventory version. Set it before the view is fed.
func (v *View) OnSessionStatus(fn func(sessionID, status string, version int64)) {
	v.onSessionStatus = fn
}

// New returns an empty view; now is the clock (time.Now in production).
func New(now func() time.Time) *View {
	v := &View{events: map[string]*projection.EventDoc{}, orgs: map[string]*projection.OrgDoc{},
		cats: map[string]*projection.CategoryDoc{}, seats: map[string]*projection.SeatStatusDoc{},
		trending: map[string]*projection.TrendingDoc{}, sessions: map[string]string{}, text: map[string]string{},
		now: now, byTopic: map[string]collection{}, byName: map[string]collection{}}
	track(v, projection.Organizations, v.orgs, hooks[projection.OrgDoc]{})
	track(v, projection.Categories, v.cats, hooks[projection.CategoryDoc]{})
	track(v, projection.Events, v.events, hooks[projection.EventDoc]{
		keep:    func(have, loaded *projection.EventDoc) bool { return loaded.Revision > have.Revision },
		changed: v.eventChanged,
	})
	track(v, projection.SeatStatus, v.seats, hooks[projection.SeatStatusDoc]{
		keep:    func(have, loaded *projection.SeatStatusDoc) bool { return loaded.Version > have.Version },
		applied: v.seatsApplied,
	})
	track(v, projection.Trending, v.trending, hooks[projection.TrendingDoc]{
		keep: func(have, loaded *projection.TrendingDoc) bool { return loaded.Version > have.Version },
	})
	return v
}

// Loader returns how the view takes the stored documents of model m when it bootstraps
// (nil when v is nil or keeps no collection of m). A document older than the one the view
// has is ignored, so a reload never moves the view backwards.
func Loader[D any](v *View, m projection.Model[D]) func(id string, d *D) {
	if v == nil {
		return nil
	}
	c, ok := v.byName[m.Name].(*docs[D])
	if !ok {
		return nil
	}
	return func(id string, d *D) {
		v.mu.Lock()
		defer v.mu.Unlock()
		c.put(id, d)
	}
}

// PutEvent stores a document loaded from the document store (bootstrap).
func (v *View) PutEvent(d *projection.EventDoc) { Loader(v, projection.Events)(d.ID, d) }

// PutOrg stores an organization document (bootstrap).
func (v *View) PutOrg(d *projection.OrgDoc) { Loader(v, projection.Organizations)(d.ID, d) }

// eventChanged keeps the session index and the search text of an event document, and
// tells the listener of the sessions whose status changed.
func (v *View) eventChanged(prev, d *projection.EventDoc) {
	if prev != nil {
		for _, s := range prev.Sessions {
			delete(v.sessions, s.ID)
		}
	}
	for _, s := range d.Sessions {
		v.sessions[s.ID] = d.ID
	}
	v.text[d.ID] = eventText(d)
	if prev == nil || v.onSessionStatus == nil {
		return
	}
	for _, s := range d.Sessions {
		i := slices.IndexFunc(prev.Sessions, func(p projection.Session) bool { return p.ID == s.ID })
		if i >= 0 && prev.Sessions[i].Status != s.Status {
			var version int64
			if live := v.seats[s.ID]; live != nil {
				version = live.Version
			}
			v.onSessionStatus(s.ID, s.Status, version)
		}
	}
}

// seatsApplied tells the listener of a new seat change (prev is the document before it).
func (v *View) seatsApplied(prev *projection.SeatStatusDoc, _ *projection.SeatStatusDoc, c projection.Change) {
	if v.onSeatChange == nil {
		return
	}
	sc, err := projection.DecodeSeatChange(c)
	if err != nil {
		return
	}
	var before int64
	if prev != nil {
		before = prev.Version
	}
	v.onSeatChange(sc, sc.Version > before+1)
}

// Apply advances the view by one change of topic. Changes already reflected are skipped by
// the documents' version guards. Poison changes are ignored here (the projector
// dead-letters them).
func (v *View) Apply(topic string, c projection.Change) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if topic == projection.TopicOrders { // live only: organizers' checkout streams
		co, ok, err := projection.DecodeCheckout(c)
		if err != nil || !ok || v.onCheckout == nil {
			return err
		}
		v.onCheckout(co)
		return nil
	}
	if col := v.byTopic[topic]; col != nil {
		return col.apply(c)
	}
	return nil
}

// CanManageEvent reports whether user may see an event's organizer data: the owner or an
// ADMIN member of its organization. found is false for an unknown or deleted event.
func (v *View) CanManageEvent(eventID, user string) (allowed, found bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	d := v.events[eventID]
	if d == nil || !d.Exists {
		return false, false
	}
	o := v.orgs[d.OrganizationID]
	return o != nil && o.CanManage(user), true
}

// Event returns the raw document of an event, visible or not (tests, rebuild checks).
func (v *View) Event(id string) (*projection.EventDoc, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	d, ok := v.events[id]
	return d, ok
}
