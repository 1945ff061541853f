//go:build chaos

package chaos_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ticketly/ticketly/internal/projection"
)

// scope names the documents a comparison covers: the fixture's, or (All) every document of
// the read model.
type scope struct {
	All                          bool
	Events, Orgs, Cats, Sessions []string
}

func fixtureScope(f *fixture) scope {
	return scope{Events: []string{f.EventID}, Orgs: []string{f.OrgID}, Cats: []string{f.ParentCatID, f.CatID},
		Sessions: []string{f.SessionA, f.SessionW}}
}

// truth is what PostgreSQL (the write model) says, read in one repeatable-read transaction
// with pgx, in the shape of the read-model documents. A row that does not exist has no
// entry.
type truth struct {
	Events   map[string]*projection.EventDoc
	Orgs     map[string]*projection.OrgDoc
	Cats     map[string]*projection.CategoryDoc
	Seats    map[string]*projection.SeatStatusDoc // per session with an inventory
	Standing map[string]map[string]standingRow    // session -> block -> inventory
}

type standingRow struct{ Capacity, Taken int64 }

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func optTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return rfc3339(*t)
}

// ids returns the given ids, or with all every id query lists.
func ids(ctx context.Context, tx pgx.Tx, all bool, given []string, query string) ([]string, error) {
	if !all {
		return given, nil
	}
	rows, err := tx.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// readTruth reads the rows of the documents in sc.
func (e *env) readTruth(ctx context.Context, sc scope) (*truth, error) {
	tx, err := e.db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.Background())
	tr := &truth{Events: map[string]*projection.EventDoc{}, Orgs: map[string]*projection.OrgDoc{},
		Cats: map[string]*projection.CategoryDoc{}, Seats: map[string]*projection.SeatStatusDoc{},
		Standing: map[string]map[string]standingRow{}}
	events, err := ids(ctx, tx, sc.All, sc.Events, `SELECT id::text FROM catalog.events`)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	for _, id := range events {
		d, err := readEvent(ctx, tx, id)
		if err != nil {
			return nil, fmt.Errorf("event %s: %w", id, err)
		}
		if d != nil {
			tr.Events[id] = d
		}
	}
	orgs, err := ids(ctx, tx, sc.All, sc.Orgs, `SELECT id::text FROM catalog.organizations`)
	if err != nil {
		return nil, fmt.Errorf("organizations: %w", err)
	}
	for _, id := range orgs {
		o, err := readOrg(ctx, tx, id)
		if err != nil {
			return nil, fmt.Errorf("organization %s: %w", id, err)
		}
		if o != nil {
			tr.Orgs[id] = o
		}
	}
	cats, err := ids(ctx, tx, sc.All, sc.Cats, `SELECT id::text FROM catalog.categories`)
	if err != nil {
		return nil, fmt.Errorf("categories: %w", err)
	}
	for _, id := range cats {
		c := &projection.CategoryDoc{ID: id, Exists: true}
		var parent *string
		err := tx.QueryRow(ctx, `SELECT name, parent_id::text FROM catalog.categories WHERE id = $1`, id).Scan(&c.Name, &parent)
		if err == pgx.ErrNoRows {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("category %s: %w", id, err)
		}
		if parent != nil {
			c.ParentID = *parent
		}
		tr.Cats[id] = c
	}
	sessions, err := ids(ctx, tx, sc.All, sc.Sessions, `SELECT session_id::text FROM ordering.session_inventory`)
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	for _, sid := range sessions {
		if err := readSeats(ctx, tx, sid, tr); err != nil {
			return nil, fmt.Errorf("seats of session %s: %w", sid, err)
		}
	}
	return tr, nil
}

// readSeats reads a session's inventory version, live allocations and standing inventory.
func readSeats(ctx context.Context, tx pgx.Tx, sid string, tr *truth) error {
	doc := &projection.SeatStatusDoc{SessionID: sid, Seats: map[string]string{}, Standing: []projection.StandingLevel{}}
	err := tx.QueryRow(ctx, `SELECT version FROM ordering.session_inventory WHERE session_id = $1`, sid).Scan(&doc.Version)
	if err == pgx.ErrNoRows {
		return nil // no seat of it ever changed
	}
	if err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT seat_id::text, status FROM ordering.seat_allocations
		WHERE session_id = $1 AND status IN ('HELD','SOLD','BLOCKED')`, sid)
	if err != nil {
		return err
	}
	for rows.Next() {
		var seat, st string
		if err := rows.Scan(&seat, &st); err != nil {
			return err
		}
		doc.Seats[seat] = map[string]string{"HELD": "LOCKED", "SOLD": "BOOKED", "BLOCKED": "BLOCKED"}[st]
	}
	if err := rows.Err(); err != nil {
		return err
	}
	tr.Standing[sid] = map[string]standingRow{}
	rows, err = tx.Query(ctx, `SELECT block_id, capacity, taken FROM ordering.standing_inventory WHERE session_id = $1`, sid)
	if err != nil {
		return err
	}
	for rows.Next() {
		var b string
		var r standingRow
		if err := rows.Scan(&b, &r.Capacity, &r.Taken); err != nil {
			return err
		}
		tr.Standing[sid][b] = r
		doc.Standing = append(doc.Standing, projection.StandingLevel{BlockID: b, Available: r.Capacity - r.Taken})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	slices.SortFunc(doc.Standing, func(a, b projection.StandingLevel) int { return strings.Compare(a.BlockID, b.BlockID) })
	tr.Seats[sid] = doc
	return nil
}

func readEvent(ctx context.Context, tx pgx.Tx, id string) (*projection.EventDoc, error) {
	d := &projection.EventDoc{ID: id, Exists: true}
	var cat *string
	var covers string
	var created, updated time.Time
	err := tx.QueryRow(ctx, `SELECT organization_id::text, category_id::text, title, description, overview, cover_images::text,
		status, created_at, updated_at FROM catalog.events WHERE id = $1`, id).
		Scan(&d.OrganizationID, &cat, &d.Title, &d.Description, &d.Overview, &covers, &d.Status, &created, &updated)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if cat != nil {
		d.CategoryID = *cat
	}
	if err := json.Unmarshal([]byte(covers), &d.CoverImages); err != nil {
		return nil, fmt.Errorf("cover_images: %w", err)
	}
	d.CreatedAt, d.UpdatedAt = rfc3339(created), rfc3339(updated)

	rows, err := tx.Query(ctx, `SELECT id::text, name, colour, price_minor, currency FROM catalog.tiers WHERE event_id = $1`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var t projection.Tier
		if err := rows.Scan(&t.ID, &t.Name, &t.Colour, &t.PriceMinor, &t.Currency); err != nil {
			return nil, err
		}
		d.Tiers = append(d.Tiers, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(d.Tiers, func(a, b projection.Tier) int {
		if a.PriceMinor != b.PriceMinor {
			return int(a.PriceMinor - b.PriceMinor)
		}
		return strings.Compare(a.ID, b.ID)
	})

	rows, err = tx.Query(ctx, `SELECT id::text, start_time, end_time, sales_start_time, sales_end_time, session_type, venue::text,
		online_link, status, layout::text FROM catalog.sessions WHERE event_id = $1`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var s projection.Session
		var st, et, sst, set time.Time
		var venue *string
		var layout string
		if err := rows.Scan(&s.ID, &st, &et, &sst, &set, &s.SessionType, &venue, &s.OnlineLink, &s.Status, &layout); err != nil {
			return nil, err
		}
		s.StartTime, s.EndTime, s.SalesStartTime, s.SalesEndTime = rfc3339(st), rfc3339(et), rfc3339(sst), rfc3339(set)
		if venue != nil {
			s.Venue = &projection.Venue{}
			if err := json.Unmarshal([]byte(*venue), s.Venue); err != nil {
				return nil, fmt.Errorf("venue: %w", err)
			}
		}
		if err := json.Unmarshal([]byte(layout), &s.Layout); err != nil {
			return nil, fmt.Errorf("layout: %w", err)
		}
		d.Sessions = append(d.Sessions, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(d.Sessions, func(a, b projection.Session) int {
		if a.StartTime != b.StartTime {
			return strings.Compare(a.StartTime, b.StartTime)
		}
		return strings.Compare(a.ID, b.ID)
	})

	rows, err = tx.Query(ctx, `SELECT id::text, code, kind, percent::bigint, amount_minor, min_spend_minor, max_discount_minor,
		buy::bigint, get::bigint, usage_limit::bigint, active_from, active_until, is_public, tier_ids::text[], session_ids::text[]
		FROM catalog.discounts WHERE event_id = $1`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var x projection.Discount
		var from, until *time.Time
		if err := rows.Scan(&x.ID, &x.Code, &x.Kind, &x.Percent, &x.AmountMinor, &x.MinSpendMinor, &x.MaxDiscountMinor,
			&x.Buy, &x.Get, &x.UsageLimit, &from, &until, &x.Public, &x.TierIDs, &x.SessionIDs); err != nil {
			return nil, err
		}
		x.ActiveFrom, x.ActiveUntil = optTime(from), optTime(until)
		d.Discounts = append(d.Discounts, x)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(d.Discounts, func(a, b projection.Discount) int { return strings.Compare(a.Code, b.Code) })
	return d, nil
}

func readOrg(ctx context.Context, tx pgx.Tx, id string) (*projection.OrgDoc, error) {
	o := &projection.OrgDoc{ID: id, Exists: true}
	err := tx.QueryRow(ctx, `SELECT name, website, logo_url, owner_id FROM catalog.organizations WHERE id = $1`, id).
		Scan(&o.Name, &o.Website, &o.LogoURL, &o.OwnerID)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT user_id, roles FROM catalog.organization_members WHERE organization_id = $1 ORDER BY user_id`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var m projection.Member
		if err := rows.Scan(&m.UserID, &m.Roles); err != nil {
			return nil, err
		}
		o.Members = append(o.Members, m)
	}
	slices.SortFunc(o.Members, func(a, b projection.Member) int { return strings.Compare(a.UserID, b.UserID) })
	return o, rows.Err()
}
