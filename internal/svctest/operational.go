package svctest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// AssertOperational checks what every service must do (STYLE, SPEC section 4) against a
// real running instance: /healthz, /readyz with every named dependency check passing,
// /metrics, /openapi.yaml, a JSON 404, and a graceful stop on cancellation during which
// /readyz answers 503.
func AssertOperational(t *testing.T, run RunFunc, env map[string]string, wantChecks ...string) {
	t.Helper()
	vars := map[string]string{"DRAIN_DELAY": "1s"}
	for k, v := range env {
		vars[k] = v
	}
	s := Start(t, run, vars)

	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := get(t, s.URL+"/readyz")
		_ = json.Unmarshal([]byte(body), &ready)
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz answered %d: %s (is the local stack up? make run)", code, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, c := range wantChecks {
		if ready.Checks[c] != "ok" {
			t.Errorf("/readyz check %q = %q, want ok (all: %v)", c, ready.Checks[c], ready.Checks)
		}
	}
	if len(ready.Checks) != len(wantChecks) {
		t.Errorf("/readyz checks %v, want exactly %v", ready.Checks, wantChecks)
	}

	if code, body := get(t, s.URL+"/healthz"); code != http.StatusOK || !strings.Contains(body, `"ok"`) {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if code, body := get(t, s.URL+"/openapi.yaml"); code != http.StatusOK || !strings.HasPrefix(body, "openapi: 3.") {
		t.Errorf("/openapi.yaml: %d %.60s", code, body)
	}
	if code, body := get(t, s.URL+"/no/such/route"); code != http.StatusNotFound || !strings.Contains(body, `"code":"not_found"`) {
		t.Errorf("unknown route: %d %s", code, body)
	}
	if code, body := get(t, s.URL+"/metrics"); code != http.StatusOK ||
		!strings.Contains(body, "ticketly_http_request_duration_seconds_bucket") || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics: %d, missing the HTTP histogram or runtime metrics", code)
	}

	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop() }()
	sawDraining := false
	for i := 0; i < 40 && !sawDraining; i++ {
		time.Sleep(25 * time.Millisecond)
		if code, _ := get(t, s.URL+"/readyz"); code == http.StatusServiceUnavailable {
			sawDraining = true
		}
	}
	if !sawDraining {
		t.Error("/readyz never answered 503 while the service drained")
	}
	if err := <-stopped; err != nil {
		t.Errorf("graceful stop: %v", err)
	}
	if _, err := http.Get(s.URL + "/healthz"); err == nil {
		t.Error("service still answers after stopping")
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
