package postgres_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/postgres"
	"github.com/ticketly/ticketly/internal/scheduling"
	"github.com/ticketly/ticketly/internal/svctest"
)

// schedulingJobs returns the job store; forget(keys...) removes this test's rows at its end.
func schedulingJobs(t *testing.T) (*postgres.SchedulingJobs, func(keys ...string)) {
	t.Helper()
	svctest.RequireStack(t, svctest.Postgres)
	pool, err := postgres.Connect(context.Background(), "postgres://ticketly_scheduler:ticketly_scheduler@127.0.0.1:5432/ticketly?search_path=scheduling", 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	var mine []string
	t.Cleanup(func() {
		_, _ = pool.Exec(context.Background(), `DELETE FROM scheduling.jobs WHERE key = ANY($1)`, mine)
	})
	return postgres.NewSchedulingJobs(pool), func(keys ...string) { mine = append(mine, keys...) }
}

// Planning rules: an older version never moves a job, a newer one does; a mail is planned
// once; a pending recount keeps one row and its earlier due time; a drop older than the
// plan changes nothing.
func TestSchedulingJobPlanningRules(t *testing.T) {
	s, forget := schedulingJobs(t)
	ctx := context.Background()
	far := time.Now().Add(1000 * time.Hour).UTC().Truncate(time.Microsecond) // never due for a running scheduler
	key := "session.open:" + uuid.NewString()
	forget(key)
	plan := func(version int64, due time.Time) scheduling.Plan {
		return scheduling.Plan{Key: key, Kind: scheduling.KindOpen, DueAt: due, State: scheduling.Pending, Version: version, Mode: scheduling.Replace}
	}
	apply := func(p []scheduling.Plan, d []scheduling.Drop) {
		t.Helper()
		if err := s.Apply(ctx, p, d); err != nil {
			t.Fatal(err)
		}
	}
	get := func(k string) postgres.SchedulingJob {
		t.Helper()
		j, ok, err := s.Job(ctx, k)
		if err != nil || !ok {
			t.Fatalf("job %s: %v %v", k, ok, err)
		}
		return j
	}
	apply([]scheduling.Plan{plan(10, far)}, nil)
	apply([]scheduling.Plan{plan(5, far.Add(time.Hour))}, nil)
	if j := get(key); !j.DueAt.Equal(far) {
		t.Errorf("older version moved the job to %v", j.DueAt)
	}
	apply([]scheduling.Plan{plan(11, far.Add(2*time.Hour))}, nil)
	if j := get(key); !j.DueAt.Equal(far.Add(2 * time.Hour)) {
		t.Errorf("newer version did not move the job: %v", j.DueAt)
	}
	apply(nil, []scheduling.Drop{{Keys: []string{key}, Reason: "old cancel", Version: 3}})
	if j := get(key); j.State != "PENDING" {
		t.Errorf("an older drop dropped the job: %+v", j)
	}
	apply(nil, []scheduling.Drop{{Keys: []string{key}, Reason: "session cancelled", Version: 12}})
	if j := get(key); j.State != "DROPPED" || j.Outcome != "session cancelled" {
		t.Errorf("drop: %+v", j)
	}
	apply([]scheduling.Plan{plan(11, far.Add(3*time.Hour))}, nil)
	if j := get(key); j.State != "DROPPED" {
		t.Errorf("a record older than the drop revived the job: %+v", j)
	}

	m := scheduling.PlanMail(scheduling.MailPayload{Kind: scheduling.MailConfirmed, To: "x@y.example", OrderID: uuid.New()}, far)
	forget(m.Key)
	apply([]scheduling.Plan{m}, nil)
	m2 := m
	m2.DueAt = far.Add(time.Hour)
	apply([]scheduling.Plan{m2}, nil)
	if j := get(m.Key); !j.DueAt.Equal(far) {
		t.Errorf("a mail planned again moved: %+v", j)
	}

	a := scheduling.PlanAvailability(uuid.New(), far.Add(time.Hour))
	forget(a.Key)
	apply([]scheduling.Plan{a}, nil)
	a.DueAt = far
	apply([]scheduling.Plan{a}, nil)
	a.DueAt = far.Add(2 * time.Hour)
	apply([]scheduling.Plan{a}, nil)
	if j := get(a.Key); !j.DueAt.Equal(far) || j.State != "PENDING" {
		t.Errorf("coalesced recount: %+v, want pending at the earliest due time", j)
	}
}

// Two workers claiming the same due job: one runs it, the other skips the locked row; the
// outcome is recorded with the claim.
func TestSchedulingJobClaimedOnce(t *testing.T) {
	s, forget := schedulingJobs(t)
	ctx := context.Background()
	id := uuid.NewString()
	key := "mail:test:" + id
	forget(key)
	due := time.Now().Add(-time.Second)
	if err := s.Apply(ctx, []scheduling.Plan{{Key: key, Kind: scheduling.KindMail, DueAt: due, State: scheduling.Pending, Mode: scheduling.Once}}, nil); err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.RunNext(ctx, time.Now(), []string{id}, func(context.Context, scheduling.Job) (scheduling.Record, []scheduling.Plan) {
				runs.Add(1)
				<-release
				return scheduling.Record{State: scheduling.Done, DueAt: due, Outcome: "sent"}, nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := runs.Load(); n != 1 {
		t.Fatalf("job ran %d times, want once", n)
	}
	if j, _, _ := s.Job(ctx, key); j.State != "DONE" || j.Outcome != "sent" {
		t.Errorf("recorded %+v, want DONE", j)
	}
	ran, err := s.RunNext(ctx, time.Now(), []string{}, func(context.Context, scheduling.Job) (scheduling.Record, []scheduling.Plan) {
		t.Error("an empty scope claimed a job")
		return scheduling.Record{}, nil
	})
	if ran || err != nil {
		t.Errorf("empty scope: ran %v err %v", ran, err)
	}
}
