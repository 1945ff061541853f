package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/svctest"
)

// seatFeed returns the statuses the seat-change feed gave a seat of a session, in order.
func seatFeed(t *testing.T, sessionID, seat uuid.UUID) []string {
	t.Helper()
	rows, err := orderDB(t).Query(context.Background(), `SELECT status FROM ordering.seat_changes
		WHERE session_id = $1 AND $2 = ANY(seat_ids) ORDER BY version`, sessionID, seat)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// refundsOf returns an order's refund rows (amount, reason, Stripe refund id), oldest first.
func refundsOf(t *testing.T, orderID string) [][3]string {
	t.Helper()
	rows, err := orderDB(t).Query(context.Background(), `SELECT amount_minor::text, reason, COALESCE(stripe_refund_id, '')
		FROM ordering.refunds WHERE order_id = $1 ORDER BY created_at, id`, orderID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][3]string
	for rows.Next() {
		var r [3]string
		if err := rows.Scan(&r[0], &r[1], &r[2]); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// Exact refunds on a discounted order of three seats and a standing unit: by one ticket
// (its share back, only it void, its seat on sale again), by amount (nothing void), too
// much (refused, nothing changed), a checked-in ticket (refunded, its seat kept), and the
// rest (REFUNDED). Tickets carry the seat labels as the layout names them.
func TestExactRefunds(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 3, vipSeats: 1, gaCapacity: 5})
	f.addDiscount(t, "EXACT10", "FLAT_OFF", map[string]any{"amount_minor": 1000})
	body := seatBody(f.SessionID, f.CheapSeats[0], f.CheapSeats[1], f.VIPSeats[0])
	body["standing"] = []map[string]any{{"block_id": f.GA, "quantity": 1}}
	body["discount_code"] = "EXACT10"
	o := mustOrder(t, svc, "buyer930", body)
	if num(o["total_minor"]) != 7000 {
		t.Fatalf("order %v", o)
	}
	pay(t, svc, o)
	id := o["id"].(string)
	tickets := map[string]map[string]any{} // by layout label
	var sum int64
	for _, tk := range ticketsOf(t, svc, "buyer930", id) {
		tickets[tk["label"].(string)] = tk
		sum += num(tk["price_paid_minor"])
	}
	// Labels: the seats' own labels (1, 2, 4 in row A), the standing block's name and a number.
	for _, l := range []string{"1", "2", "4", "Floor #1"} {
		if tickets[l] == nil {
			t.Fatalf("no ticket labelled %q: %v", l, tickets)
		}
	}
	// 8000 less 1000 spread: 875, 875, 4375, 875.
	if sum != 7000 || num(tickets["4"]["price_paid_minor"]) != 4375 || num(tickets["1"]["price_paid_minor"]) != 875 {
		t.Fatalf("shares %v", tickets)
	}
	refund := func(body any) response {
		return call(t, http.MethodPost, svc.URL+"/api/v1/orders/"+id+"/refunds", svctest.Token(t, "organizer"), body)
	}

	// By one ticket: exactly its share, only it void, its seat AVAILABLE and sold again.
	vip := tickets["4"]["id"].(string)
	r := refund(map[string]any{"ticket_ids": []string{vip}, "reason": "Seat view blocked"})
	if r.Status != http.StatusCreated {
		t.Fatalf("refund by ticket: %d %s", r.Status, r.Body)
	}
	res := r.json(t)
	rf, ord := res["refund"].(map[string]any), res["order"].(map[string]any)
	if num(rf["amount_minor"]) != 4375 || rf["reason"] != "Seat view blocked" || rf["stripe_refund_id"] == "" ||
		ord["status"] != "PARTIALLY_REFUNDED" || num(ord["refunded_minor"]) != 4375 {
		t.Fatalf("refund by ticket: %s", r.Body)
	}
	if v := res["voided_ticket_ids"].([]any); len(v) != 1 || v[0] != vip {
		t.Fatalf("voided %v", v)
	}
	statuses := map[string]string{}
	for _, tk := range ticketsOf(t, svc, "buyer930", id) {
		statuses[tk["label"].(string)] = tk["status"].(string)
	}
	if statuses["4"] != "VOID" || statuses["1"] != "VALID" || statuses["2"] != "VALID" || statuses["Floor #1"] != "VALID" {
		t.Fatalf("ticket statuses %v", statuses)
	}
	if fd := seatFeed(t, f.SessionID, f.VIPSeats[0]); len(fd) != 3 || fd[2] != "AVAILABLE" {
		t.Fatalf("feed of the refunded seat %v", fd)
	}
	mustOrder(t, svc, "buyer931", seatBody(f.SessionID, f.VIPSeats[0])) // the gate and the database let it go

	// By amount: that amount back, nothing void.
	r = refund(map[string]any{"amount_minor": 500})
	if r.Status != http.StatusCreated || num(r.json(t)["order"].(map[string]any)["refunded_minor"]) != 4875 ||
		len(r.json(t)["voided_ticket_ids"].([]any)) != 0 || r.json(t)["refund"].(map[string]any)["reason"] != "requested by the organizer" {
		t.Fatalf("refund by amount: %d %s", r.Status, r.Body)
	}

	// Too much, a void ticket, another order's ticket, an amount above the ticket's share, a
	// reserved reason: refused, nothing changed.
	other := mustOrder(t, svc, "buyer932", seatBody(f.SessionID, f.CheapSeats[2]))
	pay(t, svc, other)
	foreign := ticketsOf(t, svc, "buyer932", other["id"].(string))[0]["id"].(string)
	c1 := tickets["1"]["id"].(string)
	for name, c := range map[string]struct {
		body   any
		status int
		detail string
	}{
		"more than is left":     {map[string]any{"amount_minor": 2126}, http.StatusUnprocessableEntity, "remaining_minor"},
		"more than the share":   {map[string]any{"amount_minor": 876, "ticket_ids": []string{c1}}, http.StatusUnprocessableEntity, "tickets_minor"},
		"a void ticket":         {map[string]any{"ticket_ids": []string{vip}}, http.StatusConflict, "ticket_ids"},
		"another order's":       {map[string]any{"ticket_ids": []string{foreign}}, http.StatusBadRequest, "fields"},
		"the reserved reason":   {map[string]any{"reason": "session cancelled"}, http.StatusBadRequest, "fields"},
		"a reason far too long": {map[string]any{"reason": strings.Repeat("x", 501)}, http.StatusBadRequest, "fields"},
	} {
		if r := refund(c.body); r.Status != c.status || details(t, r)[c.detail] == nil {
			t.Fatalf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	if st, refunded, _ := orderRow(t, id); st != "PARTIALLY_REFUNDED" || refunded != 4875 || len(refundsOf(t, id)) != 2 {
		t.Fatalf("after refused refunds: %s %d %v", st, refunded, refundsOf(t, id))
	}

	// A checked-in ticket: refunded and void, its seat not for sale again.
	if r := checkinAt(t, svc, "scanner", f.SessionID, tickets["1"]["qr"].(string)); r.Status != http.StatusOK {
		t.Fatalf("check-in: %d %s", r.Status, r.Body)
	}
	r = refund(map[string]any{"ticket_ids": []string{c1}})
	if r.Status != http.StatusCreated || num(r.json(t)["refund"].(map[string]any)["amount_minor"]) != 875 {
		t.Fatalf("refund of a checked-in ticket: %d %s", r.Status, r.Body)
	}
	if liveAllocations(t, f.SessionID, f.CheapSeats[0]) != 1 {
		t.Fatal("the checked-in seat was released")
	}
	if r := order(t, svc, "buyer933", seatBody(f.SessionID, f.CheapSeats[0])); r.Status != http.StatusConflict {
		t.Fatalf("ordering the checked-in refunded seat: %d %s", r.Status, r.Body)
	}

	// The rest: REFUNDED, every ticket void, the seat and unit not checked in freed, the
	// checked-in seat still taken and never AVAILABLE on the feed.
	r = refund(nil)
	if r.Status != http.StatusCreated || r.json(t)["order"].(map[string]any)["status"] != "REFUNDED" ||
		num(r.json(t)["refund"].(map[string]any)["amount_minor"]) != 1250 {
		t.Fatalf("the rest: %d %s", r.Status, r.Body)
	}
	st, refunded, _ := orderRow(t, id)
	var valid int
	_ = orderDB(t).QueryRow(context.Background(), `SELECT count(*) FROM ordering.tickets WHERE order_id = $1 AND status = 'VALID'`, id).Scan(&valid)
	if st != "REFUNDED" || refunded != 7000 || valid != 0 {
		t.Fatalf("after the rest: %s %d, %d valid", st, refunded, valid)
	}
	if liveAllocations(t, f.SessionID, f.CheapSeats[1]) != 0 || liveAllocations(t, f.SessionID, f.CheapSeats[0]) != 1 {
		t.Fatal("the seat not checked in must be free, the checked-in one taken")
	}
	for _, s := range seatFeed(t, f.SessionID, f.CheapSeats[0]) {
		if s == "AVAILABLE" {
			t.Fatalf("the checked-in seat shows AVAILABLE on the feed: %v", seatFeed(t, f.SessionID, f.CheapSeats[0]))
		}
	}
	rows := refundsOf(t, id)
	if len(rows) != 4 || rows[0][0] != "4375" || rows[1][0] != "500" || rows[2][0] != "875" || rows[3][0] != "1250" || rows[0][1] != "Seat view blocked" {
		t.Fatalf("refund rows %v", rows)
	}
	for _, row := range rows {
		if row[2] == "" {
			t.Fatalf("a refund without its Stripe refund: %v", rows)
		}
	}
	lastChange(t, f.SessionID)
}
