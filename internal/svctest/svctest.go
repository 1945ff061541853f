// Package svctest starts a service's run function in-process for integration tests against
// the local stack, and stops it the way SIGTERM would. Every integration test goes through
// RequireStack (directly, or through Start, StartBinary, RunBinary, Build and Token): it is
// skipped under go test -short and fails loudly when the stack is not reachable.
package svctest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"
)

// RunFunc is a service's run(ctx, args, getenv).
type RunFunc func(ctx context.Context, args []string, getenv func(string) string) error

// FreeAddr returns a loopback address with a port that was free a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Service is a running service under test.
type Service struct {
	URL    string
	cancel context.CancelFunc
	done   chan error
}

// Start runs run with env (HTTP_ADDR is set to a free port) and waits until /healthz
// answers. The service is stopped at the end of the test unless Stop was called. Like every
// entry point of this package that needs the local stack, it calls RequireStack first.
func Start(t testing.TB, run RunFunc, env map[string]string) *Service {
	t.Helper()
	RequireStack(t)
	addr := FreeAddr(t)
	vars := map[string]string{"HTTP_ADDR": addr, "LOG_LEVEL": "warn"}
	for k, v := range env {
		vars[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{URL: "http://" + addr, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- run(ctx, []string{"test"}, func(k string) string { return vars[k] }) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-s.done:
			t.Fatalf("service exited while starting: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("service did not answer /healthz on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

// Stop cancels the service's context (as SIGTERM does) and returns run's result.
func (s *Service) Stop() error {
	if s.cancel == nil {
		return nil
	}
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		return err
	case <-time.After(30 * time.Second):
		return fmt.Errorf("service did not stop within 30s")
	}
}
