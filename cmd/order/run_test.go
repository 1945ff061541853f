package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ticketly/ticketly/internal/health"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/metrics"
	"github.com/ticketly/ticketly/internal/openapi"
	"github.com/ticketly/ticketly/internal/svctest"
)

func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	noAuth := func(h http.Handler) http.Handler { return h }
	r := routes(httpapi.Base{Health: health.New(0), Metrics: metrics.New(service), OpenAPI: openapiDoc}, noAuth, nil, nil, nil)
	openapi.AssertMatches(t, openapiDoc, r)
}

func TestOperationalEndpoints(t *testing.T) {
	svctest.AssertOperational(t, run, nil, "postgres", "redis", "keycloak")
}

func TestConfigReportsEveryProblem(t *testing.T) {
	_, err := loadConfig(func(k string) string {
		return map[string]string{"SHUTDOWN_TIMEOUT": "soon", "DRAIN_DELAY": "-"}[k]
	})
	if err == nil || !strings.Contains(err.Error(), "SHUTDOWN_TIMEOUT") || !strings.Contains(err.Error(), "DRAIN_DELAY") {
		t.Fatalf("want both bad settings reported, got %v", err)
	}
}

// The order service sheds /api/v1 beyond its Admission, before authenticating; its
// operational endpoints always answer.
func TestAPIShedsBeyondItsAdmission(t *testing.T) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	holdFirst := func(h http.Handler) http.Handler { // an authn that keeps the first request in flight
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case entered <- struct{}{}:
				<-release
			default:
			}
			h.ServeHTTP(w, r)
		})
	}
	base := httpapi.Base{Health: health.New(0), Metrics: metrics.New(service), OpenAPI: openapiDoc,
		Admission: httpapi.NewAdmission(1, 20*time.Millisecond)}
	ts := httptest.NewServer(routes(base, holdFirst, nil, nil, nil))
	t.Cleanup(ts.Close)
	first := make(chan int, 1)
	go func() {
		res, err := http.Get(ts.URL + "/api/v1/orders")
		if err != nil {
			first <- 0
			return
		}
		_ = res.Body.Close()
		first <- res.StatusCode
	}()
	<-entered
	res, err := http.Get(ts.URL + "/api/v1/orders")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "1" {
		t.Errorf("second request: %d Retry-After %q, want 503 with Retry-After 1", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if res, err := http.Get(ts.URL + "/healthz"); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("/healthz while the API is full: %v %v", res, err)
	} else {
		_ = res.Body.Close()
	}
	close(release)
	if st := <-first; st == 0 || st == http.StatusServiceUnavailable {
		t.Errorf("the admitted request answered %d", st)
	}
}
