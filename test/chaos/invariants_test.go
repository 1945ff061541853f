//go:build chaos

package chaos_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/ticketly/ticketly/internal/locking"
)

// doubleBookings lists seats with more than one live allocation, or more than one valid
// ticket, in any session of the stack; standing areas taken beyond their capacity; and, in
// the fixture's sessions, standing counters that disagree with their live allocations.
func (e *env) doubleBookings(ctx context.Context, f *fixture) ([]string, error) {
	var out []string
	rows, err := e.db.Query(ctx, `SELECT session_id::text, seat_id::text, count(*) FROM ordering.seat_allocations
		WHERE status IN ('HELD','SOLD','BLOCKED') GROUP BY 1, 2 HAVING count(*) > 1`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var s, seat string
		var n int
		if err := rows.Scan(&s, &seat, &n); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("seat %s of session %s has %d live allocations", seat, s, n))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = e.db.Query(ctx, `SELECT session_id::text, seat_id::text, count(*), array_agg(DISTINCT order_id::text) FROM ordering.tickets
		WHERE status = 'VALID' AND seat_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var s, seat string
		var n int
		var orders []string
		if err := rows.Scan(&s, &seat, &n, &orders); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("seat %s of session %s has %d valid tickets (orders %v)", seat, s, n, orders))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = e.db.Query(ctx, `SELECT i.session_id::text, i.block_id, i.capacity, i.taken,
		COALESCE((SELECT sum(quantity) FROM ordering.standing_allocations a
		          WHERE a.session_id = i.session_id AND a.block_id = i.block_id AND a.status IN ('HELD','SOLD')), 0)
		FROM ordering.standing_inventory i WHERE i.session_id = ANY($1::uuid[]) OR i.taken > i.capacity`,
		[]string{f.SessionA, f.SessionW})
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var s, b string
		var capacity, taken, live int64
		if err := rows.Scan(&s, &b, &capacity, &taken, &live); err != nil {
			return nil, err
		}
		if taken > capacity || taken != live {
			out = append(out, fmt.Sprintf("standing %s of session %s: capacity %d, taken %d, live allocations %d", b, s, capacity, taken, live))
		}
	}
	return out, rows.Err()
}

// orderConsistency checks the fixture's orders: allocations agree with their order's
// status, every paid order has exactly one valid ticket per seat and standing unit, no other
// order has a valid ticket, and each session's seat-change feed is dense.
func (e *env) orderConsistency(ctx context.Context, f *fixture) ([]string, map[string]int, error) {
	var out []string
	sessions := []string{f.SessionA, f.SessionW}
	counts := map[string]int{}
	rows, err := e.db.Query(ctx, `SELECT o.id::text, o.status,
		(SELECT count(*) FROM ordering.seat_allocations a WHERE a.order_id = o.id),
		COALESCE((SELECT sum(quantity) FROM ordering.standing_allocations s WHERE s.order_id = o.id), 0),
		(SELECT count(*) FROM ordering.tickets t WHERE t.order_id = o.id AND t.status = 'VALID'),
		(SELECT array_agg(DISTINCT a.status) FROM ordering.seat_allocations a WHERE a.order_id = o.id),
		(SELECT array_agg(DISTINCT s.status) FROM ordering.standing_allocations s WHERE s.order_id = o.id)
		FROM ordering.orders o WHERE o.session_id = ANY($1::uuid[])`, sessions)
	if err != nil {
		return nil, nil, err
	}
	want := map[string]string{"PENDING_PAYMENT": "HELD", "PAID": "SOLD", "EXPIRED": "RELEASED", "CANCELLED": "RELEASED", "REFUNDED": "RELEASED"}
	for rows.Next() {
		var id, status string
		var seats, units, valid int64
		var seatSt, standSt []string
		if err := rows.Scan(&id, &status, &seats, &units, &valid, &seatSt, &standSt); err != nil {
			return nil, nil, err
		}
		counts[status]++
		if w, ok := want[status]; ok {
			for _, st := range append(seatSt, standSt...) {
				if st != w {
					out = append(out, fmt.Sprintf("order %s is %s but has %s allocations (%v %v)", id, status, st, seatSt, standSt))
					break
				}
			}
		}
		switch status {
		case "PAID":
			if valid != seats+units {
				out = append(out, fmt.Sprintf("paid order %s has %d valid tickets for %d seats and %d standing units", id, valid, seats, units))
			}
		case "PARTIALLY_REFUNDED":
		default:
			if valid != 0 {
				out = append(out, fmt.Sprintf("order %s is %s and has %d valid tickets", id, status, valid))
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	for _, sid := range sessions {
		var n, maxV, inv int64
		if err := e.db.QueryRow(ctx, `SELECT count(*), COALESCE(max(version), 0),
			COALESCE((SELECT version FROM ordering.session_inventory WHERE session_id = $1), 0)
			FROM ordering.seat_changes WHERE session_id = $1`, sid).Scan(&n, &maxV, &inv); err != nil {
			return nil, nil, err
		}
		if n != maxV || inv != maxV {
			out = append(out, fmt.Sprintf("seat-change feed of session %s is not dense: %d rows, max version %d, inventory version %d", sid, n, maxV, inv))
		}
	}
	return out, counts, nil
}

// stuckOrders lists orders of the whole stack still PENDING_PAYMENT although their hold
// ended before cutoff.
func (e *env) stuckOrders(ctx context.Context, cutoff time.Time) ([]string, error) {
	rows, err := e.db.Query(ctx, `SELECT id::text, expires_at FROM ordering.orders
		WHERE status = 'PENDING_PAYMENT' AND expires_at < $1 ORDER BY expires_at LIMIT 20`, cutoff)
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		var id string
		var exp time.Time
		if err := rows.Scan(&id, &exp); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("order %s is still PENDING_PAYMENT, its hold ended %s ago", id, time.Since(exp).Round(time.Second)))
	}
	return out, rows.Err()
}

// staleHolds lists the admission gate's holds in the fixture's sessions that PostgreSQL
// does not back: a seat key whose holder has no live allocation of that seat, a standing
// unit count of an owner without live standing allocations of that many units.
func (e *env) staleHolds(ctx context.Context, f *fixture) ([]string, error) {
	var out []string
	for _, sess := range []struct {
		id    string
		seats []string
	}{{f.SessionA, f.SeatsA}, {f.SessionW, f.SeatsW}} {
		sid := uuid.MustParse(sess.id)
		live := map[string]string{} // seat -> holder (order id or BLOCKED)
		rows, err := e.db.Query(ctx, `SELECT seat_id::text, COALESCE(order_id::text, 'BLOCKED') FROM ordering.seat_allocations
			WHERE session_id = $1 AND status IN ('HELD','SOLD','BLOCKED')`, sess.id)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var seat, holder string
			if err := rows.Scan(&seat, &holder); err != nil {
				return nil, err
			}
			live[seat] = holder
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		pipe := e.rdb.Pipeline()
		gets := make([]*redis.StringCmd, len(sess.seats))
		ttls := make([]*redis.DurationCmd, len(sess.seats))
		for i, seat := range sess.seats {
			key := locking.SeatKey(sid, uuid.MustParse(seat))
			gets[i], ttls[i] = pipe.Get(ctx, key), pipe.PTTL(ctx, key)
		}
		if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
			return nil, fmt.Errorf("read seat holds: %w", err)
		}
		for i, seat := range sess.seats {
			holder, err := gets[i].Result()
			if err == redis.Nil {
				continue
			}
			if err != nil {
				return nil, err
			}
			if live[seat] != holder {
				out = append(out, fmt.Sprintf("session %s seat %s: held in Redis by %s for %s more, PostgreSQL has %q",
					sess.id, seat, holder, ttls[i].Val().Round(time.Second), live[seat]))
			}
		}
	}
	// Standing units of session A.
	sid := uuid.MustParse(f.SessionA)
	counts, err := e.rdb.HGetAll(ctx, locking.StandingKey(sid, f.Standing)).Result()
	if err != nil {
		return nil, fmt.Errorf("read standing holds: %w", err)
	}
	expiry, err := e.rdb.ZRangeWithScores(ctx, locking.StandingExpiryKey(sid, f.Standing), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("read standing expiries: %w", err)
	}
	until := map[string]float64{}
	for _, z := range expiry {
		until[fmt.Sprint(z.Member)] = z.Score
	}
	liveUnits := map[string]string{}
	rows, err := e.db.Query(ctx, `SELECT order_id::text, quantity::text FROM ordering.standing_allocations
		WHERE session_id = $1 AND block_id = $2 AND status IN ('HELD','SOLD')`, f.SessionA, f.Standing)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var o, q string
		if err := rows.Scan(&o, &q); err != nil {
			return nil, err
		}
		liveUnits[o] = q
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	now := float64(time.Now().UnixMilli())
	for owner, units := range counts {
		if strings.HasPrefix(owner, "_") {
			continue
		}
		if exp, held := until[owner]; held && exp <= now {
			continue // expired: the next hold of the block drops it
		}
		if liveUnits[owner] != units {
			out = append(out, fmt.Sprintf("session %s standing %s: %s units counted in Redis for %s, PostgreSQL has %q",
				f.SessionA, f.Standing, units, owner, liveUnits[owner]))
		}
	}
	return out, nil
}

// clientChecks compares what the traffic was told with PostgreSQL: every Idempotency-Key that
// was answered 201 names the order the buyer got, every accepted "paid" webhook left its
// order paid (or refunded, when the organizer refunded it).
func (e *env) clientChecks(ctx context.Context, tr *traffic) ([]string, error) {
	var out []string
	tr.mu.Lock()
	keys := make([]keyUse, 0, len(tr.keys))
	for _, k := range tr.keys {
		keys = append(keys, k)
	}
	accepted := map[string]string{}
	for k, v := range tr.accepted {
		accepted[k] = v
	}
	refunded := map[string]bool{}
	for k, v := range tr.refunded {
		refunded[k] = v
	}
	tr.mu.Unlock()
	for _, k := range keys {
		if k.OrderID == "" {
			continue
		}
		var id string
		err := e.db.QueryRow(ctx, `SELECT COALESCE(response_body->>'order_id', response_body->>'id', '')
			FROM ordering.idempotency_keys WHERE buyer_id = $1 AND key = $2`,
			e.users.subject(k.Buyer), k.Key).Scan(&id)
		if err != nil {
			out = append(out, fmt.Sprintf("%s got order %s for key %s, but the key is not recorded: %v", k.Buyer, k.OrderID, k.Key, err))
		} else if id != k.OrderID {
			out = append(out, fmt.Sprintf("%s got order %s for key %s, PostgreSQL records order %s", k.Buyer, k.OrderID, k.Key, id))
		}
	}
	for id, outcome := range accepted {
		if outcome != "paid" {
			continue
		}
		var status string
		if err := e.db.QueryRow(ctx, `SELECT status FROM ordering.orders WHERE id = $1`, id).Scan(&status); err != nil {
			out = append(out, fmt.Sprintf("order %s was reported paid but cannot be read: %v", id, err))
			continue
		}
		if want := map[bool]string{false: "PAID", true: "REFUNDED"}[refunded[id]]; status != want {
			out = append(out, fmt.Sprintf("order %s was reported paid, PostgreSQL says %s (want %s)", id, status, want))
		}
	}
	return out, nil
}
