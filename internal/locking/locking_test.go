package locking_test

import (
	"context"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/ticketly/ticketly/internal/locking"
	"github.com/ticketly/ticketly/internal/ordering"
	"github.com/ticketly/ticketly/internal/svctest"
)

// These tests run against the local stack's Redis (REDIS_ADDR, default 127.0.0.1:6379).
// Every test uses its own session IDs, so they never touch each other's keys.
func gate(t *testing.T) (*locking.Gate, *redis.Client) {
	t.Helper()
	svctest.RequireStack(t, svctest.Redis)
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 64})
	t.Cleanup(func() { _ = rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis at %s: %v (is the local stack up? bash deploy/local/stack.sh up)", addr, err)
	}
	g := locking.New(rdb, 30*time.Second)
	if err := g.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return g, rdb
}

// forget deletes a test session's keys at the end of the test.
func forget(t *testing.T, rdb *redis.Client, sid uuid.UUID) {
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := rdb.Keys(ctx, "*{"+sid.String()+"}*").Result()
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	})
}

func TestHoldIsAllOrNothing(t *testing.T) {
	t.Parallel()
	g, rdb := gate(t)
	ctx := context.Background()
	sid, a, b, c := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	forget(t, rdb, sid)
	o1, o2 := uuid.NewString(), uuid.NewString()
	res, err := g.Hold(ctx, ordering.Hold{SessionID: sid, Owner: o1, TTL: time.Minute, SeatIDs: []uuid.UUID{a, b}})
	if err != nil || !res.OK {
		t.Fatalf("%+v %v", res, err)
	}
	res, err = g.Hold(ctx, ordering.Hold{SessionID: sid, Owner: o2, TTL: time.Minute, SeatIDs: []uuid.UUID{c, b}})
	if err != nil || res.OK || !slices.Equal(res.TakenSeats, []uuid.UUID{b}) {
		t.Fatalf("%+v %v", res, err)
	}
	if n := rdb.Exists(ctx, locking.SeatKey(sid, c)).Val(); n != 0 {
		t.Fatal("a refused hold must hold nothing")
	}
	if ttl := rdb.PTTL(ctx, locking.SeatKey(sid, a)).Val(); ttl <= 50*time.Second || ttl > time.Minute {
		t.Fatalf("ttl %s", ttl)
	}
	// The same owner again is fine (a retry); someone else's release changes nothing.
	if res, _ := g.Hold(ctx, ordering.Hold{SessionID: sid, Owner: o1, TTL: time.Minute, SeatIDs: []uuid.UUID{a}}); !res.OK {
		t.Fatal("re-hold by the same owner")
	}
	if err := g.Release(ctx, ordering.Hold{SessionID: sid, Owner: o2, SeatIDs: []uuid.UUID{a, b}}); err != nil {
		t.Fatal(err)
	}
	if rdb.Get(ctx, locking.SeatKey(sid, a)).Val() != o1 {
		t.Fatal("another owner's release removed a hold")
	}
	if err := g.Release(ctx, ordering.Hold{SessionID: sid, Owner: o1, SeatIDs: []uuid.UUID{a, b}}); err != nil {
		t.Fatal(err)
	}
	if res, _ := g.Hold(ctx, ordering.Hold{SessionID: sid, Owner: o2, TTL: time.Minute, SeatIDs: []uuid.UUID{c, b}}); !res.OK {
		t.Fatal("released seats must be holdable")
	}
	// Organizer blocks never expire.
	if res, _ := g.Hold(ctx, ordering.Hold{SessionID: sid, Owner: ordering.BlockOwner, SeatIDs: []uuid.UUID{a}}); !res.OK {
		t.Fatal("block")
	}
	if ttl := rdb.PTTL(ctx, locking.SeatKey(sid, a)).Val(); ttl != -1 {
		t.Fatalf("block ttl %s", ttl)
	}
}

func TestOneWinnerUnderContention(t *testing.T) {
	t.Parallel()
	g, rdb := gate(t)
	sid, seat := uuid.New(), uuid.New()
	forget(t, rdb, sid)
	var wins atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := g.Hold(context.Background(), ordering.Hold{SessionID: sid, Owner: uuid.NewString(), TTL: time.Minute,
				SeatIDs: []uuid.UUID{uuid.New(), seat}})
			if err != nil {
				t.Error(err)
			}
			if res.OK {
				wins.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d holders of one seat", wins.Load())
	}
}

func TestStandingCapacity(t *testing.T) {
	t.Parallel()
	g, rdb := gate(t)
	ctx := context.Background()
	sid := uuid.New()
	forget(t, rdb, sid)
	hold := func(owner string, q int, ttl time.Duration) ordering.HoldResult {
		t.Helper()
		res, err := g.Hold(ctx, ordering.Hold{SessionID: sid, Owner: owner, TTL: ttl,
			Standing: []ordering.StandingHold{{BlockID: "ga", Quantity: q, Capacity: 5}}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := hold("o1", 3, time.Minute); !slices.Equal(res.Unseeded, []string{"ga"}) {
		t.Fatalf("an unknown block must be seeded first: %+v", res)
	}
	// Seeded from the database: one sold unit of another order.
	if err := g.Seed(ctx, sid, "ga", []ordering.StandingHolder{{Owner: "sold", Quantity: 1}}); err != nil {
		t.Fatal(err)
	}
	if res := hold("o1", 3, time.Minute); !res.OK {
		t.Fatalf("%+v", res)
	}
	if res := hold("o2", 2, time.Minute); res.OK || len(res.Short) != 1 || res.Short[0].Available != 1 {
		t.Fatalf("over capacity: %+v", res)
	}
	if res := hold("o2", 1, time.Minute); !res.OK {
		t.Fatalf("%+v", res)
	}
	// A second seeding changes nothing.
	_ = g.Seed(ctx, sid, "ga", nil)
	if res := hold("o3", 1, time.Minute); res.OK {
		t.Fatal("capacity exceeded after a re-seed")
	}
	// Partial, then full release.
	if err := g.Release(ctx, ordering.Hold{SessionID: sid, Owner: "o1", Standing: []ordering.StandingHold{{BlockID: "ga", Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	if res := hold("o3", 1, time.Minute); !res.OK {
		t.Fatalf("after a partial release: %+v", res)
	}
	if err := g.Release(ctx, ordering.Hold{SessionID: sid, Owner: "o1", Standing: []ordering.StandingHold{{BlockID: "ga"}}}); err != nil {
		t.Fatal(err)
	}
	if n := rdb.HGet(ctx, locking.StandingKey(sid, "ga"), "_n").Val(); n != "3" {
		t.Fatalf("counted %s, want 3", n)
	}
	// Sold units stay counted and no longer expire; expired holds free their units.
	if err := g.Sell(ctx, ordering.Hold{SessionID: sid, Owner: "o2", Standing: []ordering.StandingHold{{BlockID: "ga"}}}); err != nil {
		t.Fatal(err)
	}
	if res := hold("o4", 2, 50*time.Millisecond); !res.OK {
		t.Fatalf("%+v", res)
	}
	time.Sleep(120 * time.Millisecond)
	if res := hold("o5", 2, time.Minute); !res.OK {
		t.Fatalf("expired units must be free again: %+v", res)
	}
	if res := hold("o6", 1, time.Minute); res.OK {
		t.Fatal("sold units must stay counted")
	}
}

func TestMarkerSpotsADuplicateInFlight(t *testing.T) {
	t.Parallel()
	g, rdb := gate(t)
	ctx := context.Background()
	sid := uuid.New()
	forget(t, rdb, sid)
	h := ordering.Hold{SessionID: sid, Owner: "o1", Marker: "m", TTL: time.Minute, SeatIDs: []uuid.UUID{uuid.New()}}
	if res, _ := g.Hold(ctx, h); !res.OK {
		t.Fatal("first")
	}
	h.Owner, h.SeatIDs = "o2", []uuid.UUID{uuid.New()}
	if res, _ := g.Hold(ctx, h); res.DuplicateOf != (ordering.Marked{Owner: "o1"}) {
		t.Fatalf("twin: %+v", res)
	}
	_ = g.Release(ctx, ordering.Hold{SessionID: sid, Owner: "o1", Marker: "m"})
	if res, _ := g.Hold(ctx, h); !res.OK {
		t.Fatal("after the first one ended")
	}
}

func TestRestoreKeepsExistingHolds(t *testing.T) {
	t.Parallel()
	g, rdb := gate(t)
	ctx := context.Background()
	sid, a, b := uuid.New(), uuid.New(), uuid.New()
	forget(t, rdb, sid)
	_, _ = g.Hold(ctx, ordering.Hold{SessionID: sid, Owner: "mine", TTL: time.Minute, SeatIDs: []uuid.UUID{a}})
	err := g.Restore(ctx, sid, []ordering.SeatHolder{
		{SeatID: a, Owner: "theirs", Status: ordering.AllocSold},
		{SeatID: b, Owner: "held", Status: ordering.AllocHeld, ExpiresAt: time.Now().Add(time.Minute)},
	}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if rdb.Get(ctx, locking.SeatKey(sid, a)).Val() != "mine" || rdb.Get(ctx, locking.SeatKey(sid, b)).Val() != "held" {
		t.Fatal("restore must only add missing holds")
	}
	if ttl := rdb.PTTL(ctx, locking.SeatKey(sid, b)).Val(); ttl < 80*time.Second {
		t.Fatalf("restored hold ttl %s: want the order's expiry plus slack", ttl)
	}
}
