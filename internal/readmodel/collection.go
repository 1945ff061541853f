package readmodel

import "github.com/ticketly/ticketly/internal/projection"

// collection is one read model's documents in the view, its document type hidden.
type collection interface {
	apply(c projection.Change) error
}

// hooks are what a collection does besides keeping its documents; all run under the
// view's write lock.
type hooks[D any] struct {
	// keep reports whether a document loaded from the store replaces the one the view has
	// (nil: always).
	keep func(have, loaded *D) bool
	// changed is told of every document put or changed, with a shallow copy of the one
	// it replaces (nil when new): index maintenance.
	changed func(prev, doc *D)
	// applied is told of every change applied (not of bootstrap puts): notifications.
	applied func(prev, doc *D, c projection.Change)
}

// docs is the documents of model, keyed by document id. Changes go through the model's
// StepCopy: a document a reader may still hold is never changed under it, except for
// models without Clone, whose documents readers only use under the view's lock.
type docs[D any] struct {
	model projection.Model[D]
	m     map[string]*D
	hooks[D]
}

// track makes m, a map of the view, the collection of model, fed by the model's topic.
func track[D any](v *View, model projection.Model[D], m map[string]*D, h hooks[D]) {
	c := &docs[D]{model: model, m: m, hooks: h}
	v.byTopic[model.Topic] = c
	v.byName[model.Name] = c
}

func (c *docs[D]) apply(ch projection.Change) error {
	id, err := c.model.Key(ch)
	if err != nil {
		return err
	}
	prev := shallow(c.m[id])
	_, applied, err := c.model.StepCopy(c.m, id, ch)
	if err != nil || !applied {
		return err
	}
	if c.changed != nil {
		c.changed(prev, c.m[id])
	}
	if c.applied != nil {
		c.applied(prev, c.m[id], ch)
	}
	return nil
}

func (c *docs[D]) put(id string, d *D) {
	have := c.m[id]
	if have != nil && c.keep != nil && !c.keep(have, d) {
		return
	}
	c.m[id] = d
	if c.changed != nil {
		c.changed(shallow(have), d)
	}
}

// shallow copies a document's top level (nil for nil): enough to see what a change in
// place replaced (versions, slices a copy-on-write change does not touch).
func shallow[D any](d *D) *D {
	if d == nil {
		return nil
	}
	c := *d
	return &c
}
