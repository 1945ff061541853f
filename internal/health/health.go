// Package health serves liveness and readiness: /healthz answers while the process runs,
// /readyz checks the service's real dependencies and turns 503 once shutdown has begun.
package health

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Check reports whether one dependency is usable.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Checker runs readiness checks. The zero value is not usable; use New.
type Checker struct {
	checks   []Check
	timeout  time.Duration
	draining atomic.Bool
}

// New returns a Checker over checks, each given timeout to answer.
func New(timeout time.Duration, checks ...Check) *Checker {
	return &Checker{checks: checks, timeout: timeout}
}

// Add registers another check.
func (c *Checker) Add(name string, fn func(ctx context.Context) error) {
	c.checks = append(c.checks, Check{Name: name, Fn: fn})
}

// Drain marks the service as shutting down: readiness fails from now on.
func (c *Checker) Drain() { c.draining.Store(true) }

// Report is the body of /readyz.
type Report struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// Ready runs every check concurrently and reports each one's outcome.
func (c *Checker) Ready(ctx context.Context) (Report, bool) {
	rep := Report{Status: "ready", Checks: make(map[string]string, len(c.checks))}
	if c.draining.Load() {
		rep.Status = "draining"
		return rep, false
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	ok := true
	for _, ch := range c.checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := "ok"
			if err := ch.Fn(ctx); err != nil {
				res = err.Error()
			}
			mu.Lock()
			defer mu.Unlock()
			rep.Checks[ch.Name] = res
			if res != "ok" {
				ok = false
			}
		}()
	}
	wg.Wait()
	if !ok {
		rep.Status = "unavailable"
	}
	return rep, ok
}

// LiveHandler answers 200 while the process can serve HTTP at all.
func LiveHandler(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}`))
}

// ReadyHandler answers 200 when every check passes, else 503, with a per-check report.
func (c *Checker) ReadyHandler(w http.ResponseWriter, r *http.Request) {
	rep, ok := c.Ready(r.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(rep)
}
