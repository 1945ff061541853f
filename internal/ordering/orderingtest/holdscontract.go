package orderingtest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/ordering"
)

// HoldsHarness is an ordering.Holds implementation under the contract.
type HoldsHarness struct {
	Holds ordering.Holds
	// Sleep lets d pass for the implementation's expiries: time.Sleep for a real server, a
	// test clock may just move.
	Sleep func(d time.Duration)
	// Forget, when set, removes what a session left in the implementation; the suite calls
	// it at the end of each subtest for the sessions the subtest used.
	Forget func(sessionID uuid.UUID)
}

// Short TTLs of the expiry cases, and how long the suite waits for them to pass.
const (
	shortTTL  = 300 * time.Millisecond
	afterTTL  = 800 * time.Millisecond
	longTTL   = time.Minute
	markerMin = time.Second // a request marker lives at least this long
)

// HoldsContract runs the behaviour every admission gate must have against the
// implementation newHarness returns (called once per subtest). Every subtest works in its
// own random session, so the suite can run against a shared server.
func HoldsContract(t *testing.T, newHarness func(t *testing.T) HoldsHarness) {
	cases := []struct {
		name string
		run  func(t *testing.T, g *gate)
	}{
		{"all or nothing", holdIsAllOrNothing},
		{"conflict names exactly the taken seats", conflictNamesTakenSeats},
		{"an owner may hold its seats again", ownerHoldsAgain},
		{"a standing block is held once seeded", standingNeedsSeeding},
		{"standing capacity is counted", standingCapacity},
		{"release frees only the owner's holds", releaseFreesOwnersHolds},
		{"sell frees seats and keeps units without expiry", sellKeepsUnits},
		{"a marker spots a duplicate request", markerSpotsDuplicate},
		{"a committed request's marker is done", markerSettles},
		{"holds expire, holds without TTL do not", holdsExpire},
		{"extend keeps, re-creates, never takes", extendKeepsAndRecreates},
		{"restore and seed keep what the gate knows", restoreAndSeed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			g := &gate{t: t, h: h, sid: uuid.New()}
			if h.Forget != nil {
				t.Cleanup(func() { h.Forget(g.sid) })
			}
			c.run(t, g)
		})
	}
}

// gate wraps the implementation for one subtest and one session.
type gate struct {
	t   *testing.T
	h   HoldsHarness
	sid uuid.UUID
}

type holdOpt func(*ordering.Hold)

func ttl(d time.Duration) holdOpt { return func(h *ordering.Hold) { h.TTL = d } }

func withMarker(m string) holdOpt { return func(h *ordering.Hold) { h.Marker = m } }

func markerTTL(d time.Duration) holdOpt { return func(h *ordering.Hold) { h.MarkerTTL = d } }

func units(block string, q int, capacity int64) holdOpt {
	return func(h *ordering.Hold) {
		h.Standing = append(h.Standing, ordering.StandingHold{BlockID: block, Quantity: q, Capacity: capacity})
	}
}

func (g *gate) hold(owner string, seats []uuid.UUID, opts ...holdOpt) ordering.HoldResult {
	g.t.Helper()
	h := ordering.Hold{SessionID: g.sid, Owner: owner, TTL: longTTL, SeatIDs: seats}
	for _, o := range opts {
		o(&h)
	}
	res, err := g.h.Holds.Hold(context.Background(), h)
	if err != nil {
		g.t.Fatalf("hold %v for %s: %v", seats, owner, err)
	}
	return res
}

func (g *gate) mustHold(owner string, seats []uuid.UUID, opts ...holdOpt) {
	g.t.Helper()
	if res := g.hold(owner, seats, opts...); !res.OK {
		g.t.Fatalf("hold %v for %s: %+v, want OK", seats, owner, res)
	}
}

// mustBeTaken checks that owner is refused exactly the seats want (and no standing).
func (g *gate) mustBeTaken(owner string, seats, want []uuid.UUID) {
	g.t.Helper()
	res := g.hold(owner, seats)
	if res.OK || !slices.Equal(res.TakenSeats, want) || len(res.Short) > 0 || res.DuplicateOf.Owner != "" || len(res.Unseeded) > 0 {
		g.t.Fatalf("hold %v for %s: %+v, want exactly %v taken", seats, owner, res, want)
	}
}

// mustBeShort checks that owner's request of q units is refused with available left.
func (g *gate) mustBeShort(owner, block string, q int, capacity, available int64) {
	g.t.Helper()
	res := g.hold(owner, nil, units(block, q, capacity))
	want := []ordering.StandingAvail{{BlockID: block, Available: available}}
	if res.OK || !slices.Equal(res.Short, want) || len(res.TakenSeats) > 0 {
		g.t.Fatalf("hold %d of %s for %s: %+v, want short %v", q, block, owner, res, want)
	}
}

func (g *gate) release(owner string, seats []uuid.UUID, opts ...holdOpt) {
	g.t.Helper()
	h := ordering.Hold{SessionID: g.sid, Owner: owner, SeatIDs: seats}
	for _, o := range opts {
		o(&h)
	}
	if err := g.h.Holds.Release(context.Background(), h); err != nil {
		g.t.Fatalf("release: %v", err)
	}
}

func (g *gate) seed(block string, holders ...ordering.StandingHolder) {
	g.t.Helper()
	if err := g.h.Holds.Seed(context.Background(), g.sid, block, holders); err != nil {
		g.t.Fatalf("seed %s: %v", block, err)
	}
}

func (g *gate) extend(owner string, seats []uuid.UUID, opts ...holdOpt) {
	g.t.Helper()
	h := ordering.Hold{SessionID: g.sid, Owner: owner, TTL: longTTL, SeatIDs: seats}
	for _, o := range opts {
		o(&h)
	}
	if err := g.h.Holds.Extend(context.Background(), h); err != nil {
		g.t.Fatalf("extend: %v", err)
	}
}

func (g *gate) marker(m string) ordering.Marked {
	g.t.Helper()
	got, err := g.h.Holds.Marker(context.Background(), g.sid, m)
	if err != nil {
		g.t.Fatalf("read marker %s: %v", m, err)
	}
	return got
}

func seatIDs(n int) []uuid.UUID {
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = uuid.New()
	}
	return ids
}

func seats(ids ...uuid.UUID) []uuid.UUID { return ids }

func owners(n int) []string {
	o := make([]string, n)
	for i := range o {
		o[i] = uuid.NewString()
	}
	return o
}

func holdIsAllOrNothing(t *testing.T, g *gate) {
	s, o := seatIDs(3), owners(3)
	g.mustHold(o[0], seats(s[0], s[1]))
	g.mustBeTaken(o[1], seats(s[2], s[1]), seats(s[1]))
	g.mustHold(o[2], seats(s[2])) // the refused request held nothing
}

func conflictNamesTakenSeats(t *testing.T, g *gate) {
	s, o := seatIDs(4), owners(2)
	g.mustHold(o[0], seats(s[0], s[2]))
	g.mustBeTaken(o[1], seats(s[0], s[1], s[2], s[3]), seats(s[0], s[2]))
}

func ownerHoldsAgain(t *testing.T, g *gate) {
	s, o := seatIDs(2), owners(2)
	g.mustHold(o[0], seats(s[0]))
	g.mustHold(o[0], seats(s[0], s[1]))
	g.mustBeTaken(o[1], seats(s[1]), seats(s[1]))
}

func standingNeedsSeeding(t *testing.T, g *gate) {
	s, o := seatIDs(1), owners(2)
	res := g.hold(o[0], seats(s[0]), units("floor", 1, 5))
	if res.OK || !slices.Equal(res.Unseeded, []string{"floor"}) {
		t.Fatalf("hold on an unknown block: %+v, want unseeded [floor]", res)
	}
	g.mustHold(o[1], seats(s[0])) // nothing was held
	g.seed("floor")
	g.mustHold(o[0], nil, units("floor", 1, 5))
}

func standingCapacity(t *testing.T, g *gate) {
	s, o := seatIDs(1), owners(5)
	g.seed("floor", ordering.StandingHolder{Owner: o[4], Quantity: 1}) // a sold unit
	g.mustHold(o[0], nil, units("floor", 2, 5))
	g.mustBeShort(o[1], "floor", 3, 5, 2)
	g.mustHold(o[1], nil, units("floor", 2, 5))
	g.mustBeShort(o[2], "floor", 1, 5, 0)
	// An owner's own units are counted once: holding again replaces them.
	g.mustHold(o[0], nil, units("floor", 2, 5))
	g.mustBeShort(o[0], "floor", 3, 5, 2)
	g.mustHold(o[0], nil, units("floor", 1, 5))
	// Seats and units go together or not at all.
	res := g.hold(o[2], seats(s[0]), units("floor", 2, 5))
	if res.OK || len(res.Short) != 1 || res.Short[0].Available != 1 {
		t.Fatalf("seat with too many units: %+v", res)
	}
	g.mustHold(o[3], seats(s[0]))
}

func releaseFreesOwnersHolds(t *testing.T, g *gate) {
	s, o := seatIDs(2), owners(5)
	g.seed("floor")
	g.mustHold(o[0], seats(s[0], s[1]), units("floor", 3, 5))
	g.release(o[1], seats(s[0]), units("floor", 0, 0)) // not its holds: nothing changes
	g.mustBeTaken(o[2], seats(s[0]), seats(s[0]))
	g.mustBeShort(o[2], "floor", 3, 5, 2)

	g.release(o[0], seats(s[0]), units("floor", 1, 0)) // one seat, one unit
	g.mustHold(o[2], seats(s[0]))
	g.mustBeTaken(o[2], seats(s[1]), seats(s[1]))
	g.mustHold(o[3], nil, units("floor", 3, 5))
	g.mustBeShort(o[4], "floor", 1, 5, 0)

	g.release(o[0], nil, units("floor", 0, 0)) // quantity 0: every unit it has
	g.mustHold(o[4], nil, units("floor", 2, 5))
	g.release(o[4], nil) // nothing to release is fine
}

func sellKeepsUnits(t *testing.T, g *gate) {
	s, o := seatIDs(1), owners(3)
	g.seed("floor")
	g.mustHold(o[0], seats(s[0]), units("floor", 2, 3), ttl(shortTTL))
	if err := g.h.Holds.Sell(context.Background(), ordering.Hold{SessionID: g.sid, Owner: o[0], SeatIDs: seats(s[0]),
		Standing: []ordering.StandingHold{{BlockID: "floor"}}}); err != nil {
		t.Fatal(err)
	}
	g.h.Sleep(afterTTL)
	g.mustHold(o[1], seats(s[0])) // a sold seat's hold is gone: the database has the sale
	g.mustBeShort(o[2], "floor", 2, 3, 1)
}

func markerSpotsDuplicate(t *testing.T, g *gate) {
	s, o := seatIDs(4), owners(6)
	g.mustHold(o[0], seats(s[0]), withMarker("m1"))
	res := g.hold(o[1], seats(s[1]), withMarker("m1"))
	if res.OK || res.DuplicateOf != (ordering.Marked{Owner: o[0]}) {
		t.Fatalf("a second request with the marker: %+v, want a duplicate of %s in flight", res, o[0])
	}
	if m := g.marker("m1"); m != (ordering.Marked{Owner: o[0]}) {
		t.Fatalf("marker m1 reads %+v, want %s in flight", m, o[0])
	}
	g.mustHold(o[2], seats(s[1]))                   // the duplicate held nothing
	g.mustHold(o[0], seats(s[0]), withMarker("m1")) // the same owner again is fine
	g.release(o[0], seats(s[0]), withMarker("m1"))
	g.mustHold(o[3], seats(s[2]), withMarker("m1")) // released with its holds

	g.mustHold(o[4], seats(s[3]), withMarker("m2"), ttl(shortTTL))
	g.h.Sleep(markerMin + afterTTL)
	g.mustHold(o[5], nil, withMarker("m2")) // the marker expired too
	if m := g.marker("absent"); m != (ordering.Marked{}) {
		t.Fatalf("a marker never set reads %+v, want absent", m)
	}
}

// A committed request's marker is done: it outlives the provisional hold (MarkerTTL), a
// retry is told so at the gate, and it does not take a marker another request holds.
func markerSettles(t *testing.T, g *gate) {
	s, o := seatIDs(3), owners(4)
	g.mustHold(o[0], seats(s[0]), withMarker("m1"), ttl(shortTTL))
	g.extend(o[0], seats(s[0]), withMarker("m1"), markerTTL(time.Hour))
	g.h.Sleep(markerMin + afterTTL)
	res := g.hold(o[1], seats(s[1]), withMarker("m1"))
	if res.OK || res.DuplicateOf != (ordering.Marked{Owner: o[0], Done: true}) {
		t.Fatalf("a retry of a committed request: %+v, want a duplicate of %s, done", res, o[0])
	}
	if m := g.marker("m1"); m != (ordering.Marked{Owner: o[0], Done: true}) {
		t.Fatalf("marker m1 reads %+v, want %s done", m, o[0])
	}
	g.mustHold(o[2], seats(s[2]), withMarker("m2"))
	g.extend(o[3], nil, withMarker("m2"), markerTTL(time.Hour)) // another owner's marker is left alone
	if m := g.marker("m2"); m != (ordering.Marked{Owner: o[2]}) {
		t.Fatalf("marker m2 reads %+v after another owner settled it, want %s in flight", m, o[2])
	}
}

func holdsExpire(t *testing.T, g *gate) {
	s, o := seatIDs(2), owners(4)
	g.seed("floor")
	g.mustHold(o[0], seats(s[0]), units("floor", 2, 2), ttl(shortTTL))
	g.mustHold(o[2], seats(s[1]), ttl(0)) // no expiry (an organizer block)
	g.mustBeTaken(o[1], seats(s[0]), seats(s[0]))
	g.h.Sleep(afterTTL)
	g.mustHold(o[1], seats(s[0]), units("floor", 2, 2))
	g.mustBeTaken(o[3], seats(s[1]), seats(s[1]))
}

func extendKeepsAndRecreates(t *testing.T, g *gate) {
	s, o := seatIDs(4), owners(6)
	g.seed("floor")
	g.mustHold(o[0], seats(s[0], s[1]), units("floor", 2, 3), ttl(shortTTL))
	g.extend(o[0], seats(s[0]), units("floor", 2, 3))
	g.mustHold(o[2], seats(s[2]), ttl(shortTTL))
	g.mustHold(o[3], seats(s[3]), ttl(shortTTL))
	g.h.Sleep(afterTTL)

	g.mustBeTaken(o[1], seats(s[0]), seats(s[0])) // extended
	g.mustHold(o[1], seats(s[1]))                 // not extended: lapsed
	g.mustBeShort(o[1], "floor", 2, 3, 1)         // the units were extended too

	g.extend(o[2], seats(s[2])) // lapsed, re-created
	g.mustBeTaken(o[4], seats(s[2]), seats(s[2]))

	g.mustHold(o[5], seats(s[3])) // lapsed and taken by another owner
	g.extend(o[3], seats(s[3]))
	g.mustBeTaken(o[3], seats(s[3]), seats(s[3])) // left to the other owner
}

func restoreAndSeed(t *testing.T, g *gate) {
	s, o := seatIDs(3), owners(5)
	g.mustHold(o[0], seats(s[0]))
	holders := []ordering.SeatHolder{
		{SeatID: s[0], Owner: o[1], Status: ordering.AllocHeld, ExpiresAt: time.Now().Add(longTTL)},
		{SeatID: s[1], Owner: o[2], Status: ordering.AllocSold},
		{SeatID: s[2], Owner: ordering.BlockOwner, Status: ordering.AllocBlocked},
	}
	if err := g.h.Holds.Restore(context.Background(), g.sid, holders, longTTL); err != nil {
		t.Fatal(err)
	}
	g.mustHold(o[0], seats(s[0])) // an existing hold is kept
	g.mustBeTaken(o[3], seats(s[0], s[1], s[2]), seats(s[0], s[1], s[2]))

	// Seeding a block the gate knows changes nothing.
	g.seed("floor", ordering.StandingHolder{Owner: o[4], Quantity: 1})
	g.seed("floor", ordering.StandingHolder{Owner: o[4], Quantity: 4})
	g.mustHold(o[0], nil, units("floor", 3, 4))
	g.mustBeShort(o[1], "floor", 1, 4, 0)

	// Held units of an order whose hold ended long ago are not counted.
	g.seed("balcony", ordering.StandingHolder{Owner: o[4], Quantity: 2, ExpiresAt: time.Now().Add(-time.Hour)})
	g.mustHold(o[0], nil, units("balcony", 2, 2))
}
