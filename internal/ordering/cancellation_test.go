package ordering_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/ordering"
	"github.com/ticketly/ticketly/internal/ordering/orderingtest"
)

// cancelStore is the cancellation store over the fake repository: the orders the test
// placed, and the session status it sets.
type cancelStore struct {
	repo   *orderingtest.Repository
	status string
	org    uuid.UUID
	orders []uuid.UUID
}

func (s *cancelStore) CancelledSession(context.Context, uuid.UUID) (ordering.CancelledSession, error) {
	return ordering.CancelledSession{Status: s.status, OrganizationID: s.org, Found: true}, nil
}

func (s *cancelStore) live() []uuid.UUID {
	var out []uuid.UUID
	for _, id := range s.orders {
		st, _ := s.repo.State(id)
		switch st.Status {
		case ordering.PendingPayment, ordering.Paid, ordering.PartiallyRefunded:
			out = append(out, id)
		}
	}
	return out
}

func (s *cancelStore) LiveOrders(_ context.Context, _ uuid.UUID, limit int) ([]uuid.UUID, error) {
	l := s.live()
	return l[:min(limit, len(l))], nil
}

func (s *cancelStore) CancellationCounts(context.Context, uuid.UUID) (ordering.CancellationCounts, error) {
	return ordering.CancellationCounts{Remaining: len(s.live())}, nil
}

// A cancelled session's paid order is refunded in full and its unpaid order cancelled with
// its holds released; a refund the provider refuses leaves the order live and counted as
// failed, and the next call finishes it; calls after that change nothing. A session that
// is not cancelled keeps its orders.
func TestCancelSessionOrders(t *testing.T) {
	w := newWorld(t)
	store := &cancelStore{repo: w.repo, status: ordering.SessionOnSale, org: w.sess.OrganizationID}
	c := ordering.NewCancellations(w.svc, store, 10)
	ctx := context.Background()
	paid := w.paid(buyer("ann"), w.in(w.seats[:2], 1, ""))
	pending := w.mustPlace(buyer("bob"), w.in(w.seats[2:3], 0, ""))
	store.orders = []uuid.UUID{uuid.MustParse(paid.ID), uuid.MustParse(pending.ID)}

	_, err := c.CancelSessionOrders(ctx, w.sess.ID)
	wantCode(t, err, apperr.Conflict)
	if w.state(pending).Status != ordering.PendingPayment || w.state(paid).Status != ordering.Paid {
		t.Fatal("a session that is not cancelled lost orders")
	}

	store.status = ordering.SessionCancellationStatus
	w.pay.FailOnce("Refund", fmt.Errorf("%w: charge disputed", ordering.ErrPaymentRejected))
	res, err := c.CancelSessionOrders(ctx, w.sess.ID)
	if err != nil || res.Refunded != 0 || res.Cancelled != 1 || res.Failed != 1 || res.Remaining != 1 {
		t.Fatalf("first call: %+v %v, want the unpaid order cancelled and the refused refund failed", res, err)
	}
	if st := w.state(paid); st.Status != ordering.Paid || st.RefundedMinor != 0 {
		t.Fatalf("a refused refund changed the order: %s refunded %d", st.Status, st.RefundedMinor)
	}
	if st := w.state(pending); st.Status != ordering.Cancelled || st.StatusReason != ordering.SessionCancelledReason || w.holder(w.seats[2]) != "" {
		t.Fatalf("unpaid order %s (%s), seat held by %q", st.Status, st.StatusReason, w.holder(w.seats[2]))
	}

	res, err = c.CancelSessionOrders(ctx, w.sess.ID)
	if err != nil || res.Refunded != 1 || res.Failed != 0 || res.Remaining != 0 {
		t.Fatalf("second call: %+v %v", res, err)
	}
	st := w.state(paid)
	if st.Status != ordering.Refunded || st.RefundedMinor != paid.TotalMinor || st.StatusReason != ordering.SessionCancelledReason ||
		w.pay.Refunded(paid.Payment.PaymentIntentID) != paid.TotalMinor {
		t.Fatalf("paid order %s (%s) refunded %d, provider refunded %d, want %d", st.Status, st.StatusReason, st.RefundedMinor,
			w.pay.Refunded(paid.Payment.PaymentIntentID), paid.TotalMinor)
	}
	if len(st.Tickets) != 3 {
		t.Fatalf("%d tickets, want 3", len(st.Tickets))
	}
	for _, tk := range st.Tickets {
		if tk.Status != ordering.TicketVoid {
			t.Errorf("ticket %s is %s, want VOID", tk.ID, tk.Status)
		}
	}
	res, err = c.CancelSessionOrders(ctx, w.sess.ID)
	if err != nil || res != (ordering.CancelOrdersResult{SessionID: w.sess.ID}) || w.pay.Refunded(paid.Payment.PaymentIntentID) != paid.TotalMinor {
		t.Fatalf("third call: %+v %v", res, err)
	}
}

// A cancellation that dies after the provider refunded an order but before the order was
// committed (a crash, a lost connection) is resumed by the next call: the provider hands
// the same refund back (its key is derived from the order and what it had refunded), so
// the buyer is refunded once, and the order ends REFUNDED with one refund recorded.
func TestCancelSessionOrdersResumesAfterALostCommit(t *testing.T) {
	w := newWorld(t)
	store := &cancelStore{repo: w.repo, status: ordering.SessionCancellationStatus, org: w.sess.OrganizationID}
	c := ordering.NewCancellations(w.svc, store, 10)
	ctx := context.Background()
	paid := w.paid(buyer("ann"), w.in(w.seats[:2], 1, ""))
	store.orders = []uuid.UUID{uuid.MustParse(paid.ID)}

	w.repo.LoseNextCommit(errDown)
	res, err := c.CancelSessionOrders(ctx, w.sess.ID)
	if err != nil || res.Refunded != 0 || res.Failed != 1 || res.Remaining != 1 {
		t.Fatalf("call with a lost commit: %+v %v, want the order failed and still live", res, err)
	}
	if st := w.state(paid); st.Status != ordering.Paid || w.pay.Refunded(paid.Payment.PaymentIntentID) != paid.TotalMinor {
		t.Fatalf("after the lost commit: order %s, provider refunded %d of %d", st.Status, w.pay.Refunded(paid.Payment.PaymentIntentID), paid.TotalMinor)
	}
	res, err = c.CancelSessionOrders(ctx, w.sess.ID)
	if err != nil || res.Refunded != 1 || res.Failed != 0 || res.Remaining != 0 {
		t.Fatalf("resumed call: %+v %v", res, err)
	}
	st := w.state(paid)
	if st.Status != ordering.Refunded || st.RefundedMinor != paid.TotalMinor || w.pay.Refunded(paid.Payment.PaymentIntentID) != paid.TotalMinor {
		t.Fatalf("order %s refunded %d, provider refunded %d, want %d once", st.Status, st.RefundedMinor,
			w.pay.Refunded(paid.Payment.PaymentIntentID), paid.TotalMinor)
	}
	for _, tk := range st.Tickets {
		if tk.Status != ordering.TicketVoid {
			t.Errorf("ticket %s is %s, want VOID", tk.ID, tk.Status)
		}
	}
}
