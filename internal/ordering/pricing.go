package ordering

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

// SessionInfo is what the order service knows about a session from the catalog write
// model: whether it is on sale, its seat map and its prices.
type SessionInfo struct {
	ID             uuid.UUID
	EventID        uuid.UUID
	OrganizationID uuid.UUID
	Status         string // SCHEDULED, ON_SALE, SOLD_OUT, CLOSED, CANCELLED
	EventStatus    string // DRAFT, PENDING, APPROVED, ...
	SalesStart     time.Time
	SalesEnd       time.Time
	Seats          map[uuid.UUID]SeatInfo
	Standing       map[string]StandingInfo
	Blocked        map[uuid.UUID]bool // the layout's blocked_seat_ids
	Tiers          map[uuid.UUID]Tier
}

// SeatInfo is one seat of a session's layout.
type SeatInfo struct {
	ID       uuid.UUID
	BlockID  string
	Row      string
	Label    string
	TierID   uuid.UUID
	Sellable bool // false inside a non_sellable block
}

// StandingInfo is a standing (general admission) block.
type StandingInfo struct {
	BlockID  string
	Name     string
	Capacity int64
	TierID   uuid.UUID
}

// Tier is a price level of the event.
type Tier struct {
	ID         uuid.UUID
	Name       string
	PriceMinor int64
	Currency   string
}

// Session statuses in which orders are taken.
const (
	SessionOnSale = "ON_SALE"
	// SessionSoldOut is a display state the scheduler derives with a short lag: while it
	// shows, a seat may have been released again, and the seat gate (Redis and the
	// database constraint) decides what can still be held.
	SessionSoldOut = "SOLD_OUT"
)

// Purchasable reports whether orders are taken for the session at now: its event is
// APPROVED, it is ON_SALE or SOLD_OUT, and now is inside its sales window.
func (s *SessionInfo) Purchasable(now time.Time) error {
	if s.EventStatus != "APPROVED" || (s.Status != SessionOnSale && s.Status != SessionSoldOut) {
		status := s.Status
		if s.EventStatus != "APPROVED" {
			status = "NOT_PUBLISHED"
		}
		return apperr.New(apperr.Conflict, "session %s is not on sale (status %s)", s.ID, status).
			WithDetails(map[string]any{"session_status": status})
	}
	if now.Before(s.SalesStart) {
		return apperr.New(apperr.Conflict, "sales of session %s open at %s", s.ID, s.SalesStart.UTC().Format(time.RFC3339)).
			WithDetails(map[string]any{"session_status": "SALES_NOT_STARTED"})
	}
	if !now.Before(s.SalesEnd) {
		return apperr.New(apperr.Conflict, "sales of session %s ended at %s", s.ID, s.SalesEnd.UTC().Format(time.RFC3339)).
			WithDetails(map[string]any{"session_status": "SALES_ENDED"})
	}
	return nil
}

// SeatLine is one seat of an order (or an organizer block) with its price.
type SeatLine struct {
	SeatID     uuid.UUID
	BlockID    string
	Label      string // "<row>-<seat label>" as printed on the ticket
	TierID     uuid.UUID
	PriceMinor int64
	Status     AllocStatus
}

// StandingLine is a number of units of a standing block in an order.
type StandingLine struct {
	BlockID        string
	Name           string
	TierID         uuid.UUID
	Quantity       int // live units (held or sold)
	UnitPriceMinor int64
	Status         AllocStatus
	Capacity       int64 // the block's capacity when the order was placed (new orders only)
}

// Quote is a priced, validated order request.
type Quote struct {
	Seats         []SeatLine
	Standing      []StandingLine
	SubtotalMinor int64
	DiscountMinor int64
	TotalMinor    int64
	Currency      string
	Discount      *Discount
}

// Price checks a request against the session (on sale, seats exist and are sellable,
// standing blocks exist) and prices it: each seat at its tier's price, each standing unit
// at its block's tier price, minus the discount d (nil for none).
func Price(s *SessionInfo, r Request, d *Discount, now time.Time) (*Quote, error) {
	if err := s.Purchasable(now); err != nil {
		return nil, err
	}
	q := &Quote{}
	fe := apperr.FieldErrors{}
	var unknown, blocked []string
	currencies := map[string]bool{}
	var units []Unit
	for i, id := range r.SeatIDs {
		field := fmt.Sprintf("seat_ids[%d]", i)
		seat, ok := s.Seats[id]
		switch {
		case !ok:
			fe.Add(field, "is not a seat of this session")
			unknown = append(unknown, id.String())
			continue
		case !seat.Sellable:
			fe.Add(field, "is not sellable")
			unknown = append(unknown, id.String())
			continue
		case s.Blocked[id]:
			blocked = append(blocked, id.String())
			continue
		}
		tier, ok := s.Tiers[seat.TierID]
		if !ok {
			return nil, apperr.New(apperr.Unprocessable, "seat %s has no price: its tier is not a tier of the event", id).
				WithDetails(map[string]any{"seat_ids": []string{id.String()}})
		}
		currencies[tier.Currency] = true
		// The seat's label as the layout names it (a grid's seats already carry their row,
		// "C5"; seat labels are unique within a block).
		q.Seats = append(q.Seats, SeatLine{SeatID: id, BlockID: seat.BlockID, Label: seat.Label, TierID: tier.ID,
			PriceMinor: tier.PriceMinor, Status: AllocHeld})
		units = append(units, Unit{TierID: tier.ID, PriceMinor: tier.PriceMinor})
	}
	for i, sq := range r.Standing {
		b, ok := s.Standing[sq.BlockID]
		if !ok {
			fe.Add(fmt.Sprintf("standing[%d].block_id", i), "is not a standing block of this session")
			continue
		}
		tier, ok := s.Tiers[b.TierID]
		if !ok {
			return nil, apperr.New(apperr.Unprocessable, "standing block %s has no price: its tier is not a tier of the event", b.BlockID)
		}
		currencies[tier.Currency] = true
		q.Standing = append(q.Standing, StandingLine{BlockID: b.BlockID, Name: b.Name, TierID: tier.ID,
			Quantity: sq.Quantity, UnitPriceMinor: tier.PriceMinor, Status: AllocHeld, Capacity: b.Capacity})
		for range sq.Quantity {
			units = append(units, Unit{TierID: tier.ID, PriceMinor: tier.PriceMinor})
		}
	}
	if err := fe.Err(); err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) && len(unknown) > 0 {
			ae.Details["seat_ids"] = unknown
		}
		return nil, err
	}
	if len(blocked) > 0 {
		return nil, apperr.New(apperr.Conflict, "%d of the requested seats are blocked by the organizer", len(blocked)).
			WithDetails(map[string]any{"seat_ids": blocked, "reason": "blocked"})
	}
	if len(currencies) != 1 {
		return nil, apperr.New(apperr.Unprocessable, "the requested items are priced in different currencies; order them separately")
	}
	for c := range currencies {
		q.Currency = c
	}
	for _, u := range units {
		if u.PriceMinor > math.MaxInt64-q.SubtotalMinor {
			return nil, apperr.New(apperr.Unprocessable, "order total is too large")
		}
		q.SubtotalMinor += u.PriceMinor
	}
	if d != nil {
		amount, err := d.Compute(s.ID, units, q.SubtotalMinor, now)
		if err != nil {
			return nil, err
		}
		q.DiscountMinor, q.Discount = amount, d
	}
	q.TotalMinor = q.SubtotalMinor - q.DiscountMinor
	return q, nil
}

// Unit is one priced item: a seat or one standing unit.
type Unit struct {
	TierID     uuid.UUID
	PriceMinor int64
}

// DiscountKind is how a discount computes its amount.
type DiscountKind string

const (
	Percentage   DiscountKind = "PERCENTAGE"       // percent off, from min_spend, capped at max_discount
	FlatOff      DiscountKind = "FLAT_OFF"         // amount off, from min_spend
	BuyNGetNFree DiscountKind = "BUY_N_GET_N_FREE" // ⌊n/(buy+get)⌋·get items free, cheapest first
)

const discountField = "discount_code"

// Discount is a discount code of an event, as the catalog defines it.
type Discount struct {
	ID               uuid.UUID
	EventID          uuid.UUID
	Code             string
	Kind             DiscountKind
	Percent          int   // PERCENTAGE: 1..100
	AmountMinor      int64 // FLAT_OFF
	MinSpendMinor    int64 // 0: none
	MaxDiscountMinor int64 // PERCENTAGE cap; 0: none
	Buy, Get         int   // BUY_N_GET_N_FREE
	UsageLimit       int   // 0: unlimited
	ActiveFrom       *time.Time
	ActiveUntil      *time.Time
	TierIDs          []uuid.UUID // empty: every tier
	SessionIDs       []uuid.UUID // empty: every session
}

func discountError(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return apperr.New(apperr.Unprocessable, "%s", msg).
		WithDetails(map[string]any{"fields": map[string]any{discountField: msg}})
}

// Compute returns the discount in minor units on the given units of an order of session
// sessionID (subtotal is their sum), or an Unprocessable error saying why the code does not
// apply. Only units of the discount's tiers (all, when it names none) count towards
// min_spend and are discounted. Amounts are rounded down and never exceed the subtotal.
func (d *Discount) Compute(sessionID uuid.UUID, units []Unit, subtotal int64, now time.Time) (int64, error) {
	if d.ActiveFrom != nil && now.Before(*d.ActiveFrom) {
		return 0, discountError("code %s is not active yet (from %s)", d.Code, d.ActiveFrom.UTC().Format(time.RFC3339))
	}
	if d.ActiveUntil != nil && !now.Before(*d.ActiveUntil) {
		return 0, discountError("code %s has expired", d.Code)
	}
	if len(d.SessionIDs) > 0 && !slices.Contains(d.SessionIDs, sessionID) {
		return 0, discountError("code %s is not valid for this session", d.Code)
	}
	var eligible []int64
	var sum int64
	for _, u := range units {
		if len(d.TierIDs) == 0 || slices.Contains(d.TierIDs, u.TierID) {
			eligible = append(eligible, u.PriceMinor)
			sum += u.PriceMinor
		}
	}
	if len(eligible) == 0 {
		return 0, discountError("code %s does not apply to the selected tiers", d.Code)
	}
	if sum < d.MinSpendMinor {
		return 0, discountError("code %s needs a minimum spend of %d (minor units) on eligible items; this order has %d",
			d.Code, d.MinSpendMinor, sum)
	}
	var amount int64
	switch d.Kind {
	case Percentage:
		amount = percentOf(sum, int64(d.Percent))
		if d.MaxDiscountMinor > 0 && amount > d.MaxDiscountMinor {
			amount = d.MaxDiscountMinor
		}
	case FlatOff:
		amount = min(d.AmountMinor, sum)
	case BuyNGetNFree:
		if d.Buy < 1 || d.Get < 1 {
			return 0, discountError("code %s is misconfigured", d.Code)
		}
		free := len(eligible) / (d.Buy + d.Get) * d.Get
		if free == 0 {
			return 0, discountError("code %s needs at least %d eligible items (buy %d, get %d free)", d.Code, d.Buy+d.Get, d.Buy, d.Get)
		}
		slices.Sort(eligible)
		for _, p := range eligible[:free] {
			amount += p
		}
	default:
		return 0, discountError("code %s has an unknown kind", d.Code)
	}
	return max(0, min(amount, subtotal)), nil
}

// percentOf returns ⌊v·p/100⌋ for v ≥ 0 and 0 ≤ p ≤ 100 without overflowing.
func percentOf(v, p int64) int64 {
	return v/100*p + v%100*p/100
}
