package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/ordering"
)

// The organizer views (ordering.Sales): reads of schema ordering, and of catalog (read-only
// grant) for the owner of an event or session and the names of tiers.

var _ ordering.Sales = (*Orders)(nil)

// ScopeOwner returns the organization and event of an event or session: the catalog's, or,
// once the catalog no longer has it (a deleted event), those its orders recorded.
func (r *Orders) ScopeOwner(ctx context.Context, scope ordering.SalesScope) (uuid.UUID, uuid.UUID, bool, error) {
	var org, event uuid.UUID
	q, id := `
		SELECT e.organization_id, e.id FROM catalog.events e WHERE e.id = $1
		UNION ALL
		(SELECT organization_id, event_id FROM ordering.orders WHERE event_id = $1 LIMIT 1)
		LIMIT 1`, scope.EventID
	if scope.SessionID != uuid.Nil {
		q, id = `
		SELECT e.organization_id, e.id FROM catalog.sessions s JOIN catalog.events e ON e.id = s.event_id WHERE s.id = $1
		UNION ALL
		(SELECT organization_id, event_id FROM ordering.orders WHERE session_id = $1 LIMIT 1)
		LIMIT 1`, scope.SessionID
	}
	err := r.pool.QueryRow(ctx, q, id).Scan(&org, &event)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, uuid.Nil, false, nil
	}
	if err != nil {
		return uuid.Nil, uuid.Nil, false, fmt.Errorf("find the owner of %s: %w", id, err)
	}
	return org, event, true, nil
}

const salesOrderColumns = `o.id, o.status, o.buyer_email, o.buyer_name, o.event_id, o.session_id, o.subtotal_minor, o.discount_minor,
	o.total_minor, o.refunded_minor, o.currency, o.discount_code, o.payment_intent_id, o.status_reason, o.created_at,
	o.paid_at, o.organization_id`

func scanSalesOrder(row pgx.Row) (ordering.SalesOrderView, uuid.UUID, error) {
	var v ordering.SalesOrderView
	var id, event, session, org uuid.UUID
	var created time.Time
	var paid *time.Time
	err := row.Scan(&id, &v.Status, &v.BuyerEmail, &v.BuyerName, &event, &session, &v.SubtotalMinor, &v.DiscountMinor, &v.TotalMinor,
		&v.RefundedMinor, &v.Currency, &v.DiscountCode, &v.PaymentIntentID, &v.StatusReason, &created, &paid, &org)
	v.ID, v.EventID, v.SessionID, v.CreatedAt = id.String(), event.String(), session.String(), ordering.FormatTime(created)
	if paid != nil {
		s := ordering.FormatTime(*paid)
		v.PaidAt = &s
	}
	v.Lines, v.Refunds = []ordering.SalesLine{}, []ordering.SalesRefundView{}
	return v, org, err
}

// likePattern makes a case-insensitive substring pattern of s for ILIKE … ESCAPE '\'.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// SalesOrders returns a page of a scope's orders, newest first (index
// orders_event_created_idx or orders_session_created_idx), and how many match.
func (r *Orders) SalesOrders(ctx context.Context, f ordering.SalesFilter) ([]ordering.SalesOrderView, int, error) {
	where, args := `o.event_id = $1`, []any{f.Scope.EventID}
	if f.Scope.SessionID != uuid.Nil {
		where, args = `o.session_id = $1`, []any{f.Scope.SessionID}
	}
	if f.Status != "" {
		args = append(args, string(f.Status))
		where += fmt.Sprintf(` AND o.status = $%d`, len(args))
	}
	if f.Query != "" {
		if id, err := uuid.Parse(f.Query); err == nil && len(f.Query) == 36 {
			args = append(args, id)
			where += fmt.Sprintf(` AND o.id = $%d`, len(args))
		} else {
			args = append(args, likePattern(f.Query))
			n := len(args)
			where += fmt.Sprintf(` AND (o.buyer_email ILIKE $%[1]d ESCAPE '\'
				OR EXISTS (SELECT 1 FROM ordering.seat_allocations a WHERE a.order_id = o.id AND a.label ILIKE $%[1]d ESCAPE '\')
				OR EXISTS (SELECT 1 FROM ordering.tickets t WHERE t.order_id = o.id AND t.label ILIKE $%[1]d ESCAPE '\'))`, n)
		}
	}
	var total int
	if err := r.pool.QueryRow(ctx, `SELECT count(*) FROM ordering.orders o WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count orders: %w", err)
	}
	args = append(args, f.PageSize, (f.Page-1)*f.PageSize)
	rows, err := r.pool.Query(ctx, `SELECT `+salesOrderColumns+` FROM ordering.orders o WHERE `+where+
		fmt.Sprintf(` ORDER BY o.created_at DESC, o.id DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list orders: %w", err)
	}
	views, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ordering.SalesOrderView, error) {
		v, _, err := scanSalesOrder(row)
		return v, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list orders: %w", err)
	}
	if err := r.salesDetails(ctx, views); err != nil {
		return nil, 0, err
	}
	return views, total, nil
}

// SalesOrder returns one order as its organizer sees it, with its organization.
func (r *Orders) SalesOrder(ctx context.Context, id uuid.UUID) (ordering.SalesOrderView, uuid.UUID, error) {
	v, org, err := scanSalesOrder(r.pool.QueryRow(ctx, `SELECT `+salesOrderColumns+` FROM ordering.orders o WHERE o.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return ordering.SalesOrderView{}, uuid.Nil, apperr.New(apperr.NotFound, "order %s not found", id)
	}
	if err != nil {
		return ordering.SalesOrderView{}, uuid.Nil, fmt.Errorf("read order %s: %w", id, err)
	}
	views := []ordering.SalesOrderView{v}
	if err := r.salesDetails(ctx, views); err != nil {
		return ordering.SalesOrderView{}, uuid.Nil, err
	}
	return views[0], org, nil
}

func strPtr(s string) *string { return &s }

func uuidPtr(id uuid.UUID) *string {
	if id == uuid.Nil {
		return nil
	}
	return strPtr(id.String())
}

// salesDetails fills in the lines and refunds of orders: their tickets once paid, else
// what they held (each standing unit a line).
func (r *Orders) salesDetails(ctx context.Context, views []ordering.SalesOrderView) error {
	if len(views) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(views))
	byID := make(map[uuid.UUID]*ordering.SalesOrderView, len(views))
	for i := range views {
		ids[i] = uuid.MustParse(views[i].ID)
		byID[ids[i]] = &views[i]
	}
	ts, err := queryTickets(ctx, r.pool, `WHERE t.order_id = ANY($1)`, ids)
	if err != nil {
		return err
	}
	ticketed := map[uuid.UUID]bool{}
	for _, t := range ts {
		ticketed[t.OrderID] = true
		l := ordering.SalesLine{TicketID: strPtr(t.ID.String()), SeatID: uuidPtr(t.SeatID), Label: t.Label, BlockID: t.BlockID,
			TierID: uuidPtr(t.TierID), PriceMinor: t.PriceMinor, PricePaidMinor: t.PricePaidMinor, TicketStatus: strPtr(string(t.Status))}
		if t.CheckedInAt != nil {
			l.CheckedInAt = strPtr(ordering.FormatTime(*t.CheckedInAt))
		}
		byID[t.OrderID].Lines = append(byID[t.OrderID].Lines, l)
	}
	var pending []*ordering.OrderState
	for _, id := range ids {
		if !ticketed[id] {
			pending = append(pending, &ordering.OrderState{ID: id})
		}
	}
	if err := loadLines(ctx, r.pool, pending, false); err != nil {
		return err
	}
	for _, st := range pending {
		v := byID[st.ID]
		for _, l := range st.Seats {
			v.Lines = append(v.Lines, ordering.SalesLine{SeatID: uuidPtr(l.SeatID), Label: l.Label, BlockID: l.BlockID,
				TierID: uuidPtr(l.TierID), PriceMinor: l.PriceMinor})
		}
		for _, l := range st.Standing {
			for n := range l.Quantity {
				v.Lines = append(v.Lines, ordering.SalesLine{Label: fmt.Sprintf("%s #%d", l.Name, n+1), BlockID: l.BlockID,
					TierID: uuidPtr(l.TierID), PriceMinor: l.UnitPriceMinor})
			}
		}
	}
	rows, err := r.pool.Query(ctx, `SELECT order_id, id, amount_minor, reason, created_at FROM ordering.refunds
		WHERE order_id = ANY($1) ORDER BY created_at, id`, ids)
	if err != nil {
		return fmt.Errorf("read refunds: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var oid, id uuid.UUID
		var rf ordering.SalesRefundView
		var at time.Time
		if err := rows.Scan(&oid, &id, &rf.AmountMinor, &rf.Reason, &at); err != nil {
			return fmt.Errorf("read refund: %w", err)
		}
		rf.ID, rf.CreatedAt = id.String(), ordering.FormatTime(at)
		byID[oid].Refunds = append(byID[oid].Refunds, rf)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read refunds: %w", err)
	}
	return nil
}

// Attendees returns the valid tickets of a scope's paid orders.
func (r *Orders) Attendees(ctx context.Context, scope ordering.SalesScope) ([]ordering.Attendee, error) {
	col, id := "t.event_id", scope.EventID
	if scope.SessionID != uuid.Nil {
		col, id = "t.session_id", scope.SessionID
	}
	rows, err := r.pool.Query(ctx, `
		SELECT t.id, t.order_id, t.session_id, o.buyer_email, o.buyer_name, t.label, t.block_id, COALESCE(t.tier_id, '`+nilUUIDLiteral+`'),
		       COALESCE(tr.name, ''), t.price_paid_minor, o.currency, t.checked_in_at
		FROM ordering.tickets t
		JOIN ordering.orders o ON o.id = t.order_id
		LEFT JOIN catalog.tiers tr ON tr.id = t.tier_id
		WHERE `+col+` = $1 AND t.status = 'VALID' AND o.status IN ('PAID','PARTIALLY_REFUNDED')
		ORDER BY t.session_id, t.block_id, t.label, t.id`, id)
	if err != nil {
		return nil, fmt.Errorf("read attendees: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ordering.Attendee, error) {
		var a ordering.Attendee
		var checked *time.Time
		err := row.Scan(&a.TicketID, &a.OrderID, &a.SessionID, &a.BuyerEmail, &a.BuyerName, &a.Label, &a.BlockID, &a.TierID, &a.TierName,
			&a.PricePaidMinor, &a.Currency, &checked)
		if checked != nil {
			a.CheckedInAt = ordering.FormatTime(*checked)
		}
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("read attendees: %w", err)
	}
	return out, nil
}

// EventSessions returns an event's sessions (the catalog's by start time, then those only
// its orders still name) and the currency of its first tier, else of its orders.
func (r *Orders) EventSessions(ctx context.Context, eventID uuid.UUID) ([]uuid.UUID, string, error) {
	rows, err := r.pool.Query(ctx, `
		SELECT id FROM (
			SELECT s.id, s.start_time, 0 AS k FROM catalog.sessions s WHERE s.event_id = $1
			UNION
			SELECT o.session_id, NULL, 1 FROM ordering.orders o
			WHERE o.event_id = $1 AND NOT EXISTS (SELECT 1 FROM catalog.sessions s WHERE s.id = o.session_id)
		) x ORDER BY k, start_time, id`, eventID)
	if err != nil {
		return nil, "", fmt.Errorf("read sessions of event %s: %w", eventID, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, "", fmt.Errorf("read sessions of event %s: %w", eventID, err)
	}
	var currency string
	err = r.pool.QueryRow(ctx, `
		(SELECT currency FROM catalog.tiers WHERE event_id = $1 ORDER BY created_at, id LIMIT 1)
		UNION ALL
		(SELECT currency FROM ordering.orders WHERE event_id = $1 LIMIT 1)
		LIMIT 1`, eventID).Scan(&currency)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, "", fmt.Errorf("read currency of event %s: %w", eventID, err)
	}
	return ids, currency, nil
}

// SessionSales counts the sessions' tickets, holds, money and check-ins.
func (r *Orders) SessionSales(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]ordering.SessionSales, error) {
	out := make(map[uuid.UUID]ordering.SessionSales, len(ids))
	get := func(id uuid.UUID) ordering.SessionSales {
		s, ok := out[id]
		if !ok {
			s = ordering.SessionSales{SessionID: id, StandingTaken: map[string]int64{}, StandingHeld: map[string]int64{}}
		}
		return s
	}
	for _, id := range ids {
		out[id] = get(id)
	}
	type step struct {
		what, sql string
		scan      func(pgx.Rows) error
	}
	steps := []step{
		{"tickets", `
			SELECT session_id, COALESCE(tier_id, '` + nilUUIDLiteral + `'),
			       count(*) FILTER (WHERE status = 'VALID'),
			       COALESCE(sum(price_paid_minor) FILTER (WHERE status = 'VALID'), 0),
			       count(*) FILTER (WHERE checked_in_at IS NOT NULL)
			FROM ordering.tickets WHERE session_id = ANY($1) GROUP BY 1, 2 ORDER BY 1, 2`,
			func(rows pgx.Rows) error {
				var sid, tier uuid.UUID
				var sold, revenue, checked int64
				if err := rows.Scan(&sid, &tier, &sold, &revenue, &checked); err != nil {
					return err
				}
				s := get(sid)
				s.Sold += sold
				s.CheckedIn += checked
				if tier != uuid.Nil {
					s.Tiers = append(s.Tiers, ordering.TierSales{TierID: tier.String(), Sold: sold, RevenueMinor: revenue, CheckedIn: checked})
				}
				out[sid] = s
				return nil
			}},
		{"orders", `
			SELECT session_id, COALESCE(sum(total_minor - refunded_minor), 0), COALESCE(sum(refunded_minor), 0)
			FROM ordering.orders WHERE session_id = ANY($1) AND status IN ('PAID','PARTIALLY_REFUNDED','REFUNDED')
			GROUP BY 1`,
			func(rows pgx.Rows) error {
				var sid uuid.UUID
				var revenue, refunded int64
				if err := rows.Scan(&sid, &revenue, &refunded); err != nil {
					return err
				}
				s := get(sid)
				s.RevenueMinor, s.RefundedMinor = revenue, refunded
				out[sid] = s
				return nil
			}},
		{"seat allocations", `
			SELECT session_id, seat_id, status FROM ordering.seat_allocations
			WHERE session_id = ANY($1) AND status IN ('HELD','SOLD','BLOCKED')`,
			func(rows pgx.Rows) error {
				var sid, seat uuid.UUID
				var status string
				if err := rows.Scan(&sid, &seat, &status); err != nil {
					return err
				}
				s := get(sid)
				s.LiveSeats = append(s.LiveSeats, seat)
				if status == string(ordering.AllocHeld) {
					s.HeldUnits++
					s.HeldSeats = append(s.HeldSeats, seat)
				}
				out[sid] = s
				return nil
			}},
		{"standing inventory", `SELECT session_id, block_id, taken FROM ordering.standing_inventory WHERE session_id = ANY($1)`,
			func(rows pgx.Rows) error {
				var sid uuid.UUID
				var block string
				var taken int64
				if err := rows.Scan(&sid, &block, &taken); err != nil {
					return err
				}
				s := get(sid)
				s.StandingTaken[block] = taken
				out[sid] = s
				return nil
			}},
		{"standing holds", `
			SELECT session_id, block_id, sum(quantity) FROM ordering.standing_allocations
			WHERE session_id = ANY($1) AND status = 'HELD' GROUP BY 1, 2`,
			func(rows pgx.Rows) error {
				var sid uuid.UUID
				var block string
				var held int64
				if err := rows.Scan(&sid, &block, &held); err != nil {
					return err
				}
				s := get(sid)
				s.HeldUnits += held
				s.StandingHeld[block] += held
				out[sid] = s
				return nil
			}},
	}
	for _, st := range steps {
		rows, err := r.pool.Query(ctx, st.sql, ids)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", st.what, err)
		}
		for rows.Next() {
			if err := st.scan(rows); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read %s: %w", st.what, err)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read %s: %w", st.what, err)
		}
	}
	return out, nil
}
