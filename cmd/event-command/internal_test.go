package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/svctest"
)

// schedulerToken returns a client-credentials access token of the development realm's
// svc-scheduler client (scope internal-api).
func schedulerToken(t *testing.T) string { return svctest.ServiceToken(t, "svc-scheduler") }

// publishedSession creates, as organizer, an event with a session whose sales open in a
// week; approve says whether admin approves it (the session stays SCHEDULED).
func publishedSession(t *testing.T, a *api, orgID uuid.UUID, approve bool) sessionView {
	t.Helper()
	var ev eventView
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/events", eventBody(orgID), &ev)
	var s sessionView
	start := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/events/"+ev.ID.String()+"/sessions",
		sessionBody(start, time.Now().Add(7*24*time.Hour), gridLayout(ev.Tiers[0].ID, 2, 5)), &s)
	if approve {
		a.must(http.StatusOK, "organizer", "POST", "/api/v1/events/"+ev.ID.String()+"/submit", nil, nil)
		a.must(http.StatusOK, "admin", "POST", "/api/v1/events/"+ev.ID.String()+"/approve", nil, nil)
	}
	return s
}

// TestInternalSessionStatus drives a session through the scheduler's transitions with a
// svc-scheduler token, and checks every refusal changes nothing.
func TestInternalSessionStatus(t *testing.T) {
	t.Parallel()
	a := startAPI(t)
	db := testDB(t)
	ctx := context.Background()
	svc := "raw:Bearer " + schedulerToken(t)
	org := newOrg(t, a, "organizer")
	sess := publishedSession(t, a, org.ID, true)
	path := "/internal/v1/sessions/" + sess.ID.String() + "/status"
	stored := func() (status string, updated time.Time) {
		t.Helper()
		if err := db.QueryRow(ctx, `SELECT status, updated_at FROM catalog.sessions WHERE id = $1`, sess.ID).Scan(&status, &updated); err != nil {
			t.Fatal(err)
		}
		return status, updated
	}
	if st, _ := stored(); st != "SCHEDULED" {
		t.Fatalf("session %s after approval, before its sales start", st)
	}
	open := map[string]any{"status": "ON_SALE", "reason": "sales_start", "expected": map[string]any{
		"sales_start_time": sess.SalesStartTime.Format(time.RFC3339), "sales_end_time": sess.SalesEndTime.Format(time.RFC3339), "status": "SCHEDULED"}}

	// Refusals, each changing nothing.
	before := fingerprint(t, db, org.ID)
	wantError(t, a.do("", "POST", path, open), http.StatusUnauthorized, "unauthorized")
	wantError(t, a.do("raw:Bearer not-a-token", "POST", path, open), http.StatusUnauthorized, "unauthorized")
	wantError(t, a.do("organizer", "POST", path, open), http.StatusForbidden, "forbidden")
	wantError(t, a.do("admin", "POST", path, open), http.StatusForbidden, "forbidden")
	for name, body := range map[string]any{
		"malformed":        `{"status":`,
		"unknown field":    map[string]any{"status": "ON_SALE", "reason": "sales_start", "force": true},
		"unknown expected": map[string]any{"status": "ON_SALE", "reason": "sales_start", "expected": map[string]any{"start_time": "2030-01-01T00:00:00Z"}},
		"no status":        map[string]any{"reason": "sales_start"},
		"no reason":        map[string]any{"status": "ON_SALE"},
		"CANCELLED":        map[string]any{"status": "CANCELLED", "reason": "sales_end"},
		"wrong reason":     map[string]any{"status": "CLOSED", "reason": "sold_out"},
		"bad time":         map[string]any{"status": "ON_SALE", "reason": "sales_start", "expected": map[string]any{"sales_start_time": "tomorrow"}},
		"bad status":       map[string]any{"status": "ON_SALE", "reason": "sales_start", "expected": map[string]any{"status": "LIVE"}},
		"wrong type":       map[string]any{"status": 1, "reason": "sales_start"},
	} {
		if r := a.do(svc, "POST", path, body); r.Code != http.StatusBadRequest {
			t.Fatalf("%s: status %d, want 400: %s", name, r.Code, r.Body)
		}
	}
	wantError(t, a.do(svc, "POST", "/internal/v1/sessions/not-a-uuid/status", open), http.StatusBadRequest, "invalid")
	wantError(t, a.do(svc, "POST", "/internal/v1/sessions/"+uuid.NewString()+"/status", open), http.StatusNotFound, "not_found")
	for name, exp := range map[string]map[string]any{
		"sales start moved": {"sales_start_time": sess.SalesStartTime.Add(-time.Hour).Format(time.RFC3339)},
		"sales end moved":   {"sales_end_time": sess.SalesEndTime.Add(time.Minute).Format(time.RFC3339)},
		"status moved":      {"status": "ON_SALE"},
	} {
		e := wantError(t, a.do(svc, "POST", path, map[string]any{"status": "ON_SALE", "reason": "sales_start", "expected": exp}), http.StatusConflict, "conflict")
		if e.Error.Details["reason"] != "stale" || e.Error.Details["session_status"] != "SCHEDULED" {
			t.Fatalf("%s: details %v", name, e.Error.Details)
		}
	}
	e := wantError(t, a.do(svc, "POST", path, map[string]any{"status": "SOLD_OUT", "reason": "sold_out"}), http.StatusConflict, "conflict")
	if e.Error.Details["session_status"] != "SCHEDULED" {
		t.Fatalf("SOLD_OUT from SCHEDULED: details %v", e.Error.Details)
	}
	if after := fingerprint(t, db, org.ID); after != before {
		t.Fatal("a refused status change changed the catalog")
	}

	// Open (times sent in another zone are the same instants), retry, sell out and back, close.
	var got sessionView
	exp := open["expected"].(map[string]any)
	exp["sales_start_time"] = sess.SalesStartTime.In(time.FixedZone("", 2*3600)).Format(time.RFC3339)
	a.must(http.StatusOK, svc, "POST", path, open, &got)
	if got.ID != sess.ID || got.Status != catalog.SessionOnSale || got.Layout == nil || got.Layout.SeatCount() != 10 || !got.UpdatedAt.After(sess.UpdatedAt) {
		t.Fatalf("opened: status %s, updated %v (was %v), layout %v", got.Status, got.UpdatedAt, sess.UpdatedAt, got.Layout != nil)
	}
	st, updated := stored()
	if st != "ON_SALE" || !updated.Equal(got.UpdatedAt) {
		t.Fatalf("stored %s at %v, answered %v", st, updated, got.UpdatedAt)
	}
	var again sessionView
	a.must(http.StatusOK, svc, "POST", path, open, &again) // a retry: expected status SCHEDULED no longer holds, but the session is ON_SALE
	if st, upd := stored(); again.Status != catalog.SessionOnSale || st != "ON_SALE" || !upd.Equal(updated) || !again.UpdatedAt.Equal(updated) {
		t.Fatalf("repeat: answered %s at %v; stored %s at %v (was %v)", again.Status, again.UpdatedAt, st, upd, updated)
	}
	steps := []struct{ status, reason string }{
		{"SOLD_OUT", "sold_out"}, {"ON_SALE", "available"}, {"SOLD_OUT", "sold_out"}, {"CLOSED", "sales_end"},
	}
	for _, step := range steps {
		a.must(http.StatusOK, svc, "POST", path, map[string]any{"status": step.status, "reason": step.reason}, &got)
		if st, upd := stored(); string(got.Status) != step.status || st != step.status || !upd.After(updated) {
			t.Fatalf("%s: answered %s, stored %s at %v (before %v)", step.reason, got.Status, st, upd, updated)
		}
		_, updated = stored()
	}
	e = wantError(t, a.do(svc, "POST", path, map[string]any{"status": "ON_SALE", "reason": "available"}), http.StatusConflict, "conflict")
	if e.Error.Details["session_status"] != "CLOSED" {
		t.Fatalf("available on a CLOSED session: details %v", e.Error.Details)
	}
	a.must(http.StatusOK, svc, "POST", path, map[string]any{"status": "CLOSED", "reason": "sales_end"}, &got)
	if _, upd := stored(); !upd.Equal(updated) {
		t.Fatal("closing a CLOSED session wrote it")
	}

	// A session of an event that is not approved never goes on sale.
	draft := publishedSession(t, a, org.ID, false)
	e = wantError(t, a.do(svc, "POST", "/internal/v1/sessions/"+draft.ID.String()+"/status", map[string]any{"status": "ON_SALE", "reason": "sales_start"}),
		http.StatusConflict, "conflict")
	if e.Error.Details["session_status"] != "SCHEDULED" || e.Error.Details["event_status"] != "DRAFT" {
		t.Fatalf("not approved: details %v", e.Error.Details)
	}

	// The public API knows nothing of /internal.
	wantError(t, a.do(svc, "POST", "/api/v1/sessions/"+sess.ID.String()+"/status", open), http.StatusNotFound, "not_found")
}

// TestOwnerEmailIsKeptPrivately: an organization stores its creator's e-mail, an older
// organization without one gets it when its owner submits an event, and no response shows it.
func TestOwnerEmailIsKeptPrivately(t *testing.T) {
	t.Parallel()
	a := startAPI(t)
	db := testDB(t)
	ctx := context.Background()
	org := newOrg(t, a, "organizer")
	email := func() string {
		t.Helper()
		var e string
		if err := db.QueryRow(ctx, `SELECT owner_email FROM catalog.organizations WHERE id = $1`, org.ID).Scan(&e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	if got := email(); got != "organizer@ticketly.example.com" {
		t.Fatalf("owner_email %q", got)
	}
	for _, p := range []string{"/api/v1/organizations/" + org.ID.String(), "/api/v1/organizations/mine"} {
		if r := a.must(http.StatusOK, "organizer", "GET", p, nil, nil); strings.Contains(string(r.Body), "owner_email") || strings.Contains(string(r.Body), "@ticketly.example.com") {
			t.Fatalf("GET %s shows the owner e-mail: %s", p, r.Body)
		}
	}

	// As if created before owner e-mails were recorded; the admin's submission is not the owner's.
	if _, err := db.Exec(ctx, `UPDATE catalog.organizations SET owner_email = '' WHERE id = $1`, org.ID); err != nil {
		t.Fatal(err)
	}
	var ev eventView
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/events", eventBody(org.ID), &ev)
	start := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/events/"+ev.ID.String()+"/sessions",
		sessionBody(start, time.Now().Add(7*24*time.Hour), gridLayout(ev.Tiers[0].ID, 1, 2)), nil)
	var updatedBefore time.Time
	if err := db.QueryRow(ctx, `SELECT updated_at FROM catalog.organizations WHERE id = $1`, org.ID).Scan(&updatedBefore); err != nil {
		t.Fatal(err)
	}
	r := a.must(http.StatusOK, "organizer", "POST", "/api/v1/events/"+ev.ID.String()+"/submit", nil, nil)
	if strings.Contains(string(r.Body), "@ticketly.example.com") {
		t.Fatalf("submit answer shows the owner e-mail: %s", r.Body)
	}
	if got := email(); got != "organizer@ticketly.example.com" {
		t.Fatalf("owner_email after the owner's submission %q", got)
	}
	var updatedAfter time.Time
	if err := db.QueryRow(ctx, `SELECT updated_at FROM catalog.organizations WHERE id = $1`, org.ID).Scan(&updatedAfter); err != nil || !updatedAfter.Equal(updatedBefore) {
		t.Fatalf("organization updated_at %v -> %v (%v)", updatedBefore, updatedAfter, err)
	}
}
