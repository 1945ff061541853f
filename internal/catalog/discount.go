package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

// DiscountKind is how a discount computes its amount (the order service applies it, in
// minor units, rounded down).
type DiscountKind string

const (
	// DiscountPercentage takes percent % off, if the subtotal reaches min_spend, capped at
	// max_discount.
	DiscountPercentage DiscountKind = "PERCENTAGE"
	// DiscountFlatOff takes amount off (in the event's currency) if the subtotal reaches
	// min_spend.
	DiscountFlatOff DiscountKind = "FLAT_OFF"
	// DiscountBuyNGetNFree makes ⌊n/(buy+get)⌋·get of n items free, cheapest first.
	DiscountBuyNGetNFree DiscountKind = "BUY_N_GET_N_FREE"
)

const (
	maxDiscountsPerEvent = 1_000
	maxBuyGet            = 100
	maxUsageLimit        = 1_000_000_000
)

var codeRE = regexp.MustCompile(`^[A-Z0-9_-]{2,40}$`)

// DiscountInput creates a discount (or is the merged result of a patch). Parameters that
// do not belong to Kind must be nil.
type DiscountInput struct {
	Code             string
	Kind             DiscountKind
	Percent          *int
	AmountMinor      *int64
	MinSpendMinor    *int64
	MaxDiscountMinor *int64
	Buy              *int
	Get              *int
	UsageLimit       *int
	ActiveFrom       *time.Time
	ActiveUntil      *time.Time
	Public           bool
	TierIDs          []uuid.UUID
	SessionIDs       []uuid.UUID
}

// DiscountPatch is a partial update. Pointer fields: nil is unchanged. Patch fields:
// absent is unchanged, Null clears. Changing Kind drops the old kind's parameters unless
// the patch gives them again.
type DiscountPatch struct {
	Code             *string
	Kind             *DiscountKind
	Percent          Patch[int]
	AmountMinor      Patch[int64]
	MinSpendMinor    Patch[int64]
	MaxDiscountMinor Patch[int64]
	Buy              Patch[int]
	Get              Patch[int]
	UsageLimit       Patch[int]
	ActiveFrom       Patch[time.Time]
	ActiveUntil      Patch[time.Time]
	Public           *bool
	TierIDs          *[]uuid.UUID
	SessionIDs       *[]uuid.UUID
}

// Discount is a code that lowers an order's price for an event.
type Discount struct {
	id        uuid.UUID
	eventID   uuid.UUID
	in        DiscountInput // validated and normalised
	createdAt time.Time
	updatedAt time.Time
}

// DiscountState is a discount's stored state; MinSpendMinor is 0 when there is none.
type DiscountState struct {
	ID               uuid.UUID
	EventID          uuid.UUID
	Code             string
	Kind             DiscountKind
	Percent          *int
	AmountMinor      *int64
	MinSpendMinor    int64
	MaxDiscountMinor *int64
	Buy              *int
	Get              *int
	UsageLimit       *int
	ActiveFrom       *time.Time
	ActiveUntil      *time.Time
	Public           bool
	TierIDs          []uuid.UUID
	SessionIDs       []uuid.UUID
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// RestoreDiscount rebuilds a discount from stored state.
func RestoreDiscount(s DiscountState) *Discount {
	in := DiscountInput{Code: s.Code, Kind: s.Kind, Percent: clonePtr(s.Percent), AmountMinor: clonePtr(s.AmountMinor),
		MaxDiscountMinor: clonePtr(s.MaxDiscountMinor), Buy: clonePtr(s.Buy), Get: clonePtr(s.Get),
		UsageLimit: clonePtr(s.UsageLimit), ActiveFrom: utcPtr(s.ActiveFrom), ActiveUntil: utcPtr(s.ActiveUntil),
		Public: s.Public, TierIDs: slices.Clone(s.TierIDs), SessionIDs: slices.Clone(s.SessionIDs)}
	if s.MinSpendMinor != 0 {
		in.MinSpendMinor = &s.MinSpendMinor
	}
	return &Discount{id: s.ID, eventID: s.EventID, in: in, createdAt: s.CreatedAt.UTC(), updatedAt: s.UpdatedAt.UTC()}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// State returns a copy of the discount's fields.
func (d *Discount) State() DiscountState {
	in := d.clone()
	s := DiscountState{ID: d.id, EventID: d.eventID, Code: in.Code, Kind: in.Kind, Percent: in.Percent,
		AmountMinor: in.AmountMinor, MaxDiscountMinor: in.MaxDiscountMinor, Buy: in.Buy, Get: in.Get,
		UsageLimit: in.UsageLimit, ActiveFrom: in.ActiveFrom, ActiveUntil: in.ActiveUntil, Public: in.Public,
		TierIDs: in.TierIDs, SessionIDs: in.SessionIDs, CreatedAt: d.createdAt, UpdatedAt: d.updatedAt}
	if in.MinSpendMinor != nil {
		s.MinSpendMinor = *in.MinSpendMinor
	}
	if s.TierIDs == nil {
		s.TierIDs = []uuid.UUID{}
	}
	if s.SessionIDs == nil {
		s.SessionIDs = []uuid.UUID{}
	}
	return s
}

// ID returns the discount's ID.
func (d *Discount) ID() uuid.UUID { return d.id }

func (d *Discount) clone() DiscountInput {
	in := d.in
	in.Percent, in.AmountMinor, in.MinSpendMinor = clonePtr(in.Percent), clonePtr(in.AmountMinor), clonePtr(in.MinSpendMinor)
	in.MaxDiscountMinor, in.Buy, in.Get, in.UsageLimit = clonePtr(in.MaxDiscountMinor), clonePtr(in.Buy), clonePtr(in.Get), clonePtr(in.UsageLimit)
	in.ActiveFrom, in.ActiveUntil = clonePtr(in.ActiveFrom), clonePtr(in.ActiveUntil)
	in.TierIDs, in.SessionIDs = slices.Clone(in.TierIDs), slices.Clone(in.SessionIDs)
	return in
}

// merged returns the discount's input with p applied.
func (d *Discount) merged(p DiscountPatch) DiscountInput {
	in := d.clone()
	if p.Code != nil {
		in.Code = *p.Code
	}
	if p.Kind != nil && *p.Kind != in.Kind {
		in.Kind = *p.Kind
		in.Percent, in.AmountMinor, in.MinSpendMinor, in.MaxDiscountMinor, in.Buy, in.Get = nil, nil, nil, nil, nil, nil
	}
	applyPatch(&in.Percent, p.Percent)
	applyPatch(&in.AmountMinor, p.AmountMinor)
	applyPatch(&in.MinSpendMinor, p.MinSpendMinor)
	applyPatch(&in.MaxDiscountMinor, p.MaxDiscountMinor)
	applyPatch(&in.Buy, p.Buy)
	applyPatch(&in.Get, p.Get)
	applyPatch(&in.UsageLimit, p.UsageLimit)
	applyPatch(&in.ActiveFrom, p.ActiveFrom)
	applyPatch(&in.ActiveUntil, p.ActiveUntil)
	if p.Public != nil {
		in.Public = *p.Public
	}
	if p.TierIDs != nil {
		in.TierIDs = slices.Clone(*p.TierIDs)
	}
	if p.SessionIDs != nil {
		in.SessionIDs = slices.Clone(*p.SessionIDs)
	}
	return in
}

func applyPatch[T any](dst **T, p Patch[T]) {
	switch {
	case !p.Set:
	case p.Null:
		*dst = nil
	default:
		v := p.Value
		*dst = &v
	}
}

// cleanDiscount validates in against the event's tiers and sessions.
func (e *Event) cleanDiscount(in DiscountInput) (DiscountInput, error) {
	fe := apperr.FieldErrors{}
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	if !codeRE.MatchString(in.Code) {
		fe.Add("code", "must be 2 to 40 characters A-Z, 0-9, _ or -")
	}
	forbid := func(field string, set bool) {
		if set {
			fe.Add(field, fmt.Sprintf("does not apply to a %s discount", in.Kind))
		}
	}
	amount := func(field string, p *int64, minV int64) {
		if p != nil && (*p < minV || *p > MaxAmountMinor) {
			fe.Add(field, fmt.Sprintf("must be between %d and %d", minV, MaxAmountMinor))
		}
	}
	switch in.Kind {
	case DiscountPercentage:
		switch {
		case in.Percent == nil:
			fe.Add("percent", "is required for a PERCENTAGE discount")
		case *in.Percent < 1 || *in.Percent > 100:
			fe.Add("percent", "must be an integer from 1 to 100")
		}
		amount("min_spend_minor", in.MinSpendMinor, 0)
		amount("max_discount_minor", in.MaxDiscountMinor, 1)
		forbid("amount_minor", in.AmountMinor != nil)
		forbid("buy", in.Buy != nil)
		forbid("get", in.Get != nil)
	case DiscountFlatOff:
		if in.AmountMinor == nil {
			fe.Add("amount_minor", "is required for a FLAT_OFF discount")
		}
		amount("amount_minor", in.AmountMinor, 1)
		amount("min_spend_minor", in.MinSpendMinor, 0)
		forbid("percent", in.Percent != nil)
		forbid("max_discount_minor", in.MaxDiscountMinor != nil)
		forbid("buy", in.Buy != nil)
		forbid("get", in.Get != nil)
	case DiscountBuyNGetNFree:
		for _, f := range []struct {
			name string
			v    *int
		}{{"buy", in.Buy}, {"get", in.Get}} {
			switch {
			case f.v == nil:
				fe.Add(f.name, "is required for a BUY_N_GET_N_FREE discount")
			case *f.v < 1 || *f.v > maxBuyGet:
				fe.Add(f.name, fmt.Sprintf("must be an integer from 1 to %d", maxBuyGet))
			}
		}
		forbid("percent", in.Percent != nil)
		forbid("amount_minor", in.AmountMinor != nil)
		forbid("min_spend_minor", in.MinSpendMinor != nil)
		forbid("max_discount_minor", in.MaxDiscountMinor != nil)
	default:
		fe.Add("kind", "must be PERCENTAGE, FLAT_OFF or BUY_N_GET_N_FREE")
	}
	if in.MinSpendMinor != nil && *in.MinSpendMinor == 0 {
		in.MinSpendMinor = nil
	}
	if in.UsageLimit != nil && (*in.UsageLimit < 1 || *in.UsageLimit > maxUsageLimit) {
		fe.Add("usage_limit", fmt.Sprintf("must be between 1 and %d", maxUsageLimit))
	}
	in.ActiveFrom, in.ActiveUntil = normTimePtr(in.ActiveFrom), normTimePtr(in.ActiveUntil)
	if in.ActiveFrom != nil && in.ActiveUntil != nil && !in.ActiveUntil.After(*in.ActiveFrom) {
		fe.Add("active_until", "must be after active_from")
	}
	in.TierIDs = uniqueIDs(in.TierIDs)
	for i, id := range in.TierIDs {
		if e.tier(id) == nil {
			fe.Add(fmt.Sprintf("tier_ids[%d]", i), "is not a tier of this event")
		}
	}
	in.SessionIDs = uniqueIDs(in.SessionIDs)
	for i, id := range in.SessionIDs {
		if e.session(id) == nil {
			fe.Add(fmt.Sprintf("session_ids[%d]", i), "is not a session of this event")
		}
	}
	return in, fe.Err()
}

func uniqueIDs(ids []uuid.UUID) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// AddDiscount adds a discount code to the event; codes are unique per event.
func (e *Event) AddDiscount(id uuid.UUID, in DiscountInput, now time.Time) (*Discount, error) {
	if err := e.requireChangeable(); err != nil {
		return nil, err
	}
	in, err := e.cleanDiscount(in)
	if err != nil {
		return nil, err
	}
	if err := e.checkCode(in.Code, id); err != nil {
		return nil, err
	}
	if len(e.discounts) >= maxDiscountsPerEvent {
		return nil, apperr.New(apperr.Conflict, "an event has at most %d discounts", maxDiscountsPerEvent)
	}
	d := &Discount{id: id, eventID: e.id, in: in, createdAt: normTime(now), updatedAt: normTime(now)}
	e.discounts = append(e.discounts, d)
	return d, nil
}

func (e *Event) checkCode(code string, self uuid.UUID) error {
	for _, d := range e.discounts {
		if d.id != self && d.in.Code == code {
			return apperr.New(apperr.Conflict, "discount code %s exists already for this event", code).
				WithDetails(map[string]any{"code": code})
		}
	}
	return nil
}

// EditDiscount applies a partial update to a discount.
func (e *Event) EditDiscount(id uuid.UUID, p DiscountPatch, now time.Time) (*Discount, error) {
	d := e.discount(id)
	if d == nil {
		return nil, apperr.New(apperr.NotFound, "discount %s not found", id)
	}
	if err := e.requireChangeable(); err != nil {
		return nil, err
	}
	in, err := e.cleanDiscount(d.merged(p))
	if err != nil {
		return nil, err
	}
	if err := e.checkCode(in.Code, id); err != nil {
		return nil, err
	}
	if !sameDiscount(in, d.in) {
		d.in, d.updatedAt = in, normTime(now)
	}
	return d, nil
}

// sameDiscount reports whether two inputs describe the same discount (times compared as
// instants, absent lists as empty ones), so a patch that changes nothing writes nothing.
func sameDiscount(a, b DiscountInput) bool {
	sameTime := func(x, y *time.Time) bool {
		if x == nil || y == nil {
			return x == nil && y == nil
		}
		return x.Equal(*y)
	}
	return a.Code == b.Code && a.Kind == b.Kind && equalPtr(a.Percent, b.Percent) && equalPtr(a.AmountMinor, b.AmountMinor) &&
		equalPtr(a.MinSpendMinor, b.MinSpendMinor) && equalPtr(a.MaxDiscountMinor, b.MaxDiscountMinor) &&
		equalPtr(a.Buy, b.Buy) && equalPtr(a.Get, b.Get) && equalPtr(a.UsageLimit, b.UsageLimit) &&
		sameTime(a.ActiveFrom, b.ActiveFrom) && sameTime(a.ActiveUntil, b.ActiveUntil) && a.Public == b.Public &&
		slices.Equal(a.TierIDs, b.TierIDs) && slices.Equal(a.SessionIDs, b.SessionIDs)
}

// RemoveDiscount deletes a discount.
func (e *Event) RemoveDiscount(id uuid.UUID) error {
	i := slices.IndexFunc(e.discounts, func(d *Discount) bool { return d.id == id })
	if i < 0 {
		return apperr.New(apperr.NotFound, "discount %s not found", id)
	}
	e.discounts = slices.Delete(e.discounts, i, i+1)
	return nil
}
