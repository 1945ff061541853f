package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/locking"
	"github.com/ticketly/ticketly/internal/svctest"
)

// Bad requests get a clear 4xx and hold nothing: no key in the gate, no row in PostgreSQL.
func TestBadInputHoldsNothing(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 12, gaCapacity: 5})
	other := newFixture(t, fixtureOpts{cheapSeats: 1, gaCapacity: 1})
	seat, sid := f.CheapSeats[0].String(), f.SessionID.String()
	tok := svctest.Token(t, "buyer581")
	many := make([]string, 11)
	for i := range many {
		many[i] = f.CheapSeats[i%len(f.CheapSeats)].String()
	}
	many[10] = uuid.NewString()
	var sent []string // the Idempotency-Keys this test sent: only they are counted below

	cases := []struct {
		name   string
		token  string
		key    string
		ctype  string
		body   string
		status int
		code   string
	}{
		{"no token, bad body", "-", "k", "", `{"session_id":`, 401, "unauthorized"},
		{"forged token", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "k", "", `{}`, 401, "unauthorized"},
		{"missing Idempotency-Key", "", "-", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `"]}`, 400, "invalid"},
		{"overlong Idempotency-Key", "", strings.Repeat("k", 256), "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `"]}`, 400, "invalid"},
		{"malformed JSON", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `"]`, 400, "invalid"},
		{"two objects", "", "", "", `{"session_id":"` + sid + `"}{"seat_ids":[]}`, 400, "invalid"},
		{"unknown field", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `"],"price":0}`, 400, "invalid"},
		{"seat_ids not an array", "", "", "", `{"session_id":"` + sid + `","seat_ids":"` + seat + `"}`, 400, "invalid"},
		{"quantity a string", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `"],"standing":[{"block_id":"` + f.GA + `","quantity":"2"}]}`, 400, "invalid"},
		{"quantity a fraction", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `"],"standing":[{"block_id":"` + f.GA + `","quantity":1.5}]}`, 400, "invalid"},
		{"operator injection", "", "", "", `{"session_id":{"$gt":""},"seat_ids":["` + seat + `"]}`, 400, "invalid"},
		{"bad session UUID", "", "", "", `{"session_id":"nope","seat_ids":["` + seat + `"]}`, 400, "invalid"},
		{"bad seat UUID", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `","1234"]}`, 400, "invalid"},
		{"unknown session", "", "", "", `{"session_id":"` + uuid.NewString() + `","seat_ids":["` + seat + `"]}`, 400, "invalid"},
		{"unknown seat", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `","` + uuid.NewString() + `"]}`, 400, "invalid"},
		{"seat of another session", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `","` + other.CheapSeats[0].String() + `"]}`, 400, "invalid"},
		{"seat blocked in the layout", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `","` + f.LayoutBlocked.String() + `"]}`, 409, "conflict"},
		{"duplicate seats", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `","` + seat + `"]}`, 400, "invalid"},
		{"too many seats", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + strings.Join(many, `","`) + `"]}`, 400, "invalid"},
		{"nothing ordered", "", "", "", `{"session_id":"` + sid + `","seat_ids":[]}`, 400, "invalid"},
		{"zero quantity", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `"],"standing":[{"block_id":"` + f.GA + `","quantity":0}]}`, 400, "invalid"},
		{"negative quantity", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `"],"standing":[{"block_id":"` + f.GA + `","quantity":-1}]}`, 400, "invalid"},
		{"huge quantity", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `"],"standing":[{"block_id":"` + f.GA + `","quantity":99999999999999999999}]}`, 400, "invalid"},
		{"quantity over the limit", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `"],"standing":[{"block_id":"` + f.GA + `","quantity":11}]}`, 400, "invalid"},
		{"unknown standing block", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `"],"standing":[{"block_id":"nope","quantity":1}]}`, 400, "invalid"},
		{"non-sellable block", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `"],"standing":[{"block_id":"stage","quantity":1}]}`, 400, "invalid"},
		{"duplicate standing block", "", "", "", `{"session_id":"` + sid + `","standing":[{"block_id":"` + f.GA + `","quantity":1},{"block_id":"` + f.GA + `","quantity":1}]}`, 400, "invalid"},
		{"oversized body", "", "", "", `{"session_id":"` + sid + `","discount_code":"` + strings.Repeat("x", 70_000) + `"}`, 413, "payload_too_large"},
		{"not JSON", "", "", "application/x-www-form-urlencoded", `session_id=` + sid, 415, "unsupported_media_type"},
		{"empty body", "", "", "", ``, 400, "invalid"},
		// Text PostgreSQL cannot store, and JSON that encoding/json used to accept.
		{"NUL in discount_code", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `"],"discount_code":"A\u0000B"}`, 400, "invalid"},
		{"NUL in a seat id", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `\u0000"]}`, 400, "invalid"},
		{"invalid UTF-8 in discount_code", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `"],"discount_code":"A` + "\xff\xfe" + `"}`, 400, "invalid"},
		{"lone surrogate in discount_code", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `"],"discount_code":"\ud800"}`, 400, "invalid"},
		{"field name in another case", "", "", "", `{"Session_ID":"` + sid + `","seat_ids":["` + seat + `"]}`, 400, "invalid"},
		{"duplicate key", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `"],"seat_ids":["` + f.CheapSeats[1].String() + `"]}`, 400, "invalid"},
		{"null body", "", "", "", `null`, 400, "invalid"},
		{"trailing data", "", "", "", `{"session_id":"` + sid + `","seat_ids":["` + seat + `"]} x`, 400, "invalid"},
	}
	namedField := map[string]string{ // the field the 400 must name
		"NUL in discount_code": "discount_code", "NUL in a seat id": "seat_ids[0]", "invalid UTF-8 in discount_code": "discount_code",
		"lone surrogate in discount_code": "discount_code", "field name in another case": "Session_ID", "duplicate key": "seat_ids",
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			token := tok
			switch c.token {
			case "-":
				token = ""
			case "":
			default:
				token = c.token
			}
			key := uuid.NewString()
			switch c.key {
			case "-":
				key = ""
			case "":
			default:
				key = c.key
			}
			headers := []string{}
			if key != "" {
				headers = append(headers, "Idempotency-Key", key)
				sent = append(sent, key)
			}
			if c.ctype != "" {
				headers = append(headers, "Content-Type", c.ctype)
			}
			r := call(t, http.MethodPost, svc.URL+"/api/v1/orders", token, c.body, headers...)
			if r.Status != c.status || r.errCode(t) != c.code {
				t.Fatalf("%d %s, want %d %s", r.Status, r.Body, c.status, c.code)
			}
			if msg := r.json(t)["error"].(map[string]any)["message"].(string); msg == "" || strings.Contains(msg, "internal") {
				t.Fatalf("unclear message %q", msg)
			}
			if field, ok := namedField[c.name]; ok {
				details, _ := r.json(t)["error"].(map[string]any)["details"].(map[string]any)
				if fields, _ := details["fields"].(map[string]any); fields[field] == nil {
					t.Fatalf("%s does not name the field %s", r.Body, field)
				}
			}
		})
	}
	rdb := redisClient(t)
	for _, s := range f.CheapSeats {
		if rdb.Exists(context.Background(), locking.SeatKey(f.SessionID, s)).Val() != 0 || liveAllocations(t, f.SessionID, s) != 0 {
			t.Fatalf("seat %s is held after bad requests", s)
		}
	}
	var n int
	_ = orderDB(t).QueryRow(context.Background(), `SELECT count(*) FROM ordering.orders WHERE session_id = $1`, f.SessionID).Scan(&n)
	if n != 0 {
		t.Fatalf("%d orders after bad requests", n)
	}
	var keys int
	if err := orderDB(t).QueryRow(context.Background(), `SELECT count(*) FROM ordering.idempotency_keys WHERE buyer_id = $1 AND key = ANY($2)`,
		svctest.Subject(t, "buyer581"), sent).Scan(&keys); err != nil || len(sent) == 0 {
		t.Fatalf("count the idempotency keys of %d requests: %v", len(sent), err)
	}
	if keys != 0 {
		t.Fatalf("%d idempotency keys stored for refused requests", keys)
	}
	if _, v := lastChange(t, f.SessionID); v != 0 {
		t.Fatal("bad requests changed the seat feed")
	}

	// Webhooks: no signature, wrong secret, oversized.
	for name, hdr := range map[string]string{"unsigned": "", "wrong secret": "t=1700000000,v1=" + strings.Repeat("ab", 32)} {
		if r := call(t, http.MethodPost, svc.URL+"/api/v1/webhooks/stripe", "", `{"id":"evt_1","type":"payment_intent.succeeded"}`,
			"Stripe-Signature", hdr); r.Status != http.StatusBadRequest {
			t.Fatalf("webhook %s: %d %s", name, r.Status, r.Body)
		}
	}
	if r := call(t, http.MethodPost, svc.URL+"/api/v1/webhooks/stripe", "", strings.Repeat("x", 300<<10)); r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("huge webhook: %d", r.Status)
	}
	// Other routes check their input too.
	if r := call(t, http.MethodPost, svc.URL+"/api/v1/checkins", tok, `{"qr":""}`); r.Status != http.StatusBadRequest {
		t.Fatalf("empty qr: %d", r.Status)
	}
	if r := call(t, http.MethodPost, svc.URL+"/api/v1/sessions/x/blocks", tok, `{"seat_ids":[]}`); r.Status != http.StatusBadRequest {
		t.Fatalf("bad session id: %d", r.Status)
	}
}

// When Stripe cannot create the PaymentIntent nothing is kept: the intent comes before the
// order's one transaction, so no order is written, nothing stays held, the feed does not
// move, and the key can be used again.
func TestStripeDownKeepsNothing(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, map[string]string{"STRIPE_API_BASE": "http://" + svctest.FreeAddr(t), "STRIPE_TIMEOUT": "2s"})
	f := newFixture(t, fixtureOpts{cheapSeats: 1, gaCapacity: 2})
	body := seatBody(f.SessionID, f.CheapSeats[0])
	body["standing"] = []map[string]any{{"block_id": f.GA, "quantity": 2}}
	key := uuid.NewString()
	for range 2 {
		r := call(t, http.MethodPost, svc.URL+"/api/v1/orders", svctest.Token(t, "buyer591"), body, "Idempotency-Key", key)
		if r.Status != http.StatusServiceUnavailable || r.errCode(t) != "unavailable" {
			t.Fatalf("stripe down: %d %s", r.Status, r.Body)
		}
	}
	var n int
	if err := orderDB(t).QueryRow(context.Background(), `SELECT count(*) FROM ordering.orders WHERE session_id = $1`, f.SessionID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 || liveAllocations(t, f.SessionID, f.CheapSeats[0]) != 0 {
		t.Fatalf("%d orders; seat live %d", n, liveAllocations(t, f.SessionID, f.CheapSeats[0]))
	}
	if redisClient(t).Exists(context.Background(), locking.SeatKey(f.SessionID, f.CheapSeats[0])).Val() != 0 {
		t.Fatal("the gate still holds the seat")
	}
	if st, v := lastChange(t, f.SessionID); v != 0 {
		t.Fatalf("the feed moved: %s v%d", st, v)
	}
	var taken int
	_ = orderDB(t).QueryRow(context.Background(), `SELECT taken FROM ordering.standing_inventory WHERE session_id = $1`, f.SessionID).Scan(&taken)
	if taken != 0 {
		t.Fatalf("standing taken %d", taken)
	}
}
