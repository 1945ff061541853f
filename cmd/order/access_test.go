package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/svctest"
)

// Users of this test (no other test uses them): buyer980 (owner of another organization),
// buyer981 (ADMIN and SCANNER of that organization), buyer982 (buys the ticket).

// TestAnotherOrganizationsOrganizerIsRefusedEveryView: the owner of another organization,
// and a member holding every role there, get 403 forbidden from every organizer view and
// door endpoint of an event they do not manage, and their refused calls change nothing
// (a refund answers 404: orders are private to whoever may not see them).
func TestAnotherOrganizationsOrganizerIsRefusedEveryView(t *testing.T) {
	t.Parallel()
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 2, gaCapacity: 1})
	ctx := context.Background()
	cat := catalogDB(t)
	other := uuid.New()
	if _, err := cat.Exec(ctx, `INSERT INTO catalog.organizations (id, name, owner_id) VALUES ($1, $2, $3)`,
		other, "Other org "+other.String()[:8], svctest.Subject(t, "buyer980")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = cat.Exec(context.Background(), `DELETE FROM catalog.organizations WHERE id = $1`, other)
	})
	if _, err := cat.Exec(ctx, `INSERT INTO catalog.organization_members (organization_id, user_id, roles) VALUES ($1, $2, '{ADMIN,SCANNER}')`,
		other, svctest.Subject(t, "buyer981")); err != nil {
		t.Fatal(err)
	}
	o := mustOrder(t, svc, "buyer982", seatBody(f.SessionID, f.CheapSeats[0]))
	pay(t, svc, o)
	tk := ticketsOf(t, svc, "buyer982", o["id"].(string))[0]
	ticketID, qr := tk["id"].(string), tk["qr"].(string)
	event, session, orderID := f.EventID.String(), f.SessionID.String(), o["id"].(string)

	views := []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, "/api/v1/sales/orders?event_id=" + event, nil},
		{http.MethodGet, "/api/v1/sales/orders?session_id=" + session, nil},
		{http.MethodGet, "/api/v1/sales/orders/" + orderID, nil},
		{http.MethodGet, "/api/v1/sales/attendees.csv?event_id=" + event, nil},
		{http.MethodGet, "/api/v1/sales/attendees.csv?session_id=" + session, nil},
		{http.MethodGet, "/api/v1/sales/summary?event_id=" + event, nil},
		{http.MethodGet, "/api/v1/sales/cancellations/" + session, nil},
		{http.MethodGet, "/api/v1/checkins/list?session_id=" + session, nil},
		{http.MethodPost, "/api/v1/checkins", map[string]string{"qr": qr, "session_id": session}},
		{http.MethodPost, "/api/v1/sessions/" + session + "/blocks", map[string]any{"seat_ids": []string{f.CheapSeats[1].String()}}},
	}
	for _, user := range []string{"buyer980", "buyer981"} {
		tok := svctest.Token(t, user)
		for _, v := range views {
			if r := call(t, v.method, svc.URL+v.path, tok, v.body); r.Status != http.StatusForbidden || r.errCode(t) != "forbidden" {
				t.Errorf("%s %s as %s: %d %.200s, want 403 forbidden", v.method, v.path, user, r.Status, r.Body)
			}
		}
		if r := call(t, http.MethodPost, svc.URL+"/api/v1/orders/"+orderID+"/refunds", tok, nil); r.Status != http.StatusNotFound {
			t.Errorf("refund as %s: %d %s, want 404", user, r.Status, r.Body)
		}
	}
	if at := checkedInAt(t, ticketID); at != "" {
		t.Fatalf("a refused check-in checked the ticket in at %s", at)
	}
	if n := liveAllocations(t, f.SessionID, f.CheapSeats[1]); n != 0 {
		t.Fatal("a refused block blocked the seat")
	}
	if st, refunded, _ := orderRow(t, orderID); st != "PAID" || refunded != 0 {
		t.Fatalf("after refused refunds the order is %s, refunded %d", st, refunded)
	}

	// Undo of a check-in: refused too, the check-in kept.
	if r := checkinAt(t, svc, "scanner", f.SessionID, qr); r.Status != http.StatusOK {
		t.Fatalf("check-in: %d %s", r.Status, r.Body)
	}
	for _, user := range []string{"buyer980", "buyer981"} {
		if r := call(t, http.MethodDelete, svc.URL+"/api/v1/checkins/"+ticketID, svctest.Token(t, user), nil); r.Status != http.StatusForbidden ||
			r.errCode(t) != "forbidden" {
			t.Errorf("undo as %s: %d %s, want 403 forbidden", user, r.Status, r.Body)
		}
	}
	if checkedInAt(t, ticketID) == "" {
		t.Fatal("a refused undo cleared the check-in")
	}
}
