package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/ticketly/ticketly/internal/svctest"
)

// stackWebhookSecret is the local stack's Stripe webhook secret (development only).
const stackWebhookSecret = "whsec_ticketly_local_development_only"

// payOrder sends the stack's order service a signed payment_intent.succeeded for an order.
func payOrder(t *testing.T, o map[string]any) {
	t.Helper()
	pi := o["payment"].(map[string]any)["payment_intent_id"].(string)
	amount := o["total_minor"].(float64)
	payload, _ := json.Marshal(map[string]any{"id": "evt_" + uuid.NewString(), "object": "event", "type": "payment_intent.succeeded",
		"api_version": "2023-10-16", "created": time.Now().Unix(), "data": map[string]any{"object": map[string]any{
			"id": pi, "object": "payment_intent", "amount": amount, "amount_received": amount, "currency": strings.ToLower(o["currency"].(string)),
			"status": "succeeded", "metadata": map[string]string{"order_id": o["id"].(string)}}}})
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: stackWebhookSecret})
	req, _ := http.NewRequest("POST", orderURL+"/api/v1/webhooks/stripe", strings.NewReader(string(payload)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", signed.Header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("payment webhook: %d", resp.StatusCode)
	}
}

// onSaleSeats waits until the session is ON_SALE in the catalog (the write model, not
// event-query: these tests are about the scheduler and the order service) and returns the
// ids of its n seats.
// onSaleEvent is an approved event titled title with one session of n seats on sale now
// (it starts in 72 h); it returns the event, the session and the session's seats.
func onSaleEvent(t *testing.T, e *engine, title string, n int) (eventID, sid string, seats []string) {
	t.Helper()
	eventID, tier, _ := e.eventFixture(title)
	now := time.Now().UTC().Truncate(time.Second)
	sid = e.addSession(eventID, tier, now.Add(72*time.Hour), now.Add(-time.Hour), now.Add(70*time.Hour), n)
	e.approve(eventID)
	return eventID, sid, onSaleSeats(t, e, sid, n)
}

// freeCode creates a private 100 % discount on the event and returns its code.
func freeCode(t *testing.T, eventID string) string {
	t.Helper()
	cmd := subClient{t: t, base: commandURL}
	code := "FREE" + strings.ToUpper(uuid.NewString()[:8])
	cmd.want(cmd.call("organizer", "POST", "/api/v1/events/"+eventID+"/discounts", map[string]any{
		"code": code, "kind": "PERCENTAGE", "percent": 100, "public": false}), 201, "create discount")
	return code
}

func onSaleSeats(t *testing.T, e *engine, sid string, n int) []string {
	t.Helper()
	var st string
	var seats []string
	eventually(t, 20*time.Second, "session ON_SALE in the catalog", func() (bool, string) {
		err := e.db.QueryRow(t.Context(), `SELECT status, jsonb_path_query_array(layout, '$.blocks[*].rows[*].seats[*].id')
			FROM catalog.sessions WHERE id = $1`, sid).Scan(&st, &seats)
		return err == nil && st == "ON_SALE" && len(seats) == n, fmt.Sprint(st, seats, err)
	})
	return seats
}

// placeOrder places an order as user through the stack's order service (a fresh
// Idempotency-Key) and fails the test unless it is created.
func placeOrder(t *testing.T, user string, body map[string]any) map[string]any {
	t.Helper()
	return placeOrderAt(t, orderURL, user, body)
}

// placeOrderAt is placeOrder through the order service at base.
func placeOrderAt(t *testing.T, base, user string, body map[string]any) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/api/v1/orders", strings.NewReader(mustJSON(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+svctest.Token(t, user))
	req.Header.Set("Idempotency-Key", uuid.NewString())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 201 {
		t.Fatalf("order by %s: %d %v", user, resp.StatusCode, out)
	}
	return out
}

// cancellationMails lists the mails to addr about the event titled title that speak of a
// refund or a cancellation.
func cancellationMails(t *testing.T, addr, title string) []caught {
	var out []caught
	for _, m := range mailsAbout(t, addr, title) {
		s := strings.ToLower(m.Subject)
		if strings.Contains(s, "refund") || strings.Contains(s, "cancel") {
			out = append(out, m)
		}
	}
	return out
}

// Cancelling a session through event-command refunds its paid orders (one with a ticket
// checked in) through stripe-mock, voids their tickets, cancels its unpaid order, and each
// buyer gets exactly one mail about it. Users buyer946–948.
func TestCancellingASessionRefundsAndTellsEachBuyerOnce(t *testing.T) {
	e := startEngine(t, 2, nil)
	title := "Engine called off " + uuid.NewString()[:8] // no "cancel" or "refund": mails are told apart by those words
	_, sid, seats := onSaleEvent(t, e, title, 4)
	o := subClient{t: t, base: orderURL}
	seat := func(i int) string { return seats[i] }
	order := func(user string, seatIDs ...string) map[string]any {
		return placeOrder(t, user, map[string]any{"session_id": sid, "seat_ids": seatIDs})
	}
	paid := order("buyer946", seat(0), seat(1))
	payOrder(t, paid)
	checkedIn := order("buyer947", seat(2))
	payOrder(t, checkedIn)
	pending := order("buyer948", seat(3))
	status := func(user string, ord map[string]any) string {
		s, _ := o.call(user, "GET", "/api/v1/orders/"+ord["id"].(string), nil).Body["status"].(string)
		return s
	}
	eventually(t, 10*time.Second, "both orders paid", func() (bool, string) {
		a, b := status("buyer946", paid), status("buyer947", checkedIn)
		return a == "PAID" && b == "PAID", a + " " + b
	})
	tickets := func(user string, ord map[string]any) []any {
		items, _ := o.call(user, "GET", "/api/v1/orders/"+ord["id"].(string)+"/tickets", nil).Body["items"].([]any)
		return items
	}
	qr := tickets("buyer947", checkedIn)[0].(map[string]any)["qr"].(string)
	o.want(o.call("organizer", "POST", "/api/v1/checkins", map[string]any{"qr": qr, "session_id": sid}), 200, "check in")

	cmd := subClient{t: t, base: commandURL}
	cmd.want(cmd.call("organizer", "POST", "/api/v1/sessions/"+sid+"/cancel", nil), 200, "cancel the session")
	eventually(t, 30*time.Second, "paid orders refunded, the unpaid one cancelled", func() (bool, string) {
		a, b, c := status("buyer946", paid), status("buyer947", checkedIn), status("buyer948", pending)
		return a == "REFUNDED" && b == "REFUNDED" && c == "CANCELLED", a + " " + b + " " + c
	})
	for _, x := range []struct {
		user string
		ord  map[string]any
	}{{"buyer946", paid}, {"buyer947", checkedIn}} {
		for _, tk := range tickets(x.user, x.ord) {
			if st := tk.(map[string]any)["status"]; st != "VOID" {
				t.Errorf("%s's ticket is %v after the cancellation, want VOID", x.user, st)
			}
		}
	}
	var refunds int
	if err := e.db.QueryRow(t.Context(), `SELECT count(*) FROM ordering.refunds r JOIN ordering.orders o ON o.id = r.order_id
		WHERE o.session_id = $1 AND r.reason = 'session cancelled' AND r.stripe_refund_id IS NOT NULL`, sid).Scan(&refunds); err != nil || refunds != 2 {
		t.Errorf("%d session refunds recorded (%v), want 2", refunds, err)
	}
	e.waitJob("session.cancel_orders:"+sid, "DONE", time.Time{})
	p := o.want(o.call("organizer", "GET", "/api/v1/sales/cancellations/"+sid, nil), 200, "cancellation progress")
	if p["status"] != "DONE" || p["paid_orders"] != 2.0 || p["refunded"] != 2.0 || p["pending_cancelled"] != 1.0 || p["remaining"] != 0.0 {
		t.Errorf("progress %v", p)
	}

	for _, user := range []string{"buyer946", "buyer947", "buyer948"} {
		addr := user + "@ticketly.example.com"
		eventually(t, 30*time.Second, "a cancellation mail to "+addr, func() (bool, string) {
			n := len(cancellationMails(t, addr, title))
			return n > 0, fmt.Sprint(n, " mails")
		})
	}
	time.Sleep(3 * time.Second) // both replicas (and the stack's scheduler) had every chance to send another
	for _, user := range []string{"buyer946", "buyer947", "buyer948"} {
		if n := len(cancellationMails(t, user+"@ticketly.example.com", title)); n != 1 {
			t.Errorf("%s got %d mails about the cancellation, want exactly one", user, n)
		}
	}
}

// An event with sales is deleted the way event-command allows it — its session cancelled,
// then the event deleted at once, before the refunds and mails are done: the paid order is
// refunded, the unpaid one cancelled, and each buyer is still told, by the event's title the
// scheduler remembered (the catalog no longer has it). Users buyer950–951.
func TestDeletingAnEventWithSalesRefundsAndTellsEachBuyerOnce(t *testing.T) {
	e := startEngine(t, 2, nil)
	title := "Engine struck off " + uuid.NewString()[:8]
	eventID, sid, seats := onSaleEvent(t, e, title, 2)
	eventually(t, 20*time.Second, "the event's title remembered", func() (bool, string) {
		var got string
		err := e.db.QueryRow(t.Context(), `SELECT title FROM scheduling.event_names WHERE event_id = $1`, eventID).Scan(&got)
		return err == nil && got == title, fmt.Sprint(got, err)
	})
	o := subClient{t: t, base: orderURL}
	order := func(user, seat string) map[string]any {
		return placeOrder(t, user, map[string]any{"session_id": sid, "seat_ids": []string{seat}})
	}
	paid := order("buyer950", seats[0])
	payOrder(t, paid)
	pending := order("buyer951", seats[1])
	status := func(user string, ord map[string]any) string {
		s, _ := o.call(user, "GET", "/api/v1/orders/"+ord["id"].(string), nil).Body["status"].(string)
		return s
	}
	eventually(t, 10*time.Second, "the order paid", func() (bool, string) {
		s := status("buyer950", paid)
		return s == "PAID", s
	})

	cmd := subClient{t: t, base: commandURL}
	cmd.want(cmd.call("organizer", "DELETE", "/api/v1/events/"+eventID, nil), 409, "delete an event with a session on sale")
	cmd.want(cmd.call("organizer", "POST", "/api/v1/sessions/"+sid+"/cancel", nil), 200, "cancel the session")
	cmd.want(cmd.call("organizer", "DELETE", "/api/v1/events/"+eventID, nil), 204, "delete the event")
	eventually(t, 30*time.Second, "the paid order refunded, the unpaid one cancelled", func() (bool, string) {
		a, b := status("buyer950", paid), status("buyer951", pending)
		return a == "REFUNDED" && b == "CANCELLED", a + " " + b
	})
	for _, user := range []string{"buyer950", "buyer951"} {
		addr := user + "@ticketly.example.com"
		eventually(t, 30*time.Second, "a mail to "+addr+" naming the deleted event", func() (bool, string) {
			n := len(cancellationMails(t, addr, title))
			return n > 0, fmt.Sprint(n, " mails")
		})
	}
	time.Sleep(3 * time.Second)
	for _, user := range []string{"buyer950", "buyer951"} {
		if n := len(cancellationMails(t, user+"@ticketly.example.com", title)); n != 1 {
			t.Errorf("%s got %d mails about the deleted event, want exactly one", user, n)
		}
	}
}
