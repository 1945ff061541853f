package httpapi_test

import (
	"testing"
)

// Under a burst the access log writes a bounded number of lines, says how many it left out,
// and never leaves out a server error.
func TestAccessLogIsSampledUnderLoadButKeepsServerErrors(t *testing.T) {
	t.Parallel()
	srv, buf := loggedServer(t)
	const burst = 300
	for range burst {
		do(t, "GET", srv.URL+"/api/v1/hello", nil)
	}
	do(t, "GET", srv.URL+"/api/v1/boom", nil)
	do(t, "GET", srv.URL+"/api/v1/hello", nil) // after the limiter refilled a little, or not
	var lines, errs int
	var suppressed float64
	for _, l := range buf.lines(t) {
		if l["msg"] != "http request" {
			continue
		}
		lines++
		if n, ok := l["suppressed"].(float64); ok {
			suppressed += n
		}
		if l["status"] == float64(500) {
			errs++
		}
	}
	if errs != 1 {
		t.Fatalf("%d access-log lines of the 500, want 1", errs)
	}
	if lines >= burst {
		t.Fatalf("%d access-log lines for %d requests: not sampled", lines, burst+2)
	}
	// Every request is either logged or counted as left out, except those left out after the
	// last logged line.
	if got := float64(lines) + suppressed; got > burst+2 || got < float64(lines)+1 {
		t.Fatalf("%d lines + %v suppressed for %d requests", lines, suppressed, burst+2)
	}
}
