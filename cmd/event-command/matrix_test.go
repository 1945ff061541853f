package main

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/health"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/metrics"
	"github.com/ticketly/ticketly/internal/openapi"
	"github.com/ticketly/ticketly/internal/svctest"
)

// matrixRoute is one API route with a valid request for the matrix fixture and what an
// unrelated user (buyer) and a SCANNER member get.
type matrixRoute struct {
	method, pattern string
	id              string                 // what {id} names: org, event, session, tier, discount, template, category
	body            func(*matrix) any      // a valid body (nil: none)
	buyer, scanner  int                    // expected status; 0 = not checked (the request would succeed and change data)
	str             string                 // a string field of the body, for type and operator injection checks
	badUUID         func(*matrix) any      // the valid body with a malformed UUID in it
	layout          bool                   // carries a layout: 4 MiB body limit
	extra           []func(*matrix) badReq // more invalid bodies for this route
}

type badReq struct {
	name  string
	body  any
	field string // the field details.fields must name ("" = not checked)
}

// matrix is the world the matrix runs in: a fixture organization with a SCANNER member,
// and a category made by the admin.
type matrix struct {
	*fixture
	category categoryView
	member   string
	catName  string
}

func (m *matrix) idOf(kind string) string {
	return map[string]string{
		"org": m.org.ID.String(), "event": m.event.ID.String(), "session": m.session.ID.String(),
		"tier": m.std.ID.String(), "discount": m.discount.ID.String(), "template": m.template.ID.String(),
		"category": m.category.ID.String(),
	}[kind]
}

func (m *matrix) path(r matrixRoute, id string) string {
	p := strings.Replace(r.pattern, "{id}", id, 1)
	return strings.Replace(p, "{user_id}", m.member, 1)
}

func with(base map[string]any, k string, v any) map[string]any {
	out := maps.Clone(base)
	out[k] = v
	return out
}

func templateBody(_ *matrix) any {
	return map[string]any{"name": "Matrix hall", "layout": map[string]any{"blocks": []any{
		map[string]any{"id": "b", "name": "B", "type": "seated_grid", "grid": map[string]any{"rows": 2, "columns": 2}}}}}
}

func matrixRoutes() []matrixRoute {
	// nf: the resource is private to its organization (a template, a draft event and what
	// is in it): to an unrelated user it does not exist, exactly like a random id.
	const f, ok, nf = http.StatusForbidden, http.StatusOK, http.StatusNotFound
	sessionB := func(m *matrix) map[string]any {
		return sessionBody(time.Now().Add(40*24*time.Hour), time.Now().Add(24*time.Hour), gridLayout(m.vip.ID, 1, 2))
	}
	discountB := map[string]any{"code": "MATRIX", "kind": "FLAT_OFF", "amount_minor": 100}
	return []matrixRoute{
		{method: "POST", pattern: "/api/v1/organizations", body: func(m *matrix) any { return orgBody(m.catName) }, str: "name"},
		{method: "GET", pattern: "/api/v1/organizations", buyer: f, scanner: f},
		{method: "GET", pattern: "/api/v1/organizations/mine", buyer: ok, scanner: ok},
		{method: "GET", pattern: "/api/v1/organizations/{id}", id: "org", buyer: nf, scanner: ok},
		{method: "PATCH", pattern: "/api/v1/organizations/{id}", id: "org", body: func(*matrix) any { return map[string]any{"name": "Renamed"} },
			buyer: nf, scanner: f, str: "name",
			extra: []func(*matrix) badReq{func(*matrix) badReq { return badReq{"bad website", map[string]any{"website": "not a url"}, "website"} }}},
		{method: "DELETE", pattern: "/api/v1/organizations/{id}", id: "org", buyer: nf, scanner: f},
		{method: "GET", pattern: "/api/v1/organizations/{id}/members", id: "org", buyer: nf, scanner: ok},
		{method: "POST", pattern: "/api/v1/organizations/{id}/members", id: "org", body: func(*matrix) any { return map[string]any{"user": "scanner", "roles": []string{"SCANNER"}} }, buyer: nf, scanner: f, str: "user", extra: []func(*matrix) badReq{func(*matrix) badReq { return badReq{"no user", map[string]any{"roles": []string{"SCANNER"}}, "user"} }, func(*matrix) badReq {
			return badReq{"unknown role", map[string]any{"user": "scanner", "roles": []string{"OWNER"}}, "roles[0]"}
		}}},
		{method: "PUT", pattern: "/api/v1/organizations/{id}/members/{user_id}", id: "org", body: func(*matrix) any { return map[string]any{"roles": []string{"SCANNER"}} },
			buyer: nf, scanner: f,
			extra: []func(*matrix) badReq{
				func(*matrix) badReq {
					return badReq{"unknown role", map[string]any{"roles": []string{"OWNER"}}, "roles[0]"}
				},
				func(*matrix) badReq { return badReq{"no roles", map[string]any{"roles": []string{}}, "roles"} },
				func(*matrix) badReq { return badReq{"roles as string", map[string]any{"roles": "ADMIN"}, "roles"} },
			}},
		{method: "DELETE", pattern: "/api/v1/organizations/{id}/members/{user_id}", id: "org", buyer: nf, scanner: f},
		{method: "POST", pattern: "/api/v1/organizations/{id}/seating-templates", id: "org", body: templateBody, buyer: nf, scanner: f, str: "name", layout: true,
			extra: []func(*matrix) badReq{func(*matrix) badReq {
				return badReq{"capacity as string", map[string]any{"name": "x", "layout": map[string]any{"blocks": []any{map[string]any{"id": "g", "name": "G", "type": "standing", "capacity": "lots"}}}}, "layout.blocks[0].capacity"}
			}}},
		{method: "GET", pattern: "/api/v1/organizations/{id}/seating-templates", id: "org", buyer: nf, scanner: ok},
		{method: "GET", pattern: "/api/v1/seating-templates/{id}", id: "template", buyer: nf, scanner: ok},
		{method: "PUT", pattern: "/api/v1/seating-templates/{id}", id: "template", body: templateBody, buyer: nf, scanner: f, str: "name", layout: true},
		{method: "DELETE", pattern: "/api/v1/seating-templates/{id}", id: "template", buyer: nf, scanner: f},
		{method: "GET", pattern: "/api/v1/manage/categories", buyer: ok, scanner: ok},
		{method: "POST", pattern: "/api/v1/categories", body: func(m *matrix) any { return map[string]any{"name": m.catName + "-new"} }, buyer: f, scanner: f, str: "name",
			badUUID: func(m *matrix) any { return map[string]any{"name": m.catName + "-new", "parent_id": "123"} }},
		{method: "PATCH", pattern: "/api/v1/categories/{id}", id: "category", body: func(m *matrix) any { return map[string]any{"name": m.catName + "-renamed"} }, buyer: f, scanner: f, str: "name",
			badUUID: func(m *matrix) any { return map[string]any{"parent_id": "not-a-uuid"} }},
		{method: "DELETE", pattern: "/api/v1/categories/{id}", id: "category", buyer: f, scanner: f},
		{method: "POST", pattern: "/api/v1/events", body: func(m *matrix) any { return eventBody(m.org.ID) }, buyer: http.StatusBadRequest, scanner: f, str: "title",
			badUUID: func(m *matrix) any { return with(eventBody(m.org.ID), "organization_id", m.org.ID.String()[:35]+"z") },
			extra: []func(*matrix) badReq{
				func(m *matrix) badReq {
					return badReq{"negative price", with(eventBody(m.org.ID), "tiers", []any{map[string]any{"name": "A", "price_minor": -100, "currency": "EUR"}}), "tiers[0].price_minor"}
				},
				func(m *matrix) badReq {
					return badReq{"float price", with(eventBody(m.org.ID), "tiers", []any{map[string]any{"name": "A", "price_minor": 12.5, "currency": "EUR"}}), "tiers[0].price_minor"}
				},
				func(m *matrix) badReq {
					return badReq{"price as string", with(eventBody(m.org.ID), "tiers", []any{map[string]any{"name": "A", "price_minor": "100", "currency": "EUR"}}), "tiers[0].price_minor"}
				},
				func(m *matrix) badReq {
					return badReq{"unknown tier field", with(eventBody(m.org.ID), "tiers", []any{map[string]any{"name": "A", "price": 100, "currency": "EUR"}}), "tiers[0].price"}
				},
				func(m *matrix) badReq { return badReq{"empty title", with(eventBody(m.org.ID), "title", ""), "title"} },
				func(m *matrix) badReq {
					return badReq{"missing organization", with(eventBody(m.org.ID), "organization_id", nil), "organization_id"}
				},
				func(m *matrix) badReq {
					return badReq{"unknown organization", with(eventBody(m.org.ID), "organization_id", uuid.NewString()), "organization_id"}
				},
				func(m *matrix) badReq {
					return badReq{"unknown category", with(eventBody(m.org.ID), "category_id", uuid.NewString()), "category_id"}
				},
			}},
		{method: "GET", pattern: "/api/v1/manage/events", buyer: ok, scanner: ok},
		{method: "GET", pattern: "/api/v1/manage/events/{id}", id: "event", buyer: nf, scanner: ok},
		{method: "PATCH", pattern: "/api/v1/events/{id}", id: "event", body: func(*matrix) any { return map[string]any{"description": "changed"} }, buyer: nf, scanner: f, str: "title",
			badUUID: func(*matrix) any { return map[string]any{"category_id": "{00000000-0000-0000-0000-000000000000}"} },
			extra: []func(*matrix) badReq{
				func(*matrix) badReq { return badReq{"empty title", map[string]any{"title": " "}, "title"} },
				func(*matrix) badReq {
					return badReq{"cover images as object", map[string]any{"cover_images": map[string]any{"$ne": 1}}, "cover_images"}
				},
			}},
		{method: "DELETE", pattern: "/api/v1/events/{id}", id: "event", buyer: nf, scanner: f},
		{method: "POST", pattern: "/api/v1/events/{id}/submit", id: "event", buyer: nf, scanner: f},
		{method: "POST", pattern: "/api/v1/events/{id}/approve", id: "event", buyer: f, scanner: f},
		{method: "POST", pattern: "/api/v1/events/{id}/reject", id: "event", body: func(*matrix) any { return map[string]any{"reason": "no"} }, buyer: f, scanner: f},
		{method: "POST", pattern: "/api/v1/events/{id}/tiers", id: "event", body: func(*matrix) any { return map[string]any{"name": "Matrix", "price_minor": 100, "currency": "EUR"} },
			buyer: nf, scanner: f, str: "name",
			extra: []func(*matrix) badReq{
				func(*matrix) badReq {
					return badReq{"negative price", map[string]any{"name": "M", "price_minor": -1, "currency": "EUR"}, "price_minor"}
				},
				func(*matrix) badReq {
					return badReq{"other currency", map[string]any{"name": "M", "price_minor": 1, "currency": "USD"}, "currency"}
				},
				func(*matrix) badReq {
					return badReq{"price overflow", `{"name":"M","price_minor":99999999999999999999,"currency":"EUR"}`, "price_minor"}
				},
			}},
		{method: "PATCH", pattern: "/api/v1/tiers/{id}", id: "tier", body: func(*matrix) any { return map[string]any{"price_minor": 2600} }, buyer: nf, scanner: f, str: "name",
			extra: []func(*matrix) badReq{func(*matrix) badReq {
				return badReq{"negative price", map[string]any{"price_minor": -2600}, "price_minor"}
			}}},
		{method: "DELETE", pattern: "/api/v1/tiers/{id}", id: "tier", buyer: nf, scanner: f},
		{method: "POST", pattern: "/api/v1/events/{id}/sessions", id: "event", body: func(m *matrix) any { return sessionB(m) }, buyer: nf, scanner: f, str: "session_type", layout: true,
			badUUID: func(m *matrix) any { return with(sessionB(m), "template_id", "template") },
			extra: []func(*matrix) badReq{
				func(m *matrix) badReq {
					return badReq{"bad time", with(sessionB(m), "start_time", "tomorrow"), "start_time"}
				},
				func(m *matrix) badReq {
					return badReq{"latitude 95", with(sessionB(m), "venue", map[string]any{"name": "V", "address": "A", "latitude": 95, "longitude": 0}), "venue.latitude"}
				},
				func(m *matrix) badReq {
					return badReq{"layout seat tier not a uuid", with(sessionB(m), "layout", map[string]any{"blocks": []any{map[string]any{"id": "b", "name": "B", "type": "seated_grid", "grid": map[string]any{"rows": 1, "columns": 1, "tier_id": "vip"}}}}), "layout.blocks[0].grid.tier_id"}
				},
			}},
		{method: "GET", pattern: "/api/v1/manage/sessions/{id}", id: "session", buyer: nf, scanner: ok},
		{method: "PATCH", pattern: "/api/v1/sessions/{id}", id: "session", body: func(*matrix) any {
			return map[string]any{"venue": map[string]any{"name": "New hall", "address": "B", "latitude": 1, "longitude": 2}}
		},
			buyer: nf, scanner: f, str: "online_link",
			extra: []func(*matrix) badReq{
				func(*matrix) badReq {
					return badReq{"end before start", map[string]any{"end_time": "2000-01-01T00:00:00Z"}, "end_time"}
				},
			}},
		{method: "DELETE", pattern: "/api/v1/sessions/{id}", id: "session", buyer: nf, scanner: f},
		{method: "POST", pattern: "/api/v1/sessions/{id}/cancel", id: "session", buyer: nf, scanner: f},
		{method: "PUT", pattern: "/api/v1/sessions/{id}/layout", id: "session", body: func(m *matrix) any { return gridLayout(m.vip.ID, 3, 3) }, buyer: nf, scanner: f, layout: true,
			badUUID: func(m *matrix) any { return with(gridLayout(m.vip.ID, 1, 1), "blocked_seat_ids", []string{"A1"}) },
			extra: []func(*matrix) badReq{
				func(m *matrix) badReq { return badReq{"no blocks", map[string]any{}, "blocks"} },
				func(m *matrix) badReq {
					return badReq{"blocks and template", with(gridLayout(m.vip.ID, 1, 1), "template_id", m.template.ID), "template_id"}
				},
				func(m *matrix) badReq {
					return badReq{"injected block", map[string]any{"blocks": []any{map[string]any{"$where": "1"}}}, "blocks[0].$where"}
				},
			}},
		{method: "POST", pattern: "/api/v1/events/{id}/discounts", id: "event", body: func(*matrix) any { return discountB }, buyer: nf, scanner: f, str: "code",
			badUUID: func(*matrix) any { return with(discountB, "tier_ids", []string{"x"}) },
			extra: []func(*matrix) badReq{
				func(*matrix) badReq {
					return badReq{"percent 150", map[string]any{"code": "P", "kind": "PERCENTAGE", "percent": 150}, "percent"}
				},
				func(*matrix) badReq {
					return badReq{"negative amount", map[string]any{"code": "NEG", "kind": "FLAT_OFF", "amount_minor": -5}, "amount_minor"}
				},
				func(*matrix) badReq {
					return badReq{"unknown tier", with(discountB, "tier_ids", []string{uuid.NewString()}), "tier_ids[0]"}
				},
			}},
		{method: "GET", pattern: "/api/v1/manage/events/{id}/discounts", id: "event", buyer: nf, scanner: ok},
		{method: "PATCH", pattern: "/api/v1/discounts/{id}", id: "discount", body: func(*matrix) any { return map[string]any{"percent": 20} }, buyer: nf, scanner: f, str: "code",
			badUUID: func(*matrix) any { return map[string]any{"session_ids": []string{"1"}} },
			extra: []func(*matrix) badReq{func(*matrix) badReq {
				return badReq{"amount on a percentage", map[string]any{"amount_minor": 5}, "amount_minor"}
			}}},
		{method: "DELETE", pattern: "/api/v1/discounts/{id}", id: "discount", buyer: nf, scanner: f},
	}
}

func newMatrix(t *testing.T, a *api) *matrix {
	t.Helper()
	m := &matrix{fixture: newFixture(t, a), member: uuid.NewString(), catName: unique("matrix-cat")}
	a.must(http.StatusCreated, "organizer", "PUT", "/api/v1/organizations/"+m.org.ID.String()+"/members/"+svctest.Subject(t, "scanner"),
		map[string]any{"roles": []string{"SCANNER"}}, nil)
	a.must(http.StatusCreated, "admin", "POST", "/api/v1/categories", map[string]any{"name": m.catName}, &m.category)
	t.Cleanup(func() { a.do("admin", "DELETE", "/api/v1/categories/"+m.category.ID.String(), nil) })
	return m
}

// unchanged returns a check that nothing of the matrix's data changed since it was made.
func unchanged(t *testing.T, a *api, m *matrix) func(string) {
	db := testDB(t)
	fp := fingerprint(t, db, m.org.ID)
	catRow := func() string {
		var s string
		if err := db.QueryRow(t.Context(), `SELECT coalesce((SELECT row_to_json(c)::text FROM catalog.categories c WHERE id = $1), '')
			|| (SELECT count(*) FROM catalog.categories WHERE name LIKE $2 || '%')::text
			|| (SELECT count(*) FROM catalog.organizations WHERE name LIKE $2 || '%')::text`, m.category.ID, m.catName).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	cats := catRow()
	return func(when string) {
		t.Helper()
		if got := fingerprint(t, db, m.org.ID); got != fp {
			t.Fatalf("%s changed the organization's data", when)
		}
		if got := catRow(); got != cats {
			t.Fatalf("%s changed categories or created organizations: %s -> %s", when, cats, got)
		}
	}
}

// forgedToken is a well-formed JWT with Keycloak's claims, signed by a key Keycloak never had.
func forgedToken(t *testing.T) string {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "forged"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	claims, _ := json.Marshal(map[string]any{"iss": "http://localhost:8180/realms/ticketly", "aud": "ticketly-api", "typ": "Bearer",
		"sub": svctest.Subject(t, "admin"), "exp": time.Now().Add(time.Hour).Unix(), "realm_access": map[string]any{"roles": []string{"event_admin"}}})
	jws, err := signer.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := jws.CompactSerialize()
	return s
}

// tamperedToken is a real token whose payload was edited (the signature no longer matches).
func tamperedToken(t *testing.T) string {
	parts := strings.Split(svctest.Token(t, "buyer"), ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	_ = json.Unmarshal(payload, &claims)
	claims["realm_access"] = map[string]any{"roles": []string{"event_admin", "category_admin", "organization_admin"}}
	raw, _ := json.Marshal(claims)
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}

// TestMatrixCoversEveryRoute keeps the matrix honest: it must list every API route.
func TestMatrixCoversEveryRoute(t *testing.T) {
	t.Parallel()
	r := routes(httpapi.Base{Health: health.New(0), Metrics: metrics.New(service), OpenAPI: openapiDoc}, func(h http.Handler) http.Handler { return h }, nil)
	served, err := openapi.Routes(r)
	if err != nil {
		t.Fatal(err)
	}
	var api, listed []string
	for _, op := range served {
		if strings.Contains(op, " /api/") {
			api = append(api, op)
		}
	}
	for _, mr := range matrixRoutes() {
		listed = append(listed, mr.method+" "+mr.pattern)
	}
	slices.Sort(listed)
	if !slices.Equal(api, listed) {
		t.Fatalf("matrix routes differ from served routes\nserved: %v\nmatrix: %v", api, listed)
	}
}

// TestAuthMatrix: on every endpoint, a missing, garbage, forged or tampered token is 401
// (before any input is read), an unrelated user gets the very answer for a missing id (404,
// or 400 for a body's organization_id) on private organizer resources (an organization, its
// members and templates, a draft event and its sessions, tiers and discounts), a SCANNER
// member may read but not write, and none of it changes the database.
func TestAuthMatrix(t *testing.T) {
	t.Parallel()
	a := startAPI(t)
	m := newMatrix(t, a)
	check := unchanged(t, a, m)
	forged, tampered := forgedToken(t), tamperedToken(t)

	for _, r := range matrixRoutes() {
		path := m.path(r, m.idOf(r.id))
		var body any
		if r.body != nil {
			body = r.body(m)
		}
		for _, who := range []string{"", "raw:Bearer garbage", "raw:Bearer " + forged, "raw:Bearer " + tampered, "raw:Basic b3JnYW5pemVyOm9yZ2FuaXplcg==", "raw:Bearer"} {
			res := a.do(who, r.method, path, body)
			if res.Code != http.StatusUnauthorized {
				t.Errorf("%s %s with auth %.30q: %d, want 401: %s", r.method, r.pattern, who, res.Code, res.Body)
				continue
			}
			if e := res.err(t); e.Error.Code != "unauthorized" || res.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s: 401 body %s, WWW-Authenticate %q", r.method, r.pattern, res.Body, res.Header.Get("WWW-Authenticate"))
			}
		}
		// Authentication comes before reading the body: a malformed body without a token is 401.
		if r.body != nil {
			if res := a.do("", r.method, path, `{"broken`); res.Code != http.StatusUnauthorized {
				t.Errorf("%s %s without token and a malformed body: %d, want 401", r.method, r.pattern, res.Code)
			}
		}
		for _, c := range []struct {
			who  string
			want int
		}{{"buyer", r.buyer}, {"scanner", r.scanner}} {
			if c.want == 0 {
				continue
			}
			res := a.do(c.who, r.method, path, body)
			if res.Code != c.want {
				t.Errorf("%s %s as %s: %d, want %d: %s", r.method, r.pattern, c.who, res.Code, c.want, res.Body)
			}
			if c.want == http.StatusForbidden {
				if e := res.err(t); e.Error.Code != "forbidden" {
					t.Errorf("%s %s as %s: code %q", r.method, r.pattern, c.who, e.Error.Code)
				}
			}
			if c.want == http.StatusNotFound {
				// One answer: the same as for an id that names nothing, but for the id.
				other := uuid.NewString()
				missing := a.do(c.who, r.method, m.path(r, other), body)
				got, want := res.err(t).Error, missing.err(t).Error
				if missing.Code != http.StatusNotFound || got.Code != want.Code ||
					strings.ReplaceAll(got.Message, m.idOf(r.id), other) != want.Message {
					t.Errorf("%s %s as %s: %d %+v, but for a missing id %d %+v", r.method, r.pattern, c.who, res.Code, got, missing.Code, want)
				}
			}
		}
	}
	check("the auth matrix")

	// Role checks even for the owner: approving and rejecting need event_admin.
	wantError(t, a.do("organizer", "POST", "/api/v1/events/"+m.event.ID.String()+"/approve", nil), http.StatusForbidden, "forbidden")
	wantError(t, a.do("organizer", "POST", "/api/v1/events/"+m.event.ID.String()+"/reject", map[string]any{"reason": "x"}), http.StatusForbidden, "forbidden")
	wantError(t, a.do("organizer", "POST", "/api/v1/categories", map[string]any{"name": m.catName + "-o"}), http.StatusForbidden, "forbidden")
	wantError(t, a.do("organizer", "GET", "/api/v1/organizations", nil), http.StatusForbidden, "forbidden")
	// A buyer asking for events of someone else's organization is told what a missing one
	// tells; their own list is empty.
	foreign := a.do("buyer", "GET", "/api/v1/manage/events?organization_id="+m.org.ID.String(), nil)
	wantError(t, foreign, http.StatusBadRequest, "invalid")
	if missing := a.do("buyer", "GET", "/api/v1/manage/events?organization_id="+uuid.NewString(), nil); string(missing.Body) != string(foreign.Body) {
		t.Fatalf("a foreign organization's events: %s; a missing organization's: %s", foreign.Body, missing.Body)
	}
	var visible page[eventSummaryView]
	a.must(http.StatusOK, "buyer", "GET", "/api/v1/manage/events?page_size=200", nil, &visible)
	if slices.ContainsFunc(visible.Items, func(e eventSummaryView) bool { return e.OrganizationID == m.org.ID }) {
		t.Fatal("a buyer sees another organization's events")
	}
	// Unknown routes under /api/v1 authenticate first too.
	wantError(t, a.do("", "GET", "/api/v1/nothing-here", nil), http.StatusUnauthorized, "unauthorized")
	wantError(t, a.do("buyer", "GET", "/api/v1/nothing-here", nil), http.StatusNotFound, "not_found")
	check("the role checks")
}

// TestValidationMatrix: malformed JSON, wrong shapes, unknown fields, wrong types,
// injected operators, bad UUIDs in paths and bodies, negative money, wrong content types
// and oversized bodies get a 4xx with a clear message — and change nothing.
func TestValidationMatrix(t *testing.T) {
	t.Parallel()
	a := startAPI(t)
	m := newMatrix(t, a)
	check := unchanged(t, a, m)
	who := func(r matrixRoute) string {
		if strings.Contains(r.pattern, "categories") {
			return "admin"
		}
		return "organizer"
	}

	for _, r := range matrixRoutes() {
		path := m.path(r, m.idOf(r.id))
		if r.id != "" {
			for _, bad := range []string{"not-a-uuid", "12345", m.idOf(r.id)[:35], strings.ReplaceAll(m.idOf(r.id), "-", ""), "%7B" + m.idOf(r.id) + "%7D"} {
				var body any
				if r.body != nil {
					body = r.body(m)
				}
				res := a.do(who(r), r.method, m.path(r, bad), body)
				e := wantError(t, res, http.StatusBadRequest, "invalid")
				if !strings.Contains(e.Error.Message, "UUID") {
					t.Errorf("%s %s with id %q: message %q does not say what is wrong", r.method, r.pattern, bad, e.Error.Message)
				}
			}
		}
		if r.body == nil {
			continue
		}
		valid := r.body(m)
		limit := httpapi.DefaultMaxBody
		if r.layout {
			limit = layoutMaxBody
		}
		cases := []badReq{
			{"malformed", `{"name": "x",`, ""},
			{"not json", `name=x`, ""},
			{"array", `[{"name":"x"}]`, ""},
			{"string", `"x"`, ""},
			{"empty", ``, ""},
			{"two objects", `{} {}`, ""},
			{"unknown field", with(valid.(map[string]any), "is_admin", true), "is_admin"},
			{"oversized", `{"padding":"` + strings.Repeat("a", int(limit)) + `"}`, ""},
		}
		if r.str != "" {
			cases = append(cases,
				badReq{"operator injection", with(valid.(map[string]any), r.str, map[string]any{"$gt": ""}), r.str},
				badReq{"number for string", with(valid.(map[string]any), r.str, 12345), r.str},
				badReq{"array for string", with(valid.(map[string]any), r.str, []string{"a"}), r.str},
			)
		}
		if r.badUUID != nil {
			cases = append(cases, badReq{"malformed UUID in body", r.badUUID(m), ""})
		}
		for _, x := range r.extra {
			cases = append(cases, x(m))
		}
		for _, c := range cases {
			res := a.do(who(r), r.method, path, c.body)
			want, code := http.StatusBadRequest, "invalid"
			if c.name == "oversized" {
				want, code = http.StatusRequestEntityTooLarge, "payload_too_large"
			}
			if res.Code != want {
				t.Errorf("%s %s %s: %d, want %d: %.300s", r.method, r.pattern, c.name, res.Code, want, res.Body)
				continue
			}
			e := res.err(t)
			if e.Error.Code != code {
				t.Errorf("%s %s %s: code %q, want %q", r.method, r.pattern, c.name, e.Error.Code, code)
			}
			if c.field != "" {
				fields, _ := e.Error.Details["fields"].(map[string]any)
				if _, ok := fields[c.field]; !ok {
					t.Errorf("%s %s %s: details.fields %v does not name %q (%s)", r.method, r.pattern, c.name, fields, c.field, e.Error.Message)
				}
			}
		}
		// A body that is not JSON at all is refused by content type.
		res := a.doType(who(r), r.method, path, valid, "text/plain")
		wantError(t, res, http.StatusUnsupportedMediaType, "unsupported_media_type")
	}
	check("the validation matrix")

	// Bad query parameters.
	for _, q := range []string{"organization_id=abc", "status=DONE", "page=0", "page_size=1000", "page=x"} {
		wantError(t, a.do("organizer", "GET", "/api/v1/manage/events?"+q, nil), http.StatusBadRequest, "invalid")
	}
	// IDs that are well-formed but name nothing are 404.
	for _, p := range []string{"/api/v1/manage/events/", "/api/v1/manage/sessions/", "/api/v1/organizations/", "/api/v1/seating-templates/"} {
		wantError(t, a.do("organizer", "GET", p+uuid.NewString(), nil), http.StatusNotFound, "not_found")
	}
	for _, p := range []string{"/api/v1/tiers/", "/api/v1/discounts/", "/api/v1/categories/"} {
		who := "organizer"
		if strings.Contains(p, "categories") {
			who = "admin"
		}
		wantError(t, a.do(who, "DELETE", p+uuid.NewString(), nil), http.StatusNotFound, "not_found")
	}
	check("the not-found checks")
}
