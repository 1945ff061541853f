package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/svctest"
)

// Users of these tests (no other test uses them): buyer960 (pays with a discount), buyer961
// (ADMIN member), buyer962 (owner of another organization), buyer963 (a buyer), buyer964
// (holds), buyer965 (refunded), buyer966 (pays the wrong amount).

func TestCSVCellNeutralisesFormulas(t *testing.T) {
	for in, want := range map[string]string{"=1+2": "'=1+2", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "A-1": "A-1", "": "", "buyer@x": "buyer@x"} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// salesGet calls an organizer view as user.
func salesGet(t *testing.T, svc *svctest.Service, user, path string) response {
	t.Helper()
	return call(t, http.MethodGet, svc.URL+path, svctest.Token(t, user), nil)
}

func num(v any) int64 { f, _ := v.(float64); return int64(f) }

func TestOrganizerViews(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 6, vipSeats: 2, gaCapacity: 10})
	f.addDiscount(t, "PCT15", "PERCENTAGE", map[string]any{"percent": 15})
	ctx := context.Background()
	cat := catalogDB(t)
	if _, err := cat.Exec(ctx, `INSERT INTO catalog.organization_members (organization_id, user_id, roles) VALUES ($1, $2, '{ADMIN}')`,
		f.OrgID, svctest.Subject(t, "buyer961")); err != nil {
		t.Fatal(err)
	}
	other := uuid.New()
	if _, err := cat.Exec(ctx, `INSERT INTO catalog.organizations (id, name, owner_id) VALUES ($1, $2, $3)`,
		other, "Other org "+other.String()[:8], svctest.Subject(t, "buyer962")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = cat.Exec(context.Background(), `DELETE FROM catalog.organizations WHERE id = $1`, other)
	})

	// A: paid, two seats and two standing units with 15 % off (8000 - 1200 = 6800).
	body := seatBody(f.SessionID, f.CheapSeats[0], f.VIPSeats[0])
	body["standing"] = []map[string]any{{"block_id": f.GA, "quantity": 2}}
	body["discount_code"] = "pct15"
	a := mustOrder(t, svc, "buyer960", body)
	if num(a["total_minor"]) != 6800 {
		t.Fatalf("order A: %v", a)
	}
	pay(t, svc, a)
	// B: pending (holds one seat).
	b := mustOrder(t, svc, "buyer964", seatBody(f.SessionID, f.CheapSeats[1]))
	// C: paid, then refunded in full by the organizer.
	c := mustOrder(t, svc, "buyer965", seatBody(f.SessionID, f.CheapSeats[2]))
	pay(t, svc, c)
	if r := call(t, http.MethodPost, svc.URL+"/api/v1/orders/"+c["id"].(string)+"/refunds", svctest.Token(t, "organizer"), nil); r.Status != http.StatusCreated {
		t.Fatalf("refund C: %d %s", r.Status, r.Body)
	}
	// D: a signed succeeded payment of 1 cent for a 5000-cent order: not paid.
	d := mustOrder(t, svc, "buyer966", seatBody(f.SessionID, f.VIPSeats[1]))
	evt := "evt_" + uuid.NewString()
	r := paymentEvent(t, svc, evt, "payment_intent.succeeded", piOf(t, d), d["id"].(string), 1)
	if r.Status != http.StatusOK || r.json(t)["outcome"] != "amount_mismatch" {
		t.Fatalf("mismatched payment: %d %s", r.Status, r.Body)
	}
	if st, _, reason := orderRow(t, d["id"].(string)); st != "PENDING_PAYMENT" || !strings.Contains(reason, "does not match") {
		t.Fatalf("after a mismatched payment order D is %s (%q), want PENDING_PAYMENT with a reason", st, reason)
	}
	var mismatch bool
	var amount int64
	if err := orderDB(t).QueryRow(ctx, `SELECT mismatch, amount_minor FROM ordering.stripe_events WHERE id = $1`, evt).Scan(&mismatch, &amount); err != nil || !mismatch || amount != 1 {
		t.Fatalf("mismatch record: %v %v %d", err, mismatch, amount)
	}
	if r := paymentEvent(t, svc, evt, "payment_intent.succeeded", piOf(t, d), d["id"].(string), 1); r.Status != http.StatusOK ||
		r.json(t)["outcome"] != "duplicate" {
		t.Fatalf("redelivered mismatch: %d %s", r.Status, r.Body)
	}
	if _, m := callRaw(t, svc.URL+"/metrics"); !strings.Contains(m, "ticketly_payment_mismatches_total 1") {
		t.Fatalf("metric ticketly_payment_mismatches_total not 1:\n%s", grepLines(m, "mismatch"))
	}
	// One of A's tickets was checked in (set directly: check-in itself is tested elsewhere).
	if _, err := orderDB(t).Exec(ctx, `UPDATE ordering.tickets SET checked_in_at = now(), checked_in_by = 'test'
		WHERE id = (SELECT id FROM ordering.tickets WHERE order_id = $1 ORDER BY id LIMIT 1)`, a["id"]); err != nil {
		t.Fatal(err)
	}

	ev := "/api/v1/sales/orders?event_id=" + f.EventID.String()
	list := func(user, query string) map[string]any {
		t.Helper()
		r := salesGet(t, svc, user, query)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s as %s: %d %s", query, user, r.Status, r.Body)
		}
		return r.json(t)
	}
	ids := func(page map[string]any) []string {
		var out []string
		for _, it := range page["items"].([]any) {
			out = append(out, it.(map[string]any)["id"].(string))
		}
		return out
	}
	all := list("organizer", ev)
	if num(all["total"]) != 4 || fmt.Sprint(ids(all)) != fmt.Sprint([]string{d["id"].(string), c["id"].(string), b["id"].(string), a["id"].(string)}) {
		t.Fatalf("event orders, newest first: %v", ids(all))
	}
	byID := map[string]map[string]any{}
	for _, it := range all["items"].([]any) {
		byID[it.(map[string]any)["id"].(string)] = it.(map[string]any)
	}
	oa := byID[a["id"].(string)]
	var shares int64
	for _, l := range oa["lines"].([]any) {
		line := l.(map[string]any)
		shares += num(line["price_paid_minor"])
		if line["ticket_id"] == nil || line["ticket_status"] != "VALID" {
			t.Fatalf("paid line %v", line)
		}
	}
	if len(oa["lines"].([]any)) != 4 || shares != 6800 || oa["buyer_email"] != "buyer960@ticketly.example.com" ||
		oa["buyer_name"] != "Buyer 960" {
		t.Fatalf("order A: %d lines, shares add up to %d (want 6800): %v", len(oa["lines"].([]any)), shares, oa)
	}
	oc := byID[c["id"].(string)]
	if oc["status"] != "REFUNDED" || num(oc["refunded_minor"]) != 1000 || len(oc["refunds"].([]any)) != 1 ||
		oc["lines"].([]any)[0].(map[string]any)["ticket_status"] != "VOID" || oc["payment_intent_id"] != piOf(t, c) {
		t.Fatalf("order C: %v", oc)
	}
	ob := byID[b["id"].(string)]
	if l := ob["lines"].([]any); len(l) != 1 || l[0].(map[string]any)["ticket_id"] != nil || l[0].(map[string]any)["label"] != "2" ||
		len(ob["refunds"].([]any)) != 0 {
		t.Fatalf("pending order B: %v", ob)
	}

	// Filters, search and pages; the session scope sees the same orders.
	for _, c2 := range []struct {
		query string
		want  []string
	}{
		{"&status=PAID", []string{a["id"].(string)}},
		{"&status=PENDING_PAYMENT", []string{d["id"].(string), b["id"].(string)}},
		{"&q=BUYER960%40ticketly", []string{a["id"].(string)}},
		{"&q=" + c["id"].(string), []string{c["id"].(string)}},
		{"&q=3", []string{c["id"].(string)}}, // seat A3 (labelled "3" in the layout)
		{"&q=Floor", []string{a["id"].(string)}},
		{"&q=100%25", nil},
		{"&q=nobody", nil},
		{"&page_size=1&page=2", []string{c["id"].(string)}},
		{"&page=9", nil},
	} {
		page := list("organizer", ev+c2.query)
		if fmt.Sprint(ids(page)) != fmt.Sprint(c2.want) || page["items"] == nil {
			t.Errorf("%s: %v, want %v", c2.query, ids(page), c2.want)
		}
	}
	if s := list("organizer", "/api/v1/sales/orders?session_id="+f.SessionID.String()); num(s["total"]) != 4 {
		t.Errorf("session orders: %v", s["total"])
	}

	// Who may look: the owner, an ADMIN member, organization_admin; not another organizer
	// nor a buyer.
	one := "/api/v1/sales/orders/" + a["id"].(string)
	csvPath := "/api/v1/sales/attendees.csv?event_id=" + f.EventID.String()
	sumPath := "/api/v1/sales/summary?event_id=" + f.EventID.String()
	for _, p := range []string{ev, one, csvPath, sumPath} {
		for user, want := range map[string]int{"organizer": 200, "buyer961": 200, "admin": 200, "buyer962": 403, "buyer963": 403} {
			if r := salesGet(t, svc, user, p); r.Status != want {
				t.Errorf("GET %s as %s: %d, want %d: %.200s", p, user, r.Status, want, r.Body)
			}
		}
	}
	if r := call(t, http.MethodGet, svc.URL+ev, "", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("without a token: %d", r.Status)
	}
	if got := list("organizer", one); got["id"] != a["id"] || len(got["lines"].([]any)) != 4 {
		t.Errorf("one order: %v", got)
	}

	// Unknown things are 404, bad parameters 400 naming the parameter.
	for p, want := range map[string]int{
		"/api/v1/sales/orders?event_id=" + uuid.NewString():          404,
		"/api/v1/sales/orders?session_id=" + uuid.NewString():        404,
		"/api/v1/sales/orders/" + uuid.NewString():                   404,
		"/api/v1/sales/summary?event_id=" + uuid.NewString():         404,
		"/api/v1/sales/attendees.csv?session_id=" + uuid.NewString(): 404,
	} {
		if r := salesGet(t, svc, "organizer", p); r.Status != want || r.errCode(t) != "not_found" {
			t.Errorf("GET %s: %d %s", p, r.Status, r.Body)
		}
	}
	for p, field := range map[string]string{
		"/api/v1/sales/orders":            "event_id",
		"/api/v1/sales/orders?event_id=x": "event_id",
		"/api/v1/sales/orders?session_id=" + f.SessionID.String() + "&event_id=" + f.EventID.String(): "event_id",
		ev + "&status=SOLD":                "status",
		ev + "&page=0":                     "page",
		ev + "&page_size=101":              "page_size",
		ev + "&sort=created_at":            "sort",
		ev + "&status=PAID&status=EXPIRED": "status",
		"/api/v1/sales/orders/nope":        "id",
		"/api/v1/sales/summary":            "event_id",
		"/api/v1/sales/summary?session_id=" + f.SessionID.String():          "session_id",
		"/api/v1/sales/attendees.csv?event_id=" + url.QueryEscape("1;DROP"): "event_id",
	} {
		r := salesGet(t, svc, "organizer", p)
		fields, _ := r.json(t)["error"].(map[string]any)["details"].(map[string]any)["fields"].(map[string]any)
		if r.Status != http.StatusBadRequest || fields[field] == nil {
			t.Errorf("GET %s: %d %s, want 400 naming %s", p, r.Status, r.Body, field)
		}
	}

	// The attendee export: a header and one row per valid ticket (A's four).
	cr := salesGet(t, svc, "organizer", csvPath)
	if cr.Status != 200 {
		t.Fatalf("attendees: %d %s", cr.Status, cr.Body)
	}
	rows, err := csv.NewReader(bytes.NewReader(cr.Body)).ReadAll()
	if err != nil || len(rows) != 5 || rows[0][0] != "ticket_id" || rows[0][3] != "buyer_email" || rows[0][4] != "buyer_name" {
		t.Fatalf("attendees.csv (%v):\n%s", err, cr.Body)
	}
	var csvShares int64
	for _, row := range rows[1:] {
		if row[1] != a["id"] || row[3] != "buyer960@ticketly.example.com" || row[4] != "Buyer 960" || row[10] != "EUR" {
			t.Errorf("attendee row %v", row)
		}
		var n int64
		fmt.Sscan(row[9], &n)
		csvShares += n
	}
	if csvShares != 6800 {
		t.Errorf("attendee shares add up to %d", csvShares)
	}
	if rs := salesGet(t, svc, "organizer", "/api/v1/sales/attendees.csv?session_id="+f.SessionID.String()); string(rs.Body) != string(cr.Body) {
		t.Errorf("session export differs from the event's:\n%s", rs.Body)
	}

	// The summary: sold 4 (A), held 2 (B, D), available 8 seats - 4 live + 10 standing - 2,
	// revenue A's total, refunds C's, one check-in; per tier Cheap 3 (one seat, two
	// standing) and VIP 1, whose shares add up to A's total.
	sum := list("organizer", sumPath)
	sessions := sum["sessions"].([]any)
	if sum["currency"] != "EUR" || sum["event_id"] != f.EventID.String() || len(sessions) != 1 {
		t.Fatalf("summary %v", sum)
	}
	s := sessions[0].(map[string]any)
	if s["session_id"] != f.SessionID.String() || num(s["sold"]) != 4 || num(s["held"]) != 2 || num(s["available"]) != 12 ||
		num(s["revenue_minor"]) != 6800 || num(s["refunded_minor"]) != 1000 || num(s["checked_in"]) != 1 {
		t.Fatalf("session summary %v", s)
	}
	// Per tier: Cheap sold 3 (one seat, two standing), held 1 (B), available 6 seats - 2
	// live + 10 standing - 2; VIP sold 1, held 1 (D), none left. One check-in between them
	// (A's first ticket by id), and the sold tickets' shares add up to A's total.
	type tierFigures struct{ sold, held, available, revenue, checkedIn int64 }
	tierOf := func(v any) (string, tierFigures) {
		tr := v.(map[string]any)
		return tr["tier_id"].(string), tierFigures{num(tr["sold"]), num(tr["held"]), num(tr["available"]), num(tr["revenue_minor"]), num(tr["checked_in"])}
	}
	tiers := map[string]tierFigures{}
	for _, x := range s["tiers"].([]any) {
		id, tf := tierOf(x)
		tiers[id] = tf
	}
	cheap, vip := tiers[f.Cheap.String()], tiers[f.VIP.String()]
	if len(tiers) != 2 || cheap.sold != 3 || cheap.held != 1 || cheap.available != 12 || vip.sold != 1 || vip.held != 1 || vip.available != 0 ||
		cheap.revenue+vip.revenue != 6800 || cheap.checkedIn+vip.checkedIn != 1 || cheap.held+vip.held != num(s["held"]) ||
		cheap.available+vip.available != num(s["available"]) {
		t.Fatalf("tier figures %+v", tiers)
	}
	// The event's totals: its one session's figures.
	tot := sum["totals"].(map[string]any)
	for _, k := range []string{"sold", "held", "available", "revenue_minor", "refunded_minor", "checked_in"} {
		if num(tot[k]) != num(s[k]) {
			t.Errorf("totals.%s = %v, want the session's %v", k, tot[k], s[k])
		}
	}
	if tt := tot["tiers"].([]any); len(tt) != 2 {
		t.Errorf("totals.tiers %v", tt)
	} else {
		for _, x := range tt {
			if id, tf := tierOf(x); tf != tiers[id] {
				t.Errorf("totals tier %s %+v, want %+v", id, tf, tiers[id])
			}
		}
	}

	// A second session with the same layout and no sales: the totals add its seats and
	// standing units to what is available, per tier too, and nothing else.
	later := secondSession(t, f)
	sum2 := list("organizer", sumPath)
	tot2 := sum2["totals"].(map[string]any)
	if len(sum2["sessions"].([]any)) != 2 || num(tot2["available"]) != num(s["available"])+18 || num(tot2["sold"]) != num(s["sold"]) ||
		num(tot2["held"]) != num(s["held"]) || num(tot2["revenue_minor"]) != 6800 {
		t.Fatalf("totals over two sessions (%s added): %v", later, tot2)
	}
	for _, x := range tot2["tiers"].([]any) {
		id, tf := tierOf(x)
		want := tiers[id]
		want.available += map[string]int64{f.Cheap.String(): 16, f.VIP.String(): 2}[id]
		if tf != want {
			t.Errorf("totals over two sessions, tier %s: %+v, want %+v", id, tf, want)
		}
	}

	// The buyer sees each ticket's share too.
	ts := call(t, http.MethodGet, svc.URL+"/api/v1/orders/"+a["id"].(string)+"/tickets", svctest.Token(t, "buyer960"), nil).json(t)
	shares = 0
	for _, x := range ts["items"].([]any) {
		shares += num(x.(map[string]any)["price_paid_minor"])
	}
	if shares != 6800 {
		t.Fatalf("buyer's tickets add up to %d", shares)
	}
}

// callRaw GETs url and returns the status and body.
func callRaw(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := httpClient.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.String()
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
