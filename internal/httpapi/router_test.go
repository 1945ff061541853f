package httpapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/health"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/metrics"
)

// apiServer is a real HTTP server with a router like the services': public GET routes,
// and an authenticated group (a fake authenticator accepting "Bearer good").
func apiServer(t *testing.T, origins []string) (*httptest.Server, *metrics.Registry) {
	t.Helper()
	reg := metrics.New("test")
	log := slog.New(slog.DiscardHandler)
	r := httpapi.NewRouter(httpapi.Base{Logger: log, Health: health.New(time.Second), Metrics: reg,
		OpenAPI: []byte("openapi: 3.0.3\n"), CORSOrigins: origins})
	r.Route("/api/v1", func(r chi.Router) {
		r.Get("/events/{id}", func(w http.ResponseWriter, _ *http.Request) {
			httpapi.WriteJSON(w, http.StatusOK, map[string]string{"id": "e"})
		})
		r.Group(func(r chi.Router) {
			r.Use(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
					if req.Header.Get("Authorization") != "Bearer good" {
						w.WriteHeader(http.StatusUnauthorized)
						return
					}
					next.ServeHTTP(w, req.WithContext(auth.WithPrincipal(req.Context(), auth.Principal{Subject: "u1"})))
				})
			})
			r.Post("/orders", httpapi.Authed(log, func(w http.ResponseWriter, _ *http.Request, _ auth.Principal) error {
				httpapi.WriteJSON(w, http.StatusCreated, map[string]string{"client_secret": "pi_secret"})
				return nil
			}))
			r.Get("/orders/{id}", httpapi.Authed(log, func(w http.ResponseWriter, _ *http.Request, _ auth.Principal) error {
				httpapi.WriteJSON(w, http.StatusOK, map[string]string{"id": "o"})
				return nil
			}))
			r.Get("/orders/mine", httpapi.Authed(log, func(w http.ResponseWriter, _ *http.Request, _ auth.Principal) error {
				httpapi.WriteJSON(w, http.StatusOK, map[string]string{"id": "mine"})
				return nil
			}))
			r.Delete("/orders/{id}", httpapi.Authed(log, func(w http.ResponseWriter, _ *http.Request, _ auth.Principal) error {
				w.WriteHeader(http.StatusNoContent)
				return nil
			}))
		})
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv, reg
}

func do(t *testing.T, method, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func errorCode(t *testing.T, body string) string {
	t.Helper()
	var e httpapi.ErrorBody
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("not an error envelope: %q", body)
	}
	return string(e.Error.Code)
}

func TestEveryResponseIsNosniff(t *testing.T) {
	t.Parallel()
	srv, _ := apiServer(t, nil)
	for _, c := range []struct{ method, path string }{
		{"GET", "/healthz"}, {"GET", "/api/v1/events/1"}, {"GET", "/nowhere"}, {"PUT", "/api/v1/events/1"},
		{"POST", "/api/v1/orders"}, {"OPTIONS", "/api/v1/orders"}, {"GET", "/openapi.yaml"},
	} {
		res, _ := do(t, c.method, srv.URL+c.path, nil)
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s (%d): X-Content-Type-Options %q", c.method, c.path, res.StatusCode, got)
		}
	}
}

func TestAuthenticatedResponsesAreNoStore(t *testing.T) {
	t.Parallel()
	srv, _ := apiServer(t, nil)
	good := map[string]string{"Authorization": "Bearer good"}
	for _, c := range []struct{ method, path string }{{"POST", "/api/v1/orders"}, {"GET", "/api/v1/orders/1"}} {
		res, body := do(t, c.method, srv.URL+c.path, good)
		if res.StatusCode >= 300 || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s %s: %d Cache-Control %q %s", c.method, c.path, res.StatusCode, res.Header.Get("Cache-Control"), body)
		}
	}
	if res, _ := do(t, "GET", srv.URL+"/api/v1/events/1", nil); res.Header.Get("Cache-Control") == "no-store" {
		t.Error("a public read is no-store")
	}
}

func TestUnknownPathAndMethodAnswerTheErrorEnvelope(t *testing.T) {
	t.Parallel()
	srv, _ := apiServer(t, nil)
	res, body := do(t, "GET", srv.URL+"/api/v1/nowhere", nil)
	if res.StatusCode != http.StatusNotFound || errorCode(t, body) != "not_found" {
		t.Fatalf("unknown path: %d %s", res.StatusCode, body)
	}
	for _, c := range []struct{ method, path, allow string }{
		{"PUT", "/api/v1/orders/1", "GET, DELETE, OPTIONS"},
		{"PATCH", "/api/v1/events/1", "GET, OPTIONS"},
		{"DELETE", "/healthz", "GET, OPTIONS"},
		{"BREW", "/api/v1/orders", "POST, OPTIONS"},
		// A literal route owns its path: DELETE /orders/mine is not DELETE /orders/{id}.
		{"DELETE", "/api/v1/orders/mine", "GET, OPTIONS"},
		{"PUT", "/api/v1/orders/mine", "GET, OPTIONS"},
	} {
		res, body := do(t, c.method, srv.URL+c.path, map[string]string{"Authorization": "Bearer good"})
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != c.allow || errorCode(t, body) != "invalid" {
			t.Errorf("%s %s: %d Allow %q %s; want 405 Allow %q", c.method, c.path, res.StatusCode, res.Header.Get("Allow"), body, c.allow)
		}
	}
}

func TestParameterRoutesStillServeTheirMethods(t *testing.T) {
	t.Parallel()
	srv, _ := apiServer(t, nil)
	good := map[string]string{"Authorization": "Bearer good"}
	if res, body := do(t, "DELETE", srv.URL+"/api/v1/orders/1", good); res.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE /orders/1: %d %s", res.StatusCode, body)
	}
	if res, body := do(t, "GET", srv.URL+"/api/v1/orders/mine", good); res.StatusCode != http.StatusOK || !strings.Contains(body, "mine") {
		t.Fatalf("GET /orders/mine: %d %s", res.StatusCode, body)
	}
}

func TestOptionsAndCORSPreflight(t *testing.T) {
	t.Parallel()
	srv, _ := apiServer(t, []string{"https://app.example"})
	preflight := func(path, origin, method string) *http.Response {
		res, body := do(t, "OPTIONS", srv.URL+path, map[string]string{"Origin": origin,
			"Access-Control-Request-Method": method, "Access-Control-Request-Headers": "authorization, content-type, idempotency-key"})
		if res.StatusCode == http.StatusNoContent && body != "" {
			t.Errorf("preflight body %q", body)
		}
		return res
	}
	res := preflight("/api/v1/orders", "https://app.example", "POST")
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		res.Header.Get("Access-Control-Allow-Methods") != "POST, OPTIONS" ||
		!strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Authorization") ||
		!strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Idempotency-Key") ||
		res.Header.Get("Access-Control-Allow-Credentials") != "" || res.Header.Get("Vary") != "Origin" {
		t.Fatalf("preflight of an authenticated route (no token sent, as browsers do): %d %v", res.StatusCode, res.Header)
	}
	res = preflight("/api/v1/events/1", "https://app.example", "GET")
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Methods") != "GET, OPTIONS" {
		t.Fatalf("preflight of a public route: %d %v", res.StatusCode, res.Header)
	}
	res = preflight("/api/v1/orders", "https://evil.example", "POST")
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "" || res.Header.Get("Access-Control-Allow-Methods") != "" {
		t.Fatalf("preflight from another origin: %d %v", res.StatusCode, res.Header)
	}
	if res := preflight("/api/v1/nowhere", "https://app.example", "GET"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("preflight of an unknown path: %d", res.StatusCode)
	}
	// A plain OPTIONS lists the path's methods.
	if res, _ := do(t, "OPTIONS", srv.URL+"/api/v1/orders/1", nil); res.StatusCode != http.StatusNoContent || res.Header.Get("Allow") != "GET, DELETE, OPTIONS" {
		t.Fatalf("OPTIONS: %d Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
	// The actual request carries the CORS headers too.
	res, _ = do(t, "GET", srv.URL+"/api/v1/events/1", map[string]string{"Origin": "https://app.example"})
	if res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" || !strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "Location") {
		t.Fatalf("actual request: %v", res.Header)
	}
}

func TestCORSAnyOrigin(t *testing.T) {
	t.Parallel()
	srv, _ := apiServer(t, []string{"*"})
	res, _ := do(t, "OPTIONS", srv.URL+"/api/v1/events/1", map[string]string{"Origin": "https://anywhere.example", "Access-Control-Request-Method": "GET"})
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "*" || res.Header.Get("Vary") != "" {
		t.Fatalf("%d %v", res.StatusCode, res.Header)
	}
	srv, _ = apiServer(t, nil)
	res, _ = do(t, "OPTIONS", srv.URL+"/api/v1/events/1", map[string]string{"Origin": "https://anywhere.example", "Access-Control-Request-Method": "GET"})
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("no origins configured: %d %v", res.StatusCode, res.Header)
	}
}

// Random method names and paths sent to a real server leave the metrics bounded.
func TestRandomMethodsAndPathsKeepMetricsBounded(t *testing.T) {
	t.Parallel()
	srv, reg := apiServer(t, nil)
	rnd := rand.New(rand.NewPCG(7, 8))
	word := func() string {
		b := make([]byte, 4+rnd.IntN(6))
		for i := range b {
			b[i] = byte('A' + rnd.IntN(26))
		}
		return string(b)
	}
	for i := 0; i < 50; i++ {
		do(t, word(), srv.URL+"/api/v1/"+strings.ToLower(word()), nil)
		do(t, word(), srv.URL+"/api/v1/events/"+word(), nil)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "ticketly_http_request_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "method" && l.GetValue() != "OTHER" {
					t.Errorf("method label %q", l.GetValue())
				}
			}
		}
		if n := len(mf.GetMetric()); n > 3 {
			t.Fatalf("%d series after 100 requests with random methods", n)
		}
	}
}
