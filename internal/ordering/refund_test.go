package ordering_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/ordering"
)

// paidOrder is newOrder paid and loaded again: seats C1 (1000) and V1 (5000), three
// standing units (1000 each), 1000 off: shares 889, 4444, 889, 889, 889 (total 8000).
func paidOrder(t *testing.T) *ordering.Order {
	t.Helper()
	o := ordering.RestoreOrder(newOrder(t).State())
	if err := o.MarkPaid(now, "pi_1", issuer); err != nil {
		t.Fatal(err)
	}
	return ordering.RestoreOrder(o.State())
}

func ticketOf(t *testing.T, o *ordering.Order, match func(ordering.Ticket) bool) ordering.Ticket {
	t.Helper()
	ts := o.Tickets()
	i := slices.IndexFunc(ts, match)
	if i < 0 {
		t.Fatal("no such ticket")
	}
	return ts[i]
}

func bySeat(id uuid.UUID) func(ordering.Ticket) bool {
	return func(t ordering.Ticket) bool { return t.SeatID == id }
}

// checkIn returns the order as loaded again with the ticket checked in.
func checkIn(o *ordering.Order, ticketID uuid.UUID) *ordering.Order {
	st := o.State()
	at := now.Add(time.Hour)
	for i := range st.Tickets {
		if st.Tickets[i].ID == ticketID {
			st.Tickets[i].CheckedInAt = &at
		}
	}
	return ordering.RestoreOrder(st)
}

func refund(t *testing.T, o *ordering.Order, req ordering.RefundRequest) ordering.RefundPlan {
	t.Helper()
	plan, err := o.PlanRefund(req)
	if err != nil {
		t.Fatalf("plan %+v: %v", req, err)
	}
	if err := o.ApplyRefund(now, plan, ordering.Refund{ID: plan.RefundID}); err != nil {
		t.Fatal(err)
	}
	return plan
}

func wantErr(t *testing.T, err error, code apperr.Code, detail string) *apperr.Error {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	if _, ok := ae.Details[detail]; detail != "" && !ok {
		t.Fatalf("want details.%s: %v", detail, ae.Details)
	}
	return ae
}

func TestRefundByTicketRefundsExactlyItsShare(t *testing.T) {
	o := paidOrder(t)
	vip := ticketOf(t, o, bySeat(seatV1))
	if vip.PricePaidMinor != 4444 {
		t.Fatalf("VIP share %d", vip.PricePaidMinor)
	}
	plan := refund(t, o, ordering.RefundRequest{TicketIDs: []uuid.UUID{vip.ID}})
	st, ch := o.State(), o.Changes()
	if plan.AmountMinor != 4444 || plan.Full || st.Status != ordering.PartiallyRefunded || st.RefundedMinor != 4444 ||
		!slices.Equal(ch.VoidTickets, []uuid.UUID{vip.ID}) || !slices.Equal(ch.SeatIDs, []uuid.UUID{seatV1}) ||
		ch.Feed == nil || ch.Feed.Status != ordering.StateAvailable || len(ch.Standing) != 0 || ch.Discount != ordering.DiscountNone {
		t.Fatalf("plan %+v state %s %d changes %+v", plan, st.Status, st.RefundedMinor, ch)
	}
	// The same ticket again: 409 naming it, nothing planned.
	o = ordering.RestoreOrder(o.State())
	_, err := o.PlanRefund(ordering.RefundRequest{TicketIDs: []uuid.UUID{vip.ID}})
	if ae := wantErr(t, err, apperr.Conflict, "ticket_ids"); !slices.Equal(ae.Details["ticket_ids"].([]string), []string{vip.ID.String()}) {
		t.Fatalf("details %v", ae.Details)
	}
}

func TestRefundByAmountVoidsNothing(t *testing.T) {
	o := paidOrder(t)
	amount := int64(1000)
	refund(t, o, ordering.RefundRequest{AmountMinor: &amount})
	st, ch := o.State(), o.Changes()
	if st.Status != ordering.PartiallyRefunded || st.RefundedMinor != 1000 || len(ch.VoidTickets) != 0 || ch.Feed != nil ||
		len(ch.SeatIDs) != 0 || ch.Refund == nil || ch.Refund.AmountMinor != 1000 {
		t.Fatalf("state %s %d changes %+v", st.Status, st.RefundedMinor, ch)
	}
	// Everything left by amount: REFUNDED, so every ticket goes.
	o = ordering.RestoreOrder(o.State())
	amount = 7000
	refund(t, o, ordering.RefundRequest{AmountMinor: &amount})
	if st, ch := o.State(), o.Changes(); st.Status != ordering.Refunded || len(ch.VoidTickets) != 5 || len(ch.SeatIDs) != 2 {
		t.Fatalf("state %s changes %+v", st.Status, ch)
	}
}

func TestRefundNeverMoreThanPaidOrAsked(t *testing.T) {
	o := paidOrder(t)
	amount := int64(3000)
	refund(t, o, ordering.RefundRequest{AmountMinor: &amount}) // 5000 left
	o = ordering.RestoreOrder(o.State())
	vip := ticketOf(t, o, bySeat(seatV1))
	c1 := ticketOf(t, o, bySeat(seatC1))
	var all []uuid.UUID
	for _, tk := range o.Tickets() {
		all = append(all, tk.ID)
	}
	over := int64(5001)
	twice := int64(890)
	zero := int64(0)
	for name, c := range map[string]struct {
		req    ordering.RefundRequest
		code   apperr.Code
		detail string
	}{
		"amount above what is left":       {ordering.RefundRequest{AmountMinor: &over}, apperr.Unprocessable, "remaining_minor"},
		"tickets above what is left":      {ordering.RefundRequest{TicketIDs: all}, apperr.Unprocessable, "remaining_minor"},
		"amount above the ticket's share": {ordering.RefundRequest{AmountMinor: &twice, TicketIDs: []uuid.UUID{c1.ID}}, apperr.Unprocessable, "tickets_minor"},
		"amount 0":                        {ordering.RefundRequest{AmountMinor: &zero}, apperr.Invalid, "fields"},
		"a ticket of another order":       {ordering.RefundRequest{TicketIDs: []uuid.UUID{uuid.New()}}, apperr.Invalid, "fields"},
		"a ticket twice":                  {ordering.RefundRequest{TicketIDs: []uuid.UUID{c1.ID, c1.ID}}, apperr.Invalid, "fields"},
	} {
		if _, err := o.PlanRefund(c.req); err == nil {
			t.Fatalf("%s: planned", name)
		} else {
			wantErr(t, err, c.code, c.detail)
		}
	}
	// Both: the amount (at most the tickets' shares) back, the tickets void.
	part := int64(4000)
	plan := refund(t, o, ordering.RefundRequest{AmountMinor: &part, TicketIDs: []uuid.UUID{vip.ID}})
	if st := o.State(); plan.AmountMinor != 4000 || st.RefundedMinor != 7000 || st.Status != ordering.PartiallyRefunded ||
		!slices.Equal(o.Changes().VoidTickets, []uuid.UUID{vip.ID}) {
		t.Fatalf("plan %+v state %+v", plan, st)
	}
}

func TestRefundedCheckedInSeatIsNotSoldAgain(t *testing.T) {
	o := paidOrder(t)
	c1 := ticketOf(t, o, bySeat(seatC1))
	ga := ticketOf(t, o, bySeat(uuid.Nil))
	o = checkIn(checkIn(o, c1.ID), ga.ID)
	refund(t, o, ordering.RefundRequest{TicketIDs: []uuid.UUID{c1.ID}})
	st, ch := o.State(), o.Changes()
	if st.RefundedMinor != 889 || !slices.Equal(ch.VoidTickets, []uuid.UUID{c1.ID}) || len(ch.SeatIDs) != 0 || ch.Feed != nil {
		t.Fatalf("state %d changes %+v feed %+v", st.RefundedMinor, ch, ch.Feed)
	}
	// The rest: REFUNDED; the VIP seat and two standing units freed, the checked-in seat
	// and unit kept.
	o = ordering.RestoreOrder(o.State())
	refund(t, o, ordering.RefundRequest{})
	st, ch = o.State(), o.Changes()
	if st.Status != ordering.Refunded || st.RefundedMinor != 8000 || len(ch.VoidTickets) != 4 ||
		!slices.Equal(ch.SeatIDs, []uuid.UUID{seatV1}) || len(ch.Standing) != 1 || ch.Standing[0].TakenDelta != -2 ||
		ch.Standing[0].Quantity != 1 || ch.Standing[0].Status != ordering.AllocSold || ch.Discount != ordering.DiscountRelease ||
		slices.Contains(ch.Feed.SeatIDs, seatC1) {
		t.Fatalf("state %s %d changes %+v", st.Status, st.RefundedMinor, ch)
	}
	for _, l := range st.Seats {
		if l.SeatID == seatC1 && l.Status != ordering.AllocSold {
			t.Fatalf("the checked-in seat's allocation is %s", l.Status)
		}
	}
	// A cancelled session frees everything, checked in or not.
	o = paidOrder(t)
	o = checkIn(checkIn(o, ticketOf(t, o, bySeat(seatC1)).ID), ticketOf(t, o, bySeat(uuid.Nil)).ID)
	if err := o.RefundForCancelledSession(now, 8000, ordering.Refund{ID: uuid.New()}); err != nil {
		t.Fatal(err)
	}
	if ch := o.Changes(); len(ch.SeatIDs) != 2 || ch.Standing[0].TakenDelta != -3 {
		t.Fatalf("cancelled session: %+v", ch)
	}
}

func TestRefundIdIsDerivedFromTheRequestAndTheOrderState(t *testing.T) {
	o := paidOrder(t)
	a, b := int64(100), int64(200)
	p1, _ := o.PlanRefund(ordering.RefundRequest{AmountMinor: &a})
	p2, _ := o.PlanRefund(ordering.RefundRequest{AmountMinor: &a})
	p3, _ := o.PlanRefund(ordering.RefundRequest{AmountMinor: &b})
	if p1.RefundID == uuid.Nil || p1.RefundID != p2.RefundID || p1.IdempotencyKey != "refund:"+p1.RefundID.String() || p3.RefundID == p1.RefundID {
		t.Fatalf("%+v %+v %+v", p1, p2, p3)
	}
	refund(t, o, ordering.RefundRequest{AmountMinor: &a})
	p4, _ := ordering.RestoreOrder(o.State()).PlanRefund(ordering.RefundRequest{AmountMinor: &a})
	if p4.RefundID == p1.RefundID {
		t.Fatal("a second refund of the same amount must get a new id")
	}
}

func TestCleanRefundReason(t *testing.T) {
	for raw, want := range map[string]string{"": ordering.DefaultRefundReason, "  ": ordering.DefaultRefundReason,
		" Seat broken ": "Seat broken", strings.Repeat("é", ordering.MaxRefundReasonLen): strings.Repeat("é", ordering.MaxRefundReasonLen)} {
		if got, err := ordering.CleanRefundReason(raw); err != nil || got != want {
			t.Fatalf("%q: %q %v", raw, got, err)
		}
	}
	for _, raw := range []string{strings.Repeat("x", ordering.MaxRefundReasonLen+1), "a\nb", "Session Cancelled", "\xff"} {
		if _, err := ordering.CleanRefundReason(raw); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("%q: %v", raw, err)
		}
	}
}
