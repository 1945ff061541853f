// Package readmodel is the query side's in-memory view of the read model: bootstrapped
// from the MongoDB documents, then advanced by the same Debezium changes the projectors
// apply (with the same LSN guards), so hot reads never wait on the document store and
// every replica converges on the same state.
package readmodel

import (
	"sync"
	"time"

	"github.com/ticketly/ticketly/internal/projection"
)

// View holds the catalog read model of one replica.
type View struct {
	mu       sync.RWMutex
	events   map[string]*projection.EventDoc
	orgs     map[string]*projection.OrgDoc
	cats     map[string]*projection.CategoryDoc
	sessions map[string]string // session id -> event id
	seats    map[string]*projection.SeatStatusDoc
	text     map[string]string // event id -> lowercase searchable text of the event itself
	now      func() time.Time
	// onSeatChange is told of every new seat change, in version order per session, while
	// the view is locked (so a snapshot taken under the read lock and this stream line up).
	onSeatChange func(c projection.SeatChange, gap bool)
	onCheckout   func(c projection.Checkout)
}

// OnCheckout registers the listener of orders' status changes (organizer streams).
func (v *View) OnCheckout(fn func(c projection.Checkout)) { v.onCheckout = fn }

// OnSeatChange registers the listener of applied seat changes (the SSE hub). Set it
// before the view is fed.
func (v *View) OnSeatChange(fn func(c projection.SeatChange, gap bool)) { v.onSeatChange = fn }

// New returns an empty view; now is the clock (time.Now in production).
func New(now func() time.Time) *View {
	return &View{events: map[string]*projection.EventDoc{}, orgs: map[string]*projection.OrgDoc{},
		cats: map[string]*projection.CategoryDoc{}, sessions: map[string]string{},
		seats: map[string]*projection.SeatStatusDoc{}, text: map[string]string{}, now: now}
}

// PutEvent stores a document loaded from the document store (bootstrap).
func (v *View) PutEvent(d *projection.EventDoc) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if old := v.events[d.ID]; old == nil || d.Revision > old.Revision {
		v.putEventLocked(d)
	}
}

func (v *View) putEventLocked(d *projection.EventDoc) {
	if old := v.events[d.ID]; old != nil {
		for _, s := range old.Sessions {
			delete(v.sessions, s.ID)
		}
	}
	v.events[d.ID] = d
	for _, s := range d.Sessions {
		v.sessions[s.ID] = d.ID
	}
	v.text[d.ID] = eventText(d)
}

// PutOrg stores an organization document (bootstrap).
func (v *View) PutOrg(d *projection.OrgDoc) { v.mu.Lock(); v.orgs[d.ID] = d; v.mu.Unlock() }

// PutSeatStatus stores a session's seat-status document (bootstrap); a document older than
// what the view already has is ignored, so a reload never moves a session backwards.
func (v *View) PutSeatStatus(d *projection.SeatStatusDoc) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if old := v.seats[d.SessionID]; old == nil || d.Version > old.Version {
		v.seats[d.SessionID] = d
	}
}

// PutCategory stores a category document (bootstrap).
func (v *View) PutCategory(d *projection.CategoryDoc) { v.mu.Lock(); v.cats[d.ID] = d; v.mu.Unlock() }

// Apply advances the view by one change of topic. Changes already reflected are skipped by
// the documents' LSN guards. Poison changes are ignored here (the projector dead-letters them).
func (v *View) Apply(topic string, c projection.Change) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch topic {
	case projection.TopicEventAggregate:
		id, err := projection.EventKey(c)
		if err != nil {
			return err
		}
		doc := v.events[id]
		if doc == nil {
			doc = projection.Events.New(id)
		} else {
			doc = cloneEvent(doc) // readers may hold the old pointer
		}
		if ok, err := projection.ApplyEvent(doc, c); err != nil || !ok {
			return err
		}
		v.putEventLocked(doc)
	case projection.TopicOrganizations:
		id, err := projection.OrgKey(c)
		if err != nil {
			return err
		}
		doc := &projection.OrgDoc{ID: id, Versions: map[string]int64{}}
		if old := v.orgs[id]; old != nil { // copy on write: readers may hold the old one
			*doc = *old
			doc.Members = append([]projection.Member(nil), old.Members...)
			doc.Versions = make(map[string]int64, len(old.Versions))
			for k, val := range old.Versions {
				doc.Versions[k] = val
			}
		}
		if ok, err := projection.ApplyOrg(doc, c); err != nil || !ok {
			return err
		}
		v.orgs[id] = doc
	case projection.TopicOrders:
		co, ok, err := projection.DecodeCheckout(c)
		if err != nil || !ok || v.onCheckout == nil {
			return err
		}
		v.onCheckout(co)
	case projection.TopicSeatChanges:
		if c.Op == projection.OpDelete {
			return nil
		}
		sc, err := projection.DecodeSeatChange(c)
		if err != nil {
			return err
		}
		doc := v.seats[sc.SessionID]
		if doc == nil {
			doc = projection.SeatStatus.New(sc.SessionID)
			v.seats[sc.SessionID] = doc
		}
		prev := doc.Version
		if doc.ApplyChange(sc) && v.onSeatChange != nil {
			v.onSeatChange(sc, sc.Version > prev+1)
		}
	case projection.TopicCategories:
		id, err := projection.RowID(c)
		if err != nil {
			return err
		}
		doc := &projection.CategoryDoc{ID: id, Versions: map[string]int64{}}
		if old := v.cats[id]; old != nil {
			*doc = *old
			doc.Versions = map[string]int64{"category": old.Versions["category"]}
		}
		if ok, err := projection.ApplyCategory(doc, c); err != nil || !ok {
			return err
		}
		v.cats[id] = doc
	}
	return nil
}

// cloneEvent copies what ApplyEvent mutates in place (slices and the version map), so a
// document handed to a reader is never changed under it.
func cloneEvent(d *projection.EventDoc) *projection.EventDoc {
	c := *d
	c.Tiers = append([]projection.Tier(nil), d.Tiers...)
	c.Sessions = append([]projection.Session(nil), d.Sessions...)
	c.Discounts = append([]projection.Discount(nil), d.Discounts...)
	c.CoverImages = append([]string(nil), d.CoverImages...)
	c.Versions = make(map[string]int64, len(d.Versions))
	for k, val := range d.Versions {
		c.Versions[k] = val
	}
	return &c
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
