package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/svctest"
)

// Integration helpers: the service runs in-process against the real PostgreSQL and
// Keycloak of the local stack; tests isolate themselves by unique names and IDs and clean
// up what they create through the API.

type api struct {
	t   *testing.T
	url string
}

func startAPI(t *testing.T) *api {
	t.Helper()
	s := svctest.Start(t, run, nil)
	return &api{t: t, url: s.URL}
}

type response struct {
	Code   int
	Body   []byte
	Header http.Header
}

// auth returns the Authorization header value for who: a realm user name, "" for no
// header, or "raw:<header value>" for a literal header.
func (a *api) auth(who string) string {
	switch {
	case who == "":
		return ""
	case strings.HasPrefix(who, "raw:"):
		return strings.TrimPrefix(who, "raw:")
	default:
		return "Bearer " + svctest.Token(a.t, who)
	}
}

// do sends body (nil: none; string or []byte: raw; otherwise JSON) as who.
func (a *api) do(who, method, path string, body any) response {
	a.t.Helper()
	return a.doType(who, method, path, body, "application/json")
}

func (a *api) doType(who, method, path string, body any, contentType string) response {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, a.url+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if rd != nil && contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if h := a.auth(who); h != "" {
		req.Header.Set("Authorization", h)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return response{Code: resp.StatusCode, Body: raw, Header: resp.Header}
}

// must sends the request and fails unless the status is want; it decodes the body into out.
func (a *api) must(want int, who, method, path string, body, out any) response {
	a.t.Helper()
	r := a.do(who, method, path, body)
	if r.Code != want {
		a.t.Fatalf("%s %s as %q: status %d, want %d: %s", method, path, who, r.Code, want, r.Body)
	}
	if out != nil {
		if err := json.Unmarshal(r.Body, out); err != nil {
			a.t.Fatalf("%s %s: decode %s: %v", method, path, r.Body, err)
		}
	}
	return r
}

// errorBody is the JSON error envelope.
type errorBody struct {
	Error struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
	} `json:"error"`
}

func (r response) err(t *testing.T) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(r.Body, &e); err != nil || e.Error.Code == "" {
		t.Fatalf("status %d without a JSON error body: %s", r.Code, r.Body)
	}
	if e.Error.Message == "" {
		t.Fatalf("error without a message: %s", r.Body)
	}
	return e
}

// wantError fails unless r has status and error code.
func wantError(t *testing.T, r response, status int, code string) errorBody {
	t.Helper()
	if r.Code != status {
		t.Fatalf("status %d, want %d: %s", r.Code, status, r.Body)
	}
	e := r.err(t)
	if e.Error.Code != code {
		t.Fatalf("error code %q, want %q: %s", e.Error.Code, code, r.Body)
	}
	return e
}

func unique(prefix string) string { return prefix + "-" + uuid.NewString()[:13] }

// ---- database read-back ----

func testDB(t *testing.T) *pgxpool.Pool {
	svctest.RequireStack(t, svctest.Postgres)
	t.Helper()
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		url = "postgres://ticketly_command:ticketly_command@127.0.0.1:5432/ticketly"
	}
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("postgres at %s: %v (is the local stack up? make stack)", url, err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// fingerprint is a digest of every row of catalog that belongs to an organization; equal
// fingerprints mean nothing of it changed.
func fingerprint(t *testing.T, db *pgxpool.Pool, orgID uuid.UUID) string {
	t.Helper()
	var fp string
	err := db.QueryRow(context.Background(), `
		WITH ev AS (SELECT id FROM catalog.events WHERE organization_id = $1)
		SELECT md5(coalesce(string_agg(r, '|' ORDER BY r), '')) FROM (
			SELECT row_to_json(o)::text AS r FROM catalog.organizations o WHERE id = $1
			UNION ALL SELECT row_to_json(m)::text FROM catalog.organization_members m WHERE organization_id = $1
			UNION ALL SELECT row_to_json(s)::text FROM catalog.seating_templates s WHERE organization_id = $1
			UNION ALL SELECT row_to_json(e)::text FROM catalog.events e WHERE organization_id = $1
			UNION ALL SELECT row_to_json(x)::text FROM catalog.tiers x WHERE event_id IN (SELECT id FROM ev)
			UNION ALL SELECT row_to_json(x)::text FROM catalog.sessions x WHERE event_id IN (SELECT id FROM ev)
			UNION ALL SELECT row_to_json(x)::text FROM catalog.discounts x WHERE event_id IN (SELECT id FROM ev)
		) rows`, orgID).Scan(&fp)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

// ---- fixtures ----

// fixture is an organization owned by organizer with a DRAFT event (tiers VIP 5000 and
// Standard 2500 EUR), a session with a small layout, a discount and a seating template.
type fixture struct {
	org      orgView
	event    eventView
	session  sessionView
	discount discountView
	template templateView
	vip, std tierView
}

func orgBody(name string) map[string]any {
	return map[string]any{"name": name, "website": "https://example.com"}
}

func eventBody(orgID uuid.UUID) map[string]any {
	return map[string]any{
		"organization_id": orgID, "title": unique("Test event"), "description": "A test", "overview": "## Overview",
		"cover_images": []string{"https://img.example.com/cover.jpg"},
		"tiers": []map[string]any{
			{"name": "VIP", "colour": "#aa0000", "price_minor": 5000, "currency": "EUR"},
			{"name": "Standard", "price_minor": 2500, "currency": "EUR"},
		},
	}
}

func sessionBody(start time.Time, salesStart time.Time, layout any) map[string]any {
	b := map[string]any{
		"start_time": start.Format(time.RFC3339), "end_time": start.Add(3 * time.Hour).Format(time.RFC3339),
		"sales_start_time": salesStart.Format(time.RFC3339), "session_type": "PHYSICAL",
		"venue": map[string]any{"name": "Concertgebouw", "address": "Concertgebouwplein 10, Amsterdam", "latitude": 52.3563, "longitude": 4.8791},
	}
	if layout != nil {
		b["layout"] = layout
	}
	return b
}

func gridLayout(tier uuid.UUID, rows, cols int) map[string]any {
	return map[string]any{"blocks": []any{
		map[string]any{"id": "stalls", "name": "Stalls", "type": "seated_grid", "grid": map[string]any{"rows": rows, "columns": cols, "tier_id": tier}},
	}}
}

func newOrg(t *testing.T, a *api, owner string) orgView {
	t.Helper()
	var o orgView
	a.must(http.StatusCreated, owner, "POST", "/api/v1/organizations", orgBody(unique("test-org")), &o)
	t.Cleanup(func() { cleanupOrg(t, a, o.ID) })
	return o
}

func newFixture(t *testing.T, a *api) *fixture {
	t.Helper()
	f := &fixture{org: newOrg(t, a, "organizer")}
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/events", eventBody(f.org.ID), &f.event)
	f.vip, f.std = f.event.Tiers[0], f.event.Tiers[1]
	start := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/events/"+f.event.ID.String()+"/sessions",
		sessionBody(start, time.Now().Add(-time.Hour), gridLayout(f.vip.ID, 2, 5)), &f.session)
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/events/"+f.event.ID.String()+"/discounts",
		map[string]any{"code": "FIX10", "kind": "PERCENTAGE", "percent": 10, "public": true}, &f.discount)
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/organizations/"+f.org.ID.String()+"/seating-templates",
		map[string]any{"name": "Hall", "layout": map[string]any{"blocks": []any{map[string]any{"id": "ga", "name": "Floor", "type": "standing", "capacity": 100}}}}, &f.template)
	return f
}

// cleanupOrg deletes an organization with everything in it, as admin (organization_admin
// and event_admin): selling sessions are cancelled, then events and the organization go.
func cleanupOrg(t *testing.T, a *api, orgID uuid.UUID) {
	t.Helper()
	var events page[eventSummaryView]
	r := a.do("admin", "GET", "/api/v1/manage/events?page_size=200&organization_id="+orgID.String(), nil)
	if r.Code == http.StatusNotFound {
		return
	}
	if r.Code != http.StatusOK || json.Unmarshal(r.Body, &events) != nil {
		t.Errorf("cleanup: list events of %s: %d %s", orgID, r.Code, r.Body)
		return
	}
	for _, e := range events.Items {
		var ev eventView
		if r := a.do("admin", "GET", "/api/v1/manage/events/"+e.ID.String(), nil); r.Code == http.StatusOK && json.Unmarshal(r.Body, &ev) == nil {
			for _, s := range ev.Sessions {
				if s.Status == catalog.SessionOnSale || s.Status == catalog.SessionSoldOut {
					a.do("admin", "POST", "/api/v1/sessions/"+s.ID.String()+"/cancel", nil)
				}
			}
		}
		if r := a.do("admin", "DELETE", "/api/v1/events/"+e.ID.String(), nil); r.Code != http.StatusNoContent && r.Code != http.StatusNotFound {
			t.Errorf("cleanup: delete event %s: %d %s", e.ID, r.Code, r.Body)
		}
	}
	if r := a.do("admin", "DELETE", "/api/v1/organizations/"+orgID.String(), nil); r.Code != http.StatusNoContent && r.Code != http.StatusNotFound {
		t.Errorf("cleanup: delete organization %s: %d %s", orgID, r.Code, r.Body)
	}
}

// freeUser returns a FREE-tier user of the realm for tests that exercise plan limits.
func freeUser(t *testing.T, a *api) string {
	t.Helper()
	// A FREE user who owns no organization; organizations of others (users of a long-lived
	// stack, other tests) are never touched.
	for _, n := range rand.Perm(501) {
		user := fmt.Sprintf("buyer%d", 500+n)
		var mine list[myOrgView]
		a.must(http.StatusOK, user, "GET", "/api/v1/organizations/mine", nil, &mine)
		sub := svctest.Subject(t, user)
		if !slices.ContainsFunc(mine.Items, func(o myOrgView) bool { return o.OwnerID == sub }) {
			return user
		}
	}
	t.Fatal("every user buyer500..buyer1000 owns an organization: no FREE user is left for the plan-limit test")
	return ""
}
