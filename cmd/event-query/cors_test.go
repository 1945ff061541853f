package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/health"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/metrics"
	"github.com/ticketly/ticketly/internal/readmodel"
)

// A browser's preflight reaches the CORS layer on every read route, the streams included
// (it used to be answered 405 by routing).
func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	r := routes(httpapi.Base{Health: health.New(0), Metrics: metrics.New(service), OpenAPI: openapiDoc,
		CORSOrigins: []string{"https://app.example"}}, &api{view: readmodel.New(time.Now)})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	id := uuid.NewString()
	for _, path := range []string{"/api/v1/events", "/api/v1/events/" + id, "/api/v1/sessions/" + id + "/seats",
		"/api/v1/sessions/" + id + "/stream", "/api/v1/events/" + id + "/checkouts/stream"} {
		req, _ := http.NewRequest(http.MethodOptions, srv.URL+path, nil)
		req.Header.Set("Origin", "https://app.example")
		req.Header.Set("Access-Control-Request-Method", "GET")
		req.Header.Set("Access-Control-Request-Headers", "last-event-id")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
			res.Header.Get("Access-Control-Allow-Methods") != "GET, OPTIONS" || res.Header.Get("Access-Control-Allow-Headers") == "" {
			t.Errorf("preflight %s: %d %v", path, res.StatusCode, res.Header)
		}
	}
}
