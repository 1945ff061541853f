package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/locking"
	"github.com/ticketly/ticketly/internal/svctest"
)

// serviceToken returns a client-credentials access token of the development realm's
// svc-scheduler client (scope internal-api).
func serviceToken(t *testing.T) string { return svctest.ServiceToken(t, "svc-scheduler") }

// TestSessionCancellationEndsEveryOrder cancels a session with a paid order, a paid order
// with a checked-in ticket, a partially refunded order, an unpaid order and an order
// refunded before: the internal API (in batches of 2) refunds what each paid order has
// left through stripe-mock, voids every ticket, releases every seat and standing unit and
// cancels the unpaid order; a second call does nothing more. Users buyer940–946.
func TestSessionCancellationEndsEveryOrder(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, map[string]string{"CANCEL_BATCH": "2"})
	f := newFixture(t, fixtureOpts{cheapSeats: 4, vipSeats: 2, gaCapacity: 10})
	ctx := context.Background()
	db := orderDB(t)
	internal := func(token string, sessionID uuid.UUID) response {
		return call(t, http.MethodPost, svc.URL+"/internal/v1/sessions/"+sessionID.String()+"/cancel-orders", token, nil)
	}
	progress := func(user string) response {
		return call(t, http.MethodGet, svc.URL+"/api/v1/sales/cancellations/"+f.SessionID.String(), svctest.Token(t, user), nil)
	}

	paid := paidOrder(t, svc, f, "buyer940", f.CheapSeats[0], f.VIPSeats[0]) // 1000+5000+2×1000
	checkedIn := mustOrder(t, svc, "buyer941", seatBody(f.SessionID, f.CheapSeats[1]))
	pay(t, svc, checkedIn)
	tk := ticketsOf(t, svc, "buyer941", checkedIn["id"].(string))
	if _, err := db.Exec(ctx, `UPDATE ordering.tickets SET checked_in_at = now(), checked_in_by = 'test' WHERE id = $1`, tk[0]["id"]); err != nil {
		t.Fatal(err)
	}
	partial := mustOrder(t, svc, "buyer942", seatBody(f.SessionID, f.VIPSeats[1], f.CheapSeats[2]))
	pay(t, svc, partial)
	if r := call(t, http.MethodPost, svc.URL+"/api/v1/orders/"+partial["id"].(string)+"/refunds", svctest.Token(t, "organizer"),
		map[string]any{"amount_minor": 1000}); r.Status != http.StatusCreated {
		t.Fatalf("partial refund: %d %s", r.Status, r.Body)
	}
	refundedBefore := mustOrder(t, svc, "buyer944", map[string]any{"session_id": f.SessionID.String(),
		"standing": []map[string]any{{"block_id": f.GA, "quantity": 1}}})
	pay(t, svc, refundedBefore)
	if r := call(t, http.MethodPost, svc.URL+"/api/v1/orders/"+refundedBefore["id"].(string)+"/refunds", svctest.Token(t, "organizer"), nil); r.Status != http.StatusCreated {
		t.Fatalf("full refund: %d %s", r.Status, r.Body)
	}
	pending := mustOrder(t, svc, "buyer943", seatBody(f.SessionID, f.CheapSeats[3]))

	svcToken := serviceToken(t)
	// Authentication first, then the scope; a session that is not cancelled keeps its orders.
	if r := internal("", f.SessionID); r.Status != http.StatusUnauthorized {
		t.Fatalf("no token: %d %s", r.Status, r.Body)
	}
	if r := internal(svctest.Token(t, "buyer940"), f.SessionID); r.Status != http.StatusForbidden {
		t.Fatalf("a user token: %d %s", r.Status, r.Body)
	}
	if r := internal(svcToken, f.SessionID); r.Status != http.StatusConflict {
		t.Fatalf("a session that is not cancelled: %d %s", r.Status, r.Body)
	}
	if r := internal(svcToken, uuid.New()); r.Status != http.StatusOK || num(r.json(t)["remaining"]) != 0 {
		t.Fatalf("an unknown session: %d %s", r.Status, r.Body)
	}
	if r := progress("organizer"); r.Status != http.StatusConflict {
		t.Fatalf("progress of a session that is not cancelled: %d %s", r.Status, r.Body)
	}
	if st, _, _ := orderRow(t, pending["id"].(string)); st != "PENDING_PAYMENT" {
		t.Fatalf("a refused call changed the pending order: %s", st)
	}

	if _, err := catalogDB(t).Exec(ctx, `UPDATE catalog.sessions SET status = 'CANCELLED', updated_at = now() WHERE id = $1`, f.SessionID); err != nil {
		t.Fatal(err)
	}
	if r := progress("buyer945"); r.Status != http.StatusForbidden {
		t.Fatalf("progress to a buyer: %d %s", r.Status, r.Body)
	}
	var refunded, cancelled, calls int
	for {
		calls++
		r := internal(svcToken, f.SessionID)
		if r.Status != http.StatusOK {
			t.Fatalf("cancel-orders: %d %s", r.Status, r.Body)
		}
		res := r.json(t)
		if num(res["failed"]) != 0 || num(res["refunded"])+num(res["cancelled"]) > 2 {
			t.Fatalf("call %d: %s", calls, r.Body)
		}
		refunded += int(num(res["refunded"]))
		cancelled += int(num(res["cancelled"]))
		if num(res["remaining"]) == 0 {
			break
		}
		if calls > 5 {
			t.Fatalf("still orders left after %d calls: %s", calls, r.Body)
		}
	}
	// The stack's own scheduler sees the cancellation through CDC and calls the same endpoint
	// meanwhile: between them every order is handled exactly once (the rows below say so),
	// so this test's calls may have handled fewer.
	if refunded > 3 || cancelled > 1 {
		t.Fatalf("%d calls refunded %d and cancelled %d orders, more than the 3 and 1 there are", calls, refunded, cancelled)
	}

	// An order the other caller was refunding when this test's last call returned settles
	// within moments.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var live int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM ordering.orders WHERE session_id = $1
			AND status IN ('PAID','PARTIALLY_REFUNDED','PENDING_PAYMENT')`, f.SessionID).Scan(&live); err != nil {
			t.Fatal(err)
		}
		if live == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d orders of the cancelled session still live 15 s after the last call", live)
		}
	}
	want := map[string]int64{paid["id"].(string): 8000, checkedIn["id"].(string): 1000, partial["id"].(string): 5000}
	for id, amount := range want {
		st, got, reason := orderRow(t, id)
		var n int
		var sum int64
		if err := db.QueryRow(ctx, `SELECT count(*), COALESCE(sum(amount_minor), 0) FROM ordering.refunds
			WHERE order_id = $1 AND reason = 'session cancelled' AND requested_by = 'system' AND stripe_refund_id LIKE 're_%'`, id).
			Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		if st != "REFUNDED" || reason != "session cancelled" || n != 1 {
			t.Fatalf("order %s: %s (%s), refunded %d, %d session refunds of %d", id, st, reason, got, n, sum)
		}
		if id == partial["id"].(string) {
			amount = 5000 // 6000 paid, 1000 refunded by the organizer before
		}
		if sum != amount {
			t.Fatalf("order %s: session refund of %d, want %d", id, sum, amount)
		}
	}
	if st, _, reason := orderRow(t, pending["id"].(string)); st != "CANCELLED" || reason != "session cancelled" {
		t.Fatalf("pending order: %s (%s)", st, reason)
	}
	var refundsBefore int
	_ = db.QueryRow(ctx, `SELECT count(*) FROM ordering.refunds WHERE order_id = $1`, refundedBefore["id"]).Scan(&refundsBefore)
	if st, _, _ := orderRow(t, refundedBefore["id"].(string)); st != "REFUNDED" || refundsBefore != 1 {
		t.Fatalf("the order refunded before: %s with %d refunds", st, refundsBefore)
	}
	var valid, live, standing int
	_ = db.QueryRow(ctx, `SELECT count(*) FROM ordering.tickets WHERE session_id = $1 AND status = 'VALID'`, f.SessionID).Scan(&valid)
	_ = db.QueryRow(ctx, `SELECT count(*) FROM ordering.seat_allocations WHERE session_id = $1 AND status IN ('HELD','SOLD')`, f.SessionID).Scan(&live)
	_ = db.QueryRow(ctx, `SELECT count(*) FROM ordering.standing_allocations WHERE session_id = $1 AND status <> 'RELEASED'`, f.SessionID).Scan(&standing)
	if valid != 0 || live != 0 || standing != 0 {
		t.Fatalf("after the cancellation: %d valid tickets, %d live seats, %d live standing allocations", valid, live, standing)
	}
	if st, _ := lastChange(t, f.SessionID); st != "AVAILABLE" {
		t.Fatalf("the seat-change feed ends with %s, want the released seats AVAILABLE", st)
	}
	// The unpaid order's hold left the gate.
	if n, err := redisClient(t).Exists(ctx, locking.SeatKey(f.SessionID, f.CheapSeats[3])).Result(); err != nil || n != 0 {
		t.Fatal("the cancelled order's seat is still held in Redis")
	}

	// Again: nothing more happens.
	var refundRows int
	_ = db.QueryRow(ctx, `SELECT count(*) FROM ordering.refunds r JOIN ordering.orders o ON o.id = r.order_id WHERE o.session_id = $1`, f.SessionID).Scan(&refundRows)
	r := internal(svcToken, f.SessionID)
	res := r.json(t)
	if r.Status != http.StatusOK || num(res["refunded"]) != 0 || num(res["cancelled"]) != 0 || num(res["remaining"]) != 0 {
		t.Fatalf("second run: %d %s", r.Status, r.Body)
	}
	var after int
	_ = db.QueryRow(ctx, `SELECT count(*) FROM ordering.refunds r JOIN ordering.orders o ON o.id = r.order_id WHERE o.session_id = $1`, f.SessionID).Scan(&after)
	if after != refundRows || refundRows != 5 {
		t.Fatalf("refund rows %d before the second run, %d after; want 5", refundRows, after)
	}
	p := progress("organizer")
	pv := p.json(t)
	if p.Status != http.StatusOK || pv["status"] != "DONE" || num(pv["paid_orders"]) != 4 || num(pv["refunded"]) != 3 ||
		num(pv["pending_cancelled"]) != 1 || num(pv["remaining"]) != 0 {
		t.Fatalf("progress: %d %s", p.Status, p.Body)
	}
	if p := progress("admin"); p.Status != http.StatusOK {
		t.Fatalf("progress to organization_admin: %d %s", p.Status, p.Body)
	}
}
