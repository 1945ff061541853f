package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/singleflight"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/ordering"
)

// CatalogReader reads what the order service needs from the catalog write model (schema
// catalog, read-only grants) and caches sessions and discounts for a few seconds: layouts
// and prices change rarely, and a flash sale asks for the same session thousands of times a
// second. Concurrent misses for one key share a single query. Memberships are never cached.
type CatalogReader struct {
	pool  *pgxpool.Pool
	ttl   time.Duration
	now   func() time.Time
	group singleflight.Group
	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	val any // *ordering.SessionInfo, *ordering.Discount, or nil (absent)
	at  time.Time
}

// maxCached bounds the cache; past it, expired entries are dropped (and, if that is not
// enough, everything).
const maxCached = 10_000

var _ ordering.Catalog = (*CatalogReader)(nil)

// NewCatalogReader returns a reader caching for ttl (0: no cache).
func NewCatalogReader(pool *pgxpool.Pool, ttl time.Duration) *CatalogReader {
	return &CatalogReader{pool: pool, ttl: ttl, now: time.Now, cache: map[string]cached{}}
}

func (c *CatalogReader) cachedOr(ctx context.Context, key string, load func(context.Context) (any, error)) (any, error) {
	if c.ttl > 0 {
		c.mu.Lock()
		e, ok := c.cache[key]
		c.mu.Unlock()
		if ok && c.now().Sub(e.at) < c.ttl {
			return e.val, nil
		}
	}
	v, err, _ := c.group.Do(key, func() (any, error) {
		// Detached from one caller's cancellation: others may be waiting on this load.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		v, err := load(lctx)
		if err != nil {
			return nil, err
		}
		if c.ttl > 0 {
			c.mu.Lock()
			if len(c.cache) >= maxCached {
				now := c.now()
				for k, e := range c.cache {
					if now.Sub(e.at) >= c.ttl {
						delete(c.cache, k)
					}
				}
				if len(c.cache) >= maxCached {
					clear(c.cache)
				}
			}
			c.cache[key] = cached{val: v, at: c.now()}
			c.mu.Unlock()
		}
		return v, nil
	})
	return v, err
}

// Session returns a session with its event's status, layout and tiers.
func (c *CatalogReader) Session(ctx context.Context, id uuid.UUID) (*ordering.SessionInfo, error) {
	v, err := c.cachedOr(ctx, "session:"+id.String(), func(ctx context.Context) (any, error) {
		return c.loadSession(ctx, id)
	})
	if err != nil {
		return nil, err
	}
	s, _ := v.(*ordering.SessionInfo)
	if s == nil {
		return nil, apperr.New(apperr.NotFound, "session %s not found", id)
	}
	return s, nil
}

// layoutJSON is the stored shape of sessions.layout.
type layoutJSON struct {
	Blocks []struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Type     string `json:"type"`
		Capacity int64  `json:"capacity"`
		TierID   string `json:"tier_id"`
		Rows     []struct {
			Label string `json:"label"`
			Seats []struct {
				ID     string `json:"id"`
				Label  string `json:"label"`
				TierID string `json:"tier_id"`
			} `json:"seats"`
		} `json:"rows"`
	} `json:"blocks"`
	BlockedSeatIDs []string `json:"blocked_seat_ids"`
}

func (c *CatalogReader) loadSession(ctx context.Context, id uuid.UUID) (any, error) {
	s := &ordering.SessionInfo{ID: id}
	var layout []byte
	err := c.pool.QueryRow(ctx, `
		SELECT s.event_id, e.organization_id, s.status, e.status, s.sales_start_time, s.sales_end_time, s.layout
		FROM catalog.sessions s JOIN catalog.events e ON e.id = s.event_id
		WHERE s.id = $1`, id).
		Scan(&s.EventID, &s.OrganizationID, &s.Status, &s.EventStatus, &s.SalesStart, &s.SalesEnd, &layout)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read session %s: %w", id, err)
	}
	var l layoutJSON
	if err := json.Unmarshal(layout, &l); err != nil {
		return nil, fmt.Errorf("session %s: parse layout: %w", id, err)
	}
	s.Seats, s.Standing, s.Blocked = map[uuid.UUID]ordering.SeatInfo{}, map[string]ordering.StandingInfo{}, map[uuid.UUID]bool{}
	for _, b := range l.Blocks {
		switch b.Type {
		case "standing":
			tier, _ := uuid.Parse(b.TierID)
			s.Standing[b.ID] = ordering.StandingInfo{BlockID: b.ID, Name: b.Name, Capacity: b.Capacity, TierID: tier}
		default: // seated_grid; seats of a non_sellable block (if any) are known but not sellable
			for _, r := range b.Rows {
				for _, seat := range r.Seats {
					sid, err := uuid.Parse(seat.ID)
					if err != nil {
						continue
					}
					tier, _ := uuid.Parse(seat.TierID)
					s.Seats[sid] = ordering.SeatInfo{ID: sid, BlockID: b.ID, Row: r.Label, Label: seat.Label, TierID: tier,
						Sellable: b.Type == "seated_grid"}
				}
			}
		}
	}
	for _, b := range l.BlockedSeatIDs {
		if sid, err := uuid.Parse(b); err == nil {
			s.Blocked[sid] = true
		}
	}
	rows, err := c.pool.Query(ctx, `SELECT id, name, price_minor, currency FROM catalog.tiers WHERE event_id = $1`, s.EventID)
	if err != nil {
		return nil, fmt.Errorf("read tiers of event %s: %w", s.EventID, err)
	}
	tiers, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ordering.Tier, error) {
		var t ordering.Tier
		err := r.Scan(&t.ID, &t.Name, &t.PriceMinor, &t.Currency)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("read tiers of event %s: %w", s.EventID, err)
	}
	s.Tiers = make(map[uuid.UUID]ordering.Tier, len(tiers))
	for _, t := range tiers {
		s.Tiers[t.ID] = t
	}
	return s, nil
}

// Discount returns the event's discount with code, or nil.
func (c *CatalogReader) Discount(ctx context.Context, eventID uuid.UUID, code string) (*ordering.Discount, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	v, err := c.cachedOr(ctx, "discount:"+eventID.String()+":"+code, func(ctx context.Context) (any, error) {
		d := &ordering.Discount{EventID: eventID}
		var percent, buy, get, limit *int32
		var amount, maxDisc *int64
		err := c.pool.QueryRow(ctx, `
			SELECT id, code, kind, percent, amount_minor, min_spend_minor, max_discount_minor, buy, get, usage_limit,
			       active_from, active_until, tier_ids, session_ids
			FROM catalog.discounts WHERE event_id = $1 AND code = $2`, eventID, code).
			Scan(&d.ID, &d.Code, &d.Kind, &percent, &amount, &d.MinSpendMinor, &maxDisc, &buy, &get, &limit,
				&d.ActiveFrom, &d.ActiveUntil, &d.TierIDs, &d.SessionIDs)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read discount %s of event %s: %w", code, eventID, err)
		}
		d.Percent, d.Buy, d.Get, d.UsageLimit = int(deref(percent)), int(deref(buy)), int(deref(get)), int(deref(limit))
		d.AmountMinor, d.MaxDiscountMinor = deref(amount), deref(maxDisc)
		return d, nil
	})
	if err != nil {
		return nil, err
	}
	d, _ := v.(*ordering.Discount)
	return d, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// Membership says whether user owns the organization and which member roles they hold.
func (c *CatalogReader) Membership(ctx context.Context, orgID uuid.UUID, user string) (ordering.Membership, error) {
	var m ordering.Membership
	var roles []string
	err := c.pool.QueryRow(ctx, `
		SELECT o.owner_id = $2, COALESCE(m.roles, '{}')
		FROM catalog.organizations o
		LEFT JOIN catalog.organization_members m ON m.organization_id = o.id AND m.user_id = $2
		WHERE o.id = $1`, orgID, user).Scan(&m.Owner, &roles)
	if errors.Is(err, pgx.ErrNoRows) {
		return ordering.Membership{}, nil
	}
	if err != nil {
		return ordering.Membership{}, fmt.Errorf("read membership of %s in %s: %w", user, orgID, err)
	}
	m.Roles = roles
	return m, nil
}
