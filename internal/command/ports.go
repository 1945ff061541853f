// Package command holds event-command's use cases: an application service that checks who
// may do what, applies the catalog rules and stores the result through repositories.
// Repositories own their transactions: each write is one PostgreSQL transaction in which
// the repository loads and locks the aggregate, runs the closure it was given, and stores
// exactly what the closure changed (every change is a row change that CDC carries on).
package command

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/catalog"
)

// Organizations stores organizations with their members.
type Organizations interface {
	// Create counts the organizations owner owns (serialised per owner, so the plan limit
	// holds under concurrency), asks fn for the new organization and inserts it.
	Create(ctx context.Context, owner string, fn func(owned int) (*catalog.Organization, error)) error
	// Get returns an organization with its members, or a not_found error.
	Get(ctx context.Context, id uuid.UUID) (*catalog.Organization, error)
	// Update locks the organization, runs fn and stores what it changed.
	Update(ctx context.Context, id uuid.UUID, fn func(*catalog.Organization) error) error
	// Delete locks the organization, runs fn with its number of events and deletes it
	// (members and seating templates go with it) unless fn fails.
	Delete(ctx context.Context, id uuid.UUID, fn func(o *catalog.Organization, events int) error) error
	// ListForUser returns the organizations userID owns or is a member of.
	ListForUser(ctx context.Context, userID string) ([]*catalog.Organization, error)
	// List returns a page of every organization and the total count.
	List(ctx context.Context, p Page) ([]*catalog.Organization, int, error)
}

// Categories stores the category tree.
type Categories interface {
	List(ctx context.Context) ([]*catalog.Category, error)
	// Change locks the whole tree, runs fn over it and stores what it changed.
	Change(ctx context.Context, fn func(*catalog.CategoryTree) error) error
	// Remove is Change for a deletion: fn also gets how many events category id files.
	Remove(ctx context.Context, id uuid.UUID, fn func(t *catalog.CategoryTree, eventsUsing int) error) error
}

// LayoutLoad says which session layouts an event is loaded with; layouts can be large.
type LayoutLoad struct {
	All     bool
	Session uuid.UUID // when not All: only this session's layout (uuid.Nil: none)
}

// EventTx is what an event closure may read inside its transaction.
type EventTx interface {
	// Organization is the event's organization, with its members.
	Organization() *catalog.Organization
	// SaveOwnerEmail stores the organization's owner e-mail (Organization().OwnerEmail())
	// unless one is stored already.
	SaveOwnerEmail(ctx context.Context) error
	// CategoryExists reports whether the category exists (and keeps it from being deleted
	// until the transaction ends).
	CategoryExists(ctx context.Context, id uuid.UUID) (bool, error)
	// Template returns a seating template, or a not_found error.
	Template(ctx context.Context, id uuid.UUID) (*catalog.SeatingTemplate, error)
	// ActiveEvents counts the events, except except, that are APPROVED or PENDING and have
	// a session not cancelled and not yet ended at now, in the organizations userID owns or
	// administers and in orgID. Counting is serialised per user.
	ActiveEvents(ctx context.Context, userID string, orgID, except uuid.UUID, now time.Time) (int, error)
}

// EventFilter selects events to list.
type EventFilter struct {
	OrganizationID *uuid.UUID
	Status         *catalog.EventStatus
	// VisibleTo limits the list to organizations the user owns or is a member of ("": all).
	VisibleTo string
	Page      Page
}

// Page is a 1-based page of a list.
type Page struct {
	Number int
	Size   int
}

// Offset returns the number of items before the page.
func (p Page) Offset() int { return (p.Number - 1) * p.Size }

// ChildKind names what belongs to an event.
type ChildKind string

const (
	ChildTier     ChildKind = "tier"
	ChildSession  ChildKind = "session"
	ChildDiscount ChildKind = "discount"
)

// Events stores event aggregates: the event with its tiers, sessions and discounts.
type Events interface {
	// Create locks the organization against deletion, asks fn for the event and inserts it
	// with its children.
	Create(ctx context.Context, orgID uuid.UUID, fn func(tx EventTx) (*catalog.Event, error)) error
	// Get returns the event and its organization, or a not_found error.
	Get(ctx context.Context, id uuid.UUID, load LayoutLoad) (*catalog.Event, *catalog.Organization, error)
	// Update locks the event (SELECT … FOR UPDATE), runs fn and stores what it changed.
	Update(ctx context.Context, id uuid.UUID, load LayoutLoad, fn func(tx EventTx, e *catalog.Event) error) error
	// Delete locks the event, runs fn and deletes the event with its children.
	Delete(ctx context.Context, id uuid.UUID, fn func(tx EventTx, e *catalog.Event) error) error
	// List returns a page of events (without children) and the total count.
	List(ctx context.Context, f EventFilter) ([]*catalog.Event, int, error)
	// EventOf returns the ID of the event a tier, session or discount belongs to, or a
	// not_found error.
	EventOf(ctx context.Context, kind ChildKind, id uuid.UUID) (uuid.UUID, error)
}

// Templates stores seating templates.
type Templates interface {
	// Create locks the organization, counts its templates, asks fn for the new one and
	// inserts it.
	Create(ctx context.Context, orgID uuid.UUID, fn func(o *catalog.Organization, existing int) (*catalog.SeatingTemplate, error)) error
	// Get returns a template and its organization, or a not_found error.
	Get(ctx context.Context, id uuid.UUID) (*catalog.SeatingTemplate, *catalog.Organization, error)
	// Update locks the template, runs fn and stores what it changed.
	Update(ctx context.Context, id uuid.UUID, fn func(o *catalog.Organization, t *catalog.SeatingTemplate) error) error
	// Delete locks the template, runs fn and deletes the template.
	Delete(ctx context.Context, id uuid.UUID, fn func(o *catalog.Organization, t *catalog.SeatingTemplate) error) error
	// List returns an organization's templates, without their layouts.
	List(ctx context.Context, orgID uuid.UUID) ([]*catalog.SeatingTemplate, error)
}
