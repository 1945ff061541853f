package locking_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/locking"
	"github.com/ticketly/ticketly/internal/ordering"
)

// A provisional hold lapses on its own; once its order is committed, Extend makes it last
// as long as the order, re-creating what lapsed meanwhile but never taking a seat (or a
// standing unit) from another owner.
func TestProvisionalHoldLapsesAndExtendKeepsCommittedOnes(t *testing.T) {
	g, rdb := gate(t)
	ctx := context.Background()
	sid, a, b, c := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	forget(t, rdb, sid)
	crashed, committed, other := uuid.NewString(), uuid.NewString(), uuid.NewString()
	block := "floor"
	hold := func(owner string, ttl time.Duration, seats []uuid.UUID, units int) {
		t.Helper()
		h := ordering.Hold{SessionID: sid, Owner: owner, TTL: ttl, SeatIDs: seats}
		if units > 0 {
			h.Standing = []ordering.StandingHold{{BlockID: block, Quantity: units, Capacity: 4}}
		}
		for range 2 {
			res, err := g.Hold(ctx, h)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Unseeded) > 0 {
				if err := g.Seed(ctx, sid, block, nil); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if !res.OK {
				t.Fatalf("hold of %s refused: %+v", owner, res)
			}
			return
		}
	}
	hold(crashed, 300*time.Millisecond, []uuid.UUID{a}, 1)
	hold(committed, 300*time.Millisecond, []uuid.UUID{b, c}, 2)
	// committed's hold of c lapses and another owner takes c meanwhile.
	time.Sleep(400 * time.Millisecond)
	hold(other, time.Minute, []uuid.UUID{c}, 0)

	ext := ordering.Hold{SessionID: sid, Owner: committed, TTL: time.Minute, SeatIDs: []uuid.UUID{b, c},
		Standing: []ordering.StandingHold{{BlockID: block, Quantity: 2}}}
	if err := g.Extend(ctx, ext); err != nil {
		t.Fatal(err)
	}
	owner := func(seat uuid.UUID) string { v, _ := rdb.Get(ctx, locking.SeatKey(sid, seat)).Result(); return v }
	if got := owner(a); got != "" {
		t.Fatalf("the crashed request's hold of a outlived its provisional TTL: %q", got)
	}
	if got := owner(b); got != committed {
		t.Fatalf("b after Extend: %q, want the committed order", got)
	}
	if ttl := rdb.PTTL(ctx, locking.SeatKey(sid, b)).Val(); ttl < 50*time.Second {
		t.Fatalf("b's TTL after Extend: %s", ttl)
	}
	if got := owner(c); got != other {
		t.Fatalf("Extend took c from its new holder: %q", got)
	}
	// Standing: the crashed request's unit is gone, the committed order's two are counted
	// again, so two of the four units are left.
	res, err := g.Hold(ctx, ordering.Hold{SessionID: sid, Owner: uuid.NewString(), TTL: time.Minute,
		Standing: []ordering.StandingHold{{BlockID: block, Quantity: 3, Capacity: 4}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK || len(res.Short) != 1 || res.Short[0].Available != 2 {
		t.Fatalf("standing after Extend: %+v, want 2 of 4 units available", res)
	}
}
