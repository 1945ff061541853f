package projection

import (
	"maps"
	"slices"
)

// Model describes one read model: the topic that feeds it, the permanent consumer group of
// its projector, the collection that keeps it, and how a change finds and updates its
// document. Group names are versioned: a new projection logic gets a new group (and
// rebuilds from the earliest offset).
//
// A Model is the whole definition of a read model: every process that keeps one (the
// projector writing the document store, a rebuild, a replica's in-memory view) goes
// through Route and Step, so decoding, keying and the version guards are written once.
// The models a service keeps are listed once, in its registry (event-query: models.go).
type Model[D any] struct {
	Name       string
	Topic      string
	Group      string
	Collection string
	Key        func(Change) (string, error)
	New        func(id string) *D
	Apply      func(*D, Change) (bool, error)
	// Clone copies what Apply changes in place, so that a holder whose readers may keep a
	// document (the in-memory view) changes a copy instead. Nil when Apply's changes need
	// no copy (the holder then changes documents in place, under its own lock).
	Clone func(*D) *D
}

// Route decodes a Debezium record value and finds the document its change feeds. ok is
// false for a record that carries no row (tombstone, truncate); an error wraps ErrPoison
// for a record that can never be applied.
func (m Model[D]) Route(value []byte) (c Change, id string, ok bool, err error) {
	c, ok, err = Decode(value)
	if err != nil || !ok {
		return c, "", false, err
	}
	if id, err = m.Key(c); err != nil {
		return c, "", false, err
	}
	return c, id, true, nil
}

// Step applies c to docs[id], creating the document with New when docs has none (a new
// document is kept in docs whether or not the change applied), and reports whether the
// document changed. The document is changed in place.
func (m Model[D]) Step(docs map[string]*D, id string, c Change) (bool, error) {
	doc := docs[id]
	if doc == nil {
		doc = m.New(id)
		docs[id] = doc
	}
	return m.Apply(doc, c)
}

// StepCopy is Step for documents readers may still hold: the change is applied to a copy
// (Clone; in place when Clone is nil), which replaces docs[id] only when the change
// applied. It returns the document that was there before (nil for a new one).
func (m Model[D]) StepCopy(docs map[string]*D, id string, c Change) (prev *D, applied bool, err error) {
	prev = docs[id]
	doc := prev
	switch {
	case doc == nil:
		doc = m.New(id)
	case m.Clone != nil:
		doc = m.Clone(doc)
	}
	if applied, err = m.Apply(doc, c); err != nil || !applied {
		return prev, false, err
	}
	docs[id] = doc
	return prev, true, nil
}

// Topics of the catalog read models (see debezium/connector.properties for the routing).
const (
	TopicEventAggregate = "ticketly.catalog.event_aggregate"
	TopicOrganizations  = "ticketly.catalog.organizations"
	TopicCategories     = "ticketly.catalog.categories"
)

// Events is the event-document read model.
var Events = Model[EventDoc]{
	Name: "events", Topic: TopicEventAggregate, Group: "projector.events.v1", Collection: "events",
	Key:   EventKey,
	New:   func(id string) *EventDoc { return &EventDoc{ID: id, Versions: map[string]int64{}} },
	Apply: ApplyEvent,
	Clone: CloneEvent,
}

// Organizations is the organization read model.
var Organizations = Model[OrgDoc]{
	Name: "organizations", Topic: TopicOrganizations, Group: "projector.organizations.v2", Collection: "organizations",
	Key:   OrgKey,
	New:   func(id string) *OrgDoc { return &OrgDoc{ID: id, Versions: map[string]int64{}} },
	Apply: ApplyOrg,
	Clone: func(d *OrgDoc) *OrgDoc {
		c := *d
		c.Members, c.Removed, c.Versions = slices.Clone(d.Members), slices.Clone(d.Removed), maps.Clone(d.Versions)
		return &c
	},
}

// Categories is the category read model.
var Categories = Model[CategoryDoc]{
	Name: "categories", Topic: TopicCategories, Group: "projector.categories.v1", Collection: "categories",
	Key:   RowID,
	New:   func(id string) *CategoryDoc { return &CategoryDoc{ID: id, Versions: map[string]int64{}} },
	Apply: ApplyCategory,
	Clone: func(d *CategoryDoc) *CategoryDoc { c := *d; c.Versions = maps.Clone(d.Versions); return &c },
}

// CloneEvent copies what ApplyEvent changes in place (slices and the version map).
func CloneEvent(d *EventDoc) *EventDoc {
	c := *d
	c.Tiers, c.Sessions, c.Discounts = slices.Clone(d.Tiers), slices.Clone(d.Sessions), slices.Clone(d.Discounts)
	c.CoverImages, c.Versions = slices.Clone(d.CoverImages), maps.Clone(d.Versions)
	return &c
}
