package scheduling

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/projection"
)

func sessionImage(id uuid.UUID, status string) map[string]any {
	ts := func(d time.Duration) string { return t0.Add(d).Format(time.RFC3339Nano) }
	return map[string]any{"id": id, "event_id": uuid.New(), "start_time": ts(48 * time.Hour), "end_time": ts(51 * time.Hour),
		"sales_start_time": ts(-time.Hour), "sales_end_time": ts(47 * time.Hour), "status": status, "updated_at": ts(0)}
}

func hasPlan(plans []Plan, key string) bool {
	for _, p := range plans {
		if p.Key == key {
			return true
		}
	}
	return false
}

// A cancelled (or deleted) session plans the cancellation of its orders, due at once; a
// snapshot of a cancelled session leaves that to the sweep, and other statuses plan none.
func TestPlanChangeCancelledSessionPlansItsOrdersCancellation(t *testing.T) {
	ctx := context.Background()
	sid := uuid.New()
	key := SessionKey(KindCancelOrders, sid)
	for _, tc := range []struct {
		name   string
		op     projection.Op
		before any
		after  any
		want   bool
	}{
		{"cancelled", projection.OpUpdate, sessionImage(sid, StatusOnSale), sessionImage(sid, StatusCancelled), true},
		{"deleted", projection.OpDelete, sessionImage(sid, StatusOnSale), nil, true},
		{"snapshot of a cancelled session", projection.OpRead, nil, sessionImage(sid, StatusCancelled), false},
		{"on sale", projection.OpUpdate, sessionImage(sid, StatusScheduled), sessionImage(sid, StatusOnSale), false},
	} {
		ch, err := PlanChange(ctx, change("catalog.sessions", tc.op, tc.before, tc.after), t0, fakeLookup{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := hasPlan(ch.Plans, key); got != tc.want {
			t.Errorf("%s: cancel_orders planned %v, want %v (%+v)", tc.name, got, tc.want, ch.Plans)
		}
		for _, p := range ch.Plans {
			if p.Key == key && (!p.DueAt.Equal(t0) || p.Mode != Ensure || p.State != Pending) {
				t.Errorf("%s: %+v, want pending now, mode Ensure", tc.name, p)
			}
		}
	}
}

// One mail per order when a session is cancelled: the refund row's (order.refunded, not the
// late-payment mail, although the system requested it), none for the order's REFUNDED
// status; a free order, which has no refund, gets order.cancelled.
func TestPlanChangeSessionCancellationMailsOncePerOrder(t *testing.T) {
	ctx := context.Background()
	id := uuid.New()
	refund := map[string]any{"id": uuid.New(), "order_id": id, "requested_by": SystemRefunder, "reason": SessionCancelledReason}
	ch, err := PlanChange(ctx, change("ordering.refunds", projection.OpCreate, nil, refund), t0, fakeLookup{buyer: "b@x.example"})
	if err != nil || len(ch.Plans) != 1 || !strings.HasPrefix(ch.Plans[0].Key, "mail:"+MailRefunded+":") {
		t.Fatalf("session refund: %+v %v, want one order.refunded mail", ch.Plans, err)
	}
	refund["reason"] = "payment arrived after the hold expired"
	if ch, _ := PlanChange(ctx, change("ordering.refunds", projection.OpCreate, nil, refund), t0, fakeLookup{buyer: "b@x.example"}); len(ch.Plans) != 1 ||
		!strings.HasPrefix(ch.Plans[0].Key, "mail:"+MailLateRefunded+":") {
		t.Fatalf("late payment refund: %+v, want the late-payment mail", ch.Plans)
	}
	row := func(status string, total int64) map[string]any {
		return map[string]any{"id": id, "buyer_id": "u1", "buyer_email": "b@x.example", "session_id": uuid.New(), "event_id": uuid.New(),
			"status": status, "status_reason": SessionCancelledReason, "total_minor": total}
	}
	if ch, _ := PlanChange(ctx, change("ordering.orders", projection.OpUpdate, row("PAID", 8000), row("REFUNDED", 8000)), t0, fakeLookup{}); len(ch.Plans) != 0 {
		t.Fatalf("refunded paid order: %+v, want no mail (its refund row mails)", ch.Plans)
	}
	if ch, _ := PlanChange(ctx, change("ordering.orders", projection.OpUpdate, row("PAID", 0), row("REFUNDED", 0)), t0, fakeLookup{}); len(ch.Plans) != 1 ||
		ch.Plans[0].Key != MailKey(MailCancelled, id, "b@x.example") {
		t.Fatalf("free order of a cancelled session: %+v, want one order.cancelled mail", ch.Plans)
	}
	if ch, _ := PlanChange(ctx, change("ordering.orders", projection.OpUpdate, row("PENDING_PAYMENT", 1000), row("CANCELLED", 1000)), t0, fakeLookup{}); len(ch.Plans) != 1 ||
		ch.Plans[0].Key != MailKey(MailCancelled, id, "b@x.example") {
		t.Fatalf("unpaid order of a cancelled session: %+v, want one order.cancelled mail", ch.Plans)
	}
}

type fakeOrders struct {
	res   CancelOrdersResult
	err   error
	calls int
}

func (f *fakeOrders) CancelOrders(context.Context, uuid.UUID) (CancelOrdersResult, error) {
	f.calls++
	return f.res, f.err
}

func TestCancelOrdersJobRepeatsUntilNothingIsLeft(t *testing.T) {
	sid := uuid.New()
	p := PlanCancelOrders(sid, t0)
	j := Job{Key: p.Key, Kind: p.Kind, Payload: p.Payload, DueAt: t0, Attempts: 3}
	for _, tc := range []struct {
		name string
		res  CancelOrdersResult
		err  error
		want Record
	}{
		{"all done", CancelOrdersResult{Refunded: 2, Cancelled: 1}, nil, Record{State: Done, DueAt: t0, Attempts: 3}},
		{"progress, more left", CancelOrdersResult{Refunded: 50, Remaining: 7}, nil, Record{State: Pending, DueAt: t0.Add(time.Minute)}},
		{"no progress", CancelOrdersResult{Failed: 1, Remaining: 1}, nil, Record{State: Pending, DueAt: t0.Add(time.Minute + Backoff(4, 0)), Attempts: 4}},
		{"order service away", CancelOrdersResult{}, errors.New("connection refused"), Record{State: Pending, DueAt: t0.Add(time.Minute + Backoff(4, 0)), Attempts: 4}},
		{"not cancelled", CancelOrdersResult{}, ErrNotCancelled, Record{State: Dropped, DueAt: t0, Attempts: 3}},
	} {
		f := &fakeOrders{res: tc.res, err: tc.err}
		h := &Handlers{Orders: f}
		now := t0.Add(time.Minute)
		rec := Settle(j, h.Run(context.Background(), j, now), now, 0)
		if rec.State != tc.want.State || !rec.DueAt.Equal(tc.want.DueAt) || rec.Attempts != tc.want.Attempts || f.calls != 1 {
			t.Errorf("%s: %+v after %d calls, want %+v", tc.name, rec, f.calls, tc.want)
		}
	}
}
