package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ticketly/ticketly/internal/ordering"
)

// Orders of one session are created in groups: in a flash sale every buyer's order bumps
// the same session_inventory row (the session's feed version), and the row lock is held
// until the commit is on disk, so one order per transaction caps a session at one order
// per commit. The orders that arrive while a group commits wait and go together in the
// next transaction: one round trip (a pipelined batch is one implicit transaction), one
// row lock, one WAL flush for all of them, and each still gets its own dense version.
//
// A statement refused by a constraint names the order it belongs to; that order gets its
// error and the others are committed again without it.

// maxGroup bounds the orders of one transaction (a bounded batch keeps a group's latency
// near one commit).
const maxGroup = 64

type pendingOrder struct {
	steps []step // built once, in the caller's goroutine, and sent as they are when its group is resent
	done  chan error
}

type sessionQueue struct {
	pending []*pendingOrder
	running bool
}

type groupCommitter struct {
	mu       sync.Mutex
	sessions map[uuid.UUID]*sessionQueue
	commit   func(ctx context.Context, group []*pendingOrder)
}

func newGroupCommitter(commit func(context.Context, []*pendingOrder)) *groupCommitter {
	return &groupCommitter{sessions: map[uuid.UUID]*sessionQueue{}, commit: commit}
}

// submit queues an order of its session and waits for its transaction. The commit does
// not follow the caller's cancellation: an order in a group that is committing is either
// in the database or not, and the caller learns which.
func (g *groupCommitter) submit(ctx context.Context, o *ordering.Order, rec ordering.IdempotencyRecord) error {
	steps, feed := orderSteps(o, rec)
	if feed != nil {
		steps = append(steps, *feed)
	}
	p := &pendingOrder{steps: steps, done: make(chan error, 1)}
	sid := o.SessionID()
	g.mu.Lock()
	q := g.sessions[sid]
	if q == nil {
		q = &sessionQueue{}
		g.sessions[sid] = q
	}
	q.pending = append(q.pending, p)
	if !q.running {
		q.running = true
		go g.drain(context.WithoutCancel(ctx), sid, q)
	}
	g.mu.Unlock()
	return <-p.done
}

// drain commits the session's queue, group by group, until it is empty.
func (g *groupCommitter) drain(ctx context.Context, sid uuid.UUID, q *sessionQueue) {
	for {
		g.mu.Lock()
		if len(q.pending) == 0 {
			q.running = false
			delete(g.sessions, sid)
			g.mu.Unlock()
			return
		}
		n := min(len(q.pending), maxGroup)
		group := q.pending[:n:n]
		q.pending = q.pending[n:]
		g.mu.Unlock()
		g.commit(ctx, group)
	}
}

// step is one statement of an order's creation and what its refusal means to the buyer.
type step struct {
	sql     string
	args    []any
	refusal func(*pgconn.PgError) error // the domain error of a refusal, or nil
}

// orderSteps are the statements creating o, in lock order: the idempotency key first (a
// concurrent twin waits on it and then replays), seats in seat order and standing blocks
// in block order (overlapping orders wait instead of deadlocking), the session's feed
// version last (its row lock is then held only until the commit).
func orderSteps(o *ordering.Order, rec ordering.IdempotencyRecord) (steps []step, feed *step) {
	st, ch := o.State(), o.Changes()
	steps = append(steps, step{
		sql: `INSERT INTO ordering.idempotency_keys (buyer_id, key, request_hash, response_status, response_body, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`,
		args: []any{rec.BuyerID, rec.Key, rec.RequestHash, rec.Status, recordBody(rec), st.CreatedAt},
		refusal: func(pe *pgconn.PgError) error {
			if pe.Code == pgUniqueViolation && pe.ConstraintName == idempotencyKey {
				return ordering.ErrIdempotencyKeyUsed
			}
			return nil
		},
	}, step{
		sql: `INSERT INTO ordering.orders (id, buyer_id, buyer_email, session_id, event_id, organization_id, status,
				subtotal_minor, discount_minor, total_minor, currency, discount_id, discount_code, expires_at,
				payment_intent_id, created_at, updated_at, paid_at, buyer_name)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17, $18)`,
		args: []any{st.ID, st.BuyerID, st.BuyerEmail, st.SessionID, st.EventID, st.OrganizationID, st.Status,
			st.SubtotalMinor, st.DiscountMinor, st.TotalMinor, st.Currency, nullUUID(st.DiscountID), st.DiscountCode,
			st.ExpiresAt, nullIfEmpty(st.PaymentIntentID), st.CreatedAt, st.PaidAt, st.BuyerName},
	})
	if s := seatsStep(st.SessionID, st.ID, st.Seats, st.CreatedAt); s != nil {
		steps = append(steps, *s)
	}
	standing := slices.Clone(st.Standing)
	slices.SortFunc(standing, func(a, b ordering.StandingLine) int { return strings.Compare(a.BlockID, b.BlockID) })
	for _, l := range standing {
		steps = append(steps, step{
			sql: `INSERT INTO ordering.standing_inventory (session_id, block_id, capacity, taken) VALUES ($1, $2, $3, $4)
				ON CONFLICT (session_id, block_id) DO UPDATE
				SET capacity = EXCLUDED.capacity, taken = ordering.standing_inventory.taken + EXCLUDED.taken`,
			args: []any{st.SessionID, l.BlockID, l.Capacity, l.Quantity},
			refusal: func(pe *pgconn.PgError) error {
				if pe.Code == pgCheckViolation {
					return &ordering.StandingShortError{StandingAvail: ordering.StandingAvail{BlockID: l.BlockID, Available: -1}}
				}
				return nil
			},
		}, step{
			sql: `INSERT INTO ordering.standing_allocations (order_id, session_id, block_id, block_name, quantity, status,
					tier_id, price_minor, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
			args: []any{st.ID, st.SessionID, l.BlockID, l.Name, l.Quantity, l.Status, nullUUID(l.TierID), l.UnitPriceMinor, st.CreatedAt},
		})
	}
	if st.DiscountID != uuid.Nil {
		var limit *int
		if st.DiscountUsageLimit > 0 {
			limit = &st.DiscountUsageLimit
		}
		steps = append(steps, step{
			sql: `INSERT INTO ordering.discount_usage (discount_id, used, usage_limit) VALUES ($1, 1, $2)
				ON CONFLICT (discount_id) DO UPDATE
				SET used = ordering.discount_usage.used + 1, usage_limit = EXCLUDED.usage_limit`,
			args: []any{st.DiscountID, limit},
			refusal: func(pe *pgconn.PgError) error {
				if pe.Code == pgCheckViolation {
					return ordering.ErrDiscountUsedUp
				}
				return nil
			},
		}, step{
			sql: `INSERT INTO ordering.discount_redemptions (order_id, discount_id, status, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $4)`,
			args: []any{st.ID, st.DiscountID, st.Redemption, st.CreatedAt},
		})
	}
	return steps, feedStep(st.SessionID, st.EventID, ch.Feed)
}

// seatsStep inserts the seat allocations; the partial unique index over live allocations
// refuses a seat that is already held, sold or blocked.
func seatsStep(sessionID, orderID uuid.UUID, seats []ordering.SeatLine, at any) *step {
	if len(seats) == 0 {
		return nil
	}
	seats = slices.Clone(seats)
	slices.SortFunc(seats, func(a, b ordering.SeatLine) int { return strings.Compare(a.SeatID.String(), b.SeatID.String()) })
	ids := make([]uuid.UUID, len(seats))
	tiers := make([]uuid.UUID, len(seats))
	prices := make([]int64, len(seats))
	statuses := make([]string, len(seats))
	blocks := make([]string, len(seats))
	labels := make([]string, len(seats))
	for i, l := range seats {
		ids[i], tiers[i], prices[i], statuses[i], blocks[i], labels[i] = l.SeatID, l.TierID, l.PriceMinor, string(l.Status), l.BlockID, l.Label
	}
	return &step{
		sql: `INSERT INTO ordering.seat_allocations (session_id, seat_id, order_id, status, tier_id, price_minor, block_id, label,
				created_at, updated_at)
			SELECT $1, s.seat_id, $2, s.status, NULLIF(s.tier_id, '` + nilUUIDLiteral + `'::uuid), s.price, s.block_id, s.label, $9, $9
			FROM unnest($3::uuid[], $4::text[], $5::uuid[], $6::bigint[], $7::text[], $8::text[])
				AS s(seat_id, status, tier_id, price, block_id, label)`,
		args: []any{sessionID, nullUUID(orderID), ids, statuses, tiers, prices, blocks, labels, at},
		refusal: func(pe *pgconn.PgError) error {
			if pe.Code == pgUniqueViolation && pe.ConstraintName == liveSeatIndex {
				return ordering.ErrSeatTaken
			}
			return nil
		},
	}
}

// feedSQL bumps the session's inventory version and writes the seat-change row for it in
// one statement, with each touched standing block's availability as this transaction sees
// it (after its own changes).
const feedSQL = `
	WITH v AS (
		INSERT INTO ordering.session_inventory (session_id, event_id, version, updated_at) VALUES ($1, $2, 1, now())
		ON CONFLICT (session_id) DO UPDATE SET version = ordering.session_inventory.version + 1, updated_at = now()
		RETURNING version)
	INSERT INTO ordering.seat_changes (session_id, version, status, seat_ids, standing, order_id)
	SELECT $1, v.version, $3, $4,
		COALESCE((SELECT jsonb_agg(jsonb_build_object('block_id', b.block_id, 'available', COALESCE(i.capacity - i.taken, 0))
				ORDER BY b.n)
			FROM unnest($5::text[]) WITH ORDINALITY AS b(block_id, n)
			LEFT JOIN ordering.standing_inventory i ON i.session_id = $1 AND i.block_id = b.block_id), '[]'::jsonb),
		$6
	FROM v`

// feedStep is the feed entry of a change, or nil when it touches no seat and no block.
func feedStep(sessionID, eventID uuid.UUID, f *ordering.SeatChange) *step {
	if f == nil || (len(f.SeatIDs) == 0 && len(f.StandingBlocks) == 0) {
		return nil
	}
	seatIDs := f.SeatIDs
	if seatIDs == nil {
		seatIDs = []uuid.UUID{}
	}
	blocks := f.StandingBlocks
	if blocks == nil {
		blocks = []string{}
	}
	return &step{sql: feedSQL, args: []any{sessionID, eventID, string(f.Status), seatIDs, blocks, nullUUID(f.OrderID)}}
}

// appendFeed writes the feed entry of a change in tx (last in its transaction: the
// session_inventory row lock is then held only until the commit).
func appendFeed(ctx context.Context, tx pgx.Tx, sessionID, eventID uuid.UUID, f *ordering.SeatChange) error {
	s := feedStep(sessionID, eventID, f)
	if s == nil {
		return nil
	}
	if _, err := tx.Exec(ctx, s.sql, s.args...); err != nil {
		return fmt.Errorf("append the feed of session %s: %w", sessionID, err)
	}
	return nil
}

// CreateOrder inserts a new order with its idempotency record, seat and standing
// allocations, discount reservation, tickets (free orders) and feed entry, in one
// transaction shared with the other orders of its session that arrive meanwhile.
func (r *Orders) CreateOrder(ctx context.Context, o *ordering.Order, rec ordering.IdempotencyRecord) error {
	var err error
	if len(o.Changes().NewTickets) > 0 {
		err = r.createFree(ctx, o, rec) // tickets go in by COPY, which a pipeline cannot carry
	} else {
		err = r.groups.submit(ctx, o, rec)
	}
	var short *ordering.StandingShortError
	if errors.As(err, &short) {
		// Tell the buyer what is left (read after the failed transaction).
		var capacity, taken int64
		if qerr := r.pool.QueryRow(ctx, `SELECT capacity, taken FROM ordering.standing_inventory
			WHERE session_id = $1 AND block_id = $2`, o.SessionID(), short.BlockID).Scan(&capacity, &taken); qerr == nil {
			for _, l := range o.State().Standing {
				if l.BlockID == short.BlockID {
					capacity = l.Capacity
				}
			}
			short.Available = max(0, capacity-taken)
		}
	}
	return err
}

// createFree creates an order paid at once (its tickets issued) in a transaction of its own.
func (r *Orders) createFree(ctx context.Context, o *ordering.Order, rec ordering.IdempotencyRecord) error {
	steps, _ := orderSteps(o, rec)
	return r.inTx(ctx, func(tx pgx.Tx) error {
		for _, s := range steps {
			if _, err := tx.Exec(ctx, s.sql, s.args...); err != nil {
				return fmt.Errorf("create order: %w", refused(s, err))
			}
		}
		if err := insertTickets(ctx, tx, o.Changes().NewTickets); err != nil {
			return err
		}
		return appendFeed(ctx, tx, o.SessionID(), o.State().EventID, o.Changes().Feed)
	})
}

// refusalOf is the domain error of a constraint's refusal of s, or nil for any other failure.
func (s step) refusalOf(err error) error {
	if pe := pgError(err); pe != nil && s.refusal != nil {
		return s.refusal(pe)
	}
	return nil
}

// refused is a statement's failure as the domain error of a constraint's refusal, or as is.
func refused(s step, err error) error {
	if derr := s.refusalOf(err); derr != nil {
		return derr
	}
	return err
}

// commitGroup creates a group of orders of one session in one pipelined transaction. When
// a constraint refuses one order's statement, that order gets its domain error and the rest
// are sent again; a deadlock or serialization failure is retried a few times; any other
// failure is every order's.
func (r *Orders) commitGroup(ctx context.Context, group []*pendingOrder) {
	transient := 0
	for len(group) > 0 {
		b := &pgx.Batch{}
		owner := make([]int, 0, 8*len(group)) // statement → order in group
		steps := make([]step, 0, 8*len(group))
		for i, p := range group {
			for _, s := range p.steps {
				b.Queue(s.sql, s.args...)
				owner = append(owner, i)
				steps = append(steps, s)
			}
		}
		failed, err := r.sendGroup(ctx, b)
		if err == nil {
			for _, p := range group {
				p.done <- nil
			}
			return
		}
		if failed >= 0 {
			if derr := steps[failed].refusalOf(err); derr != nil {
				i := owner[failed]
				group[i].done <- derr
				group = slices.Delete(group, i, i+1)
				continue
			}
		}
		if isTransient(err) && transient < maxTransientRetries {
			transient++
			continue
		}
		for _, p := range group {
			p.done <- fmt.Errorf("create order: %w", err)
		}
		return
	}
}

// sendGroup sends the batch as one implicit transaction (one Sync: the statements commit
// together or not at all) and reports the index of the statement that failed (-1: none
// or unknown) with its error.
func (r *Orders) sendGroup(ctx context.Context, b *pgx.Batch) (int, error) {
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return -1, err
	}
	defer conn.Release()
	br := conn.SendBatch(ctx, b)
	failed := -1
	var first error
	for i := range b.Len() {
		if _, err := br.Exec(); err != nil {
			failed, first = i, err
			break
		}
	}
	if cerr := br.Close(); first == nil && cerr != nil {
		first = cerr
	}
	return failed, first
}
