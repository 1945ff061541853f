package ordering_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/ordering"
)

func TestStateMachine(t *testing.T) {
	all := []ordering.Status{ordering.PendingPayment, ordering.Paid, ordering.Expired, ordering.Cancelled,
		ordering.Refunded, ordering.PartiallyRefunded}
	allowed := map[[2]ordering.Status]bool{
		{ordering.PendingPayment, ordering.Paid}: true, {ordering.PendingPayment, ordering.Expired}: true,
		{ordering.PendingPayment, ordering.Cancelled}: true, {ordering.Paid, ordering.Refunded}: true,
		{ordering.Paid, ordering.PartiallyRefunded}: true, {ordering.PartiallyRefunded, ordering.Refunded}: true,
		{ordering.PartiallyRefunded, ordering.PartiallyRefunded}: true,
	}
	for _, from := range all {
		for _, to := range all {
			if got := from.CanBecome(to); got != allowed[[2]ordering.Status{from, to}] {
				t.Errorf("%s -> %s: %v", from, to, got)
			}
		}
	}
	for _, s := range []ordering.Status{ordering.Expired, ordering.Cancelled, ordering.Refunded} {
		if !s.Final() {
			t.Errorf("%s must be final", s)
		}
	}
}

// newOrder is a pending order of two seats (1000 + 5000) and three standing units (1000
// each) with a reserved discount use.
func newOrder(t *testing.T) *ordering.Order {
	t.Helper()
	d := &ordering.Discount{ID: uuid.New(), Code: "TEN", Kind: ordering.FlatOff, AmountMinor: 1000, UsageLimit: 5}
	q, err := ordering.Price(session(), req([]uuid.UUID{seatC1, seatV1}, 3), d, now)
	if err != nil {
		t.Fatal(err)
	}
	return ordering.NewOrder(uuid.New(), ordering.Buyer{ID: "buyer"}, session(), q, now, 10*time.Minute)
}

func issuer(t *ordering.Ticket) error { t.QR = "qr-" + t.ID.String(); return nil }

func TestNewOrderHoldsEverything(t *testing.T) {
	o := newOrder(t)
	st, ch := o.State(), o.Changes()
	if st.Status != ordering.PendingPayment || !st.ExpiresAt.Equal(now.Add(10*time.Minute)) || st.TotalMinor != 8000 ||
		st.Redemption != ordering.RedemptionReserved || st.DiscountUsageLimit != 5 {
		t.Fatalf("state %+v", st)
	}
	if !ch.Created || ch.Feed == nil || ch.Feed.Status != ordering.StateLocked || len(ch.Feed.SeatIDs) != 2 ||
		!slices.Equal(ch.Feed.StandingBlocks, []string{"ga"}) {
		t.Fatalf("changes %+v feed %+v", ch, ch.Feed)
	}
}

func TestMarkPaidIssuesOneTicketPerSeatAndUnit(t *testing.T) {
	o := ordering.RestoreOrder(newOrder(t).State())
	if err := o.MarkPaid(now.Add(time.Minute), "pi_1", issuer); err != nil {
		t.Fatal(err)
	}
	st, ch := o.State(), o.Changes()
	if st.Status != ordering.Paid || st.PaymentIntentID != "pi_1" || st.PaidAt == nil || st.Redemption != ordering.RedemptionConfirmed {
		t.Fatalf("state %+v", st)
	}
	if len(ch.NewTickets) != 2+3 || ch.SeatStatus != ordering.AllocSold || len(ch.SeatIDs) != 2 || ch.Discount != ordering.DiscountConfirm {
		t.Fatalf("changes %+v", ch)
	}
	for _, tk := range ch.NewTickets {
		if tk.QR == "" || tk.Status != ordering.TicketValid || tk.OrderID != st.ID {
			t.Fatalf("ticket %+v", tk)
		}
	}
	// Selling held standing units does not change availability: only seats are in the feed.
	if ch.Feed == nil || ch.Feed.Status != ordering.StateBooked || len(ch.Feed.SeatIDs) != 2 || len(ch.Feed.StandingBlocks) != 0 {
		t.Fatalf("feed %+v", ch.Feed)
	}
	if err := o.MarkPaid(now, "pi_1", issuer); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("paying twice: %v", err)
	}
}

func TestFreeOrderIsBookedAtOnce(t *testing.T) {
	d := &ordering.Discount{ID: uuid.New(), Code: "ALL", Kind: ordering.Percentage, Percent: 100}
	q, err := ordering.Price(session(), req([]uuid.UUID{seatC1}, 0), d, now)
	if err != nil {
		t.Fatal(err)
	}
	o := ordering.NewOrder(uuid.New(), ordering.Buyer{ID: "b"}, session(), q, now, time.Minute)
	if err := o.MarkPaid(now, "", issuer); err != nil {
		t.Fatal(err)
	}
	ch := o.Changes()
	if !ch.Created || ch.Feed.Status != ordering.StateBooked || len(ch.NewTickets) != 1 || o.State().Seats[0].Status != ordering.AllocSold {
		t.Fatalf("changes %+v", ch)
	}
}

func TestCancelAndExpireReleaseEverything(t *testing.T) {
	for _, name := range []string{"cancel", "expire", "payment failed"} {
		t.Run(name, func(t *testing.T) {
			o := ordering.RestoreOrder(newOrder(t).State())
			var err error
			switch name {
			case "cancel":
				err = o.Cancel(now, "by buyer")
			case "expire":
				if e := o.Expire(now.Add(time.Minute)); apperr.CodeOf(e) != apperr.Conflict {
					t.Fatalf("expiring before expires_at: %v", e)
				}
				err = o.Expire(now.Add(10 * time.Minute))
			case "payment failed":
				if !o.PaymentFailed(now, "pi_x", "card declined") {
					t.Fatal("a failure of a pending order cancels it")
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			st, ch := o.State(), o.Changes()
			want := map[string]ordering.Status{"cancel": ordering.Cancelled, "expire": ordering.Expired, "payment failed": ordering.Cancelled}[name]
			if st.Status != want || st.StatusReason == "" || st.Redemption != ordering.RedemptionReleased {
				t.Fatalf("state %s %q %s", st.Status, st.StatusReason, st.Redemption)
			}
			if ch.SeatStatus != ordering.AllocReleased || len(ch.SeatIDs) != 2 || ch.Discount != ordering.DiscountRelease ||
				len(ch.Standing) != 1 || ch.Standing[0].TakenDelta != -3 || ch.Standing[0].Status != ordering.AllocReleased {
				t.Fatalf("changes %+v", ch)
			}
			if ch.Feed.Status != ordering.StateAvailable || len(ch.Feed.SeatIDs) != 2 || len(ch.Feed.StandingBlocks) != 1 {
				t.Fatalf("feed %+v", ch.Feed)
			}
		})
	}
	paid := ordering.RestoreOrder(newOrder(t).State())
	_ = paid.MarkPaid(now, "pi_1", issuer)
	if err := paid.Cancel(now, "x"); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("cancelling a paid order: %v", err)
	}
	if paid.PaymentFailed(now, "pi_1", "late failure") {
		t.Fatal("a failure after the success must change nothing")
	}
}

func TestDecidePayment(t *testing.T) {
	pending := func(pi string) *ordering.Order {
		st := newOrder(t).State()
		st.PaymentIntentID = pi
		return ordering.RestoreOrder(st)
	}
	with := func(status ordering.Status, pi string) *ordering.Order {
		st := newOrder(t).State()
		st.Status, st.PaymentIntentID = status, pi
		return ordering.RestoreOrder(st)
	}
	cases := []struct {
		name string
		o    *ordering.Order
		pi   string
		want ordering.PaymentDecision
	}{
		{"pending, its intent", pending("pi_1"), "pi_1", ordering.ApplyPayment},
		{"pending, intent not stored yet", pending(""), "pi_1", ordering.ApplyPayment},
		{"pending, another intent", pending("pi_1"), "pi_2", ordering.RefundPayment},
		{"paid, redelivery", with(ordering.Paid, "pi_1"), "pi_1", ordering.IgnorePayment},
		{"refunded, redelivery", with(ordering.Refunded, "pi_1"), "pi_1", ordering.IgnorePayment},
		{"paid, a second intent", with(ordering.Paid, "pi_1"), "pi_2", ordering.RefundPayment},
		{"expired", with(ordering.Expired, "pi_1"), "pi_1", ordering.RefundPayment},
		{"cancelled", with(ordering.Cancelled, "pi_1"), "pi_1", ordering.RefundPayment},
	}
	for _, c := range cases {
		if got := c.o.DecidePayment(c.pi); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestAutomaticRefundKeepsStatus(t *testing.T) {
	st := newOrder(t).State()
	st.Status = ordering.Expired
	o := ordering.RestoreOrder(st)
	o.RecordAutomaticRefund(now, ordering.Refund{ID: uuid.New(), AmountMinor: 9000, Reason: "late", StripeRefundID: "re_1"})
	got := o.State()
	if got.Status != ordering.Expired || got.RefundedMinor != 8000 || got.StatusReason == "" || o.Changes().Refund == nil {
		t.Fatalf("%+v", got)
	}
}

func TestRefunds(t *testing.T) {
	paid := func() *ordering.Order {
		o := ordering.RestoreOrder(newOrder(t).State())
		if err := o.MarkPaid(now, "pi_1", issuer); err != nil {
			t.Fatal(err)
		}
		return ordering.RestoreOrder(o.State()) // as loaded again: no pending changes
	}
	if _, err := ordering.RestoreOrder(newOrder(t).State()).PlanRefund(ordering.RefundRequest{}); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("refund of an unpaid order: %v", err)
	}
	o := paid()
	for amount, code := range map[int64]apperr.Code{0: apperr.Invalid, -1: apperr.Invalid, 8001: apperr.Unprocessable} {
		if _, err := o.PlanRefund(ordering.RefundRequest{AmountMinor: &amount}); apperr.CodeOf(err) != code {
			t.Fatalf("amount %d: %v", amount, err)
		}
	}
	if _, err := o.PlanRefund(ordering.RefundRequest{TicketIDs: []uuid.UUID{uuid.New()}}); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("foreign ticket: %v", err)
	}

	// Partial: 2000 back, one seat ticket and one standing ticket voided and freed.
	tickets := o.Tickets()
	var seatTicket, gaTicket ordering.Ticket
	for _, tk := range tickets {
		if tk.SeatID == seatV1 {
			seatTicket = tk
		}
		if tk.SeatID == uuid.Nil {
			gaTicket = tk
		}
	}
	amount := int64(2000)
	plan, err := o.PlanRefund(ordering.RefundRequest{AmountMinor: &amount, TicketIDs: []uuid.UUID{seatTicket.ID, gaTicket.ID}})
	if err != nil || plan.Full || plan.IdempotencyKey == "" {
		t.Fatalf("plan %+v %v", plan, err)
	}
	if err := o.ApplyRefund(now, plan, ordering.Refund{ID: uuid.New(), StripeRefundID: "re_1"}); err != nil {
		t.Fatal(err)
	}
	st, ch := o.State(), o.Changes()
	if st.Status != ordering.PartiallyRefunded || st.RefundedMinor != 2000 || len(ch.VoidTickets) != 2 ||
		!slices.Equal(ch.SeatIDs, []uuid.UUID{seatV1}) || len(ch.Standing) != 1 || ch.Standing[0].TakenDelta != -1 ||
		ch.Standing[0].Quantity != 2 || ch.Feed.Status != ordering.StateAvailable || ch.Discount != ordering.DiscountNone {
		t.Fatalf("state %s %d changes %+v", st.Status, st.RefundedMinor, ch)
	}

	// The rest: REFUNDED, every remaining ticket void, everything freed.
	o = ordering.RestoreOrder(o.State())
	plan, err = o.PlanRefund(ordering.RefundRequest{})
	if err != nil || !plan.Full || plan.AmountMinor != 6000 {
		t.Fatalf("plan %+v %v", plan, err)
	}
	if err := o.ApplyRefund(now, plan, ordering.Refund{ID: uuid.New()}); err != nil {
		t.Fatal(err)
	}
	st, ch = o.State(), o.Changes()
	if st.Status != ordering.Refunded || st.RefundedMinor != 8000 || len(ch.VoidTickets) != 3 ||
		!slices.Equal(ch.SeatIDs, []uuid.UUID{seatC1}) || ch.Standing[0].TakenDelta != -2 || ch.Discount != ordering.DiscountRelease {
		t.Fatalf("state %s %d changes %+v", st.Status, st.RefundedMinor, ch)
	}
	if _, err := o.PlanRefund(ordering.RefundRequest{}); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("refund of a refunded order: %v", err)
	}
}
