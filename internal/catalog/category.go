package catalog

import (
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

// Category files events; categories form a two-level tree (a parent and its children).
type Category struct {
	id        uuid.UUID
	name      string
	parentID  *uuid.UUID
	createdAt time.Time
	updatedAt time.Time
}

// CategoryState is a category's stored state.
type CategoryState struct {
	ID        uuid.UUID
	Name      string
	ParentID  *uuid.UUID
	CreatedAt time.Time
	UpdatedAt time.Time
}

// RestoreCategory rebuilds a category from stored state.
func RestoreCategory(s CategoryState) *Category {
	return &Category{id: s.ID, name: s.Name, parentID: clonePtr(s.ParentID), createdAt: s.CreatedAt.UTC(), updatedAt: s.UpdatedAt.UTC()}
}

// State returns a copy of the category's fields.
func (c *Category) State() CategoryState {
	return CategoryState{ID: c.id, Name: c.name, ParentID: clonePtr(c.parentID), CreatedAt: c.createdAt, UpdatedAt: c.updatedAt}
}

// ID returns the category's ID.
func (c *Category) ID() uuid.UUID { return c.id }

// CategoryTree is every category at once: the unit that keeps the tree two levels deep and
// names unique (case-insensitively). Category writes are rare, so they lock the whole tree.
type CategoryTree struct {
	cats []*Category
}

// NewCategoryTree returns the tree over cats.
func NewCategoryTree(cats []*Category) *CategoryTree { return &CategoryTree{cats: cats} }

// All returns the categories.
func (t *CategoryTree) All() []*Category { return slices.Clone(t.cats) }

func (t *CategoryTree) find(id uuid.UUID) *Category {
	for _, c := range t.cats {
		if c.id == id {
			return c
		}
	}
	return nil
}

func (t *CategoryTree) hasChildren(id uuid.UUID) bool {
	return slices.ContainsFunc(t.cats, func(c *Category) bool { return c.parentID != nil && *c.parentID == id })
}

func (t *CategoryTree) nameTaken(name string, except uuid.UUID) bool {
	return slices.ContainsFunc(t.cats, func(c *Category) bool { return c.id != except && strings.EqualFold(c.name, name) })
}

func (t *CategoryTree) checkParent(fe apperr.FieldErrors, self uuid.UUID, parent *uuid.UUID) {
	if parent == nil {
		return
	}
	p := t.find(*parent)
	switch {
	case *parent == self:
		fe.Add("parent_id", "a category cannot be its own parent")
	case p == nil:
		fe.Add("parent_id", "no such category")
	case p.parentID != nil:
		fe.Add("parent_id", "is itself a sub-category; categories have two levels only")
	case t.hasChildren(self):
		fe.Add("parent_id", "this category has sub-categories, so it cannot become one; categories have two levels only")
	}
}

// Add creates a category under parent (nil: top level).
func (t *CategoryTree) Add(id uuid.UUID, name string, parent *uuid.UUID, now time.Time) (*Category, error) {
	fe := apperr.FieldErrors{}
	name = cleanText(fe, "name", name, 1, maxShortNameLen, false)
	t.checkParent(fe, id, parent)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if t.nameTaken(name, id) {
		return nil, apperr.New(apperr.Conflict, "a category named %q exists already", name)
	}
	c := &Category{id: id, name: name, parentID: clonePtr(parent), createdAt: normTime(now), updatedAt: normTime(now)}
	t.cats = append(t.cats, c)
	return c, nil
}

// Edit renames a category and/or moves it (parent Null: to the top level).
func (t *CategoryTree) Edit(id uuid.UUID, name *string, parent Patch[uuid.UUID], now time.Time) (*Category, error) {
	c := t.find(id)
	if c == nil {
		return nil, apperr.New(apperr.NotFound, "category %s not found", id)
	}
	fe := apperr.FieldErrors{}
	newName, newParent := c.name, clonePtr(c.parentID)
	if name != nil {
		newName = cleanText(fe, "name", *name, 1, maxShortNameLen, false)
	}
	if parent.Set {
		newParent = nil
		if !parent.Null {
			newParent = &parent.Value
		}
		t.checkParent(fe, id, newParent)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if t.nameTaken(newName, id) {
		return nil, apperr.New(apperr.Conflict, "a category named %q exists already", newName)
	}
	if newName != c.name || !equalPtr(newParent, c.parentID) {
		c.name, c.parentID, c.updatedAt = newName, newParent, normTime(now)
	}
	return c, nil
}

// Remove deletes a category that has no sub-categories and files no events.
func (t *CategoryTree) Remove(id uuid.UUID, eventsUsing int) error {
	i := slices.IndexFunc(t.cats, func(c *Category) bool { return c.id == id })
	if i < 0 {
		return apperr.New(apperr.NotFound, "category %s not found", id)
	}
	if t.hasChildren(id) {
		return apperr.New(apperr.Conflict, "category %s has sub-categories; delete or move them first", id)
	}
	if eventsUsing > 0 {
		return apperr.New(apperr.Conflict, "category %s is used by %d event(s)", id, eventsUsing).
			WithDetails(map[string]any{"events": eventsUsing})
	}
	t.cats = slices.Delete(t.cats, i, i+1)
	return nil
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
