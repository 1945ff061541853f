package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/command"
)

// CatalogEvents stores event aggregates: catalog.events with catalog.tiers,
// catalog.sessions (layouts in sessions.layout) and catalog.discounts.
type CatalogEvents struct{ pool *pgxpool.Pool }

var _ command.Events = (*CatalogEvents)(nil)

const (
	catalogEventColumns = `id, organization_id, category_id, title, description, overview, cover_images, status,
		rejection_reason, created_by, created_at, updated_at, submitted_at`
	// catalogEventRead reads an event of catalog.events e with its organization's name.
	catalogEventRead       = catalogEventColumns + `, (SELECT o.name FROM catalog.organizations o WHERE o.id = e.organization_id)`
	catalogTierColumns     = `id, event_id, name, colour, price_minor, currency, created_at, updated_at`
	catalogSessionColumns  = `id, event_id, start_time, end_time, sales_start_time, sales_end_time, session_type, venue, online_link, status`
	catalogDiscountColumns = `id, event_id, code, kind, percent, amount_minor, min_spend_minor, max_discount_minor, buy, get,
		usage_limit, active_from, active_until, is_public, tier_ids, session_ids, created_at, updated_at`
)

// catalogVenue is the JSON of sessions.venue.
type catalogVenue struct {
	Name      string  `json:"name"`
	Address   string  `json:"address"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

func scanCatalogEvent(row pgx.Row) (catalog.EventState, error) {
	var (
		s      catalog.EventState
		covers []byte
		status string
	)
	err := row.Scan(&s.ID, &s.OrganizationID, &s.CategoryID, &s.Title, &s.Description, &s.Overview, &covers, &status,
		&s.RejectionReason, &s.CreatedBy, &s.CreatedAt, &s.UpdatedAt, &s.SubmittedAt, &s.OrganizationName)
	if err != nil {
		return s, err
	}
	s.Status = catalog.EventStatus(status)
	if err := json.Unmarshal(covers, &s.CoverImages); err != nil {
		return s, fmt.Errorf("decode cover_images of event %s: %w", s.ID, err)
	}
	return s, nil
}

// loadCatalogEvent reads an event with its children; lock is "" or a row-locking clause for the
// event row (writers of an event's children lock the event row first).
func loadCatalogEvent(ctx context.Context, q catalogQuerier, id uuid.UUID, lock string, load command.LayoutLoad) (*catalog.Event, error) {
	es, err := scanCatalogEvent(q.QueryRow(ctx, `SELECT `+catalogEventRead+` FROM catalog.events e WHERE e.id = $1 `+lock, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, catalogNotFound("event", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load event %s: %w", id, err)
	}
	rows, err := q.Query(ctx, `SELECT `+catalogTierColumns+` FROM catalog.tiers WHERE event_id = $1 ORDER BY created_at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("load tiers: %w", err)
	}
	tiers, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*catalog.Tier, error) {
		var s catalog.TierState
		err := row.Scan(&s.ID, &s.EventID, &s.Name, &s.Colour, &s.PriceMinor, &s.Currency, &s.CreatedAt, &s.UpdatedAt)
		return catalog.RestoreTier(s), err
	})
	if err != nil {
		return nil, fmt.Errorf("load tiers: %w", err)
	}
	rows, err = q.Query(ctx, `SELECT `+catalogSessionColumns+`, CASE WHEN $2 OR id = $3 THEN layout END, created_at, updated_at
		FROM catalog.sessions WHERE event_id = $1 ORDER BY start_time, id`, id, load.All, load.Session)
	if err != nil {
		return nil, fmt.Errorf("load sessions: %w", err)
	}
	sessions, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*catalog.Session, error) {
		var (
			s             catalog.SessionState
			typ, status   string
			venue, layout []byte
		)
		if err := row.Scan(&s.ID, &s.EventID, &s.StartTime, &s.EndTime, &s.SalesStartTime, &s.SalesEndTime, &typ, &venue,
			&s.OnlineLink, &status, &layout, &s.CreatedAt, &s.UpdatedAt); err != nil {
			return nil, err
		}
		s.Type, s.Status = catalog.SessionType(typ), catalog.SessionStatus(status)
		if venue != nil {
			var v catalogVenue
			if err := json.Unmarshal(venue, &v); err != nil {
				return nil, fmt.Errorf("decode venue of session %s: %w", s.ID, err)
			}
			s.Venue = &catalog.Venue{Name: v.Name, Address: v.Address, Latitude: v.Latitude, Longitude: v.Longitude}
		}
		if layout != nil {
			l := &catalog.Layout{}
			if err := json.Unmarshal(layout, l); err != nil {
				return nil, fmt.Errorf("decode layout of session %s: %w", s.ID, err)
			}
			s.Layout = l.Normalize()
		}
		return catalog.RestoreSession(s), nil
	})
	if err != nil {
		return nil, fmt.Errorf("load sessions: %w", err)
	}
	rows, err = q.Query(ctx, `SELECT `+catalogDiscountColumns+` FROM catalog.discounts WHERE event_id = $1 ORDER BY created_at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("load discounts: %w", err)
	}
	discounts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*catalog.Discount, error) {
		var (
			s    catalog.DiscountState
			kind string
		)
		err := row.Scan(&s.ID, &s.EventID, &s.Code, &kind, &s.Percent, &s.AmountMinor, &s.MinSpendMinor, &s.MaxDiscountMinor,
			&s.Buy, &s.Get, &s.UsageLimit, &s.ActiveFrom, &s.ActiveUntil, &s.Public, &s.TierIDs, &s.SessionIDs, &s.CreatedAt, &s.UpdatedAt)
		s.Kind = catalog.DiscountKind(kind)
		return catalog.RestoreDiscount(s), err
	})
	if err != nil {
		return nil, fmt.Errorf("load discounts: %w", err)
	}
	return catalog.RestoreEvent(es, tiers, sessions, discounts), nil
}

// catalogEventSnapshot is an event's state as loaded, to write only what a closure changed.
type catalogEventSnapshot struct {
	event     catalog.EventState
	tiers     map[uuid.UUID]catalog.TierState
	sessions  map[uuid.UUID]catalog.SessionState
	discounts map[uuid.UUID]catalog.DiscountState
}

func snapshotCatalogEvent(e *catalog.Event) *catalogEventSnapshot {
	s := &catalogEventSnapshot{event: e.State(), tiers: map[uuid.UUID]catalog.TierState{},
		sessions: map[uuid.UUID]catalog.SessionState{}, discounts: map[uuid.UUID]catalog.DiscountState{}}
	for _, t := range e.Tiers() {
		s.tiers[t.ID()] = t.State()
	}
	for _, x := range e.Sessions() {
		s.sessions[x.ID()] = x.State()
	}
	for _, d := range e.Discounts() {
		s.discounts[d.ID()] = d.State()
	}
	return s
}

// writeCatalogEvent stores e: everything when before is nil (a new event), else only the rows
// that differ from before. Layouts are compared by identity: a changed layout is a new
// value, and layouts that were not loaded are never written.
func writeCatalogEvent(ctx context.Context, tx pgx.Tx, before *catalogEventSnapshot, e *catalog.Event) error {
	es := e.State()
	if before == nil {
		covers, _ := json.Marshal(es.CoverImages)
		if _, err := tx.Exec(ctx, `INSERT INTO catalog.events (`+catalogEventColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			es.ID, es.OrganizationID, es.CategoryID, es.Title, es.Description, es.Overview, string(covers), string(es.Status),
			es.RejectionReason, es.CreatedBy, es.CreatedAt, es.UpdatedAt, es.SubmittedAt); err != nil {
			return fmt.Errorf("insert event: %w", err)
		}
		before = &catalogEventSnapshot{}
	} else if !reflect.DeepEqual(before.event, es) {
		covers, _ := json.Marshal(es.CoverImages)
		if _, err := tx.Exec(ctx, `UPDATE catalog.events SET category_id = $2, title = $3, description = $4, overview = $5,
			cover_images = $6, status = $7, rejection_reason = $8, updated_at = $9, submitted_at = $10 WHERE id = $1`,
			es.ID, es.CategoryID, es.Title, es.Description, es.Overview, string(covers), string(es.Status), es.RejectionReason,
			es.UpdatedAt, es.SubmittedAt); err != nil {
			return fmt.Errorf("update event: %w", err)
		}
	}
	if err := writeCatalogTiers(ctx, tx, before.tiers, e.Tiers()); err != nil {
		return err
	}
	if err := writeCatalogSessions(ctx, tx, before.sessions, e.Sessions()); err != nil {
		return err
	}
	return writeCatalogDiscounts(ctx, tx, before.discounts, e.Discounts())
}

func writeCatalogTiers(ctx context.Context, tx pgx.Tx, before map[uuid.UUID]catalog.TierState, tiers []*catalog.Tier) error {
	seen := map[uuid.UUID]bool{}
	for _, t := range tiers {
		s := t.State()
		seen[s.ID] = true
		old, ok := before[s.ID]
		switch {
		case !ok:
			if _, err := tx.Exec(ctx, `INSERT INTO catalog.tiers (`+catalogTierColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				s.ID, s.EventID, s.Name, s.Colour, s.PriceMinor, s.Currency, s.CreatedAt, s.UpdatedAt); err != nil {
				return fmt.Errorf("insert tier: %w", err)
			}
		case old != s:
			if _, err := tx.Exec(ctx, `UPDATE catalog.tiers SET name = $2, colour = $3, price_minor = $4, currency = $5, updated_at = $6 WHERE id = $1`,
				s.ID, s.Name, s.Colour, s.PriceMinor, s.Currency, s.UpdatedAt); err != nil {
				return fmt.Errorf("update tier: %w", err)
			}
		}
	}
	for id := range before {
		if !seen[id] {
			if _, err := tx.Exec(ctx, `DELETE FROM catalog.tiers WHERE id = $1`, id); err != nil {
				return fmt.Errorf("delete tier: %w", err)
			}
		}
	}
	return nil
}

func encodeCatalogVenue(v *catalog.Venue) any {
	if v == nil {
		return nil
	}
	b, _ := json.Marshal(catalogVenue{Name: v.Name, Address: v.Address, Latitude: v.Latitude, Longitude: v.Longitude})
	return string(b)
}

func encodeCatalogLayout(l *catalog.Layout) (string, error) {
	b, err := json.Marshal(l)
	if err != nil {
		return "", fmt.Errorf("encode layout: %w", err)
	}
	return string(b), nil
}

func writeCatalogSessions(ctx context.Context, tx pgx.Tx, before map[uuid.UUID]catalog.SessionState, sessions []*catalog.Session) error {
	seen := map[uuid.UUID]bool{}
	for _, x := range sessions {
		s := x.State()
		seen[s.ID] = true
		old, ok := before[s.ID]
		if !ok {
			if s.Layout == nil {
				return fmt.Errorf("insert session %s: no layout", s.ID)
			}
			layout, err := encodeCatalogLayout(s.Layout)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO catalog.sessions (`+catalogSessionColumns+`, layout, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
				s.ID, s.EventID, s.StartTime, s.EndTime, s.SalesStartTime, s.SalesEndTime, string(s.Type), encodeCatalogVenue(s.Venue),
				s.OnlineLink, string(s.Status), layout, s.CreatedAt, s.UpdatedAt); err != nil {
				return fmt.Errorf("insert session: %w", err)
			}
			continue
		}
		layoutChanged := s.Layout != old.Layout && s.Layout != nil
		oldFields, newFields := old, s
		oldFields.Layout, newFields.Layout = nil, nil
		if !layoutChanged && reflect.DeepEqual(oldFields, newFields) {
			continue
		}
		sql := `UPDATE catalog.sessions SET start_time = $2, end_time = $3, sales_start_time = $4, sales_end_time = $5,
			venue = $6, online_link = $7, status = $8, updated_at = $9`
		args := []any{s.ID, s.StartTime, s.EndTime, s.SalesStartTime, s.SalesEndTime, encodeCatalogVenue(s.Venue), s.OnlineLink, string(s.Status), s.UpdatedAt}
		if layoutChanged {
			layout, err := encodeCatalogLayout(s.Layout)
			if err != nil {
				return err
			}
			sql += `, layout = $10`
			args = append(args, layout)
		}
		if _, err := tx.Exec(ctx, sql+` WHERE id = $1`, args...); err != nil {
			return fmt.Errorf("update session: %w", err)
		}
	}
	for id := range before {
		if !seen[id] {
			if _, err := tx.Exec(ctx, `DELETE FROM catalog.sessions WHERE id = $1`, id); err != nil {
				return fmt.Errorf("delete session: %w", err)
			}
		}
	}
	return nil
}

func writeCatalogDiscounts(ctx context.Context, tx pgx.Tx, before map[uuid.UUID]catalog.DiscountState, discounts []*catalog.Discount) error {
	for id := range before {
		if !catalogHasDiscount(discounts, id) {
			if _, err := tx.Exec(ctx, `DELETE FROM catalog.discounts WHERE id = $1`, id); err != nil {
				return fmt.Errorf("delete discount: %w", err)
			}
		}
	}
	for _, d := range discounts {
		s := d.State()
		old, ok := before[s.ID]
		fields := []any{s.Code, string(s.Kind), s.Percent, s.AmountMinor, s.MinSpendMinor, s.MaxDiscountMinor,
			s.Buy, s.Get, s.UsageLimit, s.ActiveFrom, s.ActiveUntil, s.Public, s.TierIDs, s.SessionIDs, s.UpdatedAt}
		switch {
		case !ok:
			args := append([]any{s.ID, s.EventID, s.CreatedAt}, fields...)
			if _, err := tx.Exec(ctx, `INSERT INTO catalog.discounts (id, event_id, created_at, code, kind, percent, amount_minor,
				min_spend_minor, max_discount_minor, buy, get, usage_limit, active_from, active_until, is_public, tier_ids,
				session_ids, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
				args...); err != nil {
				return fmt.Errorf("insert discount: %w", err)
			}
		case !reflect.DeepEqual(old, s):
			args := append([]any{s.ID}, fields...)
			if _, err := tx.Exec(ctx, `UPDATE catalog.discounts SET code = $2, kind = $3, percent = $4, amount_minor = $5,
				min_spend_minor = $6, max_discount_minor = $7, buy = $8, get = $9, usage_limit = $10, active_from = $11,
				active_until = $12, is_public = $13, tier_ids = $14, session_ids = $15, updated_at = $16 WHERE id = $1`,
				args...); err != nil {
				return fmt.Errorf("update discount: %w", err)
			}
		}
	}
	return nil
}

func catalogHasDiscount(ds []*catalog.Discount, id uuid.UUID) bool {
	for _, d := range ds {
		if d.ID() == id {
			return true
		}
	}
	return false
}

// catalogEventTx gives event closures read access inside their transaction.
type catalogEventTx struct {
	tx  pgx.Tx
	org *catalog.Organization
}

func (t *catalogEventTx) Organization() *catalog.Organization { return t.org }

func (t *catalogEventTx) CategoryExists(ctx context.Context, id uuid.UUID) (bool, error) {
	rows, err := t.tx.Query(ctx, `SELECT 1 FROM catalog.categories WHERE id = $1 FOR KEY SHARE`, id)
	if err != nil {
		return false, fmt.Errorf("find category: %w", err)
	}
	defer rows.Close()
	found := rows.Next()
	return found, rows.Err()
}

func (t *catalogEventTx) SaveOwnerEmail(ctx context.Context) error {
	// Only while none is stored: the organization row is not locked by event writes.
	if _, err := t.tx.Exec(ctx, `UPDATE catalog.organizations SET owner_email = $2 WHERE id = $1 AND owner_email = ''`,
		t.org.ID(), t.org.OwnerEmail()); err != nil {
		return fmt.Errorf("save owner e-mail of organization %s: %w", t.org.ID(), err)
	}
	return nil
}

func (t *catalogEventTx) Template(ctx context.Context, id uuid.UUID) (*catalog.SeatingTemplate, error) {
	return loadCatalogTemplate(ctx, t.tx, id, "")
}

func (t *catalogEventTx) ActiveEvents(ctx context.Context, userID string, orgID, except uuid.UUID, now time.Time) (int, error) {
	if err := catalogLock(ctx, t.tx, "catalog.active-events:"+userID); err != nil {
		return 0, err
	}
	return catalogCount(ctx, t.tx, `SELECT count(*) FROM catalog.events e
		WHERE e.id <> $3 AND e.status IN ('APPROVED', 'PENDING')
		  AND (e.organization_id = $2 OR e.organization_id IN (
		        SELECT id FROM catalog.organizations WHERE owner_id = $1
		        UNION SELECT organization_id FROM catalog.organization_members WHERE user_id = $1 AND 'ADMIN' = ANY (roles)))
		  AND EXISTS (SELECT 1 FROM catalog.sessions s WHERE s.event_id = e.id AND s.status <> 'CANCELLED' AND s.end_time > $4)`,
		userID, orgID, except, now)
}

// Create implements command.Events.
func (r *CatalogEvents) Create(ctx context.Context, orgID uuid.UUID, fn func(command.EventTx) (*catalog.Event, error)) error {
	return catalogWrite(ctx, r.pool, func(tx pgx.Tx) error {
		org, err := loadCatalogOrg(ctx, tx, orgID, "FOR KEY SHARE")
		if err != nil {
			return err
		}
		e, err := fn(&catalogEventTx{tx: tx, org: org})
		if err != nil {
			return err
		}
		return writeCatalogEvent(ctx, tx, nil, e)
	})
}

// Get implements command.Events.
func (r *CatalogEvents) Get(ctx context.Context, id uuid.UUID, load command.LayoutLoad) (*catalog.Event, *catalog.Organization, error) {
	var (
		e   *catalog.Event
		org *catalog.Organization
	)
	err := catalogRead(ctx, r.pool, func(tx pgx.Tx) error {
		var err error
		if e, err = loadCatalogEvent(ctx, tx, id, "", load); err != nil {
			return err
		}
		org, err = loadCatalogOrg(ctx, tx, e.OrganizationID(), "")
		return err
	})
	return e, org, err
}

// Update implements command.Events.
func (r *CatalogEvents) Update(ctx context.Context, id uuid.UUID, load command.LayoutLoad, fn func(command.EventTx, *catalog.Event) error) error {
	return catalogWrite(ctx, r.pool, func(tx pgx.Tx) error {
		e, err := loadCatalogEvent(ctx, tx, id, "FOR UPDATE", load)
		if err != nil {
			return err
		}
		org, err := loadCatalogOrg(ctx, tx, e.OrganizationID(), "")
		if err != nil {
			return err
		}
		before := snapshotCatalogEvent(e)
		if err := fn(&catalogEventTx{tx: tx, org: org}, e); err != nil {
			return err
		}
		return writeCatalogEvent(ctx, tx, before, e)
	})
}

// Delete implements command.Events. Tiers, sessions and discounts go by FK cascade.
func (r *CatalogEvents) Delete(ctx context.Context, id uuid.UUID, fn func(command.EventTx, *catalog.Event) error) error {
	return catalogWrite(ctx, r.pool, func(tx pgx.Tx) error {
		e, err := loadCatalogEvent(ctx, tx, id, "FOR UPDATE", command.LayoutLoad{})
		if err != nil {
			return err
		}
		org, err := loadCatalogOrg(ctx, tx, e.OrganizationID(), "")
		if err != nil {
			return err
		}
		if err := fn(&catalogEventTx{tx: tx, org: org}, e); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM catalog.events WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete event: %w", err)
		}
		return nil
	})
}

// List implements command.Events: newest first.
func (r *CatalogEvents) List(ctx context.Context, f command.EventFilter) ([]*catalog.Event, int, error) {
	var (
		status  *string
		visible *string
	)
	if f.Status != nil {
		s := string(*f.Status)
		status = &s
	}
	if f.VisibleTo != "" {
		visible = &f.VisibleTo
	}
	const where = ` FROM catalog.events e
		WHERE ($1::uuid IS NULL OR e.organization_id = $1)
		  AND ($2::text IS NULL OR e.status = $2)
		  AND ($3::text IS NULL OR e.organization_id IN (
		        SELECT id FROM catalog.organizations WHERE owner_id = $3
		        UNION SELECT organization_id FROM catalog.organization_members WHERE user_id = $3))`
	var (
		out   []*catalog.Event
		total int
	)
	err := catalogRead(ctx, r.pool, func(tx pgx.Tx) error {
		var err error
		if total, err = catalogCount(ctx, tx, `SELECT count(*)`+where, f.OrganizationID, status, visible); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+catalogEventRead+where+` ORDER BY e.created_at DESC, e.id LIMIT $4 OFFSET $5`,
			f.OrganizationID, status, visible, f.Page.Size, f.Page.Offset())
		if err != nil {
			return fmt.Errorf("list events: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*catalog.Event, error) {
			s, err := scanCatalogEvent(row)
			return catalog.RestoreEvent(s, nil, nil, nil), err
		})
		return err
	})
	return out, total, err
}

// EventOf implements command.Events.
func (r *CatalogEvents) EventOf(ctx context.Context, kind command.ChildKind, id uuid.UUID) (uuid.UUID, error) {
	table := map[command.ChildKind]string{command.ChildTier: "tiers", command.ChildSession: "sessions", command.ChildDiscount: "discounts"}[kind]
	if table == "" {
		return uuid.Nil, fmt.Errorf("event of unknown kind %q", kind)
	}
	var eventID uuid.UUID
	err := r.pool.QueryRow(ctx, `SELECT event_id FROM catalog.`+table+` WHERE id = $1`, id).Scan(&eventID)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, catalogNotFound(string(kind), id)
	}
	if err != nil {
		return uuid.Nil, catalogError(fmt.Errorf("find %s %s: %w", kind, id, err))
	}
	return eventID, nil
}
