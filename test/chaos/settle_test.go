//go:build chaos

package chaos_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// settle waits until MongoDB and every event-query replica equal what PostgreSQL implies for
// the fixture, then until every document of the read model does, and reports how long the
// fixture took; what still differs at the deadline is a lost (or wrong) read-model update.
func (e *env) settle(f *fixture) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), e.s.SettleWithin)
	defer cancel()
	start := time.Now()
	d, ok := e.converge(ctx, "the fixture's documents", func(ctx context.Context) ([]string, error) {
		return e.readModelDiffs(ctx, f)
	})
	if !ok {
		return 0
	}
	e.log("read model equals PostgreSQL for the fixture (MongoDB and %d replica(s)) %s after the traffic stopped", len(e.queryURLs()), fmtDur(d))
	all, cancelAll := context.WithTimeout(context.Background(), e.s.SettleWithin)
	defer cancelAll()
	e.convergeEach(all, start)
	return d
}

// convergeEach compares every document of the read model with PostgreSQL until each one
// that differed has been equal at least once (others may be writing to the stack meanwhile:
// a document that moves on after it matched is not lost); the documents that never matched
// before ctx ends are violations.
func (e *env) convergeEach(ctx context.Context, start time.Time) {
	var pending map[string][]string // document -> its differences in the last comparison
	docs := 0
	var err error
	for {
		var tr *truth
		var diffs []string
		if tr, err = e.readTruth(ctx, scope{All: true}); err == nil {
			docs = len(tr.Events) + len(tr.Orgs) + len(tr.Cats) + len(tr.Seats)
			diffs, err = e.mongoDiffs(ctx, scope{All: true}, tr)
		}
		if err == nil {
			cur := map[string][]string{}
			for _, d := range diffs {
				doc, _, _ := strings.Cut(d, " ")
				doc = strings.TrimSuffix(doc, ":")
				cur[doc] = append(cur[doc], d)
			}
			if pending == nil {
				pending = cur
			}
			for doc := range pending {
				if _, still := cur[doc]; still {
					pending[doc] = cur[doc]
				} else {
					delete(pending, doc) // it matched once: nothing was lost
				}
			}
			if len(pending) == 0 {
				e.log("every MongoDB document (%d events, organizations, categories and seat maps) has equalled PostgreSQL, %s after the traffic stopped",
					docs, fmtDur(time.Since(start)))
				return
			}
		}
		select {
		case <-ctx.Done():
			if pending == nil {
				e.violation("comparing every read-model document: %v", err)
				return
			}
			var lines []string
			for _, d := range pending {
				lines = append(lines, d...)
			}
			slices.Sort(lines)
			if len(lines) > 30 {
				lines = append(lines[:30], fmt.Sprintf("… %d differences in all", len(lines)))
			}
			e.violation("%d of %d read-model documents never equalled PostgreSQL within %s after the traffic stopped:\n    %s",
				len(pending), docs, e.s.SettleWithin, strings.Join(lines, "\n    "))
			return
		case <-time.After(time.Second):
		}
	}
}

// converge polls diffs until there are none (true) or ctx ends (a violation listing them).
func (e *env) converge(ctx context.Context, what string, diffs func(context.Context) ([]string, error)) (time.Duration, bool) {
	start := time.Now()
	var last []string
	for {
		d, err := diffs(ctx)
		if err == nil && len(d) == 0 {
			return time.Since(start), true
		}
		if err != nil {
			last = []string{err.Error()}
		} else {
			last = d
		}
		select {
		case <-ctx.Done():
			if len(last) > 30 {
				last = append(last[:30], fmt.Sprintf("… %d differences in all", len(last)))
			}
			e.violation("%s still differ from PostgreSQL %s after the traffic stopped:\n    %s",
				what, e.s.SettleWithin, strings.Join(last, "\n    "))
			return 0, false
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// readModelDiffs compares one consistent read of PostgreSQL with MongoDB and the replicas.
func (e *env) readModelDiffs(ctx context.Context, f *fixture) ([]string, error) {
	tr, err := e.readTruth(ctx, fixtureScope(f))
	if err != nil {
		return nil, fmt.Errorf("read PostgreSQL: %w", err)
	}
	out, err := e.mongoDiffs(ctx, fixtureScope(f), tr)
	if err != nil {
		return nil, err
	}
	for _, base := range e.queryURLs() {
		d, err := e.restDiffs(ctx, base, f, tr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", base, err)
		}
		out = append(out, d...)
	}
	return out, nil
}

// checkInvariants checks the write side after the faults: no double booking, consistent
// orders with their tickets, no order stuck pending, no Redis hold without its row, and
// what the clients were told.
func (e *env) checkInvariants(f *fixture, tr *traffic) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if d, err := e.doubleBookings(ctx, f); err != nil {
		e.violation("double-booking check: %v", err)
	} else {
		for _, v := range d {
			e.violation("double booking: %s", v)
		}
	}
	problems, counts, err := e.orderConsistency(ctx, f)
	if err != nil {
		e.violation("order check: %v", err)
	}
	for _, p := range problems {
		e.violation("%s", p)
	}
	e.log("the suite's orders in PostgreSQL: %v", counts)

	// Orders whose hold ended must be expired by the sweep within its interval (plus slack).
	cutoff := time.Now().Add(-e.s.SweepInterval - 5*time.Second)
	var stuck []string
	for range 20 {
		if stuck, err = e.stuckOrders(ctx, cutoff); err != nil || len(stuck) == 0 {
			break
		}
		time.Sleep(time.Second)
	}
	if err != nil {
		e.violation("stuck-order check: %v", err)
	}
	for _, s := range stuck {
		e.violation("stuck order: %s", s)
	}

	// Holds the gate keeps without a live row: allowed only until the request that took them
	// ends or the sweep runs; waited for a while.
	var stale []string
	deadline := time.Now().Add(e.s.SweepInterval + 15*time.Second)
	for {
		if stale, err = e.staleHolds(ctx, f); err != nil || len(stale) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	if err != nil {
		e.violation("Redis hold check: %v", err)
	}
	if len(stale) > 10 {
		stale = append(stale[:10], fmt.Sprintf("… %d in all", len(stale)))
	}
	for _, s := range stale {
		e.violation("Redis hold without its row: %s", s)
	}

	for _, ie := range tr.tally.internalErrors() {
		e.violation("500 instead of 503 or a decided answer: %s", ie)
	}

	client, err := e.clientChecks(ctx, tr)
	if err != nil {
		e.violation("client check: %v", err)
	}
	for _, c := range client {
		e.violation("%s", c)
	}
}

// report prints the recovery table and the traffic's tallies.
func (e *env) report(results []result, settled time.Duration, tr *traffic) {
	var b strings.Builder
	fmt.Fprintf(&b, "\n==== chaos recovery (%s mode) ====\n", map[bool]string{true: "full", false: "short"}[e.s.Full])
	fmt.Fprintf(&b, "%-12s %-8s %9s %10s %10s  %s\n", "fault", "how", "ready", "all ready", "caught up", "notes")
	for _, r := range results {
		notes := r.Note
		if len(r.Revived) > 0 {
			notes = strings.TrimSpace("brought back too: " + strings.Join(r.Revived, ",") + "; " + notes)
		}
		if r.Failed {
			notes = strings.TrimSpace("FAILED " + notes)
		}
		fmt.Fprintf(&b, "%-12s %-8s %9s %10s %10s  %s\n", r.Fault, r.How, fmtDur(r.Ready), fmtDur(r.AllReady), fmtDur(r.CaughtUp), notes)
	}
	fmt.Fprintf(&b, "ready: the faulted component answers its clients again; all ready: every component and service; caught up: a\n")
	fmt.Fprintf(&b, "change committed after the fault is served by MongoDB and every event-query replica (times from the fault).\n")
	fmt.Fprintf(&b, "final convergence of the read model after the traffic stopped: %s\n", fmtDur(settled))
	fmt.Fprintf(&b, "traffic answers:\n%s", tr.tally.String())
	if f := tr.tally.failuresString(); f != "" {
		fmt.Fprintf(&b, "failed answers (no answer, 5xx) by the fault under way:\n%s", f)
	}
	e.mu.Lock()
	fmt.Fprintf(&b, "violations: %d\n", len(e.violations))
	e.mu.Unlock()
	fmt.Print(b.String())
}
