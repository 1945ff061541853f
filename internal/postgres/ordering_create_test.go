package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ticketly/ticketly/internal/ordering"
	"github.com/ticketly/ticketly/internal/postgres"
)

func orderRepo(t *testing.T) (*postgres.Orders, *pgxpool.Pool) {
	t.Helper()
	pool := testPool(t, "TEST_ORDER_DATABASE_URL", "postgres://ticketly_order:ticketly_order@127.0.0.1:5432/ticketly?search_path=ordering", "ordering", 16)
	return postgres.NewOrders(pool), pool
}

// testSession is an on-sale session of n seats of one tier (ids fresh: tests isolate by them).
func testSession(n int) *ordering.SessionInfo {
	tier := ordering.Tier{ID: uuid.New(), Name: "A", PriceMinor: 1500, Currency: "EUR"}
	s := &ordering.SessionInfo{ID: uuid.New(), EventID: uuid.New(), OrganizationID: uuid.New(), Status: "ON_SALE",
		EventStatus: "APPROVED", SalesStart: time.Now().Add(-time.Hour), SalesEnd: time.Now().Add(time.Hour),
		Seats: map[uuid.UUID]ordering.SeatInfo{}, Tiers: map[uuid.UUID]ordering.Tier{tier.ID: tier}}
	for i := range n {
		id := uuid.New()
		s.Seats[id] = ordering.SeatInfo{ID: id, BlockID: "b1", Row: "A", Label: fmt.Sprint(i + 1), TierID: tier.ID, Sellable: true}
	}
	return s
}

func newTestOrder(t *testing.T, s *ordering.SessionInfo, seats ...uuid.UUID) (*ordering.Order, ordering.IdempotencyRecord) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Microsecond)
	q, err := ordering.Price(s, ordering.Request{SessionID: s.ID, SeatIDs: seats}, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.Must(uuid.NewV7())
	b := ordering.Buyer{ID: "pg-test-" + uuid.NewString(), Email: "buyer@example.org"}
	o := ordering.NewOrder(id, b, s, q, now, 10*time.Minute)
	rec := ordering.IdempotencyRecord{BuyerID: b.ID, Key: uuid.NewString(), RequestHash: "h", OrderID: id,
		Status: ordering.StatusCreated, Body: []byte(`{"id":"` + id.String() + `"}`)}
	return o, rec
}

// Concurrent orders of one session commit in groups: every order whose seat is free is
// created, the one whose seat another order of the same group holds is refused with
// ErrSeatTaken (and only it), a reused Idempotency-Key is refused with
// ErrIdempotencyKeyUsed, and the session's feed versions stay dense: one per order, no gap.
func TestCreateOrderGroupsOfOneSession(t *testing.T) {
	repo, pool := orderRepo(t)
	ctx := context.Background()
	const n = 120
	s := testSession(n)
	var seats []uuid.UUID
	for id := range s.Seats {
		seats = append(seats, id)
	}
	orders := make([]*ordering.Order, 0, n+2)
	recs := make([]ordering.IdempotencyRecord, 0, n+2)
	for i := range n {
		o, rec := newTestOrder(t, s, seats[i])
		orders, recs = append(orders, o), append(recs, rec)
	}
	// Two intruders: one wants a seat order 0 also wants, one reuses order 1's key.
	taken, rec := newTestOrder(t, s, seats[0])
	orders, recs = append(orders, taken), append(recs, rec)
	dupKey, rec := newTestOrder(t, s, seats[1])
	rec.BuyerID, rec.Key = recs[1].BuyerID, recs[1].Key
	orders, recs = append(orders, dupKey), append(recs, rec)

	errs := make([]error, len(orders))
	var wg sync.WaitGroup
	for i := range orders {
		wg.Go(func() { errs[i] = repo.CreateOrder(ctx, orders[i], recs[i]) })
	}
	wg.Wait()

	created, seatTaken, keyUsed := 0, 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			created++
		case errors.Is(err, ordering.ErrSeatTaken):
			seatTaken++
		case errors.Is(err, ordering.ErrIdempotencyKeyUsed):
			keyUsed++
		default:
			t.Errorf("order %d: unexpected error %v", i, err)
		}
	}
	// Seats 0 and 1 are each wanted twice: one of each pair wins.
	if created != n || seatTaken+keyUsed != 2 {
		t.Fatalf("created %d (want %d), seat taken %d, key used %d (want 2 refusals in all)", created, n, seatTaken, keyUsed)
	}
	var live, changes, minV, maxV int64
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM ordering.seat_allocations WHERE session_id = $1 AND status = 'HELD'`,
		s.ID).Scan(&live); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*), min(version), max(version) FROM ordering.seat_changes WHERE session_id = $1`,
		s.ID).Scan(&changes, &minV, &maxV); err != nil {
		t.Fatal(err)
	}
	if live != n || changes != n || minV != 1 || maxV != n {
		t.Fatalf("held seats %d, feed entries %d with versions %d..%d; want %d of each, versions 1..%d", live, changes, minV, maxV, n, n)
	}
	// Each order's feed entry names its own order and seat.
	var mismatched int64
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM ordering.seat_changes c
		JOIN ordering.seat_allocations a ON a.order_id = c.order_id
		WHERE c.session_id = $1 AND NOT (a.seat_id = ANY(c.seat_ids))`, s.ID).Scan(&mismatched); err != nil {
		t.Fatal(err)
	}
	if mismatched != 0 {
		t.Fatalf("%d feed entries do not name their order's seat", mismatched)
	}
}
