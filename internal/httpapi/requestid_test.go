package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/health"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/logging"
	"github.com/ticketly/ticketly/internal/metrics"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines returns the JSON log lines written so far.
func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// loggedServer is a router whose logs go to a buffer: GET /api/v1/boom fails with an
// internal error, GET /api/v1/panic panics, GET /api/v1/hello logs a line of its own.
func loggedServer(t *testing.T) (*httptest.Server, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	log, err := logging.New(buf, "test", "info")
	if err != nil {
		t.Fatal(err)
	}
	r := httpapi.NewRouter(httpapi.Base{Logger: log, Health: health.New(time.Second), Metrics: metrics.New("test"),
		OpenAPI: []byte("openapi: 3.0.3\n")})
	r.Get("/api/v1/boom", func(w http.ResponseWriter, req *http.Request) {
		httpapi.WriteError(w, req, log, errors.New("database exploded"))
	})
	r.Get("/api/v1/panic", func(http.ResponseWriter, *http.Request) { panic("bad code") })
	r.Get("/api/v1/hello", func(w http.ResponseWriter, req *http.Request) {
		log.InfoContext(req.Context(), "handler says hello")
		w.WriteHeader(http.StatusNoContent)
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv, buf
}

func TestEveryResponseCarriesARequestID(t *testing.T) {
	t.Parallel()
	srv, _ := apiServer(t, []string{"https://app.example"})
	seen := map[string]bool{}
	for _, c := range []struct{ method, path string }{
		{"GET", "/healthz"}, {"GET", "/readyz"}, {"GET", "/metrics"}, {"GET", "/openapi.yaml"},
		{"GET", "/api/v1/events/1"}, {"GET", "/nowhere"}, {"PUT", "/api/v1/events/1"},
		{"POST", "/api/v1/orders"}, {"OPTIONS", "/api/v1/orders"},
	} {
		res, _ := do(t, c.method, srv.URL+c.path, map[string]string{"Origin": "https://app.example"})
		id := res.Header.Get("X-Request-Id")
		u, err := uuid.Parse(id)
		if err != nil || u.Version() != 7 {
			t.Errorf("%s %s (%d): X-Request-Id %q is not a UUIDv7", c.method, c.path, res.StatusCode, id)
		}
		if seen[id] {
			t.Errorf("%s %s: request ID %s reused", c.method, c.path, id)
		}
		seen[id] = true
		if !strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
			t.Errorf("%s %s: browsers cannot read X-Request-Id", c.method, c.path)
		}
	}
}

func TestIncomingRequestIDIsKeptOnlyWhenWellFormed(t *testing.T) {
	t.Parallel()
	srv, _ := apiServer(t, nil)
	long := strings.Repeat("a", 128)
	for in, kept := range map[string]bool{
		"abc-123":                     true,
		"req_01J9ZK/edge:7f":          true,
		long:                          true,
		long + "a":                    false,
		"has space":                   false,
		"tab\there":                   false,
		"caf\u00e9":                   false,
		"<script>alert(1)</script>\"": true, // printable: kept, and only ever written to a header or JSON log
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/events/1", nil)
		req.Header["X-Request-Id"] = []string{in}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		got := res.Header.Get("X-Request-Id")
		if kept && got != in {
			t.Errorf("incoming %q: answered %q", in, got)
		}
		if !kept {
			if _, err := uuid.Parse(got); err != nil || got == in {
				t.Errorf("incoming %q: answered %q, want a new UUID", in, got)
			}
		}
	}
}

func TestLogLinesOfARequestCarryItsID(t *testing.T) {
	t.Parallel()
	srv, buf := loggedServer(t)
	ids := map[string]string{}
	for _, path := range []string{"/api/v1/boom", "/api/v1/panic", "/api/v1/hello"} {
		res, body := do(t, "GET", srv.URL+path, map[string]string{"X-Request-Id": "rid-" + path})
		if res.Header.Get("X-Request-Id") != "rid-"+path {
			t.Fatalf("%s: X-Request-Id %q", path, res.Header.Get("X-Request-Id"))
		}
		if path != "/api/v1/hello" && !strings.Contains(body, "rid-"+path) {
			t.Errorf("%s: internal error body does not name the request ID: %s", path, body)
		}
		ids[path] = "rid-" + path
	}
	byMsg := map[string][]map[string]any{}
	for _, l := range buf.lines(t) {
		msg, _ := l["msg"].(string)
		byMsg[msg] = append(byMsg[msg], l)
	}
	want := map[string]int{"http request": 3, "request failed": 2, "handler says hello": 1}
	for msg, n := range want {
		if len(byMsg[msg]) != n {
			t.Fatalf("%d %q lines, want %d: %v", len(byMsg[msg]), msg, n, byMsg)
		}
		for _, l := range byMsg[msg] {
			id, _ := l["request_id"].(string)
			path, _ := l["path"].(string)
			if !strings.HasPrefix(id, "rid-/api/v1/") || (path != "" && id != ids[path]) {
				t.Errorf("%q line has request_id %q: %v", msg, id, l)
			}
		}
	}
}

// A line that names its request ID itself is not given a second one.
func TestLoggerAddsTheRequestIDOnce(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	log, err := logging.New(&b, "test", "info")
	if err != nil {
		t.Fatal(err)
	}
	ctx := logging.WithRequestID(t.Context(), "r1")
	log.InfoContext(ctx, "explicit", "request_id", "r1")
	log.With("k", "v").InfoContext(ctx, "derived")
	log.Info("no context")
	out := b.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || strings.Count(lines[0], `"request_id"`) != 1 || !strings.Contains(lines[1], `"request_id":"r1"`) ||
		strings.Contains(lines[2], "request_id") {
		t.Fatalf("log lines:\n%s", out)
	}
}
