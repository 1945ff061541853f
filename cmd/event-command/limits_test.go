package main

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ticketly/ticketly/internal/catalog"
)

func wantLimit(t *testing.T, r response, limit catalog.Limit, maxN int) {
	t.Helper()
	e := wantError(t, r, http.StatusForbidden, "forbidden")
	if e.Error.Details["limit"] != string(limit) || e.Error.Details["plan"] != "FREE" || e.Error.Details["max"] != float64(maxN) {
		t.Fatalf("limit details %v", e.Error.Details)
	}
}

// TestPlanLimits exercises the FREE tier's limits with a FREE user of the realm:
// organizations per user (also under concurrency), seating templates per organization,
// sessions per event and active events.
func TestPlanLimits(t *testing.T) {
	t.Parallel()
	a := startAPI(t)
	user := freeUser(t, a)

	// Six concurrent creations: exactly three fit the FREE plan.
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		codes   = map[int]int{}
		created []orgView
	)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := a.do(user, "POST", "/api/v1/organizations", orgBody(unique("test-org")))
			mu.Lock()
			defer mu.Unlock()
			codes[r.Code]++
			var o orgView
			if r.Code == http.StatusCreated && json.Unmarshal(r.Body, &o) == nil {
				created = append(created, o)
			}
		}()
	}
	wg.Wait()
	for _, o := range created {
		t.Cleanup(func() { cleanupOrg(t, a, o.ID) })
	}
	if codes[http.StatusCreated] != 3 || codes[http.StatusForbidden] != 3 {
		t.Fatalf("concurrent organization creation: %v, want 3×201 and 3×403", codes)
	}
	wantLimit(t, a.do(user, "POST", "/api/v1/organizations", orgBody(unique("test-org"))), catalog.LimitOrganizations, 3)
	org := created[0]

	// Seating templates per organization: 5.
	tpl := map[string]any{"name": "Hall", "layout": map[string]any{"blocks": []any{map[string]any{"id": "ga", "name": "Floor", "type": "standing", "capacity": 10}}}}
	for range 5 {
		a.must(http.StatusCreated, user, "POST", "/api/v1/organizations/"+org.ID.String()+"/seating-templates", tpl, nil)
	}
	wantLimit(t, a.do(user, "POST", "/api/v1/organizations/"+org.ID.String()+"/seating-templates", tpl), catalog.LimitLayouts, 5)

	// Sessions per event: 5.
	var ev eventView
	a.must(http.StatusCreated, user, "POST", "/api/v1/events", eventBody(org.ID), &ev)
	start := time.Now().Add(60 * 24 * time.Hour)
	session := func(e eventView, i int) map[string]any {
		return sessionBody(start.Add(time.Duration(i)*24*time.Hour), time.Now().Add(30*24*time.Hour), gridLayout(e.Tiers[0].ID, 1, 2))
	}
	var sessions []sessionView
	for i := range 5 {
		var s sessionView
		a.must(http.StatusCreated, user, "POST", "/api/v1/events/"+ev.ID.String()+"/sessions", session(ev, i), &s)
		sessions = append(sessions, s)
	}
	wantLimit(t, a.do(user, "POST", "/api/v1/events/"+ev.ID.String()+"/sessions", session(ev, 6)), catalog.LimitSessionsPerEvent, 5)

	// Active events: 1. An event in review counts, since approval would make it active.
	var ev2 eventView
	a.must(http.StatusCreated, user, "POST", "/api/v1/events", eventBody(created[1].ID), &ev2)
	a.must(http.StatusCreated, user, "POST", "/api/v1/events/"+ev2.ID.String()+"/sessions", session(ev2, 0), nil)
	a.must(http.StatusOK, user, "POST", "/api/v1/events/"+ev.ID.String()+"/submit", nil, nil)
	wantLimit(t, a.do(user, "POST", "/api/v1/events/"+ev2.ID.String()+"/submit", nil), catalog.LimitActiveEvents, 1)
	a.must(http.StatusOK, "admin", "POST", "/api/v1/events/"+ev.ID.String()+"/approve", nil, nil)
	wantLimit(t, a.do(user, "POST", "/api/v1/events/"+ev2.ID.String()+"/submit", nil), catalog.LimitActiveEvents, 1)
	// Once every session of the approved event is cancelled it is no longer active.
	for _, s := range sessions {
		a.must(http.StatusOK, user, "POST", "/api/v1/sessions/"+s.ID.String()+"/cancel", nil, nil)
	}
	a.must(http.StatusOK, user, "POST", "/api/v1/events/"+ev2.ID.String()+"/submit", nil, nil)
}
