package main

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/catalog"
)

// TestOrganizerFlow walks the publish flow end to end against PostgreSQL and Keycloak:
// organization → event with tiers → session with a 20×50 grid, a standing block and
// blocked seats → submit → approval opens the sessions whose sales started → edits that
// keep the event approved → layout changes on sale → cancel → reject flow → delete.
func TestOrganizerFlow(t *testing.T) {
	t.Parallel()
	a := startAPI(t)
	db := testDB(t)
	ctx := context.Background()

	org := newOrg(t, a, "organizer")
	var mine list[myOrgView]
	a.must(http.StatusOK, "organizer", "GET", "/api/v1/organizations/mine", nil, &mine)
	i := slices.IndexFunc(mine.Items, func(o myOrgView) bool { return o.ID == org.ID })
	if i < 0 || !slices.Equal(mine.Items[i].MyRoles, []catalog.OrgRole{catalog.OrgRoleOwner}) {
		t.Fatalf("organizations/mine misses the new organization or its OWNER role: %+v", mine.Items)
	}

	body := eventBody(org.ID)
	body["tiers"] = append(body["tiers"].([]map[string]any), map[string]any{"name": "Floor", "price_minor": 1500, "currency": "EUR", "colour": "#0f0"})
	var ev eventView
	r := a.must(http.StatusCreated, "organizer", "POST", "/api/v1/events", body, &ev)
	if ev.Status != catalog.EventDraft || len(ev.Tiers) != 3 || r.Header.Get("Location") != "/api/v1/manage/events/"+ev.ID.String() {
		t.Fatalf("created event: %+v (Location %q)", ev, r.Header.Get("Location"))
	}
	if ev.OrganizationName != org.Name || ev.SubmittedAt != nil {
		t.Fatalf("created event names organization %q (want %q), submitted at %v (want null)", ev.OrganizationName, org.Name, ev.SubmittedAt)
	}
	var drafts page[eventSummaryView]
	a.must(http.StatusOK, "organizer", "GET", "/api/v1/manage/events?organization_id="+org.ID.String(), nil, &drafts)
	if len(drafts.Items) != 1 || drafts.Items[0].OrganizationName != org.Name || drafts.Items[0].SubmittedAt != nil {
		t.Fatalf("listed draft: %+v", drafts.Items)
	}
	vip, std, floor := ev.Tiers[0], ev.Tiers[1], ev.Tiers[2]
	if vip.PriceMinor != 5000 || vip.Currency != "EUR" || vip.Colour != "#AA0000" {
		t.Fatalf("tier %+v", vip)
	}

	// A session on sale from an hour ago: 20×50 stalls, 500 standing, a stage.
	start := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	layout := map[string]any{"blocks": []any{
		map[string]any{"id": "stalls", "name": "Stalls", "type": "seated_grid", "position": map[string]any{"x": 0, "y": 100},
			"grid": map[string]any{"rows": 20, "columns": 50, "tier_id": std.ID}},
		map[string]any{"id": "ga", "name": "Standing", "type": "standing", "capacity": 500, "tier_id": floor.ID},
		map[string]any{"id": "stage", "name": "Stage", "type": "non_sellable"},
	}}
	var s1 sessionView
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/events/"+ev.ID.String()+"/sessions",
		sessionBody(start, time.Now().Add(-time.Hour), layout), &s1)
	if s1.Status != catalog.SessionScheduled || s1.Layout.SeatCount() != 1000 || !s1.SalesEndTime.Equal(start) {
		t.Fatalf("session: status %s, %d seats, sales end %v", s1.Status, s1.Layout.SeatCount(), s1.SalesEndTime)
	}
	rows := s1.Layout.Blocks[0].Rows
	if rows[0].Label != "A" || rows[19].Label != "T" || rows[19].Seats[49].Label != "T50" {
		t.Fatal("grid labels are not A1..T50")
	}

	// Block two seats: the stored layout is sent back with blocked_seat_ids; IDs stay.
	a1, a2 := rows[0].Seats[0].ID, rows[0].Seats[1].ID
	put := map[string]any{"blocks": s1.Layout.Blocks, "blocked_seat_ids": []uuid.UUID{a1, a2}}
	var s1b sessionView
	a.must(http.StatusOK, "organizer", "PUT", "/api/v1/sessions/"+s1.ID.String()+"/layout", put, &s1b)
	if s1b.Layout.Blocks[0].Rows[0].Seats[0].ID != a1 || len(s1b.Layout.BlockedSeatIDs) != 2 {
		t.Fatalf("layout after blocking: %v", s1b.Layout.BlockedSeatIDs)
	}
	var stored string
	if err := db.QueryRow(ctx, `SELECT layout->'blocked_seat_ids'->>0 FROM catalog.sessions WHERE id = $1`, s1.ID).Scan(&stored); err != nil || stored != a1.String() {
		t.Fatalf("stored blocked seat %q, %v", stored, err)
	}

	// A second session whose sales open next week, and a discount.
	var s2 sessionView
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/events/"+ev.ID.String()+"/sessions",
		sessionBody(start.Add(24*time.Hour), time.Now().Add(7*24*time.Hour), gridLayout(vip.ID, 2, 10)), &s2)
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/events/"+ev.ID.String()+"/discounts",
		map[string]any{"code": "early-bird", "kind": "PERCENTAGE", "percent": 15, "max_discount_minor": 3000, "public": true,
			"tier_ids": []uuid.UUID{std.ID}, "session_ids": []uuid.UUID{s1.ID}}, nil)

	// Submit; a second submit is a conflict naming the status; only event_admin approves.
	var pending eventView
	beforeSubmit := time.Now().Add(-time.Second)
	a.must(http.StatusOK, "organizer", "POST", "/api/v1/events/"+ev.ID.String()+"/submit", nil, &pending)
	if pending.Status != catalog.EventPending || pending.SubmittedAt == nil || pending.SubmittedAt.Before(beforeSubmit) {
		t.Fatalf("after submit: %s, submitted at %v", pending.Status, pending.SubmittedAt)
	}
	e := wantError(t, a.do("organizer", "POST", "/api/v1/events/"+ev.ID.String()+"/submit", nil), http.StatusConflict, "conflict")
	if e.Error.Details["status"] != "PENDING" {
		t.Fatalf("details %v", e.Error.Details)
	}
	wantError(t, a.do("organizer", "POST", "/api/v1/events/"+ev.ID.String()+"/approve", nil), http.StatusForbidden, "forbidden")
	var pendingList page[eventSummaryView]
	a.must(http.StatusOK, "admin", "GET", "/api/v1/manage/events?status=PENDING&page_size=200", nil, &pendingList)
	if i := slices.IndexFunc(pendingList.Items, func(x eventSummaryView) bool { return x.ID == ev.ID }); i >= 0 {
		if got := pendingList.Items[i]; got.OrganizationName != org.Name || got.SubmittedAt == nil || !got.SubmittedAt.Equal(*pending.SubmittedAt) {
			t.Fatalf("queued event names %q, submitted at %v; want %q, %v", got.OrganizationName, got.SubmittedAt, org.Name, pending.SubmittedAt)
		}
	} else if pendingList.Total <= 200 {
		t.Fatal("the admin's PENDING queue misses the event")
	}

	var approved eventView
	a.must(http.StatusOK, "admin", "POST", "/api/v1/events/"+ev.ID.String()+"/approve", nil, &approved)
	status := map[uuid.UUID]catalog.SessionStatus{}
	for _, s := range approved.Sessions {
		status[s.ID] = s.Status
	}
	if approved.Status != catalog.EventApproved || status[s1.ID] != catalog.SessionOnSale || status[s2.ID] != catalog.SessionScheduled {
		t.Fatalf("after approval: event %s, sessions %v", approved.Status, status)
	}
	if approved.OrganizationName != org.Name || approved.SubmittedAt == nil || !approved.SubmittedAt.Equal(*pending.SubmittedAt) {
		t.Fatalf("approval answers organization %q, submitted at %v", approved.OrganizationName, approved.SubmittedAt)
	}
	var dbStatus string
	if err := db.QueryRow(ctx, `SELECT status FROM catalog.sessions WHERE id = $1`, s1.ID).Scan(&dbStatus); err != nil || dbStatus != "ON_SALE" {
		t.Fatalf("stored session status %q, %v", dbStatus, err)
	}

	// Edits stay public without a new review.
	var edited eventView
	a.must(http.StatusOK, "organizer", "PATCH", "/api/v1/events/"+ev.ID.String(), map[string]any{"description": "Now with fireworks", "title": nil}, &edited)
	if edited.Status != catalog.EventApproved || edited.Description != "Now with fireworks" || edited.Title != ev.Title {
		t.Fatalf("after PATCH: status %s, description %q, title %q", edited.Status, edited.Description, edited.Title)
	}
	var tier tierView
	a.must(http.StatusOK, "organizer", "PATCH", "/api/v1/tiers/"+std.ID.String(), map[string]any{"price_minor": 2750}, &tier)
	var price int64
	if err := db.QueryRow(ctx, `SELECT price_minor FROM catalog.tiers WHERE id = $1`, std.ID).Scan(&price); err != nil || price != 2750 || tier.PriceMinor != 2750 {
		t.Fatalf("price %d / %d, %v", price, tier.PriceMinor, err)
	}
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/events/"+ev.ID.String()+"/tiers",
		map[string]any{"name": "Balcony", "price_minor": 4000, "currency": "EUR"}, nil)

	// On sale, a layout may grow but never lose a seat.
	shrunk := slices.Clone(s1b.Layout.Blocks)
	stalls := shrunk[0]
	stalls.Rows = stalls.Rows[:19]
	shrunk[0] = stalls
	e = wantError(t, a.do("organizer", "PUT", "/api/v1/sessions/"+s1.ID.String()+"/layout",
		map[string]any{"blocks": shrunk, "blocked_seat_ids": []uuid.UUID{a1, a2}}), http.StatusConflict, "conflict")
	if ids, _ := e.Error.Details["seat_ids"].([]any); len(ids) != 50 {
		t.Fatalf("conflict names %d seats, want the 50 of row T", len(ids))
	}
	grown := append(slices.Clone(s1b.Layout.Blocks), catalog.Block{ID: "balcony", Name: "Balcony", Type: catalog.BlockStanding, Capacity: 40, TierID: vip.ID})
	var s1c sessionView
	a.must(http.StatusOK, "organizer", "PUT", "/api/v1/sessions/"+s1.ID.String()+"/layout",
		map[string]any{"blocks": grown, "blocked_seat_ids": []uuid.UUID{a1, a2}}, &s1c)
	if len(s1c.Layout.Blocks) != 4 || s1c.Status != catalog.SessionOnSale {
		t.Fatalf("grown layout: %d blocks, %s", len(s1c.Layout.Blocks), s1c.Status)
	}

	// Deleting needs the selling session cancelled first.
	e = wantError(t, a.do("organizer", "DELETE", "/api/v1/events/"+ev.ID.String(), nil), http.StatusConflict, "conflict")
	if ids, _ := e.Error.Details["session_ids"].([]any); len(ids) != 1 {
		t.Fatalf("details %v", e.Error.Details)
	}
	wantError(t, a.do("organizer", "DELETE", "/api/v1/sessions/"+s1.ID.String(), nil), http.StatusConflict, "conflict")
	var cancelled sessionView
	a.must(http.StatusOK, "organizer", "POST", "/api/v1/sessions/"+s1.ID.String()+"/cancel", nil, &cancelled)
	if cancelled.Status != catalog.SessionCancelled {
		t.Fatalf("after cancel: %s", cancelled.Status)
	}
	e = wantError(t, a.do("organizer", "POST", "/api/v1/sessions/"+s1.ID.String()+"/cancel", nil), http.StatusConflict, "conflict")
	if e.Error.Details["status"] != "CANCELLED" {
		t.Fatalf("details %v", e.Error.Details)
	}

	// Reject flow on another event: reject with a reason, resubmit clears it.
	var ev2 eventView
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/events", eventBody(org.ID), &ev2)
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/events/"+ev2.ID.String()+"/sessions",
		sessionBody(start, time.Now().Add(24*time.Hour), gridLayout(ev2.Tiers[0].ID, 1, 5)), nil)
	a.must(http.StatusOK, "organizer", "POST", "/api/v1/events/"+ev2.ID.String()+"/submit", nil, nil)
	wantError(t, a.do("organizer", "POST", "/api/v1/events/"+ev2.ID.String()+"/reject", map[string]any{"reason": "no"}), http.StatusForbidden, "forbidden")
	wantError(t, a.do("admin", "POST", "/api/v1/events/"+ev2.ID.String()+"/reject", map[string]any{"reason": ""}), http.StatusBadRequest, "invalid")
	var rejected eventView
	a.must(http.StatusOK, "admin", "POST", "/api/v1/events/"+ev2.ID.String()+"/reject", map[string]any{"reason": "Cover image missing"}, &rejected)
	if rejected.Status != catalog.EventRejected || rejected.RejectionReason != "Cover image missing" {
		t.Fatalf("rejected: %s %q", rejected.Status, rejected.RejectionReason)
	}
	e = wantError(t, a.do("admin", "POST", "/api/v1/events/"+ev2.ID.String()+"/approve", nil), http.StatusConflict, "conflict")
	if e.Error.Details["status"] != "REJECTED" {
		t.Fatalf("details %v", e.Error.Details)
	}
	var resubmitted eventView
	a.must(http.StatusOK, "organizer", "POST", "/api/v1/events/"+ev2.ID.String()+"/submit", nil, &resubmitted)
	if resubmitted.Status != catalog.EventPending || resubmitted.RejectionReason != "" {
		t.Fatalf("resubmitted: %s %q", resubmitted.Status, resubmitted.RejectionReason)
	}

	// Delete the first event: tiers, sessions and discounts go by cascade.
	a.must(http.StatusNoContent, "organizer", "DELETE", "/api/v1/events/"+ev.ID.String(), nil, nil)
	wantError(t, a.do("organizer", "GET", "/api/v1/manage/events/"+ev.ID.String(), nil), http.StatusNotFound, "not_found")
	var left int
	if err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM catalog.tiers WHERE event_id = $1) + (SELECT count(*) FROM catalog.sessions WHERE event_id = $1)
		+ (SELECT count(*) FROM catalog.discounts WHERE event_id = $1)`, ev.ID).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d child rows left after deleting the event (%v)", left, err)
	}
	// The organization still has an event, so it cannot go yet.
	wantError(t, a.do("organizer", "DELETE", "/api/v1/organizations/"+org.ID.String(), nil), http.StatusConflict, "conflict")
}
