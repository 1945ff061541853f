package scheduling

import (
	"context"
	"testing"
	"time"
)

// nextDueStore is a Store whose only answer that matters is the next due time.
type nextDueStore struct {
	Store
	next time.Time
	ok   bool
}

func (s nextDueStore) NextDue(context.Context) (time.Time, bool, error) { return s.next, s.ok, nil }

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// An idle worker looks again after the poll interval, or exactly when a pending job comes
// due sooner; a job already due (another worker's, or out of scope) does not make it spin.
func TestIdleWaitsUntilTheNextDueJob(t *testing.T) {
	now := time.Date(2031, 5, 17, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		next time.Time
		ok   bool
		want time.Duration
	}{
		{"nothing pending", time.Time{}, false, 500 * time.Millisecond},
		{"due in 120 ms", now.Add(120 * time.Millisecond), true, 120 * time.Millisecond},
		{"due after the poll interval", now.Add(3 * time.Second), true, 500 * time.Millisecond},
		{"already due", now.Add(-time.Second), true, 500 * time.Millisecond},
		{"due this instant", now, true, 500 * time.Millisecond},
	} {
		r := &Runner{Store: nextDueStore{next: tc.next, ok: tc.ok}, Clock: fixedClock(now), Poll: 500 * time.Millisecond}
		if got := r.idle(context.Background()); got != tc.want {
			t.Errorf("%s: waits %s, want %s", tc.name, got, tc.want)
		}
	}
}
