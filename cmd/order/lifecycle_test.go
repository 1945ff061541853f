package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/locking"
	"github.com/ticketly/ticketly/internal/svctest"
)

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 6, gaCapacity: 10})
	tok := svctest.Token(t, "buyer501")
	post := func(key string, body any) response {
		return call(t, http.MethodPost, svc.URL+"/api/v1/orders", tok, body, "Idempotency-Key", key)
	}
	key := "checkout-" + uuid.NewString()
	body := seatBody(f.SessionID, f.CheapSeats[0])
	first := post(key, body)
	if first.Status != http.StatusCreated {
		t.Fatalf("first: %d %s", first.Status, first.Body)
	}
	o := first.json(t)
	if o["status"] != "PENDING_PAYMENT" || o["total_minor"].(float64) != 1000 || o["currency"] != "EUR" ||
		o["payment"].(map[string]any)["client_secret"] == "" || o["expires_at"] == "" {
		t.Fatalf("201 body %s", first.Body)
	}
	again := post(key, body)
	if again.Status != first.Status || !bytes.Equal(again.Body, first.Body) {
		t.Fatalf("replay differs:\n%d %s\n%d %s", first.Status, first.Body, again.Status, again.Body)
	}
	// Whitespace and key order do not matter; the content does.
	if r := post(key, `{ "seat_ids" : ["`+f.CheapSeats[0].String()+`"], "session_id":"`+f.SessionID.String()+`" }`); !bytes.Equal(r.Body, first.Body) {
		t.Fatalf("same content, other formatting: %d %s", r.Status, r.Body)
	}
	if r := post(key, seatBody(f.SessionID, f.CheapSeats[1])); r.Status != http.StatusUnprocessableEntity || r.errCode(t) != "unprocessable" {
		t.Fatalf("same key, other body: %d %s", r.Status, r.Body)
	}
	if n := liveAllocations(t, f.SessionID, f.CheapSeats[1]); n != 0 {
		t.Fatal("a 422 replay must hold nothing")
	}
	// Keys are scoped to the buyer: another buyer's identical key is a new order.
	other := call(t, http.MethodPost, svc.URL+"/api/v1/orders", svctest.Token(t, "buyer502"), seatBody(f.SessionID, f.CheapSeats[2]),
		"Idempotency-Key", key)
	if other.Status != http.StatusCreated || other.json(t)["id"] == o["id"] {
		t.Fatalf("another buyer's key: %d %s", other.Status, other.Body)
	}
	// A double click: the same key sent five times at once gives one order, five times.
	key2 := uuid.NewString()
	res := make([]response, 5)
	var wg sync.WaitGroup
	for i := range res {
		wg.Add(1)
		go func() { defer wg.Done(); res[i] = post(key2, seatBody(f.SessionID, f.CheapSeats[3], f.CheapSeats[4])) }()
	}
	wg.Wait()
	for _, r := range res {
		if r.Status != http.StatusCreated || !bytes.Equal(r.Body, res[0].Body) {
			t.Fatalf("concurrent twins: %d %s vs %s", r.Status, r.Body, res[0].Body)
		}
	}
	var n int
	_ = orderDB(t).QueryRow(context.Background(), `SELECT count(*) FROM ordering.orders WHERE session_id = $1`, f.SessionID).Scan(&n)
	if n != 3 {
		t.Fatalf("%d orders, want 3", n)
	}
	// A conflict stores nothing: the key can be retried once the seat is free.
	key3 := uuid.NewString()
	if r := call(t, http.MethodPost, svc.URL+"/api/v1/orders", svctest.Token(t, "buyer503"), seatBody(f.SessionID, f.CheapSeats[0]),
		"Idempotency-Key", key3); r.Status != http.StatusConflict {
		t.Fatalf("taken seat: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodPost, svc.URL+"/api/v1/orders/"+o["id"].(string)+"/cancel", tok, nil); r.Status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodPost, svc.URL+"/api/v1/orders", svctest.Token(t, "buyer503"), seatBody(f.SessionID, f.CheapSeats[0]),
		"Idempotency-Key", key3); r.Status != http.StatusCreated {
		t.Fatalf("retry of a refused key: %d %s", r.Status, r.Body)
	}
}

func TestWebhooksDuplicatedAndReordered(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 4, vipSeats: 1, gaCapacity: 10})
	rdb := redisClient(t)
	body := seatBody(f.SessionID, f.CheapSeats[0], f.VIPSeats[0])
	body["standing"] = []map[string]any{{"block_id": f.GA, "quantity": 2}}
	o := mustOrder(t, svc, "buyer511", body)
	id, pi := o["id"].(string), piOf(t, o)
	if o["total_minor"].(float64) != 1000+5000+2*1000 {
		t.Fatalf("total %v", o["total_minor"])
	}
	if rdb.Get(context.Background(), locking.SeatKey(f.SessionID, f.CheapSeats[0])).Val() != id {
		t.Fatal("the seat is not held in the gate by the order")
	}

	// Bad signatures are refused before anything happens.
	payload := []byte(`{"id":"evt_x","type":"payment_intent.succeeded","data":{"object":{"id":"` + pi + `"}}}`)
	for _, sig := range []string{"", "t=1,v1=deadbeef", "garbage", "t=" + strings.Repeat("9", 10) + ",v1=00"} {
		r := call(t, http.MethodPost, svc.URL+"/api/v1/webhooks/stripe", "", payload, "Stripe-Signature", sig)
		if r.Status != http.StatusBadRequest {
			t.Fatalf("signature %q: %d %s", sig, r.Status, r.Body)
		}
	}
	if s, _, _ := orderRow(t, id); s != "PENDING_PAYMENT" {
		t.Fatalf("status %s after forged webhooks", s)
	}

	evt := "evt_" + uuid.NewString()
	for i, want := range []string{"paid", "duplicate", "duplicate"} {
		r := paymentEvent(t, svc, evt, "payment_intent.succeeded", pi, id, 8000)
		if r.Status != http.StatusOK || r.json(t)["outcome"] != want {
			t.Fatalf("delivery %d: %d %s", i, r.Status, r.Body)
		}
	}
	// The same payment told by another event, then a late failure: nothing changes.
	if r := paymentEvent(t, svc, "evt_"+uuid.NewString(), "payment_intent.succeeded", pi, id, 8000); r.json(t)["outcome"] != "duplicate" {
		t.Fatalf("second success event: %s", r.Body)
	}
	if r := paymentEvent(t, svc, "evt_"+uuid.NewString(), "payment_intent.payment_failed", pi, id, 8000); r.json(t)["outcome"] != "ignored" {
		t.Fatalf("failure after success: %s", r.Body)
	}
	if s, refunded, _ := orderRow(t, id); s != "PAID" || refunded != 0 {
		t.Fatalf("order %s refunded %d", s, refunded)
	}
	var tickets, sold int
	_ = orderDB(t).QueryRow(context.Background(), `SELECT count(*) FROM ordering.tickets WHERE order_id = $1`, id).Scan(&tickets)
	_ = orderDB(t).QueryRow(context.Background(), `SELECT count(*) FROM ordering.seat_allocations WHERE order_id = $1 AND status = 'SOLD'`, id).Scan(&sold)
	if tickets != 4 || sold != 2 {
		t.Fatalf("%d tickets, %d sold seats", tickets, sold)
	}
	if status, v := lastChange(t, f.SessionID); status != "BOOKED" || v != 2 {
		t.Fatalf("feed %s v%d", status, v)
	}
	if n := rdb.Exists(context.Background(), locking.SeatKey(f.SessionID, f.CheapSeats[0])).Val(); n != 0 {
		t.Fatal("the gate still holds a sold seat")
	}
	got := call(t, http.MethodGet, svc.URL+"/api/v1/orders/"+id, svctest.Token(t, "buyer511"), nil).json(t)
	if got["status"] != "PAID" || got["paid_at"] == nil {
		t.Fatalf("GET %v", got)
	}
	ts := call(t, http.MethodGet, svc.URL+"/api/v1/orders/"+id+"/tickets", svctest.Token(t, "buyer511"), nil)
	if items := ts.json(t)["items"].([]any); len(items) != 4 || items[0].(map[string]any)["qr"] == "" {
		t.Fatalf("tickets %s", ts.Body)
	}

	// Reordered: the failure first (order cancelled, seats freed), then the success: the
	// money goes back and the order stays cancelled.
	o2 := mustOrder(t, svc, "buyer512", seatBody(f.SessionID, f.CheapSeats[1]))
	id2, pi2 := o2["id"].(string), piOf(t, o2)
	if r := paymentEvent(t, svc, "evt_"+uuid.NewString(), "payment_intent.payment_failed", pi2, id2, 1000); r.json(t)["outcome"] != "cancelled" {
		t.Fatalf("failure: %s", r.Body)
	}
	if s, _, reason := orderRow(t, id2); s != "CANCELLED" || !strings.Contains(reason, "declined") {
		t.Fatalf("after failure: %s %q", s, reason)
	}
	if n := liveAllocations(t, f.SessionID, f.CheapSeats[1]); n != 0 {
		t.Fatal("a failed payment must free the seat")
	}
	succ := "evt_" + uuid.NewString()
	for _, want := range []string{"refunded", "duplicate"} {
		if r := paymentEvent(t, svc, succ, "payment_intent.succeeded", pi2, id2, 1000); r.Status != http.StatusOK || r.json(t)["outcome"] != want {
			t.Fatalf("success after failure: %d %s", r.Status, r.Body)
		}
	}
	s, refunded, reason := orderRow(t, id2)
	var refunds int
	_ = orderDB(t).QueryRow(context.Background(), `SELECT count(*) FROM ordering.refunds WHERE order_id = $1 AND stripe_refund_id IS NOT NULL`, id2).Scan(&refunds)
	if s != "CANCELLED" || refunded != 1000 || refunds != 1 || !strings.Contains(reason, "refunded automatically") {
		t.Fatalf("late success: %s refunded %d, %d refunds, %q", s, refunded, refunds, reason)
	}
	// An event about an intent no order knows is acknowledged and ignored.
	if r := paymentEvent(t, svc, "evt_"+uuid.NewString(), "payment_intent.succeeded", "pi_unknown_"+uuid.NewString()[:8], uuid.NewString(), 100); r.json(t)["outcome"] != "unknown_order" {
		t.Fatalf("unknown intent: %s", r.Body)
	}
	lastChange(t, f.SessionID)
}

// A payment that arrives after the hold expired is refunded — even when the seat was sold
// to someone else in between — and the sweep frees seats whatever Redis says.
func TestExpiryAndLatePayment(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, map[string]string{"HOLD_TTL": "1s", "HOLD_PROVISIONAL_TTL": "1s", "SWEEP_INTERVAL": "100ms"})
	f := newFixture(t, fixtureOpts{cheapSeats: 2, gaCapacity: 3})
	rdb := redisClient(t)
	body := seatBody(f.SessionID, f.CheapSeats[0])
	body["standing"] = []map[string]any{{"block_id": f.GA, "quantity": 3}}
	dID := f.addDiscount(t, "ONCE", "FLAT_OFF", map[string]any{"amount_minor": 100, "usage_limit": 1})
	body["discount_code"] = "once"
	o := mustOrder(t, svc, "buyer521", body)
	id, pi := o["id"].(string), piOf(t, o)
	exp, _ := time.Parse(time.RFC3339Nano, o["expires_at"].(string))
	if d := time.Until(exp); d > 1100*time.Millisecond || d < 0 {
		t.Fatalf("expires_at %s", exp)
	}
	// Redis loses the hold early: the database still holds the seat until the sweep.
	rdb.Del(context.Background(), locking.SeatKey(f.SessionID, f.CheapSeats[0]))
	if r := order(t, svc, "buyer522", seatBody(f.SessionID, f.CheapSeats[0])); r.Status != http.StatusConflict {
		t.Fatalf("seat still held in the database: %d %s", r.Status, r.Body)
	}
	waitFor(t, 10*time.Second, "the sweep to expire the order", func() bool { s, _, _ := orderRow(t, id); return s == "EXPIRED" })
	if st := allocationStatuses(t, id); len(st) != 1 || st[0] != "RELEASED" {
		t.Fatalf("allocations %v", st)
	}
	var used, taken int
	_ = orderDB(t).QueryRow(context.Background(), `SELECT used FROM ordering.discount_usage WHERE discount_id = $1`, dID).Scan(&used)
	_ = orderDB(t).QueryRow(context.Background(), `SELECT taken FROM ordering.standing_inventory WHERE session_id = $1 AND block_id = $2`,
		f.SessionID, f.GA).Scan(&taken)
	if used != 0 || taken != 0 {
		t.Fatalf("after expiry: discount used %d, standing taken %d", used, taken)
	}
	if status, _ := lastChange(t, f.SessionID); status != "AVAILABLE" {
		t.Fatalf("feed %s", status)
	}
	// Freed everywhere: another buyer gets the seat, all three standing units and the code.
	body["discount_code"] = "ONCE"
	o2 := mustOrder(t, svc, "buyer522", body)

	// The first buyer's payment arrives late: refunded, the seat stays the second buyer's.
	r := paymentEvent(t, svc, "evt_"+uuid.NewString(), "payment_intent.succeeded", pi, id, int64(o["total_minor"].(float64)))
	if r.Status != http.StatusOK || r.json(t)["outcome"] != "refunded" {
		t.Fatalf("late payment: %d %s", r.Status, r.Body)
	}
	s, refunded, reason := orderRow(t, id)
	if s != "EXPIRED" || refunded != int64(o["total_minor"].(float64)) || !strings.Contains(reason, "after the hold expired") {
		t.Fatalf("late payment: %s %d %q", s, refunded, reason)
	}
	if n := liveAllocations(t, f.SessionID, f.CheapSeats[0]); n != 1 {
		t.Fatalf("%d live allocations", n)
	}
	if st := allocationStatuses(t, o2["id"].(string)); st[0] != "HELD" {
		t.Fatalf("second buyer's allocation %v", st)
	}
	got := call(t, http.MethodGet, svc.URL+"/api/v1/orders/"+id, svctest.Token(t, "buyer521"), nil).json(t)
	if got["status"] != "EXPIRED" || got["status_reason"] == "" || got["refunded_minor"].(float64) == 0 {
		t.Fatalf("buyer's view %v", got)
	}
}

func TestOwnershipAndCancel(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 2, gaCapacity: 5})
	rdb := redisClient(t)
	body := seatBody(f.SessionID, f.CheapSeats[0])
	body["standing"] = []map[string]any{{"block_id": f.GA, "quantity": 2}}
	o := mustOrder(t, svc, "buyer531", body)
	id := o["id"].(string)
	mine, theirs := svctest.Token(t, "buyer531"), svctest.Token(t, "buyer532")

	for _, path := range []string{"/api/v1/orders/" + id, "/api/v1/orders/" + id + "/tickets"} {
		if r := call(t, http.MethodGet, svc.URL+path, theirs, nil); r.Status != http.StatusNotFound {
			t.Fatalf("another buyer GET %s: %d", path, r.Status)
		}
	}
	if r := call(t, http.MethodPost, svc.URL+"/api/v1/orders/"+id+"/cancel", theirs, nil); r.Status != http.StatusNotFound {
		t.Fatalf("another buyer's cancel: %d", r.Status)
	}
	if r := call(t, http.MethodGet, svc.URL+"/api/v1/orders/"+uuid.NewString(), mine, nil); r.Status != http.StatusNotFound {
		t.Fatalf("unknown order: %d", r.Status)
	}
	if r := call(t, http.MethodGet, svc.URL+"/api/v1/orders/not-a-uuid", mine, nil); r.Status != http.StatusBadRequest {
		t.Fatalf("bad id: %d", r.Status)
	}
	list := call(t, http.MethodGet, svc.URL+"/api/v1/orders?page_size=100", mine, nil).json(t)
	found := false
	for _, it := range list["items"].([]any) {
		found = found || it.(map[string]any)["id"] == id
	}
	if !found {
		t.Fatal("the buyer's list misses the order")
	}
	for _, it := range call(t, http.MethodGet, svc.URL+"/api/v1/orders?page_size=100", theirs, nil).json(t)["items"].([]any) {
		if it.(map[string]any)["id"] == id {
			t.Fatal("another buyer's list shows the order")
		}
	}
	if r := call(t, http.MethodGet, svc.URL+"/api/v1/orders?page_size=1000", mine, nil); r.Status != http.StatusBadRequest {
		t.Fatalf("page_size 1000: %d", r.Status)
	}

	for range 2 { // cancelling twice is fine
		r := call(t, http.MethodPost, svc.URL+"/api/v1/orders/"+id+"/cancel", mine, nil)
		if r.Status != http.StatusOK || r.json(t)["status"] != "CANCELLED" {
			t.Fatalf("cancel: %d %s", r.Status, r.Body)
		}
	}
	if n := liveAllocations(t, f.SessionID, f.CheapSeats[0]); n != 0 {
		t.Fatal("cancel must free the seat")
	}
	if n := rdb.Exists(context.Background(), locking.SeatKey(f.SessionID, f.CheapSeats[0])).Val(); n != 0 {
		t.Fatal("cancel must free the gate")
	}
	if status, v := lastChange(t, f.SessionID); status != "AVAILABLE" || v != 2 {
		t.Fatalf("feed %s v%d", status, v)
	}
	var standing string
	_ = orderDB(t).QueryRow(context.Background(), `SELECT standing::text FROM ordering.seat_changes WHERE session_id = $1 AND version = 2`,
		f.SessionID).Scan(&standing)
	if !strings.Contains(standing, `"available": 5`) {
		t.Fatalf("standing after cancel: %s", standing)
	}
	body["standing"] = []map[string]any{{"block_id": f.GA, "quantity": 5}}
	o2 := mustOrder(t, svc, "buyer532", body)
	pay(t, svc, o2)
	r := call(t, http.MethodPost, svc.URL+"/api/v1/orders/"+o2["id"].(string)+"/cancel", theirs, nil)
	if r.Status != http.StatusConflict || r.errCode(t) != "conflict" {
		t.Fatalf("cancelling a paid order: %d %s", r.Status, r.Body)
	}
}

// Versions before the single-commit placement stored the order first and its payment
// intent in a second transaction; a record such a version left unfinished (it died in
// between) is answered with its order as it is now, never a second hold of its seats.
func TestRetryOfARecordLeftUnfinishedByAnOlderVersion(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 1, gaCapacity: 1})
	tok := svctest.Token(t, "buyer596")
	key := uuid.NewString()
	body := seatBody(f.SessionID, f.CheapSeats[0])
	first := call(t, http.MethodPost, svc.URL+"/api/v1/orders", tok, body, "Idempotency-Key", key)
	if first.Status != http.StatusCreated {
		t.Fatalf("%d %s", first.Status, first.Body)
	}
	id := first.json(t)["id"].(string)
	// Rewind to the state the older version's crash left behind.
	ctx := context.Background()
	if _, err := orderDB(t).Exec(ctx, `UPDATE ordering.orders SET payment_intent_id = NULL WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if _, err := orderDB(t).Exec(ctx, `UPDATE ordering.idempotency_keys SET response_status = 0, response_body = jsonb_build_object('order_id', $3::text)
		WHERE buyer_id = $1 AND key = $2`, svctest.Subject(t, "buyer596"), key, id); err != nil {
		t.Fatal(err)
	}
	again := call(t, http.MethodPost, svc.URL+"/api/v1/orders", tok, body, "Idempotency-Key", key)
	if again.Status != http.StatusCreated {
		t.Fatalf("retry: %d %s", again.Status, again.Body)
	}
	if o := again.json(t); o["id"] != id || o["status"] != "PENDING_PAYMENT" {
		t.Fatalf("retry answered %s, want the order %s", again.Body, id)
	}
	if n := liveAllocations(t, f.SessionID, f.CheapSeats[0]); n != 1 {
		t.Fatalf("%d live allocations", n)
	}
}
