package httpapi_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ticketly/ticketly/internal/health"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/metrics"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// serve runs httpapi.Serve with h until the test ends and waits until cfg.Addr accepts.
func serve(t *testing.T, cfg httpapi.ServeConfig, h http.Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- httpapi.Serve(ctx, slog.New(slog.DiscardHandler), cfg, h, health.New(time.Second)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := net.Dial("tcp", cfg.Addr)
		if err == nil {
			_ = c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("server on %s never came up: %v", cfg.Addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testRouter() chi.Router {
	r := httpapi.NewRouter(httpapi.Base{Logger: slog.New(slog.DiscardHandler), Health: health.New(time.Second),
		Metrics: metrics.New("test"), OpenAPI: []byte("openapi: 3.0.3\n")})
	r.Post("/api/v1/echo", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		_, _ = w.Write(b)
	})
	return r
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestMetricsOnTheirOwnListenerWhenConfigured(t *testing.T) {
	t.Parallel()
	api, mon := freeAddr(t), freeAddr(t)
	serve(t, httpapi.ServeConfig{Addr: api, MetricsAddr: mon}, testRouter())

	if code, body := get(t, "http://"+api+"/metrics"); code != http.StatusNotFound || !strings.Contains(body, `"code":"not_found"`) {
		t.Fatalf("API port /metrics: %d %s", code, body)
	}
	if code, body := get(t, "http://"+mon+"/metrics"); code != http.StatusOK || !strings.Contains(body, "ticketly_http_requests_in_flight") {
		t.Fatalf("metrics port /metrics: %d %.200s", code, body)
	}
	if code, _ := get(t, "http://"+mon+"/healthz"); code != http.StatusNotFound {
		t.Fatalf("metrics port serves only /metrics, /healthz answered %d", code)
	}
	if code, _ := get(t, "http://"+api+"/healthz"); code != http.StatusOK {
		t.Fatalf("API port /healthz: %d", code)
	}
}

func TestMetricsOnTheAPIPortWithoutMetricsAddr(t *testing.T) {
	t.Parallel()
	api := freeAddr(t)
	serve(t, httpapi.ServeConfig{Addr: api}, testRouter())
	if code, body := get(t, "http://"+api+"/metrics"); code != http.StatusOK || !strings.Contains(body, "ticketly_http_requests_in_flight") {
		t.Fatalf("/metrics: %d %.200s", code, body)
	}
}

// A client that sends its body a byte at a time is cut off after ReadTimeout.
func TestSlowBodyIsCutByReadTimeout(t *testing.T) {
	t.Parallel()
	api := freeAddr(t)
	serve(t, httpapi.ServeConfig{Addr: api, ReadTimeout: 500 * time.Millisecond}, testRouter())

	c, err := net.Dial("tcp", api)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const body = `{"note":"` + "..........................................................................." + `"}`
	if _, err := fmt.Fprintf(c, "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	closed := make(chan time.Duration, 1)
	go func() {
		// The server closes (or answers and closes) the connection; reading sees EOF or a reset.
		_, _ = io.Copy(io.Discard, c)
		closed <- time.Since(start)
	}()
	for i := 0; i < len(body); i++ {
		if _, err := c.Write([]byte{body[i]}); err != nil {
			break // the server closed the connection
		}
		select {
		case d := <-closed:
			if d > 3*time.Second {
				t.Fatalf("connection closed only after %s", d)
			}
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
	select {
	case d := <-closed:
		if d > 3*time.Second {
			t.Fatalf("connection closed only after %s", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server kept a connection open for a body sent a byte at a time")
	}
}

// Headers sent a byte at a time are cut by ReadHeaderTimeout.
func TestSlowHeadersAreCut(t *testing.T) {
	t.Parallel()
	api := freeAddr(t)
	serve(t, httpapi.ServeConfig{Addr: api, ReadHeaderTimeout: 300 * time.Millisecond}, testRouter())
	c, err := net.Dial("tcp", api)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	for _, b := range []byte("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") {
		if _, err := c.Write([]byte{b}); err != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept a connection with unfinished headers open")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("closed after %s", d)
	}
}

// A long-lived response to a request without a body (an event stream) outlives ReadTimeout.
func TestStreamOutlivesReadTimeout(t *testing.T) {
	t.Parallel()
	api := freeAddr(t)
	r := testRouter()
	r.Get("/stream", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := 0; i < 12; i++ {
			select {
			case <-req.Context().Done():
				return
			case <-tick.C:
			}
			if _, err := fmt.Fprintf(w, "data: %d\n\n", i); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	})
	serve(t, httpapi.ServeConfig{Addr: api, ReadTimeout: 300 * time.Millisecond}, r)
	req, _ := http.NewRequest(http.MethodGet, "http://"+api+"/stream", nil)
	req.Header.Set("Accept", "text/event-stream")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	n := 0
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data: ") {
			n++
		}
	}
	if n != 12 {
		t.Fatalf("stream ended after %d of 12 events (ReadTimeout cut it)", n)
	}
}
