package orderingtest

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/ordering"
)

// Holds is an in-memory admission gate with the semantics of the Redis one
// (internal/locking): seat holds and markers with a time to live, standing blocks counted
// per owner once seeded, held units expiring, sold units counted without expiry.
type Holds struct {
	mu     sync.Mutex
	now    func() time.Time
	slack  time.Duration
	seats  map[seatKey]entry
	marks  map[markKey]entry
	blocks map[blockKey]*standing
	err    error
	calls  map[string]int
}

type seatKey struct {
	session, seat uuid.UUID
}

type markKey struct {
	session uuid.UUID
	marker  string
}

type blockKey struct {
	session uuid.UUID
	block   string
}

// entry is a key with an owner and an expiry (zero: none); done marks a request marker
// whose order is committed.
type entry struct {
	owner   string
	expires time.Time
	done    bool
}

func (e entry) live(now time.Time) bool {
	return e.owner != "" && (e.expires.IsZero() || now.Before(e.expires))
}

// standing is a seeded standing block: units per owner, and the expiry of held units.
type standing struct {
	units   map[string]int
	expires map[string]time.Time
}

var _ ordering.Holds = (*Holds)(nil)

// NewHolds returns an empty gate reading time from now. Units seeded and seats restored
// from the database expire slack after their order, as the Redis gate does.
func NewHolds(now func() time.Time, slack time.Duration) *Holds {
	return &Holds{now: now, slack: slack, seats: map[seatKey]entry{}, marks: map[markKey]entry{},
		blocks: map[blockKey]*standing{}, calls: map[string]int{}}
}

// Fail makes every later call fail with err (a gate that is down); nil heals it.
func (g *Holds) Fail(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.err = err
}

// Flush forgets everything, as a Redis flush or failover would.
func (g *Holds) Flush() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.seats, g.marks, g.blocks = map[seatKey]entry{}, map[markKey]entry{}, map[blockKey]*standing{}
}

// Calls returns how many times the method (Hold, Release, Sell, Extend, Seed, Restore)
// was called.
func (g *Holds) Calls(method string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls[method]
}

// Holder returns the owner of a seat's live hold ("" when free) and when it expires (zero
// for no expiry).
func (g *Holds) Holder(sessionID, seatID uuid.UUID) (string, time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.seats[seatKey{sessionID, seatID}]
	if !e.live(g.now()) {
		return "", time.Time{}
	}
	return e.owner, e.expires
}

// Units returns the units of a standing block the gate counts (expired holds excluded) and
// whether the block is seeded.
func (g *Holds) Units(sessionID uuid.UUID, blockID string) (int64, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	b := g.blocks[blockKey{sessionID, blockID}]
	if b == nil {
		return 0, false
	}
	now := g.now()
	var n int64
	for o, q := range b.units {
		if exp, ok := b.expires[o]; !ok || now.Before(exp) {
			n += int64(q)
		}
	}
	return n, true
}

func (g *Holds) enter(method string) error {
	g.mu.Lock()
	g.calls[method]++
	if g.err != nil {
		err := g.err
		g.mu.Unlock()
		return err
	}
	return nil
}

// Hold holds every seat and standing quantity of h for h.Owner, or nothing.
func (g *Holds) Hold(ctx context.Context, h ordering.Hold) (ordering.HoldResult, error) {
	if err := g.enter("Hold"); err != nil {
		return ordering.HoldResult{}, err
	}
	defer g.mu.Unlock()
	now := g.now()
	if h.Marker != "" {
		if m := g.marks[markKey{h.SessionID, h.Marker}]; m.live(now) && m.owner != h.Owner {
			return ordering.HoldResult{DuplicateOf: ordering.Marked{Owner: m.owner, Done: m.done}}, nil
		}
	}
	var res ordering.HoldResult
	for _, id := range h.SeatIDs {
		if e := g.seats[seatKey{h.SessionID, id}]; e.live(now) && e.owner != h.Owner {
			res.TakenSeats = append(res.TakenSeats, id)
		}
	}
	for _, s := range h.Standing {
		b := g.blocks[blockKey{h.SessionID, s.BlockID}]
		if b == nil {
			res.Unseeded = append(res.Unseeded, s.BlockID)
			continue
		}
		b.purge(now)
		used, mine := b.used(), int64(b.units[h.Owner])
		if used-mine+int64(s.Quantity) > s.Capacity {
			res.Short = append(res.Short, ordering.StandingAvail{BlockID: s.BlockID, Available: max(0, s.Capacity-used+mine)})
		}
	}
	if len(res.Unseeded) > 0 {
		return ordering.HoldResult{Unseeded: res.Unseeded}, nil
	}
	if len(res.TakenSeats) > 0 || len(res.Short) > 0 {
		return res, nil
	}
	until := expiry(now, h.TTL)
	for _, id := range h.SeatIDs {
		g.seats[seatKey{h.SessionID, id}] = entry{owner: h.Owner, expires: until}
	}
	for _, s := range h.Standing {
		b := g.blocks[blockKey{h.SessionID, s.BlockID}]
		b.units[h.Owner] = s.Quantity
		if h.TTL > 0 {
			b.expires[h.Owner] = until
		} else {
			delete(b.expires, h.Owner)
		}
	}
	if h.Marker != "" {
		g.marks[markKey{h.SessionID, h.Marker}] = entry{owner: h.Owner, expires: now.Add(max(h.TTL, time.Second))}
	}
	return ordering.HoldResult{OK: true}, nil
}

func expiry(now time.Time, ttl time.Duration) time.Time {
	if ttl <= 0 {
		return time.Time{}
	}
	return now.Add(ttl)
}

func (b *standing) purge(now time.Time) {
	for o, exp := range b.expires {
		if !now.Before(exp) {
			delete(b.units, o)
			delete(b.expires, o)
		}
	}
}

func (b *standing) used() int64 {
	var n int64
	for _, q := range b.units {
		n += int64(q)
	}
	return n
}

// Release removes the owner's seat holds, standing units (Quantity 0: all) and marker.
func (g *Holds) Release(ctx context.Context, h ordering.Hold) error {
	return g.release(h, false)
}

// Sell removes the owner's seat holds and keeps its standing units counted, without expiry.
func (g *Holds) Sell(ctx context.Context, h ordering.Hold) error {
	return g.release(h, true)
}

func (g *Holds) release(h ordering.Hold, sell bool) error {
	method := "Release"
	if sell {
		method = "Sell"
	}
	if err := g.enter(method); err != nil {
		return err
	}
	defer g.mu.Unlock()
	if h.Marker != "" {
		k := markKey{h.SessionID, h.Marker}
		if g.marks[k].owner == h.Owner {
			delete(g.marks, k)
		}
	}
	for _, id := range h.SeatIDs {
		k := seatKey{h.SessionID, id}
		if g.seats[k].owner == h.Owner {
			delete(g.seats, k)
		}
	}
	for _, s := range h.Standing {
		b := g.blocks[blockKey{h.SessionID, s.BlockID}]
		if b == nil {
			continue
		}
		if sell {
			delete(b.expires, h.Owner)
			continue
		}
		mine := b.units[h.Owner]
		if mine <= 0 {
			continue
		}
		if s.Quantity == 0 || s.Quantity >= mine {
			delete(b.units, h.Owner)
			delete(b.expires, h.Owner)
		} else {
			b.units[h.Owner] = mine - s.Quantity
		}
	}
	return nil
}

// Extend gives the owner's seat holds and standing units of h the TTL h.TTL, re-creating
// those the gate lost (a seat another owner holds meanwhile is left to it).
func (g *Holds) Extend(ctx context.Context, h ordering.Hold) error {
	if err := g.enter("Extend"); err != nil {
		return err
	}
	defer g.mu.Unlock()
	now := g.now()
	if h.Marker != "" {
		k := markKey{h.SessionID, h.Marker}
		if m := g.marks[k]; !m.live(now) || m.owner == h.Owner {
			g.marks[k] = entry{owner: h.Owner, expires: now.Add(max(h.MarkerTTL, time.Second)), done: true}
		}
	}
	until := expiry(now, h.TTL)
	for _, id := range h.SeatIDs {
		k := seatKey{h.SessionID, id}
		if e := g.seats[k]; !e.live(now) || e.owner == h.Owner {
			g.seats[k] = entry{owner: h.Owner, expires: until}
		}
	}
	for _, s := range h.Standing {
		b := g.blocks[blockKey{h.SessionID, s.BlockID}]
		if b == nil {
			continue
		}
		b.units[h.Owner] = s.Quantity
		b.expires[h.Owner] = until
	}
	return nil
}

// Marker reads the state of a request marker.
func (g *Holds) Marker(ctx context.Context, sessionID uuid.UUID, marker string) (ordering.Marked, error) {
	if err := g.enter("Marker"); err != nil {
		return ordering.Marked{}, err
	}
	defer g.mu.Unlock()
	if m := g.marks[markKey{sessionID, marker}]; m.live(g.now()) {
		return ordering.Marked{Owner: m.owner, Done: m.done}, nil
	}
	return ordering.Marked{}, nil
}

// Seed loads a standing block's live units unless the gate knows the block already.
func (g *Holds) Seed(ctx context.Context, sessionID uuid.UUID, blockID string, holders []ordering.StandingHolder) error {
	if err := g.enter("Seed"); err != nil {
		return err
	}
	defer g.mu.Unlock()
	k := blockKey{sessionID, blockID}
	if g.blocks[k] != nil {
		return nil
	}
	b := &standing{units: map[string]int{}, expires: map[string]time.Time{}}
	for _, h := range holders {
		b.units[h.Owner] += h.Quantity
		if !h.ExpiresAt.IsZero() {
			b.expires[h.Owner] = h.ExpiresAt.Add(g.slack)
		}
	}
	g.blocks[k] = b
	return nil
}

// Restore re-creates the seat holds the gate lost: held seats until their order expires
// (plus slack, at least a second), sold and blocked ones for ttl. Existing holds are kept.
func (g *Holds) Restore(ctx context.Context, sessionID uuid.UUID, holders []ordering.SeatHolder, ttl time.Duration) error {
	if err := g.enter("Restore"); err != nil {
		return err
	}
	defer g.mu.Unlock()
	now := g.now()
	for _, h := range holders {
		k := seatKey{sessionID, h.SeatID}
		if g.seats[k].live(now) {
			continue
		}
		d := ttl
		if h.Status == ordering.AllocHeld {
			d = max(time.Second, h.ExpiresAt.Add(g.slack).Sub(now))
		}
		g.seats[k] = entry{owner: h.Owner, expires: expiry(now, d)}
	}
	return nil
}
