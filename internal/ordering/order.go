package ordering

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

// Status is an order's state.
type Status string

const (
	PendingPayment    Status = "PENDING_PAYMENT"
	Paid              Status = "PAID"
	Expired           Status = "EXPIRED"
	Cancelled         Status = "CANCELLED"
	Refunded          Status = "REFUNDED"
	PartiallyRefunded Status = "PARTIALLY_REFUNDED"
)

// transitions is the state machine (SPEC section 2). EXPIRED, CANCELLED and REFUNDED are
// final: a payment that arrives for an EXPIRED or CANCELLED order is refunded and recorded
// on it, but the order keeps its status.
var transitions = map[Status][]Status{
	PendingPayment:    {Paid, Expired, Cancelled},
	Paid:              {PartiallyRefunded, Refunded},
	PartiallyRefunded: {PartiallyRefunded, Refunded},
}

// CanBecome reports whether an order in status s may move to t.
func (s Status) CanBecome(t Status) bool { return slices.Contains(transitions[s], t) }

// Final reports whether no transition leaves s.
func (s Status) Final() bool { return len(transitions[s]) == 0 }

// AllocStatus is the state of a seat or standing allocation.
type AllocStatus string

const (
	AllocHeld     AllocStatus = "HELD"
	AllocSold     AllocStatus = "SOLD"
	AllocReleased AllocStatus = "RELEASED"
	AllocBlocked  AllocStatus = "BLOCKED"
)

// Live reports whether the allocation keeps the seat from anyone else.
func (a AllocStatus) Live() bool { return a == AllocHeld || a == AllocSold || a == AllocBlocked }

// SeatState is what a seat map shows (the read side's vocabulary).
type SeatState string

const (
	StateLocked    SeatState = "LOCKED"
	StateBooked    SeatState = "BOOKED"
	StateAvailable SeatState = "AVAILABLE"
	StateBlocked   SeatState = "BLOCKED"
)

// RedemptionStatus is the state of an order's use of a discount code.
type RedemptionStatus string

const (
	RedemptionReserved  RedemptionStatus = "RESERVED"
	RedemptionConfirmed RedemptionStatus = "CONFIRMED"
	RedemptionReleased  RedemptionStatus = "RELEASED"
)

// TicketStatus is VALID until the ticket's seat is refunded.
type TicketStatus string

const (
	TicketValid TicketStatus = "VALID"
	TicketVoid  TicketStatus = "VOID"
)

// Ticket is one seat or standing unit of a paid order, with its signed QR payload.
type Ticket struct {
	ID             uuid.UUID
	OrderID        uuid.UUID
	SessionID      uuid.UUID
	EventID        uuid.UUID
	OrganizationID uuid.UUID
	SeatID         uuid.UUID // uuid.Nil for a standing unit
	BlockID        string
	Label          string
	TierID         uuid.UUID
	PriceMinor     int64 // the tier price when it was ordered
	// PricePaidMinor is the ticket's share of what its order paid (SplitTotal): the
	// discount spread over the order's tickets; the shares add up to the order's total.
	PricePaidMinor int64
	QR             string
	Status         TicketStatus
	IssuedAt       time.Time
	CheckedInAt    *time.Time
	CheckedInBy    string
}

// TicketIssuer fills in a new ticket's QR payload (signing it).
type TicketIssuer func(t *Ticket) error

// Refund is money returned to the buyer through the payment provider.
type Refund struct {
	ID             uuid.UUID
	OrderID        uuid.UUID
	AmountMinor    int64
	Reason         string
	StripeRefundID string
	RequestedBy    string // Keycloak sub, or "system" for automatic refunds
	CreatedAt      time.Time
}

// OrderState is an order's stored state: adapters read it to persist an order and build
// one from storage with RestoreOrder. Use cases change orders only through Order's methods.
type OrderState struct {
	ID                 uuid.UUID
	BuyerID            string
	BuyerEmail         string
	BuyerName          string // as the buyer's token named them when they ordered; "" for older orders
	SessionID          uuid.UUID
	EventID            uuid.UUID
	OrganizationID     uuid.UUID
	Status             Status
	SubtotalMinor      int64
	DiscountMinor      int64
	TotalMinor         int64
	RefundedMinor      int64
	Currency           string
	DiscountID         uuid.UUID // uuid.Nil: no discount
	DiscountCode       string
	DiscountUsageLimit int              // set on new orders only (0: unlimited)
	Redemption         RedemptionStatus // "" without a discount
	ExpiresAt          time.Time
	PaymentIntentID    string
	StatusReason       string
	CreatedAt          time.Time
	UpdatedAt          time.Time
	PaidAt             *time.Time
	Seats              []SeatLine
	Standing           []StandingLine
	Tickets            []Ticket // loaded for updates
}

// StandingChange is a standing allocation whose state changed, with the change of its
// block's taken count.
type StandingChange struct {
	BlockID    string
	Status     AllocStatus
	Quantity   int   // live units after the change (unchanged when fully released)
	TakenDelta int64 // added to the block's taken count
}

// SeatChange is one entry of the session's seat-change feed: the seats whose displayed state
// changed, and the standing blocks whose availability changed. The adapter assigns it the
// next inventory version of the session and computes each block's availability after the
// change.
type SeatChange struct {
	Status         SeatState
	SeatIDs        []uuid.UUID
	StandingBlocks []string
	OrderID        uuid.UUID // uuid.Nil for organizer blocks
}

// DiscountAction is what happens to the order's discount use.
type DiscountAction string

const (
	DiscountNone    DiscountAction = ""
	DiscountConfirm DiscountAction = "CONFIRM"
	DiscountRelease DiscountAction = "RELEASE"
)

// Changes are the effects of the methods called on an order since it was loaded, which the
// repository persists in the same transaction.
type Changes struct {
	Created     bool
	SeatStatus  AllocStatus // the status the seats in SeatIDs moved to
	SeatIDs     []uuid.UUID
	Standing    []StandingChange
	Discount    DiscountAction
	NewTickets  []Ticket
	VoidTickets []uuid.UUID
	Refund      *Refund
	Feed        *SeatChange
	Mismatch    *PaymentMismatch
}

// Order is the order aggregate.
type Order struct {
	s  OrderState
	ch Changes
}

// RestoreOrder rebuilds an order from storage.
func RestoreOrder(s OrderState) *Order { return &Order{s: s} }

// State returns a copy of the order's state.
func (o *Order) State() OrderState {
	s := o.s
	s.Seats = slices.Clone(o.s.Seats)
	s.Standing = slices.Clone(o.s.Standing)
	s.Tickets = slices.Clone(o.s.Tickets)
	return s
}

// Changes returns what changed since the order was created or loaded.
func (o *Order) Changes() Changes { return o.ch }

func (o *Order) ID() uuid.UUID             { return o.s.ID }
func (o *Order) BuyerID() string           { return o.s.BuyerID }
func (o *Order) SessionID() uuid.UUID      { return o.s.SessionID }
func (o *Order) OrganizationID() uuid.UUID { return o.s.OrganizationID }
func (o *Order) Status() Status            { return o.s.Status }
func (o *Order) TotalMinor() int64         { return o.s.TotalMinor }
func (o *Order) RefundedMinor() int64      { return o.s.RefundedMinor }
func (o *Order) Currency() string          { return o.s.Currency }
func (o *Order) PaymentIntentID() string   { return o.s.PaymentIntentID }
func (o *Order) ExpiresAt() time.Time      { return o.s.ExpiresAt }
func (o *Order) StatusReason() string      { return o.s.StatusReason }
func (o *Order) Tickets() []Ticket         { return slices.Clone(o.s.Tickets) }

// Places counts the order's seats and standing places.
func (o *Order) Places() int {
	n := len(o.s.Seats)
	for _, l := range o.s.Standing {
		n += l.Quantity
	}
	return n
}

// Buyer is who places an order.
type Buyer struct {
	ID    string // Keycloak sub
	Email string
	Name  string // display name, shown at the door as the ticket's holder
}

// NewOrder builds a PENDING_PAYMENT order holding the quoted seats and standing units
// until now+holdTTL. Times are truncated to microseconds, as PostgreSQL keeps them.
func NewOrder(id uuid.UUID, b Buyer, s *SessionInfo, q *Quote, now time.Time, holdTTL time.Duration) *Order {
	now = now.UTC().Truncate(time.Microsecond)
	o := &Order{s: OrderState{
		ID: id, BuyerID: b.ID, BuyerEmail: b.Email, BuyerName: b.Name, SessionID: s.ID, EventID: s.EventID, OrganizationID: s.OrganizationID,
		Status: PendingPayment, SubtotalMinor: q.SubtotalMinor, DiscountMinor: q.DiscountMinor, TotalMinor: q.TotalMinor,
		Currency: q.Currency, ExpiresAt: now.Add(holdTTL), CreatedAt: now, UpdatedAt: now,
		Seats: slices.Clone(q.Seats), Standing: slices.Clone(q.Standing),
	}}
	if q.Discount != nil {
		o.s.DiscountID, o.s.DiscountCode, o.s.DiscountUsageLimit = q.Discount.ID, q.Discount.Code, q.Discount.UsageLimit
		o.s.Redemption = RedemptionReserved
	}
	feed := &SeatChange{Status: StateLocked, OrderID: id}
	for _, l := range o.s.Seats {
		feed.SeatIDs = append(feed.SeatIDs, l.SeatID)
	}
	for _, l := range o.s.Standing {
		feed.StandingBlocks = append(feed.StandingBlocks, l.BlockID)
	}
	o.ch = Changes{Created: true, Feed: feed}
	return o
}

func (o *Order) transition(to Status, now time.Time, reason string) error {
	if !o.s.Status.CanBecome(to) {
		return apperr.New(apperr.Conflict, "order %s is %s and cannot become %s", o.s.ID, o.s.Status, to).
			WithDetails(map[string]any{"status": string(o.s.Status)})
	}
	o.s.Status, o.s.UpdatedAt, o.s.StatusReason = to, now.UTC().Truncate(time.Microsecond), reason
	return nil
}

// UseIntent records the payment intent created for a new order before it is stored (the
// order and its intent commit together).
func (o *Order) UseIntent(paymentIntentID string) {
	if o.s.Status == PendingPayment && o.s.PaymentIntentID == "" {
		o.s.PaymentIntentID = paymentIntentID
	}
}

// MarkPaid turns a PENDING_PAYMENT order into PAID: its seats and standing units are sold,
// one ticket is issued per seat and standing unit, carrying its share of the order's total
// (SplitTotal), and its discount use is confirmed.
func (o *Order) MarkPaid(now time.Time, paymentIntentID string, issue TicketIssuer) error {
	if err := o.transition(Paid, now, ""); err != nil {
		return err
	}
	now = o.s.UpdatedAt
	o.s.PaidAt = &now
	if paymentIntentID != "" {
		o.s.PaymentIntentID = paymentIntentID
	}
	var seatIDs []uuid.UUID
	shares := o.lineShares()
	next := 0
	share := func() int64 { next++; return shares[next-1] }
	for i := range o.s.Seats {
		l := &o.s.Seats[i]
		paid := share()
		if l.Status != AllocHeld {
			continue
		}
		l.Status = AllocSold
		seatIDs = append(seatIDs, l.SeatID)
		t := o.newTicket(now, l.SeatID, l.BlockID, l.Label, l.TierID, l.PriceMinor)
		t.PricePaidMinor = paid
		if err := issue(&t); err != nil {
			return fmt.Errorf("issue ticket for seat %s of order %s: %w", l.SeatID, o.s.ID, err)
		}
		o.ch.NewTickets = append(o.ch.NewTickets, t)
	}
	for i := range o.s.Standing {
		l := &o.s.Standing[i]
		if l.Status != AllocHeld {
			next += l.Quantity
			continue
		}
		l.Status = AllocSold
		o.ch.Standing = append(o.ch.Standing, StandingChange{BlockID: l.BlockID, Status: AllocSold, Quantity: l.Quantity})
		for n := range l.Quantity {
			t := o.newTicket(now, uuid.Nil, l.BlockID, fmt.Sprintf("%s #%d", l.Name, n+1), l.TierID, l.UnitPriceMinor)
			t.PricePaidMinor = share()
			if err := issue(&t); err != nil {
				return fmt.Errorf("issue ticket for standing block %s of order %s: %w", l.BlockID, o.s.ID, err)
			}
			o.ch.NewTickets = append(o.ch.NewTickets, t)
		}
	}
	o.s.Tickets = append(o.s.Tickets, o.ch.NewTickets...)
	o.ch.SeatStatus, o.ch.SeatIDs = AllocSold, seatIDs
	if o.s.Redemption == RedemptionReserved {
		o.s.Redemption = RedemptionConfirmed
		o.ch.Discount = DiscountConfirm
	}
	switch {
	case o.ch.Created: // paid at once (a free order): its first feed entry says BOOKED
		o.ch.Feed.Status = StateBooked
	case len(seatIDs) > 0: // standing availability does not change when held units are sold
		o.ch.Feed = &SeatChange{Status: StateBooked, SeatIDs: seatIDs, OrderID: o.s.ID}
	}
	return nil
}

func (o *Order) newTicket(now time.Time, seatID uuid.UUID, blockID, label string, tierID uuid.UUID, price int64) Ticket {
	return Ticket{ID: uuid.New(), OrderID: o.s.ID, SessionID: o.s.SessionID, EventID: o.s.EventID,
		OrganizationID: o.s.OrganizationID, SeatID: seatID, BlockID: blockID, Label: label, TierID: tierID,
		PriceMinor: price, Status: TicketValid, IssuedAt: now}
}

// Cancel is the buyer's cancellation of a PENDING_PAYMENT order: it becomes CANCELLED and
// frees its seats, standing units and discount use.
func (o *Order) Cancel(now time.Time, reason string) error {
	if err := o.transition(Cancelled, now, reason); err != nil {
		return err
	}
	o.releaseAll()
	return nil
}

// Expire ends a PENDING_PAYMENT order whose hold ran out: EXPIRED, everything freed.
func (o *Order) Expire(now time.Time) error {
	if now.Before(o.s.ExpiresAt) {
		return apperr.New(apperr.Conflict, "order %s holds its seats until %s", o.s.ID, o.s.ExpiresAt.Format(time.RFC3339))
	}
	if err := o.transition(Expired, now, "the hold expired before payment"); err != nil {
		return err
	}
	o.releaseAll()
	return nil
}

// PaymentDecision is what to do with a successful payment for an order.
type PaymentDecision int

const (
	// ApplyPayment: the order is waiting for this payment; mark it paid.
	ApplyPayment PaymentDecision = iota + 1
	// IgnorePayment: the payment was already applied (a redelivery).
	IgnorePayment
	// RefundPayment: the order cannot take this payment (expired, cancelled, or paid by
	// another payment intent); the money goes back.
	RefundPayment
)

// DecidePayment says what a succeeded payment of paymentIntentID means for the order. A
// payment for an order still PENDING_PAYMENT is accepted even when its hold time has passed
// but the sweep has not expired it yet: its seats are still its own in the database.
func (o *Order) DecidePayment(paymentIntentID string) PaymentDecision {
	samePI := o.s.PaymentIntentID == "" || o.s.PaymentIntentID == paymentIntentID
	switch {
	case o.s.Status == PendingPayment && samePI:
		return ApplyPayment
	case (o.s.Status == Paid || o.s.Status == PartiallyRefunded || o.s.Status == Refunded) && o.s.PaymentIntentID == paymentIntentID:
		return IgnorePayment
	default:
		return RefundPayment
	}
}

// PaymentMismatch is a succeeded payment whose amount or currency is not the order's: it
// was not accepted as the order's payment.
type PaymentMismatch struct {
	EventID          string
	PaymentIntentID  string
	OrderID          uuid.UUID
	AmountMinor      int64 // what the payment says was received
	Currency         string
	ExpectedMinor    int64 // the order's total
	ExpectedCurrency string
	CreatedAt        time.Time
}

// Matches reports whether a succeeded payment of amount in currency pays the order exactly.
func (o *Order) Matches(amount int64, currency string) bool {
	return amount == o.s.TotalMinor && currency == o.s.Currency
}

// RecordPaymentMismatch notes a succeeded payment that does not pay the order exactly (see
// Matches). The order is not paid and keeps its status: it stays PENDING_PAYMENT and
// expires as usual; status_reason says why the payment was not taken, and the mismatch is
// stored for someone to look into (the money is not refunded automatically: a payment
// intent whose amount is not the one Ticketly created it with needs a person).
func (o *Order) RecordPaymentMismatch(now time.Time, ev PaymentEvent) {
	now = now.UTC().Truncate(time.Microsecond)
	o.ch.Mismatch = &PaymentMismatch{EventID: ev.ID, PaymentIntentID: ev.PaymentIntentID, OrderID: o.s.ID,
		AmountMinor: ev.AmountMinor, Currency: ev.Currency, ExpectedMinor: o.s.TotalMinor, ExpectedCurrency: o.s.Currency, CreatedAt: now}
	o.s.StatusReason = fmt.Sprintf("payment %s of %d %s does not match the order total of %d %s; it was not accepted",
		ev.PaymentIntentID, ev.AmountMinor, ev.Currency, o.s.TotalMinor, o.s.Currency)
	o.s.UpdatedAt = now
}

// RecordAutomaticRefund records the refund of a payment the order could not take (see
// RefundPayment). The order keeps its status; status_reason says what happened. The
// refunded amount counts towards refunded_minor only for an EXPIRED or CANCELLED order
// (its own, late payment); a stray second payment of a paid order is refunded but is not a
// refund of the order's price.
func (o *Order) RecordAutomaticRefund(now time.Time, r Refund) {
	now = now.UTC().Truncate(time.Microsecond)
	r.OrderID, r.CreatedAt = o.s.ID, now
	o.ch.Refund = &r
	if o.s.Status == Expired || o.s.Status == Cancelled {
		o.s.RefundedMinor = min(o.s.TotalMinor, o.s.RefundedMinor+r.AmountMinor)
		o.s.StatusReason = fmt.Sprintf("%s; it was refunded automatically (refund %s)", r.Reason, r.StripeRefundID)
	}
	o.s.UpdatedAt = now
}

// PaymentFailed cancels a PENDING_PAYMENT order whose payment intent failed, freeing its
// seats. It reports whether anything changed: a failure that arrives after the order was
// paid, expired or cancelled, or for another payment intent, changes nothing.
func (o *Order) PaymentFailed(now time.Time, paymentIntentID, message string) bool {
	if o.s.Status != PendingPayment || (o.s.PaymentIntentID != "" && o.s.PaymentIntentID != paymentIntentID) {
		return false
	}
	reason := "payment failed"
	if message != "" {
		reason += ": " + message
	}
	_ = o.transition(Cancelled, now, reason)
	o.releaseAll()
	return true
}

// releaseAll frees every live seat and standing unit and the discount use.
func (o *Order) releaseAll() {
	o.release(nil, nil, true)
}

// release frees the given seats and standing units (all when nil) and, when discount is
// set, the discount use.
func (o *Order) release(seatIDs map[uuid.UUID]bool, standing map[string]int, discount bool) {
	feed := &SeatChange{Status: StateAvailable, OrderID: o.s.ID}
	for i := range o.s.Seats {
		l := &o.s.Seats[i]
		if !l.Status.Live() || (seatIDs != nil && !seatIDs[l.SeatID]) {
			continue
		}
		l.Status = AllocReleased
		feed.SeatIDs = append(feed.SeatIDs, l.SeatID)
	}
	for i := range o.s.Standing {
		l := &o.s.Standing[i]
		if !l.Status.Live() {
			continue
		}
		n := l.Quantity
		if standing != nil {
			n = min(standing[l.BlockID], l.Quantity)
		}
		if n == 0 {
			continue
		}
		if n == l.Quantity {
			l.Status = AllocReleased
		} else {
			l.Quantity -= n
		}
		o.ch.Standing = append(o.ch.Standing, StandingChange{BlockID: l.BlockID, Status: l.Status, Quantity: l.Quantity, TakenDelta: -int64(n)})
		feed.StandingBlocks = append(feed.StandingBlocks, l.BlockID)
	}
	o.ch.SeatStatus, o.ch.SeatIDs = AllocReleased, feed.SeatIDs
	if discount && (o.s.Redemption == RedemptionReserved || o.s.Redemption == RedemptionConfirmed) {
		o.s.Redemption = RedemptionReleased
		o.ch.Discount = DiscountRelease
	}
	if len(feed.SeatIDs) > 0 || len(feed.StandingBlocks) > 0 {
		o.ch.Feed = feed
	}
}
