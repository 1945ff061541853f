package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ticketly/ticketly/internal/mail"
	"github.com/ticketly/ticketly/internal/scheduling"
)

// SchedulingReads is what the scheduler reads of the write model (catalog and ordering,
// through read-only grants) plus its trending rows; it implements scheduling.WriteModel and
// scheduling.Lookup.
type SchedulingReads struct{ pool *pgxpool.Pool }

// NewSchedulingReads returns the reader over pool.
func NewSchedulingReads(pool *pgxpool.Pool) *SchedulingReads { return &SchedulingReads{pool: pool} }

var (
	_ scheduling.WriteModel = (*SchedulingReads)(nil)
	_ scheduling.Lookup     = (*SchedulingReads)(nil)
)

const schedSessionColumns = `s.id, s.event_id, s.start_time, s.end_time, s.sales_start_time, s.sales_end_time, s.status, s.updated_at`

func scanSchedSession(row pgx.Row, extra ...any) (scheduling.Session, error) {
	var s scheduling.Session
	var updated time.Time
	err := row.Scan(append([]any{&s.ID, &s.EventID, &s.Start, &s.End, &s.SalesStart, &s.SalesEnd, &s.Status, &updated}, extra...)...)
	s.Version = updated.UnixMicro()
	return s, err
}

// SessionInfo implements scheduling.WriteModel.
func (r *SchedulingReads) SessionInfo(ctx context.Context, id uuid.UUID) (scheduling.SessionInfo, bool, error) {
	var info scheduling.SessionInfo
	s, err := scanSchedSession(r.pool.QueryRow(ctx, `SELECT `+schedSessionColumns+`, e.organization_id, e.status
		FROM catalog.sessions s JOIN catalog.events e ON e.id = s.event_id WHERE s.id = $1`, id), &info.OrganizationID, &info.EventStatus)
	if errors.Is(err, pgx.ErrNoRows) {
		return info, false, nil
	}
	if err != nil {
		return info, false, fmt.Errorf("read session %s: %w", id, err)
	}
	info.Session = s
	return info, true, nil
}

// Capacity implements scheduling.WriteModel: the layout, the live seat allocations and the
// standing inventory, read in one snapshot.
func (r *SchedulingReads) Capacity(ctx context.Context, id uuid.UUID) (scheduling.Capacity, error) {
	var c scheduling.Capacity
	err := pgx.BeginTxFunc(ctx, r.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var layout []byte
		if err := tx.QueryRow(ctx, `SELECT layout FROM catalog.sessions WHERE id = $1`, id).Scan(&layout); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			return err
		}
		rows, err := tx.Query(ctx, `SELECT seat_id::text FROM ordering.seat_allocations WHERE session_id = $1 AND status IN ('HELD','SOLD','BLOCKED')`, id)
		if err != nil {
			return err
		}
		seats, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		allocated := make(map[string]bool, len(seats))
		for _, s := range seats {
			allocated[s] = true
		}
		taken := map[string]int64{}
		rows, err = tx.Query(ctx, `SELECT block_id, taken FROM ordering.standing_inventory WHERE session_id = $1`, id)
		if err != nil {
			return err
		}
		var block string
		var n int64
		if _, err := pgx.ForEachRow(rows, []any{&block, &n}, func() error { taken[block] = n; return nil }); err != nil {
			return err
		}
		c, err = scheduling.CountCapacity(layout, allocated, taken)
		return err
	})
	if err != nil {
		return c, fmt.Errorf("count availability of session %s: %w", id, err)
	}
	return c, nil
}

// Recipients implements scheduling.WriteModel.
func (r *SchedulingReads) Recipients(ctx context.Context, s scheduling.SessionInfo, holders bool) ([]string, error) {
	rows, err := r.pool.Query(ctx, `SELECT lower(email) FROM scheduling.subscriptions
			WHERE email <> '' AND (session_id = $1 OR event_id = $2 OR organization_id = $3)
		UNION
		SELECT lower(buyer_email) FROM ordering.orders
			WHERE $4 AND session_id = $1 AND status IN ('PAID','PARTIALLY_REFUNDED') AND buyer_email <> ''`,
		s.ID, s.EventID, s.OrganizationID, holders)
	if err != nil {
		return nil, fmt.Errorf("recipients of session %s: %w", s.ID, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// SweepSessions implements scheduling.WriteModel.
func (r *SchedulingReads) SweepSessions(ctx context.Context) ([]scheduling.Session, error) {
	rows, err := r.pool.Query(ctx, `SELECT `+schedSessionColumns+` FROM catalog.sessions s JOIN catalog.events e ON e.id = s.event_id
		WHERE e.status = 'APPROVED' AND s.status IN ('SCHEDULED','ON_SALE','SOLD_OUT') AND s.end_time > now() - interval '1 day'`)
	if err != nil {
		return nil, fmt.Errorf("sweep sessions: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (scheduling.Session, error) { return scanSchedSession(row) })
}

// CancelledWithOrders implements scheduling.WriteModel: sessions cancelled in the catalog,
// or gone from it, whose orders are not all ended yet.
func (r *SchedulingReads) CancelledWithOrders(ctx context.Context) ([]uuid.UUID, error) {
	rows, err := r.pool.Query(ctx, `SELECT DISTINCT o.session_id FROM ordering.orders o
		LEFT JOIN catalog.sessions s ON s.id = o.session_id
		WHERE o.status IN ('PENDING_PAYMENT','PAID','PARTIALLY_REFUNDED') AND (s.id IS NULL OR s.status = 'CANCELLED')`)
	if err != nil {
		return nil, fmt.Errorf("cancelled sessions with live orders: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// OwnerEmail implements scheduling.Lookup. A catalog without owner addresses yet
// (migration catalog 0003 not applied) has none.
func (r *SchedulingReads) OwnerEmail(ctx context.Context, organizationID uuid.UUID) (string, error) {
	var email string
	err := r.pool.QueryRow(ctx, `SELECT owner_email FROM catalog.organizations WHERE id = $1`, organizationID).Scan(&email)
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, pgx.ErrNoRows), errors.As(err, &pgErr) && pgErr.Code == "42703":
		return "", nil
	case err != nil:
		return "", fmt.Errorf("owner of organization %s: %w", organizationID, err)
	}
	return email, nil
}

// OrderBuyer implements scheduling.Lookup.
func (r *SchedulingReads) OrderBuyer(ctx context.Context, orderID uuid.UUID) (string, string, bool, error) {
	var email, status string
	err := r.pool.QueryRow(ctx, `SELECT buyer_email, status FROM ordering.orders WHERE id = $1`, orderID).Scan(&email, &status)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("order %s: %w", orderID, err)
	}
	return email, status, true, nil
}

// sessionCancelledText explains the mail about an order whose session was cancelled (its
// refund, or the cancellation of an unpaid or free order).
const (
	sessionCancelledText       = "the organizer cancelled the session, so your order is refunded in full and its tickets are no longer valid"
	sessionCancelledUnpaidText = "the organizer cancelled the session before your order was paid; nothing was charged"
)

// MailData implements scheduling.WriteModel.
func (r *SchedulingReads) MailData(ctx context.Context, p scheduling.MailPayload) (mail.Data, bool, error) {
	d := mail.Data{Kind: mail.Kind(p.Kind), To: p.To}
	var order *mail.Order
	if p.OrderID != uuid.Nil {
		o := mail.Order{ID: p.OrderID}
		var sessionID, eventID uuid.UUID
		err := r.pool.QueryRow(ctx, `SELECT status, total_minor, refunded_minor, currency, status_reason, session_id, event_id
			FROM ordering.orders WHERE id = $1`, p.OrderID).Scan(&o.Status, &o.TotalMinor, &o.RefundedMinor, &o.Currency, &o.Reason, &sessionID, &eventID)
		if errors.Is(err, pgx.ErrNoRows) {
			return d, false, nil
		}
		if err != nil {
			return d, false, fmt.Errorf("mail order %s: %w", p.OrderID, err)
		}
		p.SessionID, p.EventID, order = sessionID, eventID, &o
	}
	if p.RefundID != uuid.Nil && order != nil {
		var reason string
		err := r.pool.QueryRow(ctx, `SELECT amount_minor, reason FROM ordering.refunds WHERE id = $1`, p.RefundID).Scan(&order.RefundMinor, &reason)
		if errors.Is(err, pgx.ErrNoRows) {
			return d, false, nil
		}
		if err != nil {
			return d, false, fmt.Errorf("mail refund %s: %w", p.RefundID, err)
		}
		if reason != "" {
			order.Reason = reason
			if p.Kind == scheduling.MailLateRefunded {
				d.Reason = reason
			}
		}
	}
	if order != nil && order.Reason == scheduling.SessionCancelledReason {
		d.Reason = sessionCancelledText
		if order.Status == "CANCELLED" {
			d.Reason = sessionCancelledUnpaidText
		}
	}
	d.Order = order
	if p.SessionID != uuid.Nil {
		s := mail.Session{ID: p.SessionID}
		var venueName, venueAddress *string
		err := r.pool.QueryRow(ctx, `SELECT event_id, start_time, end_time, sales_start_time, venue->>'name', venue->>'address', online_link
			FROM catalog.sessions WHERE id = $1`, p.SessionID).Scan(&p.EventID, &s.Start, &s.End, &s.SalesStart, &venueName, &venueAddress, &s.OnlineLink)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if order == nil {
				return d, false, nil
			}
		case err != nil:
			return d, false, fmt.Errorf("mail session %s: %w", p.SessionID, err)
		default:
			if venueName != nil {
				s.VenueName = *venueName
			}
			if venueAddress != nil {
				s.VenueAddress = *venueAddress
			}
			d.Session = &s
		}
	}
	if p.EventID != uuid.Nil {
		d.Event.ID = p.EventID
		err := r.pool.QueryRow(ctx, `SELECT e.title, e.rejection_reason, o.name FROM catalog.events e
			JOIN catalog.organizations o ON o.id = e.organization_id WHERE e.id = $1`, p.EventID).
			Scan(&d.Event.Title, &d.Event.RejectionReason, &d.Event.OrganizationName)
		if errors.Is(err, pgx.ErrNoRows) && order != nil {
			// The event was deleted (its sessions' orders are refunded): its remembered title.
			err = r.pool.QueryRow(ctx, `SELECT n.title, COALESCE(o.name, '') FROM scheduling.event_names n
				LEFT JOIN catalog.organizations o ON o.id = n.organization_id WHERE n.event_id = $1`, p.EventID).
				Scan(&d.Event.Title, &d.Event.OrganizationName)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			return d, false, nil // nothing known about the event: nothing to tell
		}
		if err != nil {
			return d, false, fmt.Errorf("mail event %s: %w", p.EventID, err)
		}
	}
	if p.Kind == scheduling.MailConfirmed && order != nil {
		rows, err := r.pool.Query(ctx, `SELECT t.id, t.label, COALESCE(tr.name, ''), t.price_minor, t.qr_payload
			FROM ordering.tickets t LEFT JOIN catalog.tiers tr ON tr.id = t.tier_id
			WHERE t.order_id = $1 AND t.status = 'VALID' ORDER BY t.label, t.id`, p.OrderID)
		if err != nil {
			return d, false, fmt.Errorf("mail tickets of order %s: %w", p.OrderID, err)
		}
		d.Tickets, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (mail.Ticket, error) {
			t := mail.Ticket{Currency: order.Currency}
			return t, row.Scan(&t.ID, &t.Label, &t.TierName, &t.PriceMinor, &t.QR)
		})
		if err != nil {
			return d, false, fmt.Errorf("mail tickets of order %s: %w", p.OrderID, err)
		}
	}
	return d, true, nil
}

// TrendingInputs implements scheduling.WriteModel: the decayed count of recent tickets per
// event, and the valid tickets and sellable capacity of its sessions that have not ended.
func (r *SchedulingReads) TrendingInputs(ctx context.Context, now time.Time) ([]scheduling.EventSales, error) {
	rows, err := r.pool.Query(ctx, `SELECT event_id, sum(power(2, -GREATEST(0, extract(epoch FROM $1::timestamptz - issued_at)) / $2))::float8
		FROM ordering.tickets WHERE status = 'VALID' AND issued_at > $1::timestamptz - interval '72 hours'
			AND event_id IN (SELECT id FROM catalog.events WHERE status = 'APPROVED')
			AND session_id IN (SELECT id FROM catalog.sessions WHERE end_time > $1::timestamptz) GROUP BY event_id`,
		now.UTC(), scheduling.TrendingHalfLife)
	if err != nil {
		return nil, fmt.Errorf("trending: recent tickets: %w", err)
	}
	var out []scheduling.EventSales
	var e scheduling.EventSales
	if _, err := pgx.ForEachRow(rows, []any{&e.EventID, &e.Hot}, func() error { out = append(out, e); return nil }); err != nil {
		return nil, fmt.Errorf("trending: recent tickets: %w", err)
	}
	for i := range out {
		ev := &out[i]
		if err := r.pool.QueryRow(ctx, `SELECT count(*) FROM catalog.sessions s JOIN ordering.orders o ON o.session_id = s.id
			JOIN ordering.tickets t ON t.order_id = o.id
			WHERE s.event_id = $1 AND s.end_time > $2 AND t.status = 'VALID'`, ev.EventID, now.UTC()).Scan(&ev.Valid); err != nil {
			return nil, fmt.Errorf("trending: valid tickets of %s: %w", ev.EventID, err)
		}
		layouts, err := r.pool.Query(ctx, `SELECT layout FROM catalog.sessions WHERE event_id = $1 AND end_time > $2 AND status <> 'CANCELLED'`, ev.EventID, now.UTC())
		if err != nil {
			return nil, fmt.Errorf("trending: capacity of %s: %w", ev.EventID, err)
		}
		var layout []byte
		if _, err := pgx.ForEachRow(layouts, []any{&layout}, func() error {
			c, err := scheduling.CountCapacity(layout, nil, nil)
			ev.Capacity += c.Sellable
			return err
		}); err != nil {
			return nil, fmt.Errorf("trending: capacity of %s: %w", ev.EventID, err)
		}
	}
	return out, nil
}

// SaveTrending implements scheduling.WriteModel.
func (r *SchedulingReads) SaveTrending(ctx context.Context, rows []scheduling.TrendingRow) error {
	return pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		old := map[uuid.UUID]float64{}
		rs, err := tx.Query(ctx, `SELECT event_id, score FROM scheduling.trending FOR UPDATE`)
		if err != nil {
			return err
		}
		var id uuid.UUID
		var score float64
		if _, err := pgx.ForEachRow(rs, []any{&id, &score}, func() error { old[id] = score; return nil }); err != nil {
			return err
		}
		b := &pgx.Batch{}
		keep := make([]uuid.UUID, 0, len(rows))
		for _, t := range rows {
			keep = append(keep, t.EventID)
			if s, ok := old[t.EventID]; ok && !scheduling.ScoreChanged(s, t.Score) {
				continue
			}
			b.Queue(`INSERT INTO scheduling.trending (event_id, score, recent_tickets, tickets_sold, capacity, sell_through, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, now()) ON CONFLICT (event_id) DO UPDATE SET score = EXCLUDED.score,
				recent_tickets = EXCLUDED.recent_tickets, tickets_sold = EXCLUDED.tickets_sold, capacity = EXCLUDED.capacity,
				sell_through = EXCLUDED.sell_through, updated_at = now()`, t.EventID, t.Score, t.RecentHot, t.Valid, t.Capacity, t.SellThrough)
		}
		b.Queue(`DELETE FROM scheduling.trending WHERE NOT (event_id = ANY($1))`, keep)
		return tx.SendBatch(ctx, b).Close()
	})
}
