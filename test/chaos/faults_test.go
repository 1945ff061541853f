//go:build chaos

package chaos_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// result is how the stack went through one fault.
type result struct {
	Fault, How string
	// Ready: from the fault to the faulted component answering its clients again.
	Ready time.Duration
	// AllReady: to every component and the four services being ready.
	AllReady time.Duration
	// CaughtUp: to a change committed after the fault being served by MongoDB and every
	// event-query replica, with every seat change committed before it.
	CaughtUp time.Duration
	Revived  []string // other components or services the suite had to bring back
	Note     string
	Failed   bool
}

func fmtDur(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

func (r result) line() string {
	s := fmt.Sprintf("%-12s %-8s ready %6s  all ready %6s  caught up %6s", r.Fault, r.How, fmtDur(r.Ready), fmtDur(r.AllReady), fmtDur(r.CaughtUp))
	if len(r.Revived) > 0 {
		s += "  brought back too: " + strings.Join(r.Revived, ",")
	}
	if r.Note != "" {
		s += "  " + r.Note
	}
	if r.Failed {
		s += "  FAILED"
	}
	return s
}

// fault injects one fault, brings the component back with the stack's scripts and measures
// the recovery.
func (e *env) fault(ctx context.Context, name string, tr *traffic, f *fixture) result {
	if name == "order" {
		return e.wave(ctx, tr, f)
	}
	r := result{Fault: name, How: "kill -9"}
	var inject, back func(context.Context) error
	var ready probe
	switch name {
	case "debezium", "kafka", "mongo":
		inject = func(context.Context) error { return e.st.kill9(name) }
		back = func(ctx context.Context) error { return e.st.script(ctx, "stack.sh", "up", name) }
		ready = map[string]probe{"debezium": e.st.debeziumProbe(), "kafka": e.st.kafkaProbe(), "mongo": e.st.mongoProbe()}[name]
	case "postgres", "redis":
		r.How = "restart"
		inject = func(ctx context.Context) error { return e.st.script(ctx, "stack.sh", "down", name) }
		back = func(ctx context.Context) error { return e.st.script(ctx, "stack.sh", "up", name) }
		ready = map[string]probe{"postgres": e.st.pgProbe(), "redis": e.st.redisProbe()}[name]
	case "event-query":
		if e.s.Safe {
			inject = func(context.Context) error { return e.replica.kill9() }
			back = func(context.Context) error { return e.replica.start() }
			ready = serviceProbe(e.replica.url())
		} else {
			inject = func(context.Context) error { return e.st.kill9("event-query") }
			back = func(ctx context.Context) error { return e.st.script(ctx, "services.sh", "start", "event-query") }
			ready = serviceProbe(e.s.QueryURL)
		}
	default:
		e.violation("unknown fault %s", name)
		r.Failed = true
		return r
	}
	e.log("fault %s: %s", name, r.How)
	t0 := time.Now()
	if err := inject(ctx); err != nil {
		e.violation("fault %s: %v", name, err)
		r.Failed = true
		return r
	}
	caught := e.watchCatchUp(ctx, f, t0, name)
	readyAt := e.watchReady(ctx, ready)
	if r.How == "kill -9" {
		down := e.s.DownFor
		if name == "kafka" {
			down = e.s.KafkaDownFor
		}
		r.Note = fmt.Sprintf("down for %s", down)
		sleep(ctx, down)
	}
	e.recover(ctx, &r, t0, back, readyAt, caught)
	return r
}

// recover runs back, then waits for the component, the whole stack and the read model.
func (e *env) recover(ctx context.Context, r *result, t0 time.Time, back func(context.Context) error,
	readyAt <-chan time.Time, caught <-chan time.Duration) {
	if err := back(ctx); err != nil {
		e.violation("fault %s: the stack's scripts did not bring it back: %v", r.Fault, err)
		r.Failed = true
	}
	if at := <-readyAt; at.IsZero() {
		e.violation("fault %s: not ready within %s", r.Fault, e.s.ReadyWithin)
		r.Failed = true
	} else {
		r.Ready = at.Sub(t0)
	}
	r.AllReady, r.Revived = e.waitAllReady(ctx, t0)
	if d := <-caught; d > 0 {
		r.CaughtUp = d
	} else {
		e.violation("fault %s: the read model did not catch up within %s", r.Fault, e.s.ReadyWithin+e.s.CatchUpWithin)
		r.Failed = true
	}
}

// watchReady polls p and delivers when it passed (the zero time if it never did).
func (e *env) watchReady(ctx context.Context, p probe) <-chan time.Time {
	ch := make(chan time.Time, 1)
	go func() {
		at, _ := waitReady(ctx, p, e.s.ReadyWithin)
		ch <- at
	}()
	return ch
}

// waitAllReady waits until every component and service is ready on its own (up to 90 s);
// whatever is not is brought back with the stack's scripts and named.
func (e *env) waitAllReady(ctx context.Context, t0 time.Time) (time.Duration, []string) {
	all := e.st.components()
	if !e.s.Safe {
		all = append(all, e.st.services()...)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		down := e.st.notReady(ctx, all)
		if len(down) == 0 {
			return time.Since(t0), nil
		}
		if time.Now().After(deadline) {
			e.log("  still not ready 90s later: %s", strings.Join(down, ", "))
			revived := e.st.ensureUp(ctx, e.t)
			return time.Since(t0), revived
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// watchCatchUp measures, from t0, how long until a change committed after the fault is
// served: it edits the event's description (retrying until event-command accepts it), notes
// the sessions' inventory versions at that moment, then waits until MongoDB and every
// event-query replica serve the description and at least those versions.
func (e *env) watchCatchUp(ctx context.Context, f *fixture, t0 time.Time, tag string) <-chan time.Duration {
	ch := make(chan time.Duration, 1)
	go func() {
		d, err := e.catchUp(ctx, f, t0, tag)
		if err != nil {
			e.log("  catch-up after %s: %v", tag, err)
		}
		ch <- d
	}()
	return ch
}

func (e *env) catchUp(ctx context.Context, f *fixture, t0 time.Time, tag string) (time.Duration, error) {
	ctx, cancel := context.WithDeadline(ctx, t0.Add(e.s.ReadyWithin+e.s.CatchUpWithin))
	defer cancel()
	marker := fmt.Sprintf("after %s at %s", tag, time.Now().UTC().Format(time.RFC3339Nano))
	err := retry(ctx, func() error {
		r := e.api.do(ctx, http.MethodPatch, e.s.CommandURL+"/api/v1/events/"+f.EventID, e.users.token(organizer),
			map[string]any{"description": marker})
		if !r.ok() {
			return fmt.Errorf("marker edit: %s", r)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	versions := map[string]int64{}
	if err := retry(ctx, func() error {
		for _, sid := range []string{f.SessionA, f.SessionW} {
			var v int64
			if err := e.db.QueryRow(ctx, `SELECT COALESCE(max(version), 0) FROM ordering.session_inventory WHERE session_id = $1`, sid).Scan(&v); err != nil {
				return err
			}
			versions[sid] = v
		}
		return nil
	}); err != nil {
		return 0, err
	}
	err = retry(ctx, func() error {
		docs, err := e.events.Get(ctx, []string{f.EventID})
		if err != nil {
			return err
		}
		if d := docs[f.EventID]; d == nil || d.Description != marker {
			return fmt.Errorf("MongoDB does not have the marker yet")
		}
		seats, err := e.seatDocs.Get(ctx, []string{f.SessionA, f.SessionW})
		if err != nil {
			return err
		}
		for sid, v := range versions {
			if d := seats[sid]; v > 0 && (d == nil || versionOf(*d) < v) {
				return fmt.Errorf("MongoDB seat status of %s behind version %d", sid, v)
			}
		}
		for _, base := range e.queryURLs() {
			var ev struct {
				Description string `json:"description"`
			}
			if r := e.api.do(ctx, http.MethodGet, base+"/api/v1/events/"+f.EventID, "", nil); !r.ok() || r.decode(&ev) != nil || ev.Description != marker {
				return fmt.Errorf("%s does not serve the marker yet", base)
			}
			for sid, v := range versions {
				var m struct {
					Version int64 `json:"version"`
				}
				if r := e.api.do(ctx, http.MethodGet, base+"/api/v1/sessions/"+sid+"/seats", "", nil); !r.ok() || r.decode(&m) != nil || m.Version < v {
					return fmt.Errorf("%s seat map of %s behind version %d", base, sid, v)
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// versionOf reads the inventory version of a seat-status document.
func versionOf(doc map[string]any) int64 {
	v, _ := doc["version"].(float64)
	return int64(v)
}
