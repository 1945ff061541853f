package main

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/svctest"
)

// Users of these tests (no other test uses them): buyer970 and buyer971 (buy tickets),
// buyer972 (ADMIN member), buyer973 (a buyer, no member), buyer974 (buys for the list),
// buyer975 (buys the ticket two doors scan at once).

// secondSession adds another ON_SALE session to the fixture's event, with the same layout
// (the 9 December show of the 7 December door); it goes with the fixture's cleanup.
func secondSession(t *testing.T, f *fixture) uuid.UUID {
	t.Helper()
	id := uuid.New()
	if _, err := catalogDB(t).Exec(context.Background(), `INSERT INTO catalog.sessions (id, event_id, start_time, end_time,
		sales_start_time, sales_end_time, session_type, status, layout)
		SELECT $1, event_id, start_time + interval '2 days', end_time + interval '2 days', sales_start_time, sales_end_time,
		       session_type, status, layout
		FROM catalog.sessions WHERE id = $2`, id, f.SessionID); err != nil {
		t.Fatal(err)
	}
	return id
}

func cancelSession(t *testing.T, id uuid.UUID) {
	t.Helper()
	if _, err := catalogDB(t).Exec(context.Background(), `UPDATE catalog.sessions SET status = 'CANCELLED' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
}

func checkinAt(t *testing.T, svc *svctest.Service, user string, sessionID uuid.UUID, qr string) response {
	t.Helper()
	return call(t, http.MethodPost, svc.URL+"/api/v1/checkins", svctest.Token(t, user), map[string]string{"qr": qr, "session_id": sessionID.String()})
}

// details returns error.details of an error answer.
func details(t *testing.T, r response) map[string]any {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	d, _ := e["details"].(map[string]any)
	return d
}

// wantRefused asserts a 422 with details.reason.
func wantRefused(t *testing.T, what string, r response, reason string) map[string]any {
	t.Helper()
	if r.Status != http.StatusUnprocessableEntity || r.errCode(t) != "unprocessable" || details(t, r)["reason"] != reason {
		t.Fatalf("%s: %d %s, want 422 with reason %s", what, r.Status, r.Body, reason)
	}
	return details(t, r)
}

// checkedInAt reads a ticket's check-in time from the database ("" when not checked in).
func checkedInAt(t *testing.T, ticketID string) string {
	t.Helper()
	var at *time.Time
	if err := orderDB(t).QueryRow(context.Background(), `SELECT checked_in_at FROM ordering.tickets WHERE id = $1`, ticketID).Scan(&at); err != nil {
		t.Fatal(err)
	}
	if at == nil {
		return ""
	}
	return at.UTC().Format(time.RFC3339Nano)
}

func TestCheckInAtASessionsDoor(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 3, vipSeats: 1, gaCapacity: 2})
	later := secondSession(t, f)
	a := mustOrder(t, svc, "buyer970", seatBody(f.SessionID, f.CheapSeats[0], f.VIPSeats[0], f.CheapSeats[2]))
	pay(t, svc, a)
	b := mustOrder(t, svc, "buyer971", seatBody(f.SessionID, f.CheapSeats[1]))
	pay(t, svc, b)
	ta, tb := ticketsOf(t, svc, "buyer970", a["id"].(string)), ticketsOf(t, svc, "buyer971", b["id"].(string))
	var cheap, vip, spare map[string]any
	for _, tk := range ta {
		switch tk["seat_id"] {
		case f.CheapSeats[0].String():
			cheap = tk
		case f.VIPSeats[0].String():
			vip = tk
		case f.CheapSeats[2].String():
			spare = tk
		}
	}
	if cheap == nil || vip == nil || spare == nil {
		t.Fatalf("tickets %v", ta)
	}
	qr := cheap["qr"].(string)
	tok := svctest.Token(t, "scanner")

	// Bad input: clear 400s naming the field, nothing checked in.
	for name, body := range map[string]any{
		"no session_id":         map[string]string{"qr": qr},
		"session_id not a UUID": map[string]string{"qr": qr, "session_id": "7 December"},
		"session_id a number":   map[string]any{"qr": qr, "session_id": 7},
		"unknown field":         map[string]string{"qr": qr, "session_id": f.SessionID.String(), "door": "north"},
	} {
		r := call(t, http.MethodPost, svc.URL+"/api/v1/checkins", tok, body)
		if r.Status != http.StatusBadRequest || r.errCode(t) != "invalid" {
			t.Fatalf("%s: %d %s", name, r.Status, r.Body)
		}
		if name != "unknown field" && name != "session_id a number" {
			if fields, _ := details(t, r)["fields"].(map[string]any); fields["session_id"] == nil {
				t.Fatalf("%s: the answer must name session_id: %s", name, r.Body)
			}
		}
	}
	if r := checkinAt(t, svc, "scanner", uuid.New(), qr); r.Status != http.StatusNotFound {
		t.Fatalf("unknown session: %d %s", r.Status, r.Body)
	}
	if r := checkinAt(t, svc, "buyer973", f.SessionID, qr); r.Status != http.StatusForbidden {
		t.Fatalf("a buyer at the door: %d %s", r.Status, r.Body)
	}

	// The 9 December ticket at the 7 December door (and the other way round).
	d := wantRefused(t, "another session's door", checkinAt(t, svc, "scanner", later, qr), "other_session")
	if d["ticket_session_id"] != f.SessionID.String() || d["ticket_id"] != cheap["id"] {
		t.Fatalf("other_session details %v", d)
	}
	if at := checkedInAt(t, cheap["id"].(string)); at != "" {
		t.Fatalf("a refused check-in checked the ticket in at %s", at)
	}
	wantRefused(t, "not our signature", checkinAt(t, svc, "scanner", f.SessionID, qr[:len(qr)-4]+"AAAA"), "invalid_signature")

	// At its own door: 200 once, with seat label, tier name and holder.
	r := checkinAt(t, svc, "scanner", f.SessionID, qr)
	if r.Status != http.StatusOK {
		t.Fatalf("check-in: %d %s", r.Status, r.Body)
	}
	ok := r.json(t)
	holder, _ := ok["holder"].(map[string]any)
	if ok["label"] != cheap["label"] || ok["tier_name"] != "Cheap" || holder["email"] != "buyer970@ticketly.example.com" ||
		holder["name"] != "Buyer 970" ||
		ok["session_id"] != f.SessionID.String() || ok["checked_in_at"] != checkedInAt(t, cheap["id"].(string)) {
		t.Fatalf("check-in answer %s", r.Body)
	}
	if r := checkinAt(t, svc, "scanner", f.SessionID, vip["qr"].(string)); r.Status != http.StatusOK || r.json(t)["tier_name"] != "VIP" {
		t.Fatalf("vip check-in: %d %s", r.Status, r.Body)
	}
	again := checkinAt(t, svc, "organizer", f.SessionID, qr)
	if again.Status != http.StatusConflict || details(t, again)["checked_in_at"] != ok["checked_in_at"] {
		t.Fatalf("second check-in: %d %s", again.Status, again.Body)
	}

	// A refunded ticket is refused with its reason.
	if r := call(t, http.MethodPost, svc.URL+"/api/v1/orders/"+b["id"].(string)+"/refunds", svctest.Token(t, "organizer"), nil); r.Status != http.StatusCreated {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	wantRefused(t, "refunded ticket", checkinAt(t, svc, "scanner", f.SessionID, tb[0]["qr"].(string)), "ticket_refunded")

	// The session is cancelled: read from the catalog at the scan, not from a cache.
	cancelSession(t, f.SessionID)
	wantRefused(t, "cancelled session", checkinAt(t, svc, "scanner", f.SessionID, spare["qr"].(string)), "session_cancelled")
	if at := checkedInAt(t, spare["id"].(string)); at != "" {
		t.Fatalf("a ticket of a cancelled session was checked in at %s", at)
	}
	wantRefused(t, "cancelled session, checked in before", checkinAt(t, svc, "scanner", f.SessionID, qr), "session_cancelled")
	wantRefused(t, "other session wins", checkinAt(t, svc, "scanner", later, qr), "other_session")
}

func TestCheckInTwoDoorsAtOnce(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 1, gaCapacity: 1})
	o := mustOrder(t, svc, "buyer975", seatBody(f.SessionID, f.CheapSeats[0]))
	pay(t, svc, o)
	tk := ticketsOf(t, svc, "buyer975", o["id"].(string))[0]
	body := map[string]string{"qr": tk["qr"].(string), "session_id": f.SessionID.String()}
	toks := []string{svctest.Token(t, "scanner"), svctest.Token(t, "organizer")}

	const doors = 24
	answers := make([]response, doors)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range doors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			answers[i] = call(t, http.MethodPost, svc.URL+"/api/v1/checkins", toks[i%2], body)
		}()
	}
	close(start)
	wg.Wait()
	var admitted []string
	conflicts := 0
	for _, r := range answers {
		switch r.Status {
		case http.StatusOK:
			admitted = append(admitted, r.json(t)["checked_in_at"].(string))
		case http.StatusConflict:
			conflicts++
		default:
			t.Fatalf("unexpected answer %d %s", r.Status, r.Body)
		}
	}
	if len(admitted) != 1 || conflicts != doors-1 {
		t.Fatalf("%d admitted, %d conflicts of %d scans; want exactly one admission", len(admitted), conflicts, doors)
	}
	if at := checkedInAt(t, tk["id"].(string)); at != admitted[0] {
		t.Fatalf("stored check-in %s, answered %s", at, admitted[0])
	}
	for _, r := range answers {
		if r.Status == http.StatusConflict && details(t, r)["checked_in_at"] != admitted[0] {
			t.Fatalf("a 409 names another check-in: %s (admitted at %s)", r.Body, admitted[0])
		}
	}
}

func TestUndoCheckInThroughTheAPI(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 1, gaCapacity: 1})
	if _, err := catalogDB(t).Exec(context.Background(), `INSERT INTO catalog.organization_members (organization_id, user_id, roles)
		VALUES ($1, $2, '{ADMIN}')`, f.OrgID, svctest.Subject(t, "buyer972")); err != nil {
		t.Fatal(err)
	}
	o := mustOrder(t, svc, "buyer971", seatBody(f.SessionID, f.CheapSeats[0]))
	pay(t, svc, o)
	tk := ticketsOf(t, svc, "buyer971", o["id"].(string))[0]
	id := tk["id"].(string)
	undo := func(user, id string) response {
		return call(t, http.MethodDelete, svc.URL+"/api/v1/checkins/"+id, svctest.Token(t, user), nil)
	}

	if r := undo("buyer972", id); r.Status != http.StatusConflict {
		t.Fatalf("undo of a ticket not checked in: %d %s", r.Status, r.Body)
	}
	if r := checkinAt(t, svc, "scanner", f.SessionID, tk["qr"].(string)); r.Status != http.StatusOK {
		t.Fatalf("check-in: %d %s", r.Status, r.Body)
	}
	for user, want := range map[string]int{"scanner": http.StatusForbidden, "buyer973": http.StatusForbidden} {
		if r := undo(user, id); r.Status != want {
			t.Fatalf("undo by %s: %d %s", user, r.Status, r.Body)
		}
	}
	if r := undo("buyer972", "not-a-ticket"); r.Status != http.StatusBadRequest {
		t.Fatalf("bad ticket id: %d %s", r.Status, r.Body)
	}
	if r := undo("buyer972", uuid.NewString()); r.Status != http.StatusNotFound {
		t.Fatalf("unknown ticket: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodDelete, svc.URL+"/api/v1/checkins/"+id, "", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("no token: %d", r.Status)
	}
	if checkedInAt(t, id) == "" {
		t.Fatal("a refused undo cleared the check-in")
	}
	if r := undo("buyer972", id); r.Status != http.StatusNoContent || len(r.Body) != 0 {
		t.Fatalf("undo by an ADMIN: %d %s", r.Status, r.Body)
	}
	if at := checkedInAt(t, id); at != "" {
		t.Fatalf("still checked in at %s after the undo", at)
	}
	if r := undo("organizer", id); r.Status != http.StatusConflict {
		t.Fatalf("second undo: %d %s", r.Status, r.Body)
	}
	// The ticket gets in again; the owner may undo too.
	if r := checkinAt(t, svc, "scanner", f.SessionID, tk["qr"].(string)); r.Status != http.StatusOK {
		t.Fatalf("check-in after the undo: %d %s", r.Status, r.Body)
	}
	if r := undo("organizer", id); r.Status != http.StatusNoContent {
		t.Fatalf("undo by the owner: %d %s", r.Status, r.Body)
	}
}

func TestOfflineCheckInList(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 3, gaCapacity: 1})
	o := mustOrder(t, svc, "buyer974", seatBody(f.SessionID, f.CheapSeats[0], f.CheapSeats[1]))
	pay(t, svc, o)
	refunded := mustOrder(t, svc, "buyer974", seatBody(f.SessionID, f.CheapSeats[2]))
	pay(t, svc, refunded)
	ts := ticketsOf(t, svc, "buyer974", o["id"].(string))
	gone := ticketsOf(t, svc, "buyer974", refunded["id"].(string))[0]["id"].(string)
	if r := call(t, http.MethodPost, svc.URL+"/api/v1/orders/"+refunded["id"].(string)+"/refunds", svctest.Token(t, "organizer"), nil); r.Status != http.StatusCreated {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	if r := checkinAt(t, svc, "scanner", f.SessionID, ts[0]["qr"].(string)); r.Status != http.StatusOK {
		t.Fatalf("check-in: %d %s", r.Status, r.Body)
	}
	list := func(user, query string) response {
		return call(t, http.MethodGet, svc.URL+"/api/v1/checkins/list"+query, svctest.Token(t, user), nil)
	}
	for query, want := range map[string]int{
		"":              http.StatusBadRequest,
		"?session_id=x": http.StatusBadRequest,
		"?session_id=" + f.SessionID.String() + "&a=1": http.StatusBadRequest,
		"?session_id=" + uuid.NewString():              http.StatusNotFound,
	} {
		if r := list("scanner", query); r.Status != want {
			t.Fatalf("list%s: %d %s, want %d", query, r.Status, r.Body, want)
		}
	}
	if r := list("buyer973", "?session_id="+f.SessionID.String()); r.Status != http.StatusForbidden {
		t.Fatalf("a buyer's list: %d %s", r.Status, r.Body)
	}

	ids := func(v any) []string {
		var out []string
		for _, x := range v.([]any) {
			out = append(out, x.(string))
		}
		return out
	}
	r := list("scanner", "?session_id="+f.SessionID.String())
	if r.Status != http.StatusOK {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	l := r.json(t)
	key := call(t, http.MethodGet, svc.URL+"/api/v1/tickets/public-key", "", nil).json(t)["public_key"]
	if l["session_id"] != f.SessionID.String() || l["session_status"] != "ON_SALE" || l["public_key"] != key || l["generated_at"] == "" ||
		!slices.Equal(ids(l["valid_ticket_ids"]), []string{ts[1]["id"].(string)}) ||
		!slices.Equal(ids(l["checked_in_ticket_ids"]), []string{ts[0]["id"].(string)}) ||
		!slices.Equal(ids(l["revoked_ticket_ids"]), []string{gone}) {
		t.Fatalf("list %s", r.Body)
	}

	cancelSession(t, f.SessionID)
	l = list("organizer", "?session_id="+f.SessionID.String()).json(t)
	revoked := ids(l["revoked_ticket_ids"])
	if l["session_status"] != "CANCELLED" || len(l["valid_ticket_ids"].([]any)) != 0 || len(l["checked_in_ticket_ids"].([]any)) != 0 ||
		len(revoked) != 3 || !slices.IsSorted(revoked) {
		t.Fatalf("cancelled session's list %v", l)
	}
}
