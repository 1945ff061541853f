package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/ordering"
)

// Orders is the order write model (schema ordering). Every method is one transaction at
// READ COMMITTED: correctness comes from the constraints (the partial unique index over live
// seat allocations, standing capacity and discount usage CHECKs) and from row locks (the
// order row; the session_inventory row, taken last, which also orders a session's feed).
type Orders struct {
	pool   *pgxpool.Pool
	groups *groupCommitter // CreateOrder: the orders of one session commit together
}

var _ ordering.Repository = (*Orders)(nil)

// NewOrders returns the repository over pool (role ticketly_order).
func NewOrders(pool *pgxpool.Pool) *Orders {
	r := &Orders{pool: pool}
	r.groups = newGroupCommitter(r.commitGroup)
	return r
}

// Constraint names the repository maps to domain errors.
const (
	liveSeatIndex       = "seat_allocations_live_idx"
	idempotencyKey      = "idempotency_keys_pkey"
	standingCapacity    = "standing_inventory_check"
	discountUsageLimit  = "discount_usage_check"
	pgUniqueViolation   = "23505"
	pgCheckViolation    = "23514"
	pgSerialization     = "40001"
	pgDeadlockDetected  = "40P01"
	nilUUIDLiteral      = "00000000-0000-0000-0000-000000000000"
	maxTransientRetries = 3
)

func pgError(err error) *pgconn.PgError {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// inTx runs fn in a transaction, again (up to a few times) on a deadlock or serialization
// failure, which PostgreSQL may raise even at READ COMMITTED under heavy contention.
func (r *Orders) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	var err error
	for range maxTransientRetries {
		err = pgx.BeginTxFunc(ctx, r.pool, pgx.TxOptions{}, fn)
		if !isTransient(err) {
			return err
		}
	}
	return err
}

// isTransient reports a deadlock or serialization failure: the transaction may be run again.
func isTransient(err error) bool {
	pe := pgError(err)
	return pe != nil && (pe.Code == pgDeadlockDetected || pe.Code == pgSerialization)
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullUUID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// Idempotency returns the record of (buyer, key), or nil.
func (r *Orders) Idempotency(ctx context.Context, buyerID, key string) (*ordering.IdempotencyRecord, error) {
	return scanIdempotency(r.pool.QueryRow(ctx, `
		SELECT buyer_id, key, request_hash, response_status, response_body, created_at
		FROM ordering.idempotency_keys WHERE buyer_id = $1 AND key = $2`, buyerID, key))
}

func scanIdempotency(row pgx.Row) (*ordering.IdempotencyRecord, error) {
	var rec ordering.IdempotencyRecord
	var body []byte
	err := row.Scan(&rec.BuyerID, &rec.Key, &rec.RequestHash, &rec.Status, &body, &rec.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	var ref struct {
		ID      string `json:"id"`
		OrderID string `json:"order_id"`
	}
	if err := json.Unmarshal(body, &ref); err != nil {
		return nil, fmt.Errorf("decode idempotency record: %w", err)
	}
	if ref.OrderID == "" {
		ref.OrderID = ref.ID
	}
	rec.OrderID, _ = uuid.Parse(ref.OrderID)
	if rec.Status != 0 {
		rec.Body = body
	}
	return &rec, nil
}

func recordBody(rec ordering.IdempotencyRecord) []byte {
	if rec.Status != 0 {
		return rec.Body
	}
	b, _ := json.Marshal(map[string]string{"order_id": rec.OrderID.String()})
	return b
}

func insertTickets(ctx context.Context, tx pgx.Tx, ts []ordering.Ticket) error {
	if len(ts) == 0 {
		return nil
	}
	rows := make([][]any, len(ts))
	for i, t := range ts {
		rows[i] = []any{t.ID, t.OrderID, t.SessionID, t.EventID, t.OrganizationID, nullUUID(t.SeatID), t.BlockID, t.Label,
			nullUUID(t.TierID), t.PriceMinor, t.PricePaidMinor, t.QR, string(t.Status), t.IssuedAt}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"ordering", "tickets"},
		[]string{"id", "order_id", "session_id", "event_id", "organization_id", "seat_id", "block_id", "label", "tier_id",
			"price_minor", "price_paid_minor", "qr_payload", "status", "issued_at"}, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("insert tickets: %w", err)
	}
	return nil
}

// AttachPayment stores an order's payment intent and completes its idempotency record.
func (r *Orders) AttachPayment(ctx context.Context, orderID uuid.UUID, paymentIntentID string, rec ordering.IdempotencyRecord) (*ordering.IdempotencyRecord, error) {
	var out *ordering.IdempotencyRecord
	err := r.inTx(ctx, func(tx pgx.Tx) error {
		cur, err := scanIdempotency(tx.QueryRow(ctx, `
			SELECT buyer_id, key, request_hash, response_status, response_body, created_at
			FROM ordering.idempotency_keys WHERE buyer_id = $1 AND key = $2 FOR UPDATE`, rec.BuyerID, rec.Key))
		if err != nil {
			return err
		}
		if cur != nil && cur.Status != 0 {
			out = cur
			return nil
		}
		if _, err := tx.Exec(ctx, `
			UPDATE ordering.orders SET payment_intent_id = $2, updated_at = now()
			WHERE id = $1 AND payment_intent_id IS NULL`, orderID, paymentIntentID); err != nil {
			return fmt.Errorf("store payment intent: %w", err)
		}
		if cur != nil {
			if _, err := tx.Exec(ctx, `
				UPDATE ordering.idempotency_keys SET response_status = $3, response_body = $4
				WHERE buyer_id = $1 AND key = $2`, rec.BuyerID, rec.Key, rec.Status, rec.Body); err != nil {
				return fmt.Errorf("complete idempotency key: %w", err)
			}
		}
		out = &rec
		return nil
	})
	return out, err
}

// ForgetIdempotency deletes an unfinished idempotency record.
func (r *Orders) ForgetIdempotency(ctx context.Context, buyerID, key string) error {
	if _, err := r.pool.Exec(ctx, `
		DELETE FROM ordering.idempotency_keys WHERE buyer_id = $1 AND key = $2 AND response_status = 0`, buyerID, key); err != nil {
		return fmt.Errorf("forget idempotency key: %w", err)
	}
	return nil
}

// PurgeIdempotency deletes idempotency records created before cutoff.
func (r *Orders) PurgeIdempotency(ctx context.Context, cutoff time.Time) (int64, error) {
	tag, err := r.pool.Exec(ctx, `DELETE FROM ordering.idempotency_keys WHERE created_at < $1`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return tag.RowsAffected(), nil
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

const orderColumns = `o.id, o.buyer_id, o.buyer_email, o.session_id, o.event_id, o.organization_id, o.status,
	o.subtotal_minor, o.discount_minor, o.total_minor, o.refunded_minor, o.currency, o.discount_id, o.discount_code,
	o.expires_at, COALESCE(o.payment_intent_id, ''), o.status_reason, o.created_at, o.updated_at, o.paid_at,
	COALESCE(d.status, '')`

const orderFrom = ` FROM ordering.orders o LEFT JOIN ordering.discount_redemptions d ON d.order_id = o.id `

func scanOrder(row pgx.Row) (ordering.OrderState, error) {
	var s ordering.OrderState
	var discountID *uuid.UUID
	err := row.Scan(&s.ID, &s.BuyerID, &s.BuyerEmail, &s.SessionID, &s.EventID, &s.OrganizationID, &s.Status,
		&s.SubtotalMinor, &s.DiscountMinor, &s.TotalMinor, &s.RefundedMinor, &s.Currency, &discountID, &s.DiscountCode,
		&s.ExpiresAt, &s.PaymentIntentID, &s.StatusReason, &s.CreatedAt, &s.UpdatedAt, &s.PaidAt, &s.Redemption)
	if discountID != nil {
		s.DiscountID = *discountID
	}
	s.ExpiresAt, s.CreatedAt, s.UpdatedAt = s.ExpiresAt.UTC(), s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	if s.PaidAt != nil {
		t := s.PaidAt.UTC()
		s.PaidAt = &t
	}
	return s, err
}

// loadLines fills in the seat and standing lines (and, with tickets, the tickets) of orders.
func loadLines(ctx context.Context, q querier, orders []*ordering.OrderState, tickets bool) error {
	if len(orders) == 0 {
		return nil
	}
	byID := make(map[uuid.UUID]*ordering.OrderState, len(orders))
	ids := make([]uuid.UUID, len(orders))
	for i, o := range orders {
		byID[o.ID], ids[i] = o, o.ID
	}
	rows, err := q.Query(ctx, `
		SELECT order_id, seat_id, block_id, label, COALESCE(tier_id, '`+nilUUIDLiteral+`'), price_minor, status
		FROM ordering.seat_allocations WHERE order_id = ANY($1) ORDER BY id`, ids)
	if err != nil {
		return fmt.Errorf("read seat allocations: %w", err)
	}
	for rows.Next() {
		var oid uuid.UUID
		var l ordering.SeatLine
		if err := rows.Scan(&oid, &l.SeatID, &l.BlockID, &l.Label, &l.TierID, &l.PriceMinor, &l.Status); err != nil {
			rows.Close()
			return fmt.Errorf("read seat allocation: %w", err)
		}
		byID[oid].Seats = append(byID[oid].Seats, l)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read seat allocations: %w", err)
	}
	rows, err = q.Query(ctx, `
		SELECT order_id, block_id, block_name, COALESCE(tier_id, '`+nilUUIDLiteral+`'), quantity, price_minor, status
		FROM ordering.standing_allocations WHERE order_id = ANY($1) ORDER BY block_id`, ids)
	if err != nil {
		return fmt.Errorf("read standing allocations: %w", err)
	}
	for rows.Next() {
		var oid uuid.UUID
		var l ordering.StandingLine
		if err := rows.Scan(&oid, &l.BlockID, &l.Name, &l.TierID, &l.Quantity, &l.UnitPriceMinor, &l.Status); err != nil {
			rows.Close()
			return fmt.Errorf("read standing allocation: %w", err)
		}
		byID[oid].Standing = append(byID[oid].Standing, l)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read standing allocations: %w", err)
	}
	if !tickets {
		return nil
	}
	ts, err := queryTickets(ctx, q, `WHERE t.order_id = ANY($1)`, ids)
	if err != nil {
		return err
	}
	for _, t := range ts {
		byID[t.OrderID].Tickets = append(byID[t.OrderID].Tickets, t)
	}
	return nil
}

const ticketColumns = `t.id, t.order_id, t.session_id, t.event_id, t.organization_id,
	COALESCE(t.seat_id, '` + nilUUIDLiteral + `'), t.block_id, t.label, COALESCE(t.tier_id, '` + nilUUIDLiteral + `'),
	t.price_minor, t.price_paid_minor, t.qr_payload, t.status, t.issued_at, t.checked_in_at, COALESCE(t.checked_in_by, '')`

func scanTicket(row pgx.Row, extra ...any) (ordering.Ticket, error) {
	var t ordering.Ticket
	dest := append([]any{&t.ID, &t.OrderID, &t.SessionID, &t.EventID, &t.OrganizationID, &t.SeatID, &t.BlockID, &t.Label,
		&t.TierID, &t.PriceMinor, &t.PricePaidMinor, &t.QR, &t.Status, &t.IssuedAt, &t.CheckedInAt, &t.CheckedInBy}, extra...)
	err := row.Scan(dest...)
	t.IssuedAt = t.IssuedAt.UTC()
	if t.CheckedInAt != nil {
		c := t.CheckedInAt.UTC()
		t.CheckedInAt = &c
	}
	return t, err
}

func queryTickets(ctx context.Context, q querier, where string, args ...any) ([]ordering.Ticket, error) {
	rows, err := q.Query(ctx, `SELECT `+ticketColumns+` FROM ordering.tickets t `+where+` ORDER BY t.issued_at, t.block_id, t.label, t.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read tickets: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ordering.Ticket, error) { return scanTicket(r) })
}

// Order returns an order with its lines.
func (r *Orders) Order(ctx context.Context, id uuid.UUID) (*ordering.Order, error) {
	st, err := scanOrder(r.pool.QueryRow(ctx, `SELECT `+orderColumns+orderFrom+`WHERE o.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "order %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read order %s: %w", id, err)
	}
	if err := loadLines(ctx, r.pool, []*ordering.OrderState{&st}, false); err != nil {
		return nil, err
	}
	return ordering.RestoreOrder(st), nil
}

// OrdersOf returns a page of a buyer's orders, newest first, and their total count.
func (r *Orders) OrdersOf(ctx context.Context, buyerID string, limit, offset int) ([]*ordering.Order, int, error) {
	var total int
	if err := r.pool.QueryRow(ctx, `SELECT count(*) FROM ordering.orders WHERE buyer_id = $1`, buyerID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count orders: %w", err)
	}
	rows, err := r.pool.Query(ctx, `SELECT `+orderColumns+orderFrom+`WHERE o.buyer_id = $1
		ORDER BY o.created_at DESC, o.id DESC LIMIT $2 OFFSET $3`, buyerID, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list orders: %w", err)
	}
	states, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*ordering.OrderState, error) {
		s, err := scanOrder(r)
		return &s, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list orders: %w", err)
	}
	if err := loadLines(ctx, r.pool, states, false); err != nil {
		return nil, 0, err
	}
	out := make([]*ordering.Order, len(states))
	for i, s := range states {
		out[i] = ordering.RestoreOrder(*s)
	}
	return out, total, nil
}

// lockOrder reads an order FOR UPDATE with its lines and tickets.
func lockOrder(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*ordering.Order, error) {
	st, err := scanOrder(tx.QueryRow(ctx, `SELECT `+orderColumns+orderFrom+`WHERE o.id = $1 FOR UPDATE OF o`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "order %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("lock order %s: %w", id, err)
	}
	if err := loadLines(ctx, tx, []*ordering.OrderState{&st}, true); err != nil {
		return nil, err
	}
	return ordering.RestoreOrder(st), nil
}

// UpdateOrder locks an order, lets fn change it and persists the changes.
func (r *Orders) UpdateOrder(ctx context.Context, id uuid.UUID, fn func(*ordering.Order) error) (*ordering.Order, error) {
	var out *ordering.Order
	err := r.inTx(ctx, func(tx pgx.Tx) error {
		o, err := lockOrder(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := fn(o); err != nil {
			return err
		}
		out = o
		return persist(ctx, tx, o)
	})
	return out, err
}

// persist writes an updated order's changes.
func persist(ctx context.Context, tx pgx.Tx, o *ordering.Order) error {
	st, ch := o.State(), o.Changes()
	if _, err := tx.Exec(ctx, `
		UPDATE ordering.orders SET status = $2, refunded_minor = $3, payment_intent_id = COALESCE($4, payment_intent_id),
			status_reason = $5, updated_at = $6, paid_at = $7
		WHERE id = $1`, st.ID, st.Status, st.RefundedMinor, nullIfEmpty(st.PaymentIntentID), st.StatusReason, st.UpdatedAt, st.PaidAt); err != nil {
		return fmt.Errorf("update order %s: %w", st.ID, err)
	}
	if len(ch.SeatIDs) > 0 {
		if _, err := tx.Exec(ctx, `
			UPDATE ordering.seat_allocations SET status = $3, updated_at = $4
			WHERE order_id = $1 AND seat_id = ANY($2) AND status IN ('HELD','SOLD')`,
			st.ID, ch.SeatIDs, string(ch.SeatStatus), st.UpdatedAt); err != nil {
			return fmt.Errorf("update seat allocations of order %s: %w", st.ID, err)
		}
	}
	standing := slices.Clone(ch.Standing)
	slices.SortFunc(standing, func(a, b ordering.StandingChange) int { return strings.Compare(a.BlockID, b.BlockID) })
	for _, sc := range standing {
		if _, err := tx.Exec(ctx, `
			UPDATE ordering.standing_allocations SET status = $3, quantity = $4, updated_at = $5
			WHERE order_id = $1 AND block_id = $2`, st.ID, sc.BlockID, string(sc.Status), sc.Quantity, st.UpdatedAt); err != nil {
			return fmt.Errorf("update standing allocation of order %s: %w", st.ID, err)
		}
		if sc.TakenDelta == 0 {
			continue
		}
		if _, err := tx.Exec(ctx, `
			UPDATE ordering.standing_inventory SET taken = GREATEST(0, taken + $3)
			WHERE session_id = $1 AND block_id = $2`, st.SessionID, sc.BlockID, sc.TakenDelta); err != nil {
			return fmt.Errorf("update standing inventory of block %s: %w", sc.BlockID, err)
		}
	}
	switch ch.Discount {
	case ordering.DiscountConfirm:
		if _, err := tx.Exec(ctx, `
			UPDATE ordering.discount_redemptions SET status = 'CONFIRMED', updated_at = $2
			WHERE order_id = $1 AND status = 'RESERVED'`, st.ID, st.UpdatedAt); err != nil {
			return fmt.Errorf("confirm discount use: %w", err)
		}
	case ordering.DiscountRelease:
		var discountID uuid.UUID
		err := tx.QueryRow(ctx, `
			UPDATE ordering.discount_redemptions SET status = 'RELEASED', updated_at = $2
			WHERE order_id = $1 AND status <> 'RELEASED' RETURNING discount_id`, st.ID, st.UpdatedAt).Scan(&discountID)
		if err == nil {
			_, err = tx.Exec(ctx, `UPDATE ordering.discount_usage SET used = used - 1 WHERE discount_id = $1 AND used > 0`, discountID)
		}
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("release discount use: %w", err)
		}
	}
	if err := insertTickets(ctx, tx, ch.NewTickets); err != nil {
		return err
	}
	if len(ch.VoidTickets) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE ordering.tickets SET status = 'VOID' WHERE id = ANY($1)`, ch.VoidTickets); err != nil {
			return fmt.Errorf("void tickets: %w", err)
		}
	}
	if rf := ch.Refund; rf != nil {
		if _, err := tx.Exec(ctx, `
			INSERT INTO ordering.refunds (id, order_id, amount_minor, reason, stripe_refund_id, requested_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			rf.ID, rf.OrderID, rf.AmountMinor, rf.Reason, nullIfEmpty(rf.StripeRefundID), rf.RequestedBy, rf.CreatedAt); err != nil {
			return fmt.Errorf("insert refund: %w", err)
		}
	}
	if mm := ch.Mismatch; mm != nil {
		if _, err := tx.Exec(ctx, `
			UPDATE ordering.stripe_events SET mismatch = true, amount_minor = $2, currency = $3 WHERE id = $1`,
			mm.EventID, mm.AmountMinor, mm.Currency); err != nil {
			return fmt.Errorf("record payment mismatch of order %s: %w", st.ID, err)
		}
	}
	return appendFeed(ctx, tx, st.SessionID, st.EventID, ch.Feed)
}

// ApplyPaymentEvent records a payment event and applies it to its order in one transaction.
func (r *Orders) ApplyPaymentEvent(ctx context.Context, ev ordering.PaymentEvent, fn func(*ordering.Order) error) (*ordering.Order, error) {
	var out *ordering.Order
	err := r.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO ordering.stripe_events (id, type) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, ev.ID, ev.Type)
		if err != nil {
			return fmt.Errorf("record stripe event: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return ordering.ErrDuplicateEvent
		}
		var id uuid.UUID
		err = tx.QueryRow(ctx, `SELECT id FROM ordering.orders WHERE payment_intent_id = $1`, ev.PaymentIntentID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			id = ev.OrderID
		} else if err != nil {
			return fmt.Errorf("find order of payment intent %s: %w", ev.PaymentIntentID, err)
		}
		if id == uuid.Nil {
			return nil
		}
		o, err := lockOrder(ctx, tx, id)
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE ordering.stripe_events SET order_id = $2 WHERE id = $1`, ev.ID, id); err != nil {
			return fmt.Errorf("link stripe event: %w", err)
		}
		if err := fn(o); err != nil {
			return err
		}
		out = o
		return persist(ctx, tx, o)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ExpireNext expires one due PENDING_PAYMENT order, skipping those other sweepers (or
// webhooks) hold.
func (r *Orders) ExpireNext(ctx context.Context, now time.Time, fn func(*ordering.Order) error) (*ordering.Order, error) {
	var out *ordering.Order
	err := r.inTx(ctx, func(tx pgx.Tx) error {
		var id uuid.UUID
		err := tx.QueryRow(ctx, `
			SELECT id FROM ordering.orders WHERE status = 'PENDING_PAYMENT' AND expires_at <= $1
			ORDER BY expires_at LIMIT 1 FOR UPDATE SKIP LOCKED`, now).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find due order: %w", err)
		}
		o, err := lockOrder(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := fn(o); err != nil {
			return err
		}
		out = o
		return persist(ctx, tx, o)
	})
	return out, err
}

// Tickets returns an order's tickets.
func (r *Orders) Tickets(ctx context.Context, orderID uuid.UUID) ([]ordering.Ticket, error) {
	return queryTickets(ctx, r.pool, `WHERE t.order_id = $1`, orderID)
}

// LiveSeats returns the live allocations among seats of a session.
func (r *Orders) LiveSeats(ctx context.Context, sessionID uuid.UUID, seatIDs []uuid.UUID) ([]ordering.SeatHolder, error) {
	rows, err := r.pool.Query(ctx, `
		SELECT a.seat_id, COALESCE(a.order_id::text, '`+ordering.BlockOwner+`'), a.status,
		       CASE WHEN a.status = 'HELD' THEN o.expires_at END
		FROM ordering.seat_allocations a LEFT JOIN ordering.orders o ON o.id = a.order_id
		WHERE a.session_id = $1 AND a.seat_id = ANY($2) AND a.status IN ('HELD','SOLD','BLOCKED')`, sessionID, seatIDs)
	if err != nil {
		return nil, fmt.Errorf("read live seats: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ordering.SeatHolder, error) {
		var h ordering.SeatHolder
		var exp *time.Time
		err := r.Scan(&h.SeatID, &h.Owner, &h.Status, &exp)
		if exp != nil {
			h.ExpiresAt = *exp
		}
		return h, err
	})
}

// StandingHolders returns the live units of a standing block, per order.
func (r *Orders) StandingHolders(ctx context.Context, sessionID uuid.UUID, blockID string) ([]ordering.StandingHolder, error) {
	rows, err := r.pool.Query(ctx, `
		SELECT sa.order_id::text, sa.quantity, CASE WHEN sa.status = 'HELD' THEN o.expires_at END
		FROM ordering.standing_allocations sa JOIN ordering.orders o ON o.id = sa.order_id
		WHERE sa.session_id = $1 AND sa.block_id = $2 AND sa.status IN ('HELD','SOLD')`, sessionID, blockID)
	if err != nil {
		return nil, fmt.Errorf("read standing holders: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ordering.StandingHolder, error) {
		var h ordering.StandingHolder
		var exp *time.Time
		err := r.Scan(&h.Owner, &h.Quantity, &exp)
		if exp != nil {
			h.ExpiresAt = *exp
		}
		return h, err
	})
}

// BlockSeats makes organizer blocks of the seats not blocked yet.
func (r *Orders) BlockSeats(ctx context.Context, s *ordering.SessionInfo, seats []ordering.SeatLine, now time.Time) ([]uuid.UUID, error) {
	now = now.UTC().Truncate(time.Microsecond)
	var blocked []uuid.UUID
	err := r.inTx(ctx, func(tx pgx.Tx) error {
		ids := make([]uuid.UUID, len(seats))
		for i, l := range seats {
			ids[i] = l.SeatID
		}
		rows, err := tx.Query(ctx, `
			SELECT seat_id, status FROM ordering.seat_allocations
			WHERE session_id = $1 AND seat_id = ANY($2) AND status IN ('HELD','SOLD','BLOCKED')`, s.ID, ids)
		if err != nil {
			return fmt.Errorf("read live seats: %w", err)
		}
		already := map[uuid.UUID]bool{}
		for rows.Next() {
			var id uuid.UUID
			var status string
			if err := rows.Scan(&id, &status); err != nil {
				rows.Close()
				return err
			}
			if status != string(ordering.AllocBlocked) {
				rows.Close()
				return ordering.ErrSeatTaken
			}
			already[id] = true
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var todo []ordering.SeatLine
		for _, l := range seats {
			if !already[l.SeatID] {
				l.Status = ordering.AllocBlocked
				todo = append(todo, l)
				blocked = append(blocked, l.SeatID)
			}
		}
		if st := seatsStep(s.ID, uuid.Nil, todo, now); st != nil {
			if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
				return fmt.Errorf("block seats: %w", refused(*st, err))
			}
		}
		return appendFeed(ctx, tx, s.ID, s.EventID, &ordering.SeatChange{Status: ordering.StateBlocked, SeatIDs: blocked})
	})
	if err != nil {
		return nil, err
	}
	if blocked == nil {
		blocked = []uuid.UUID{}
	}
	return blocked, nil
}

// UnblockSeats removes organizer blocks of the seats.
func (r *Orders) UnblockSeats(ctx context.Context, s *ordering.SessionInfo, seatIDs []uuid.UUID, _ time.Time) ([]uuid.UUID, error) {
	released := []uuid.UUID{}
	err := r.inTx(ctx, func(tx pgx.Tx) error {
		// A block row has no order (CHECK: BLOCKED exactly when order_id IS NULL), so it
		// cannot become RELEASED: it is deleted; the AVAILABLE seat change records the unblock.
		rows, err := tx.Query(ctx, `
			DELETE FROM ordering.seat_allocations
			WHERE session_id = $1 AND seat_id = ANY($2) AND status = 'BLOCKED' RETURNING seat_id`, s.ID, seatIDs)
		if err != nil {
			return fmt.Errorf("release blocks: %w", err)
		}
		released, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return fmt.Errorf("release blocks: %w", err)
		}
		return appendFeed(ctx, tx, s.ID, s.EventID, &ordering.SeatChange{Status: ordering.StateAvailable, SeatIDs: released})
	})
	return released, err
}
