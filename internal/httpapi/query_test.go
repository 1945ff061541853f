package httpapi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/health"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/metrics"
)

// queryDoc declares a public listing with q and page (page_size shared by the path), a
// public stream with last_event_id, a secured read with none, the operational endpoints,
// and nothing for /api/v1/undocumented.
const queryDoc = `openapi: 3.0.3
security: [{bearer: []}]
paths:
  /healthz: {get: {security: [], responses: {"200": {description: ok}}}}
  /api/v1/events:
    parameters: [{$ref: "#/components/parameters/PageSize"}]
    get:
      security: []
      parameters:
        - {name: q, in: query, schema: {type: string}}
        - {$ref: "#/components/parameters/Page"}
        - {name: X-Trace, in: header, schema: {type: string}}
      responses: {"200": {description: ok}}
  /api/v1/sessions/{id}/stream:
    get:
      security: [{}]
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: last_event_id, in: query, schema: {type: integer}}
      responses: {"200": {description: ok}}
  /api/v1/orders/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
components:
  parameters:
    Page: {name: page, in: query, schema: {type: integer}}
    PageSize: {name: page_size, in: query, schema: {type: integer}}
`

// queryServer mounts the documented routes (under a sub-router, as services do) behind a
// fake authenticator accepting "Bearer good" that, like auth.Middleware, answers a
// deferred refusal only after the token.
func queryServer(t *testing.T) *httptest.Server {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	r := httpapi.NewRouter(httpapi.Base{Logger: log, Health: health.New(time.Second), Metrics: metrics.New("test"),
		OpenAPI: []byte(queryDoc), CORSOrigins: []string{"*"}})
	ok := func(w http.ResponseWriter, req *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"q": req.URL.Query().Get("q")})
	}
	r.Route("/api/v1", func(r chi.Router) {
		r.Get("/events", ok)
		r.Get("/sessions/{id}/stream", ok)
		r.Get("/undocumented", ok)
		r.Group(func(r chi.Router) {
			r.Use(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
					if req.Header.Get("Authorization") != "Bearer good" {
						httpapi.WriteError(w, req, log, apperr.New(apperr.Unauthorized, "the access token is not valid"))
						return
					}
					next.ServeHTTP(w, req.WithContext(auth.WithPrincipal(req.Context(), auth.Principal{Subject: "u1"})))
				})
			})
			r.Get("/orders/{id}", httpapi.Authed(log, func(w http.ResponseWriter, _ *http.Request, _ auth.Principal) error {
				httpapi.WriteJSON(w, http.StatusOK, map[string]string{"id": "o"})
				return nil
			}))
		})
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

func TestUnknownQueryParametersAreRefused(t *testing.T) {
	t.Parallel()
	srv := queryServer(t)
	good := map[string]string{"Authorization": "Bearer good"}
	cases := []struct {
		name, method, target string
		header               map[string]string
		status               int
		unknown              []string // fields named in details.fields
	}{
		{"declared", "GET", "/api/v1/events?q=jazz&page=2&page_size=5", nil, 200, nil},
		{"declared on the path", "GET", "/api/v1/events?page_size=5", nil, 200, nil},
		{"no query", "GET", "/api/v1/events", nil, 200, nil},
		{"unknown", "GET", "/api/v1/events?bogus=1", nil, 400, []string{"bogus"}},
		{"unknown among known", "GET", "/api/v1/events?q=a&bogus=1&Page=2", nil, 400, []string{"Page", "bogus"}},
		{"a header is not a query parameter", "GET", "/api/v1/events?X-Trace=1", nil, 400, []string{"X-Trace"}},
		{"empty name", "GET", "/api/v1/events?=1", nil, 400, []string{""}},
		{"bad encoding", "GET", "/api/v1/events?q=%zz", nil, 400, []string{"query"}},
		{"operational endpoint", "GET", "/healthz?verbose=1", nil, 400, []string{"verbose"}},
		{"stream", "GET", "/api/v1/sessions/s1/stream?last_event_id=4", nil, 200, nil},
		{"stream unknown", "GET", "/api/v1/sessions/s1/stream?lastEventId=4", nil, 400, []string{"lastEventId"}},
		{"unrouted method: 405 first", "HEAD", "/api/v1/events?bogus=1", nil, 405, nil},
		{"undocumented route", "GET", "/api/v1/undocumented?anything=1", nil, 200, nil},
		{"unknown path", "GET", "/api/v1/nowhere?bogus=1", nil, 404, nil},
		{"secured, good token", "GET", "/api/v1/orders/o1?bogus=1", good, 400, []string{"bogus"}},
		{"secured, good token, no query", "GET", "/api/v1/orders/o1", good, 200, nil},
		{"secured, no token: authentication first", "GET", "/api/v1/orders/o1?bogus=1", nil, 401, nil},
		{"secured, bad token: authentication first", "GET", "/api/v1/orders/o1?bogus=1", map[string]string{"Authorization": "Bearer bad"}, 401, nil},
		{"CORS preflight", "OPTIONS", "/api/v1/events?bogus=1", map[string]string{"Origin": "https://x.example", "Access-Control-Request-Method": "GET"}, 204, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, body := do(t, c.method, srv.URL+c.target, c.header)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, c.status, body)
			}
			if c.unknown == nil {
				return
			}
			var e struct {
				Error struct {
					Code    string `json:"code"`
					Message string `json:"message"`
					Details struct {
						Fields map[string]string `json:"fields"`
					} `json:"details"`
				} `json:"error"`
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code != "invalid" {
				t.Fatalf("not an invalid error: %s", body)
			}
			if len(e.Error.Details.Fields) != len(c.unknown) {
				t.Fatalf("fields %v, want %v", e.Error.Details.Fields, c.unknown)
			}
			for _, name := range c.unknown {
				if e.Error.Details.Fields[name] == "" {
					t.Errorf("details.fields does not name %q: %s", name, body)
				}
			}
		})
	}
}
