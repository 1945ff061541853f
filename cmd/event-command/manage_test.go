package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/command"
	"github.com/ticketly/ticketly/internal/health"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/metrics"
	"github.com/ticketly/ticketly/internal/openapi"
	"github.com/ticketly/ticketly/internal/postgres"
)

// TestReadsStayOffThePublicPaths: the public entry point sends every GET of /api/v1/events,
// /sessions and /categories to event-query (SPEC section 10), so each read this service
// serves lives under a prefix event-query never uses.
func TestReadsStayOffThePublicPaths(t *testing.T) {
	t.Parallel()
	r := routes(httpapi.Base{Health: health.New(0), Metrics: metrics.New(service), OpenAPI: openapiDoc}, func(h http.Handler) http.Handler { return h }, nil)
	served, err := openapi.Routes(r)
	if err != nil {
		t.Fatal(err)
	}
	own := []string{"/api/v1/manage/", "/api/v1/organizations", "/api/v1/seating-templates/"}
	for _, op := range served {
		path, isGet := strings.CutPrefix(op, "GET ")
		if !isGet || !strings.HasPrefix(path, "/api/") {
			continue
		}
		if !slices.ContainsFunc(own, func(p string) bool { return strings.HasPrefix(path, p) }) {
			t.Errorf("%s is outside %v", op, own)
		}
	}
}

// TestApprovalQueueSeesEveryOrganization: event_admin alone (no organization_admin, no
// membership) lists and reads the PENDING events of any organization at /api/v1/manage —
// the admins' approval queue — while a plain user is told the organization does not exist.
func TestApprovalQueueSeesEveryOrganization(t *testing.T) {
	t.Parallel()
	a := startAPI(t)
	f := newFixture(t, a)
	a.must(http.StatusOK, "organizer", "POST", "/api/v1/events/"+f.event.ID.String()+"/submit", nil, nil)

	store := postgres.NewCatalog(testDB(t))
	app := command.NewService(store.Organizations, store.Categories, store.Events, store.Templates, nil, time.Now)
	as := func(roles ...string) *httptest.Server {
		authn := func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				p := auth.Principal{Subject: uuid.NewString(), Roles: roles}
				next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
			})
		}
		srv := httptest.NewServer(routes(httpapi.Base{Health: health.New(0), Metrics: metrics.New(service), OpenAPI: openapiDoc}, authn, app))
		t.Cleanup(srv.Close)
		return srv
	}
	get := func(srv *httptest.Server, path string, into any) int {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if into != nil && res.StatusCode == http.StatusOK {
			if err := json.NewDecoder(res.Body).Decode(into); err != nil {
				t.Fatal(err)
			}
		}
		return res.StatusCode
	}

	queue := "/api/v1/manage/events?status=PENDING&page_size=200&organization_id=" + f.org.ID.String()
	admin := as(catalog.RoleEventAdmin)
	var pending page[eventSummaryView]
	if code := get(admin, queue, &pending); code != http.StatusOK || len(pending.Items) != 1 || pending.Items[0].ID != f.event.ID {
		t.Fatalf("event_admin's queue: %d %+v", code, pending)
	}
	if q := pending.Items[0]; q.OrganizationName != f.org.Name || q.SubmittedAt == nil {
		t.Fatalf("the queue names organization %q (want %q), submitted at %v", q.OrganizationName, f.org.Name, q.SubmittedAt)
	}
	var ev eventView
	if code := get(admin, "/api/v1/manage/events/"+f.event.ID.String(), &ev); code != http.StatusOK || ev.Status != catalog.EventPending || len(ev.Sessions) != 1 ||
		ev.OrganizationName != f.org.Name || ev.SubmittedAt == nil || !ev.SubmittedAt.Equal(*pending.Items[0].SubmittedAt) {
		t.Fatalf("event_admin reads the pending event: %d %+v", code, ev)
	}
	if code := get(as(), queue, nil); code != http.StatusBadRequest {
		t.Fatalf("a plain user's view of a foreign organization's queue: %d, want 400", code)
	}
}
