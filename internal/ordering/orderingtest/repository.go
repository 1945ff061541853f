package orderingtest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/ordering"
)

// Repository is an in-memory order write model with the guards of the PostgreSQL one: one
// live allocation per seat (held, sold or blocked), standing capacity, discount usage
// limits, one idempotency record per buyer and key, payment events applied once. Every
// method is atomic (one lock stands for the transaction, held while the callbacks run).
type Repository struct {
	mu       sync.Mutex
	seq      int
	orders   map[uuid.UUID]*stored
	records  map[recKey]*ordering.IdempotencyRecord
	blocked  map[seatKey]bool
	capacity map[blockKey]int64
	events   map[string]bool
	feed     map[uuid.UUID][]ordering.SeatChange
	writes   int
	failNext map[string]error
	failAll  map[string]error
	calls    map[string]int
	// lostCommit, when set, makes the next UpdateOrder run its function and then fail
	// with it without persisting anything (a commit that never happened).
	lostCommit error
	sessions   map[uuid.UUID]string // catalog status of sessions, for check-ins
}

type stored struct {
	seq   int
	state ordering.OrderState
}

type recKey struct{ buyer, key string }

var _ ordering.Repository = (*Repository)(nil)

// NewRepository returns an empty repository.
func NewRepository() *Repository {
	return &Repository{orders: map[uuid.UUID]*stored{}, records: map[recKey]*ordering.IdempotencyRecord{},
		blocked: map[seatKey]bool{}, capacity: map[blockKey]int64{}, events: map[string]bool{},
		feed: map[uuid.UUID][]ordering.SeatChange{}, failNext: map[string]error{}, failAll: map[string]error{}, calls: map[string]int{}}
}

// Fail makes every later call of the method (by its name, e.g. "CreateOrder") fail with
// err; nil heals it.
func (r *Repository) Fail(method string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failAll[method] = err
}

// LoseNextCommit makes the next UpdateOrder run its function (calling the payment
// provider, say) and then fail with err, persisting nothing: a crash or a failed commit
// after the side effect.
func (r *Repository) LoseNextCommit(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lostCommit = err
}

// FailOnce makes the next call of the method fail with err.
func (r *Repository) FailOnce(method string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failNext[method] = err
}

func (r *Repository) enter(method string) error {
	r.mu.Lock()
	r.calls[method]++
	if err := r.failNext[method]; err != nil {
		delete(r.failNext, method)
		r.mu.Unlock()
		return err
	}
	if err := r.failAll[method]; err != nil {
		r.mu.Unlock()
		return err
	}
	return nil
}

// Calls returns how often the method (by its name) was called.
func (r *Repository) Calls(method string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[method]
}

// Writes returns how many writes were committed (orders created or changed, records
// completed or forgotten, events recorded, check-ins, blocks).
func (r *Repository) Writes() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.writes
}

// Count returns how many orders are stored.
func (r *Repository) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.orders)
}

// State returns a stored order's state (with its tickets).
func (r *Repository) State(id uuid.UUID) (ordering.OrderState, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o, ok := r.orders[id]
	if !ok {
		return ordering.OrderState{}, false
	}
	return ordering.RestoreOrder(o.state).State(), true
}

// Record returns a copy of the idempotency record of (buyer, key), or nil.
func (r *Repository) Record(buyerID, key string) *ordering.IdempotencyRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return copyRecord(r.records[recKey{buyerID, key}])
}

// Feed returns the seat-change feed of a session, oldest first.
func (r *Repository) Feed(sessionID uuid.UUID) []ordering.SeatChange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.feed[sessionID])
}

func copyRecord(rec *ordering.IdempotencyRecord) *ordering.IdempotencyRecord {
	if rec == nil {
		return nil
	}
	cp := *rec
	cp.Body = slices.Clone(rec.Body)
	return &cp
}

// Idempotency returns the record of (buyer, key), or nil.
func (r *Repository) Idempotency(ctx context.Context, buyerID, key string) (*ordering.IdempotencyRecord, error) {
	if err := r.enter("Idempotency"); err != nil {
		return nil, err
	}
	defer r.mu.Unlock()
	return copyRecord(r.records[recKey{buyerID, key}]), nil
}

// seatHolder returns the live allocation of a seat: an organizer block or an order's line.
func (r *Repository) seatHolder(sessionID, seatID uuid.UUID) (ordering.SeatHolder, bool) {
	if r.blocked[seatKey{sessionID, seatID}] {
		return ordering.SeatHolder{SeatID: seatID, Owner: ordering.BlockOwner, Status: ordering.AllocBlocked}, true
	}
	for _, o := range r.orders {
		if o.state.SessionID != sessionID {
			continue
		}
		for _, l := range o.state.Seats {
			if l.SeatID == seatID && l.Status.Live() {
				h := ordering.SeatHolder{SeatID: seatID, Owner: o.state.ID.String(), Status: l.Status}
				if l.Status == ordering.AllocHeld {
					h.ExpiresAt = o.state.ExpiresAt
				}
				return h, true
			}
		}
	}
	return ordering.SeatHolder{}, false
}

// taken counts the live units of a standing block.
func (r *Repository) taken(sessionID uuid.UUID, blockID string) int64 {
	var n int64
	for _, o := range r.orders {
		if o.state.SessionID != sessionID {
			continue
		}
		for _, l := range o.state.Standing {
			if l.BlockID == blockID && l.Status.Live() {
				n += int64(l.Quantity)
			}
		}
	}
	return n
}

// CreateOrder stores a new order with its idempotency record and feed entry, or fails
// with ErrIdempotencyKeyUsed, ErrSeatTaken, a StandingShortError or ErrDiscountUsedUp.
func (r *Repository) CreateOrder(ctx context.Context, o *ordering.Order, rec ordering.IdempotencyRecord) error {
	if err := r.enter("CreateOrder"); err != nil {
		return err
	}
	defer r.mu.Unlock()
	st, ch := o.State(), o.Changes()
	k := recKey{rec.BuyerID, rec.Key}
	if r.records[k] != nil {
		return ordering.ErrIdempotencyKeyUsed
	}
	for _, l := range st.Seats {
		if _, live := r.seatHolder(st.SessionID, l.SeatID); live {
			return ordering.ErrSeatTaken
		}
	}
	for _, l := range st.Standing {
		if left := l.Capacity - r.taken(st.SessionID, l.BlockID); int64(l.Quantity) > left {
			return &ordering.StandingShortError{StandingAvail: ordering.StandingAvail{BlockID: l.BlockID, Available: max(0, left)}}
		}
	}
	if st.DiscountID != uuid.Nil && st.DiscountUsageLimit > 0 {
		used := 0
		for _, other := range r.orders {
			if other.state.DiscountID == st.DiscountID &&
				(other.state.Redemption == ordering.RedemptionReserved || other.state.Redemption == ordering.RedemptionConfirmed) {
				used++
			}
		}
		if used >= st.DiscountUsageLimit {
			return ordering.ErrDiscountUsedUp
		}
	}
	for _, l := range st.Standing {
		r.capacity[blockKey{st.SessionID, l.BlockID}] = l.Capacity
	}
	rec.CreatedAt = st.CreatedAt
	r.records[k] = copyRecord(&rec)
	r.seq++
	r.orders[st.ID] = &stored{seq: r.seq, state: st}
	r.appendFeed(st.SessionID, ch.Feed)
	r.writes++
	return nil
}

func (r *Repository) appendFeed(sessionID uuid.UUID, f *ordering.SeatChange) {
	if f != nil {
		r.feed[sessionID] = append(r.feed[sessionID], *f)
	}
}

func (r *Repository) load(id uuid.UUID, tickets bool) (*ordering.Order, error) {
	o, ok := r.orders[id]
	if !ok {
		return nil, apperr.New(apperr.NotFound, "order %s not found", id)
	}
	st := ordering.RestoreOrder(o.state).State()
	if !tickets {
		st.Tickets = nil
	}
	return ordering.RestoreOrder(st), nil
}

// Order returns an order with its lines (not its tickets).
func (r *Repository) Order(ctx context.Context, id uuid.UUID) (*ordering.Order, error) {
	if err := r.enter("Order"); err != nil {
		return nil, err
	}
	defer r.mu.Unlock()
	return r.load(id, false)
}

// OrdersOf returns a page of a buyer's orders, newest first, and how many there are.
func (r *Repository) OrdersOf(ctx context.Context, buyerID string, limit, offset int) ([]*ordering.Order, int, error) {
	if err := r.enter("OrdersOf"); err != nil {
		return nil, 0, err
	}
	defer r.mu.Unlock()
	var mine []*stored
	for _, o := range r.orders {
		if o.state.BuyerID == buyerID {
			mine = append(mine, o)
		}
	}
	slices.SortFunc(mine, func(a, b *stored) int {
		if c := b.state.CreatedAt.Compare(a.state.CreatedAt); c != 0 {
			return c
		}
		return b.seq - a.seq
	})
	var page []*ordering.Order
	for i := offset; i < len(mine) && i < offset+limit; i++ {
		o, _ := r.load(mine[i].state.ID, false)
		page = append(page, o)
	}
	return page, len(mine), nil
}

// persist stores a changed order and its feed entry.
func (r *Repository) persist(o *ordering.Order) {
	st := o.State()
	r.orders[st.ID].state = st
	r.appendFeed(st.SessionID, o.Changes().Feed)
	r.writes++
}

// UpdateOrder lets fn change a locked order and persists it; fn's error changes nothing.
func (r *Repository) UpdateOrder(ctx context.Context, id uuid.UUID, fn func(*ordering.Order) error) (*ordering.Order, error) {
	if err := r.enter("UpdateOrder"); err != nil {
		return nil, err
	}
	defer r.mu.Unlock()
	o, err := r.load(id, true)
	if err != nil {
		return nil, err
	}
	if err := fn(o); err != nil {
		return nil, err
	}
	if err := r.lostCommit; err != nil {
		r.lostCommit = nil
		return nil, err
	}
	r.persist(o)
	return o, nil
}

// ApplyPaymentEvent records the event and lets fn change its order (found by payment
// intent, else by the metadata order ID) in the same step: ErrDuplicateEvent when the
// event was applied before, a nil order when none matches.
func (r *Repository) ApplyPaymentEvent(ctx context.Context, ev ordering.PaymentEvent, fn func(*ordering.Order) error) (*ordering.Order, error) {
	if err := r.enter("ApplyPaymentEvent"); err != nil {
		return nil, err
	}
	defer r.mu.Unlock()
	if r.events[ev.ID] {
		return nil, ordering.ErrDuplicateEvent
	}
	id := ev.OrderID
	for _, o := range r.orders {
		if ev.PaymentIntentID != "" && o.state.PaymentIntentID == ev.PaymentIntentID {
			id = o.state.ID
		}
	}
	o, err := r.load(id, true)
	if err != nil {
		r.events[ev.ID] = true
		r.writes++
		return nil, nil
	}
	if err := fn(o); err != nil {
		return nil, err
	}
	r.events[ev.ID] = true
	r.persist(o)
	return o, nil
}

// ExpireNext lets fn expire the PENDING_PAYMENT order whose hold ended first (at or
// before now); nil when none is due.
func (r *Repository) ExpireNext(ctx context.Context, now time.Time, fn func(*ordering.Order) error) (*ordering.Order, error) {
	if err := r.enter("ExpireNext"); err != nil {
		return nil, err
	}
	defer r.mu.Unlock()
	var due *stored
	for _, o := range r.orders {
		if o.state.Status == ordering.PendingPayment && !o.state.ExpiresAt.After(now) &&
			(due == nil || o.state.ExpiresAt.Before(due.state.ExpiresAt)) {
			due = o
		}
	}
	if due == nil {
		return nil, nil
	}
	o, _ := r.load(due.state.ID, true)
	if err := fn(o); err != nil {
		return nil, err
	}
	r.persist(o)
	return o, nil
}

// Tickets returns an order's tickets.
func (r *Repository) Tickets(ctx context.Context, orderID uuid.UUID) ([]ordering.Ticket, error) {
	if err := r.enter("Tickets"); err != nil {
		return nil, err
	}
	defer r.mu.Unlock()
	o, ok := r.orders[orderID]
	if !ok {
		return nil, nil
	}
	return slices.Clone(o.state.Tickets), nil
}

func (r *Repository) ticket(id uuid.UUID) (*ordering.Ticket, *stored) {
	for _, o := range r.orders {
		for i := range o.state.Tickets {
			if o.state.Tickets[i].ID == id {
				return &o.state.Tickets[i], o
			}
		}
	}
	return nil, nil
}

// SetSessionStatus plays the catalog for check-ins: the status of a session's row in
// catalog.sessions ("" for a session that no longer exists). Sessions never set are ON_SALE.
func (r *Repository) SetSessionStatus(sessionID uuid.UUID, status string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sessions == nil {
		r.sessions = map[uuid.UUID]string{}
	}
	r.sessions[sessionID] = status
}

func (r *Repository) sessionStatus(id uuid.UUID) string {
	if st, ok := r.sessions[id]; ok {
		return st
	}
	return ordering.SessionOnSale
}

func (r *Repository) checkInState(t *ordering.Ticket, o *stored) ordering.CheckInState {
	return ordering.CheckInState{Ticket: *t, OrderStatus: o.state.Status, OrderRefunded: o.state.RefundedMinor > 0,
		BuyerEmail: o.state.BuyerEmail, BuyerName: o.state.BuyerName, SessionStatus: r.sessionStatus(t.SessionID)}
}

// TicketCheckIn returns a ticket's state at the door; NotFound when absent.
func (r *Repository) TicketCheckIn(ctx context.Context, id uuid.UUID) (ordering.CheckInState, error) {
	if err := r.enter("TicketCheckIn"); err != nil {
		return ordering.CheckInState{}, err
	}
	defer r.mu.Unlock()
	t, o := r.ticket(id)
	if t == nil {
		return ordering.CheckInState{}, apperr.New(apperr.NotFound, "ticket %s not found", id)
	}
	return r.checkInState(t, o), nil
}

// CheckIn checks a ticket in at a session when it may enter there and is not checked in.
func (r *Repository) CheckIn(ctx context.Context, id, sessionID uuid.UUID, by string, now time.Time) (ordering.CheckInState, bool, error) {
	if err := r.enter("CheckIn"); err != nil {
		return ordering.CheckInState{}, false, err
	}
	defer r.mu.Unlock()
	t, o := r.ticket(id)
	if t == nil {
		return ordering.CheckInState{}, false, apperr.New(apperr.NotFound, "ticket %s not found", id)
	}
	st := r.checkInState(t, o)
	if t.CheckedInAt != nil || st.Refusal(sessionID) != "" {
		return st, false, nil
	}
	at := now.UTC().Truncate(time.Microsecond)
	t.CheckedInAt, t.CheckedInBy = &at, by
	r.writes++
	return r.checkInState(t, o), true, nil
}

// UndoCheckIn clears a ticket's check-in; false when it was not checked in.
func (r *Repository) UndoCheckIn(ctx context.Context, id uuid.UUID) (time.Time, bool, error) {
	if err := r.enter("UndoCheckIn"); err != nil {
		return time.Time{}, false, err
	}
	defer r.mu.Unlock()
	t, _ := r.ticket(id)
	if t == nil || t.CheckedInAt == nil {
		return time.Time{}, false, nil
	}
	prev := *t.CheckedInAt
	t.CheckedInAt, t.CheckedInBy = nil, ""
	r.writes++
	return prev, true, nil
}

// SessionTickets returns a session's status and its tickets' states, sorted by ticket id.
func (r *Repository) SessionTickets(ctx context.Context, sessionID uuid.UUID) (string, []ordering.CheckInState, error) {
	if err := r.enter("SessionTickets"); err != nil {
		return "", nil, err
	}
	defer r.mu.Unlock()
	var out []ordering.CheckInState
	for _, o := range r.orders {
		for i := range o.state.Tickets {
			if t := &o.state.Tickets[i]; t.SessionID == sessionID {
				st := r.checkInState(t, o)
				st.SessionStatus = ""
				out = append(out, st)
			}
		}
	}
	slices.SortFunc(out, func(a, b ordering.CheckInState) int {
		return strings.Compare(a.Ticket.ID.String(), b.Ticket.ID.String())
	})
	return r.sessionStatus(sessionID), out, nil
}

// LiveSeats returns the live allocations among the seats of a session.
func (r *Repository) LiveSeats(ctx context.Context, sessionID uuid.UUID, seatIDs []uuid.UUID) ([]ordering.SeatHolder, error) {
	if err := r.enter("LiveSeats"); err != nil {
		return nil, err
	}
	defer r.mu.Unlock()
	var out []ordering.SeatHolder
	for _, id := range seatIDs {
		if h, ok := r.seatHolder(sessionID, id); ok {
			out = append(out, h)
		}
	}
	return out, nil
}

// StandingHolders returns the live units of a standing block per order.
func (r *Repository) StandingHolders(ctx context.Context, sessionID uuid.UUID, blockID string) ([]ordering.StandingHolder, error) {
	if err := r.enter("StandingHolders"); err != nil {
		return nil, err
	}
	defer r.mu.Unlock()
	var out []ordering.StandingHolder
	for _, o := range r.orders {
		if o.state.SessionID != sessionID {
			continue
		}
		for _, l := range o.state.Standing {
			if l.BlockID != blockID || !l.Status.Live() {
				continue
			}
			h := ordering.StandingHolder{Owner: o.state.ID.String(), Quantity: l.Quantity}
			if l.Status == ordering.AllocHeld {
				h.ExpiresAt = o.state.ExpiresAt
			}
			out = append(out, h)
		}
	}
	return out, nil
}

// BlockSeats blocks the seats not blocked yet (ErrSeatTaken when an order holds one).
func (r *Repository) BlockSeats(ctx context.Context, s *ordering.SessionInfo, seats []ordering.SeatLine, now time.Time) ([]uuid.UUID, error) {
	if err := r.enter("BlockSeats"); err != nil {
		return nil, err
	}
	defer r.mu.Unlock()
	for _, l := range seats {
		if h, live := r.seatHolder(s.ID, l.SeatID); live && h.Status != ordering.AllocBlocked {
			return nil, ordering.ErrSeatTaken
		}
	}
	blocked := []uuid.UUID{}
	for _, l := range seats {
		if k := (seatKey{s.ID, l.SeatID}); !r.blocked[k] {
			r.blocked[k] = true
			blocked = append(blocked, l.SeatID)
		}
	}
	r.appendFeed(s.ID, &ordering.SeatChange{Status: ordering.StateBlocked, SeatIDs: blocked})
	r.writes++
	return blocked, nil
}

// UnblockSeats lifts organizer blocks of the seats and returns those it lifted.
func (r *Repository) UnblockSeats(ctx context.Context, s *ordering.SessionInfo, seatIDs []uuid.UUID, now time.Time) ([]uuid.UUID, error) {
	if err := r.enter("UnblockSeats"); err != nil {
		return nil, err
	}
	defer r.mu.Unlock()
	released := []uuid.UUID{}
	for _, id := range seatIDs {
		if k := (seatKey{s.ID, id}); r.blocked[k] {
			delete(r.blocked, k)
			released = append(released, id)
		}
	}
	r.appendFeed(s.ID, &ordering.SeatChange{Status: ordering.StateAvailable, SeatIDs: released})
	r.writes++
	return released, nil
}

// PurgeIdempotency deletes the records created before cutoff.
func (r *Repository) PurgeIdempotency(ctx context.Context, cutoff time.Time) (int64, error) {
	if err := r.enter("PurgeIdempotency"); err != nil {
		return 0, err
	}
	defer r.mu.Unlock()
	var n int64
	for k, rec := range r.records {
		if rec.CreatedAt.Before(cutoff) {
			delete(r.records, k)
			n++
		}
	}
	if n > 0 {
		r.writes++
	}
	return n, nil
}
