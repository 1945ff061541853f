package main

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/locking"
	"github.com/ticketly/ticketly/internal/svctest"
)

func TestDiscountsThroughTheAPI(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 12, vipSeats: 4, gaCapacity: 20})
	f.addDiscount(t, "PCT10", "PERCENTAGE", map[string]any{"percent": 10, "max_discount_minor": 300})
	f.addDiscount(t, "FLAT7", "FLAT_OFF", map[string]any{"amount_minor": 700, "min_spend_minor": 2000})
	f.addDiscount(t, "B1G1", "BUY_N_GET_N_FREE", map[string]any{"buy": 1, "get": 1})
	f.addDiscount(t, "VIPONLY", "PERCENTAGE", map[string]any{"percent": 50, "tier_ids": []uuid.UUID{f.VIP}})
	f.addDiscount(t, "OTHERSESSION", "FLAT_OFF", map[string]any{"amount_minor": 1, "session_ids": []uuid.UUID{uuid.New()}})
	limited := f.addDiscount(t, "ONE-USE", "FLAT_OFF", map[string]any{"amount_minor": 100, "usage_limit": 1})
	f.addDiscount(t, "ALLFREE", "PERCENTAGE", map[string]any{"percent": 100})

	with := func(code string, seats ...uuid.UUID) map[string]any {
		b := seatBody(f.SessionID, seats...)
		b["discount_code"] = code
		return b
	}
	cases := []struct {
		name           string
		body           map[string]any
		status         int
		subtotal, disc int64
	}{
		{"percentage capped", with("pct10", f.VIPSeats[0], f.VIPSeats[1]), 201, 10000, 300},
		{"percentage rounds down", with("PCT10", f.CheapSeats[0]), 201, 1000, 100},
		{"flat off below min spend", with("FLAT7", f.CheapSeats[1]), 422, 0, 0},
		{"flat off", with("FLAT7", f.CheapSeats[1], f.CheapSeats[2]), 201, 2000, 700},
		{"buy 1 get 1 on two seats: the cheapest is free", with("B1G1", f.VIPSeats[2], f.CheapSeats[3]), 201, 6000, 1000},
		{"buy 1 get 1 on one seat", with("B1G1", f.CheapSeats[4]), 422, 0, 0},
		{"limited to a tier", with("VIPONLY", f.VIPSeats[3], f.CheapSeats[5]), 201, 6000, 2500},
		{"another session's code", with("OTHERSESSION", f.CheapSeats[6]), 422, 0, 0},
		{"unknown code", with("NOPE", f.CheapSeats[6]), 422, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := order(t, svc, "buyer541", c.body)
			if r.Status != c.status {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if c.status != 201 {
				if r.errCode(t) != "unprocessable" {
					t.Fatalf("%s", r.Body)
				}
				return
			}
			o := r.json(t)
			if int64(o["subtotal_minor"].(float64)) != c.subtotal || int64(o["discount_minor"].(float64)) != c.disc ||
				int64(o["total_minor"].(float64)) != c.subtotal-c.disc {
				t.Fatalf("%s", r.Body)
			}
		})
	}

	// Buy 1 get 1 on two standing units: one paid.
	ga := map[string]any{"session_id": f.SessionID.String(), "discount_code": "B1G1", "standing": []map[string]any{{"block_id": f.GA, "quantity": 2}}}
	if o := mustOrder(t, svc, "buyer542", ga); o["total_minor"].(float64) != 1000 {
		t.Fatalf("standing b1g1: %v", o)
	}

	// The usage limit is never exceeded, a cancelled order gives its use back.
	first := mustOrder(t, svc, "buyer543", with("ONE-USE", f.CheapSeats[7]))
	r := order(t, svc, "buyer544", with("ONE-USE", f.CheapSeats[8]))
	if r.Status != http.StatusConflict || r.errCode(t) != "conflict" {
		t.Fatalf("second use: %d %s", r.Status, r.Body)
	}
	if n := liveAllocations(t, f.SessionID, f.CheapSeats[8]); n != 0 {
		t.Fatal("a refused discount must leave the seat free")
	}
	call(t, http.MethodPost, svc.URL+"/api/v1/orders/"+first["id"].(string)+"/cancel", svctest.Token(t, "buyer543"), nil)
	third := mustOrder(t, svc, "buyer544", with("ONE-USE", f.CheapSeats[8]))
	pay(t, svc, third)
	var used int
	var status string
	_ = orderDB(t).QueryRow(context.Background(), `SELECT used FROM ordering.discount_usage WHERE discount_id = $1`, limited).Scan(&used)
	_ = orderDB(t).QueryRow(context.Background(), `SELECT status FROM ordering.discount_redemptions WHERE order_id = $1`, third["id"]).Scan(&status)
	if used != 1 || status != "CONFIRMED" {
		t.Fatalf("usage %d, redemption %s", used, status)
	}

	// A free order is paid at once: no payment intent, tickets issued.
	free := mustOrder(t, svc, "buyer545", with("ALLFREE", f.CheapSeats[9]))
	if free["status"] != "PAID" || free["total_minor"].(float64) != 0 || free["payment"] != nil {
		t.Fatalf("free order %v", free)
	}
	ts := call(t, http.MethodGet, svc.URL+"/api/v1/orders/"+free["id"].(string)+"/tickets", svctest.Token(t, "buyer545"), nil).json(t)
	if len(ts["items"].([]any)) != 1 {
		t.Fatalf("free order tickets %v", ts)
	}
	if st, _ := lastChange(t, f.SessionID); st != "BOOKED" {
		t.Fatalf("free order feed %s", st)
	}
	if n := redisClient(t).Exists(context.Background(), locking.SeatKey(f.SessionID, f.CheapSeats[9])).Val(); n != 0 {
		t.Fatal("a free order's seat stays held in the gate")
	}
}

// paidOrder places and pays an order of two seats (cheap + vip) and two standing units.
func paidOrder(t *testing.T, svc *svctest.Service, f *fixture, user string, cheap, vip uuid.UUID) map[string]any {
	t.Helper()
	body := seatBody(f.SessionID, cheap, vip)
	body["standing"] = []map[string]any{{"block_id": f.GA, "quantity": 2}}
	o := mustOrder(t, svc, user, body)
	pay(t, svc, o)
	return o
}

func ticketsOf(t *testing.T, svc *svctest.Service, user, orderID string) []map[string]any {
	t.Helper()
	r := call(t, http.MethodGet, svc.URL+"/api/v1/orders/"+orderID+"/tickets", svctest.Token(t, user), nil)
	var out []map[string]any
	for _, it := range r.json(t)["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

func TestCheckIn(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 2, vipSeats: 2, gaCapacity: 10})
	other := newFixture(t, fixtureOpts{cheapSeats: 1, gaCapacity: 1})
	// buyer999 scans for the other organization only.
	if _, err := catalogDB(t).Exec(context.Background(), `INSERT INTO catalog.organization_members (organization_id, user_id, roles)
		VALUES ($1, $2, '{SCANNER}')`, other.OrgID, svctest.Subject(t, "buyer999")); err != nil {
		t.Fatal(err)
	}
	o := paidOrder(t, svc, f, "buyer551", f.CheapSeats[0], f.VIPSeats[0])
	ts := ticketsOf(t, svc, "buyer551", o["id"].(string))
	if len(ts) != 4 {
		t.Fatalf("%d tickets", len(ts))
	}
	qr := ts[0]["qr"].(string)
	checkin := func(user, qr string) response {
		return call(t, http.MethodPost, svc.URL+"/api/v1/checkins", svctest.Token(t, user), map[string]string{"qr": qr, "session_id": f.SessionID.String()})
	}

	// Offline verification with the published key.
	key := call(t, http.MethodGet, svc.URL+"/api/v1/tickets/public-key", "", nil).json(t)
	if key["algorithm"] != "Ed25519" || key["public_key"] == "" {
		t.Fatalf("public key %v", key)
	}
	head, sig, _ := strings.Cut(qr, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(head)
	if strings.Contains(string(payload), "buyer") || !strings.Contains(string(payload), ts[0]["id"].(string)) {
		t.Fatalf("QR payload %s", payload)
	}

	if r := checkin("buyer999", qr); r.Status != http.StatusForbidden {
		t.Fatalf("scanner of another organization: %d %s", r.Status, r.Body)
	}
	if r := checkin("buyer552", qr); r.Status != http.StatusForbidden {
		t.Fatalf("a buyer: %d %s", r.Status, r.Body)
	}
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"ticket_id":"`+ts[1]["id"].(string)+`","session_id":"`+f.SessionID.String()+`","issued":1}`)) + "." + sig
	if r := checkin("scanner", forged); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("forged signature: %d %s", r.Status, r.Body)
	}
	if r := checkin("scanner", "not-a-ticket"); r.Status != http.StatusBadRequest {
		t.Fatalf("malformed QR: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodPost, svc.URL+"/api/v1/checkins", "", map[string]string{"qr": qr, "session_id": f.SessionID.String()}); r.Status != http.StatusUnauthorized {
		t.Fatalf("no token: %d", r.Status)
	}
	first := checkin("scanner", qr)
	if first.Status != http.StatusOK || first.json(t)["checked_in_at"] == "" {
		t.Fatalf("check-in: %d %s", first.Status, first.Body)
	}
	again := checkin("organizer", qr)
	if again.Status != http.StatusConflict {
		t.Fatalf("second check-in: %d %s", again.Status, again.Body)
	}
	if d := again.json(t)["error"].(map[string]any)["details"].(map[string]any); d["checked_in_at"] != first.json(t)["checked_in_at"] {
		t.Fatalf("second check-in must name the first: %v vs %s", d, first.Body)
	}
	// The owner may check in too; a refunded ticket is refused.
	if r := checkin("organizer", ts[1]["qr"].(string)); r.Status != http.StatusOK {
		t.Fatalf("owner: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodPost, svc.URL+"/api/v1/orders/"+o["id"].(string)+"/refunds", svctest.Token(t, "organizer"), nil); r.Status != http.StatusCreated {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	if r := checkin("scanner", ts[2]["qr"].(string)); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("refunded ticket: %d %s", r.Status, r.Body)
	}
}

func TestRefunds(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 2, vipSeats: 2, gaCapacity: 10})
	o := paidOrder(t, svc, f, "buyer561", f.CheapSeats[0], f.VIPSeats[0])
	id := o["id"].(string)
	ts := ticketsOf(t, svc, "buyer561", id)
	var vipTicket string
	for _, tk := range ts {
		if tk["seat_id"] == f.VIPSeats[0].String() {
			vipTicket = tk["id"].(string)
		}
	}
	refund := func(user string, body any) response {
		return call(t, http.MethodPost, svc.URL+"/api/v1/orders/"+id+"/refunds", svctest.Token(t, user), body)
	}
	if r := refund("buyer561", nil); r.Status != http.StatusForbidden {
		t.Fatalf("the buyer refunding: %d %s", r.Status, r.Body)
	}
	// Orders are private: to anyone who may not see this one (a SCANNER member included),
	// it does not exist, the very answer for a missing order.
	missing := uuid.NewString()
	for _, who := range []string{"scanner", "buyer562"} {
		r := refund(who, nil)
		m := call(t, http.MethodPost, svc.URL+"/api/v1/orders/"+missing+"/refunds", svctest.Token(t, who), nil)
		if r.Status != http.StatusNotFound || m.Status != http.StatusNotFound || strings.ReplaceAll(string(r.Body), id, missing) != string(m.Body) {
			t.Fatalf("%s refunding: %d %s; a missing order: %d %s", who, r.Status, r.Body, m.Status, m.Body)
		}
	}
	if r := refund("organizer", map[string]any{"amount_minor": 99999}); r.Status != http.StatusUnprocessableEntity || details(t, r)["remaining_minor"] == nil {
		t.Fatalf("too much: %d %s", r.Status, r.Body)
	}
	if r := refund("organizer", map[string]any{"ticket_ids": []string{uuid.NewString()}}); r.Status != http.StatusBadRequest {
		t.Fatalf("foreign ticket: %d %s", r.Status, r.Body)
	}
	// Partial: the VIP seat's price back, its ticket void, its seat free again.
	r := refund("organizer", map[string]any{"amount_minor": 5000, "ticket_ids": []string{vipTicket}})
	if r.Status != http.StatusCreated {
		t.Fatalf("partial refund: %d %s", r.Status, r.Body)
	}
	res := r.json(t)
	if res["order"].(map[string]any)["status"] != "PARTIALLY_REFUNDED" || res["refund"].(map[string]any)["stripe_refund_id"] == "" {
		t.Fatalf("partial refund %s", r.Body)
	}
	if n := liveAllocations(t, f.SessionID, f.VIPSeats[0]); n != 0 {
		t.Fatal("the refunded seat is still taken")
	}
	if st, _ := lastChange(t, f.SessionID); st != "AVAILABLE" {
		t.Fatalf("feed %s", st)
	}
	mustOrder(t, svc, "buyer562", seatBody(f.SessionID, f.VIPSeats[0])) // resold
	// The rest (admin: organization_admin manages every organization): REFUNDED, all void.
	r = refund("admin", nil)
	if r.Status != http.StatusCreated || r.json(t)["order"].(map[string]any)["status"] != "REFUNDED" {
		t.Fatalf("full refund: %d %s", r.Status, r.Body)
	}
	s, refunded, _ := orderRow(t, id)
	var valid, refunds int
	_ = orderDB(t).QueryRow(context.Background(), `SELECT count(*) FROM ordering.tickets WHERE order_id = $1 AND status = 'VALID'`, id).Scan(&valid)
	_ = orderDB(t).QueryRow(context.Background(), `SELECT count(*) FROM ordering.refunds WHERE order_id = $1`, id).Scan(&refunds)
	if s != "REFUNDED" || refunded != 8000 || valid != 0 || refunds != 2 {
		t.Fatalf("%s refunded %d, %d valid tickets, %d refunds", s, refunded, valid, refunds)
	}
	var taken int
	_ = orderDB(t).QueryRow(context.Background(), `SELECT taken FROM ordering.standing_inventory WHERE session_id = $1 AND block_id = $2`,
		f.SessionID, f.GA).Scan(&taken)
	if taken != 0 || liveAllocations(t, f.SessionID, f.CheapSeats[0]) != 0 {
		t.Fatalf("standing taken %d after the full refund", taken)
	}
	if r := refund("organizer", nil); r.Status != http.StatusConflict {
		t.Fatalf("refunding a refunded order: %d %s", r.Status, r.Body)
	}
	pending := mustOrder(t, svc, "buyer563", seatBody(f.SessionID, f.CheapSeats[1]))
	if r := call(t, http.MethodPost, svc.URL+"/api/v1/orders/"+pending["id"].(string)+"/refunds", svctest.Token(t, "organizer"), nil); r.Status != http.StatusConflict {
		t.Fatalf("refunding an unpaid order: %d %s", r.Status, r.Body)
	}
	lastChange(t, f.SessionID)
}

func TestOrganizerBlocks(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 4, gaCapacity: 1})
	rdb := redisClient(t)
	blocks := func(user, action string, seats ...uuid.UUID) response {
		ids := make([]string, len(seats))
		for i, s := range seats {
			ids[i] = s.String()
		}
		return call(t, http.MethodPost, svc.URL+"/api/v1/sessions/"+f.SessionID.String()+"/"+action, svctest.Token(t, user), map[string]any{"seat_ids": ids})
	}
	if r := blocks("buyer571", "blocks", f.CheapSeats[0]); r.Status != http.StatusForbidden {
		t.Fatalf("a buyer blocking: %d", r.Status)
	}
	if r := blocks("scanner", "blocks", f.CheapSeats[0]); r.Status != http.StatusForbidden {
		t.Fatalf("a scanner blocking: %d", r.Status)
	}
	if r := call(t, http.MethodPost, svc.URL+"/api/v1/sessions/"+uuid.NewString()+"/blocks", svctest.Token(t, "organizer"),
		map[string]any{"seat_ids": []string{f.CheapSeats[0].String()}}); r.Status != http.StatusNotFound {
		t.Fatalf("unknown session: %d", r.Status)
	}
	r := blocks("organizer", "blocks", f.CheapSeats[0], f.CheapSeats[1])
	if r.Status != http.StatusOK || len(r.json(t)["seat_ids"].([]any)) != 2 {
		t.Fatalf("block: %d %s", r.Status, r.Body)
	}
	if st, _ := lastChange(t, f.SessionID); st != "BLOCKED" {
		t.Fatalf("feed %s", st)
	}
	if r := blocks("organizer", "blocks", f.CheapSeats[0]); r.Status != http.StatusOK || len(r.json(t)["seat_ids"].([]any)) != 0 {
		t.Fatalf("blocking again: %d %s", r.Status, r.Body)
	}
	if r := order(t, svc, "buyer571", seatBody(f.SessionID, f.CheapSeats[0])); r.Status != http.StatusConflict {
		t.Fatalf("ordering a blocked seat: %d %s", r.Status, r.Body)
	}
	// Even when the gate forgot the block, the database refuses the sale.
	rdb.Del(context.Background(), locking.SeatKey(f.SessionID, f.CheapSeats[1]))
	if r := order(t, svc, "buyer571", seatBody(f.SessionID, f.CheapSeats[1])); r.Status != http.StatusConflict {
		t.Fatalf("ordering a blocked seat the gate forgot: %d %s", r.Status, r.Body)
	}
	held := mustOrder(t, svc, "buyer572", seatBody(f.SessionID, f.CheapSeats[2]))
	if r := blocks("organizer", "blocks", f.CheapSeats[2], f.CheapSeats[3]); r.Status != http.StatusConflict {
		t.Fatalf("blocking a held seat: %d %s", r.Status, r.Body)
	}
	if n := liveAllocations(t, f.SessionID, f.CheapSeats[3]); n != 0 {
		t.Fatal("a refused block must block nothing")
	}
	pay(t, svc, held)
	rdb.Del(context.Background(), locking.SeatKey(f.SessionID, f.CheapSeats[2]))
	if r := blocks("organizer", "blocks", f.CheapSeats[2]); r.Status != http.StatusConflict {
		t.Fatalf("blocking a sold seat: %d %s", r.Status, r.Body)
	}
	if r := blocks("organizer", "blocks", f.LayoutBlocked); r.Status != http.StatusConflict {
		t.Fatalf("blocking a layout-blocked seat: %d %s", r.Status, r.Body)
	}
	if r := blocks("organizer", "blocks", uuid.New()); r.Status != http.StatusBadRequest {
		t.Fatalf("unknown seat: %d %s", r.Status, r.Body)
	}
	r = blocks("admin", "unblocks", f.CheapSeats[0], f.CheapSeats[1], f.CheapSeats[3])
	if r.Status != http.StatusOK || len(r.json(t)["seat_ids"].([]any)) != 2 {
		t.Fatalf("unblock: %d %s", r.Status, r.Body)
	}
	if st, _ := lastChange(t, f.SessionID); st != "AVAILABLE" {
		t.Fatalf("feed %s", st)
	}
	mustOrder(t, svc, "buyer571", seatBody(f.SessionID, f.CheapSeats[0], f.CheapSeats[1]))
}
