package orderingtest

import (
	"context"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/ordering"
)

// Catalog is an in-memory ordering.Catalog.
type Catalog struct {
	mu        sync.Mutex
	sessions  map[uuid.UUID]*ordering.SessionInfo
	discounts map[uuid.UUID][]*ordering.Discount
	members   map[uuid.UUID]map[string]ordering.Membership
	err       error
}

var _ ordering.Catalog = (*Catalog)(nil)

// NewCatalog returns an empty catalog.
func NewCatalog() *Catalog {
	return &Catalog{sessions: map[uuid.UUID]*ordering.SessionInfo{}, discounts: map[uuid.UUID][]*ordering.Discount{},
		members: map[uuid.UUID]map[string]ordering.Membership{}}
}

// AddSession stores a session (replacing one with its ID).
func (c *Catalog) AddSession(s *ordering.SessionInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sessions[s.ID] = s
}

// AddDiscount stores a discount of its event.
func (c *Catalog) AddDiscount(d *ordering.Discount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.discounts[d.EventID] = append(c.discounts[d.EventID], d)
}

// SetMember makes user a member of the organization.
func (c *Catalog) SetMember(orgID uuid.UUID, user string, m ordering.Membership) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.members[orgID] == nil {
		c.members[orgID] = map[string]ordering.Membership{}
	}
	c.members[orgID][user] = m
}

// Fail makes every later read fail with err; nil heals it.
func (c *Catalog) Fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = err
}

// Session returns a copy of the session, NotFound when there is none.
func (c *Catalog) Session(ctx context.Context, id uuid.UUID) (*ordering.SessionInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return nil, c.err
	}
	s, ok := c.sessions[id]
	if !ok {
		return nil, apperr.New(apperr.NotFound, "session %s not found", id)
	}
	cp := *s
	return &cp, nil
}

// Discount returns the event's discount with the code (compared upper-case), or nil.
func (c *Catalog) Discount(ctx context.Context, eventID uuid.UUID, code string) (*ordering.Discount, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return nil, c.err
	}
	for _, d := range c.discounts[eventID] {
		if strings.EqualFold(d.Code, code) {
			cp := *d
			return &cp, nil
		}
	}
	return nil, nil
}

// Membership says how user belongs to the organization (the zero Membership when not).
func (c *Catalog) Membership(ctx context.Context, orgID uuid.UUID, user string) (ordering.Membership, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return ordering.Membership{}, c.err
	}
	return c.members[orgID][user], nil
}
