package ordering

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

// DefaultRefundReason is the reason of an organizer refund that gives none.
const DefaultRefundReason = "requested by the organizer"

// MaxRefundReasonLen bounds a refund's reason, in characters (it is mailed to the buyer).
const MaxRefundReasonLen = 500

// RefundRequest is an organizer's refund of a paid order. With neither tickets nor amount
// it refunds everything not refunded yet; with TicketIDs only, exactly those tickets'
// shares (price_paid_minor), voiding them; with AmountMinor only, that amount, voiding
// nothing (unless it is everything left: the order is then REFUNDED and all its tickets
// void); with both, AmountMinor (at most the tickets' shares), voiding the tickets.
type RefundRequest struct {
	AmountMinor *int64
	TicketIDs   []uuid.UUID
	Reason      string // "" means DefaultRefundReason
}

// CleanRefundReason validates a refund reason and returns it trimmed, or
// DefaultRefundReason when it is empty. The reason of a session's cancellation is
// reserved: buyers are told their session was cancelled by it.
func CleanRefundReason(raw string) (string, error) {
	r := strings.TrimSpace(raw)
	problem := ""
	switch {
	case r == "":
		return DefaultRefundReason, nil
	case !utf8.ValidString(r):
		problem = "must be valid UTF-8 text"
	case utf8.RuneCountInString(r) > MaxRefundReasonLen:
		problem = fmt.Sprintf("at most %d characters", MaxRefundReasonLen)
	case strings.IndexFunc(r, unicode.IsControl) >= 0:
		problem = "must not contain control characters (line breaks included)"
	case strings.EqualFold(r, SessionCancelledReason):
		problem = fmt.Sprintf("%q is reserved for the refunds of a cancelled session", SessionCancelledReason)
	}
	if problem != "" {
		return "", apperr.New(apperr.Invalid, "reason %s", problem).
			WithDetails(map[string]any{"fields": map[string]any{"reason": problem}})
	}
	return r, nil
}

// RefundPlan is a validated refund.
type RefundPlan struct {
	// RefundID is the refund row's id. It is derived from the order, what it had refunded
	// before and the request (amount and tickets), so a retry of the same refund on the
	// same order state gets the same id.
	RefundID    uuid.UUID
	AmountMinor int64
	Full        bool        // the whole remaining amount: the order becomes REFUNDED, every ticket void
	TicketIDs   []uuid.UUID // the tickets to void (a full refund voids every ticket)
	// IdempotencyKey is the payment provider's key for this refund ("refund:" + RefundID):
	// repeating a request whose refund the provider made but the commit did not record
	// gets that refund back instead of a second one.
	IdempotencyKey string
	// ReleaseCheckedIn frees the seats and standing units of checked-in tickets too (a
	// cancelled session). Otherwise a ticket that was checked in is refunded and voided but
	// its seat stays taken (its allocation stays SOLD): someone sat there.
	ReleaseCheckedIn bool
}

// refundNamespace names the refund ids derived from refund requests (UUID v5).
var refundNamespace = uuid.MustParse("6f1d7a4e-3c52-4d8e-9a0b-2f7c1e5d9b31")

// PlanRefund validates an organizer refund of a PAID or PARTIALLY_REFUNDED order (see
// RefundRequest). Errors: 409 for an order that is not paid (details.status) or a ticket
// already void (details.ticket_ids); 400 for an amount below 1 or a ticket that is not
// the order's (details.fields); 422 for an order with nothing left to refund, an amount
// above what is left (details.remaining_minor, details.requested_minor) or above the named
// tickets' shares (details.tickets_minor, details.requested_minor), or tickets whose
// shares are 0.
func (o *Order) PlanRefund(req RefundRequest) (RefundPlan, error) {
	if o.s.Status != Paid && o.s.Status != PartiallyRefunded {
		return RefundPlan{}, apperr.New(apperr.Conflict, "order %s is %s; only paid orders can be refunded", o.s.ID, o.s.Status).
			WithDetails(map[string]any{"status": string(o.s.Status)})
	}
	fe := apperr.FieldErrors{}
	if req.AmountMinor != nil && *req.AmountMinor < 1 {
		fe.Add("amount_minor", "must be at least 1")
	}
	byID := map[uuid.UUID]Ticket{}
	for _, t := range o.s.Tickets {
		byID[t.ID] = t
	}
	seen := map[uuid.UUID]bool{}
	var void []string
	var shares int64
	for i, id := range req.TicketIDs {
		t, ok := byID[id]
		switch {
		case seen[id]:
			fe.Add(fmt.Sprintf("ticket_ids[%d]", i), "duplicate")
		case !ok:
			fe.Add(fmt.Sprintf("ticket_ids[%d]", i), "is not a ticket of this order")
		case t.Status != TicketValid:
			void = append(void, id.String())
		default:
			shares += t.PricePaidMinor
		}
		seen[id] = true
	}
	if err := fe.Err(); err != nil {
		return RefundPlan{}, err
	}
	if len(void) > 0 {
		return RefundPlan{}, apperr.New(apperr.Conflict, "%d of the tickets were refunded or voided already", len(void)).
			WithDetails(map[string]any{"ticket_ids": void})
	}
	left := o.s.TotalMinor - o.s.RefundedMinor
	if left <= 0 {
		return RefundPlan{}, apperr.New(apperr.Unprocessable, "order %s has nothing left to refund (total %d, refunded %d)",
			o.s.ID, o.s.TotalMinor, o.s.RefundedMinor).WithDetails(map[string]any{"remaining_minor": max(left, 0)})
	}
	amount := left
	switch {
	case req.AmountMinor != nil:
		amount = *req.AmountMinor
		if len(req.TicketIDs) > 0 && amount > shares {
			return RefundPlan{}, apperr.New(apperr.Unprocessable, "%d is more than the %d the named tickets paid", amount, shares).
				WithDetails(map[string]any{"requested_minor": amount, "tickets_minor": shares})
		}
	case len(req.TicketIDs) > 0:
		amount = shares
		if amount == 0 {
			return RefundPlan{}, apperr.New(apperr.Unprocessable, "the named tickets paid nothing: there is nothing to refund").
				WithDetails(map[string]any{"requested_minor": int64(0), "tickets_minor": int64(0)})
		}
	}
	if amount > left {
		return RefundPlan{}, apperr.New(apperr.Unprocessable, "%d is more than the %d left to refund on order %s", amount, left, o.s.ID).
			WithDetails(map[string]any{"requested_minor": amount, "remaining_minor": left})
	}
	ids := slices.Clone(req.TicketIDs)
	sorted := make([]string, len(ids))
	for i, id := range ids {
		sorted[i] = id.String()
	}
	slices.Sort(sorted)
	rid := uuid.NewSHA1(refundNamespace, fmt.Appendf(nil, "%s:%d:%d:%s", o.s.ID, o.s.RefundedMinor, amount, strings.Join(sorted, ",")))
	return RefundPlan{RefundID: rid, AmountMinor: amount, Full: amount == left, TicketIDs: ids,
		IdempotencyKey: "refund:" + rid.String()}, nil
}

// ApplyRefund records a refund made through the payment provider: refunded_minor grows by
// the planned amount. All the money back makes the order REFUNDED: every ticket is voided
// and every seat, standing unit and the discount use freed; otherwise it is
// PARTIALLY_REFUNDED and the planned tickets only are voided and their seats and units
// freed. The seat or unit of a ticket that was checked in is never freed (unless the plan
// says ReleaseCheckedIn): it is not sold again.
func (o *Order) ApplyRefund(now time.Time, p RefundPlan, r Refund) error {
	to := PartiallyRefunded
	if o.s.RefundedMinor+p.AmountMinor >= o.s.TotalMinor {
		to = Refunded
	}
	if err := o.transition(to, now, ""); err != nil {
		return err
	}
	now = o.s.UpdatedAt
	o.s.RefundedMinor += p.AmountMinor
	r.OrderID, r.AmountMinor, r.CreatedAt = o.s.ID, p.AmountMinor, now
	o.ch.Refund = &r
	full := to == Refunded
	named := map[uuid.UUID]bool{}
	for _, id := range p.TicketIDs {
		named[id] = true
	}
	// What stays taken: the seats and standing units of tickets checked in.
	keepSeat, keepUnits := map[uuid.UUID]bool{}, map[string]int{}
	for _, t := range o.s.Tickets {
		if t.CheckedInAt == nil || p.ReleaseCheckedIn {
			continue
		}
		if t.SeatID != uuid.Nil {
			keepSeat[t.SeatID] = true
		} else {
			keepUnits[t.BlockID]++
		}
	}
	seats, standing := map[uuid.UUID]bool{}, map[string]int{}
	for i := range o.s.Tickets {
		t := &o.s.Tickets[i]
		if t.Status != TicketValid || (!full && !named[t.ID]) {
			continue
		}
		t.Status = TicketVoid
		o.ch.VoidTickets = append(o.ch.VoidTickets, t.ID)
		switch {
		case t.CheckedInAt != nil && !p.ReleaseCheckedIn:
		case t.SeatID != uuid.Nil:
			seats[t.SeatID] = true
		default:
			standing[t.BlockID]++
		}
	}
	if full {
		// Everything still live except what was checked in (seats without a ticket too).
		for _, l := range o.s.Seats {
			if l.Status.Live() && !keepSeat[l.SeatID] {
				seats[l.SeatID] = true
			}
		}
		for _, l := range o.s.Standing {
			if l.Status.Live() {
				standing[l.BlockID] = max(0, l.Quantity-keepUnits[l.BlockID])
			}
		}
	}
	if full || len(seats) > 0 || len(standing) > 0 {
		o.release(seats, standing, full)
	}
	return nil
}
