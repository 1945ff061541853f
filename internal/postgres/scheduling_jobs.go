package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ticketly/ticketly/internal/scheduling"
)

// SchedulingJobs is the scheduler's job table (scheduling.jobs); it implements
// scheduling.Store.
type SchedulingJobs struct{ pool *pgxpool.Pool }

// NewSchedulingJobs returns the job store over pool.
func NewSchedulingJobs(pool *pgxpool.Pool) *SchedulingJobs { return &SchedulingJobs{pool: pool} }

var _ scheduling.Store = (*SchedulingJobs)(nil)

// keptState is true when a Replace plan leaves the row's state alone: same due time, and
// not a dropped or failed job that the plan wants pending again (the sweep retries a
// session's open job that was refused before its event was approved, or that failed while
// event-command was away).
const keptState = `(jobs.due_at = EXCLUDED.due_at AND NOT (jobs.state IN ('DROPPED','FAILED') AND EXCLUDED.state = 'PENDING'))`

const insertJob = `INSERT INTO scheduling.jobs AS jobs (key, kind, payload, due_at, state, outcome, source_lsn, done_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $5 = 'PENDING' THEN NULL ELSE now() END)`

var planSQL = map[scheduling.Mode]string{
	// A newer (or the same) version of the session moves the job; a changed due time makes
	// it pending again (or dropped, when the plan says the moment has passed).
	scheduling.Replace: insertJob + ` ON CONFLICT (key) DO UPDATE SET
		payload = EXCLUDED.payload, source_lsn = EXCLUDED.source_lsn, updated_at = now(),
		state = CASE WHEN ` + keptState + ` THEN jobs.state ELSE EXCLUDED.state END,
		outcome = CASE WHEN ` + keptState + ` THEN jobs.outcome ELSE EXCLUDED.outcome END,
		attempts = CASE WHEN ` + keptState + ` THEN jobs.attempts ELSE 0 END,
		last_error = CASE WHEN ` + keptState + ` THEN jobs.last_error ELSE '' END,
		done_at = CASE WHEN ` + keptState + ` THEN jobs.done_at ELSE EXCLUDED.done_at END,
		due_at = EXCLUDED.due_at
		WHERE jobs.source_lsn <= EXCLUDED.source_lsn`,
	scheduling.Coalesce: insertJob + ` ON CONFLICT (key) DO UPDATE SET
		due_at = CASE WHEN jobs.state = 'PENDING' THEN LEAST(jobs.due_at, EXCLUDED.due_at) ELSE EXCLUDED.due_at END,
		attempts = CASE WHEN jobs.state = 'PENDING' THEN jobs.attempts ELSE 0 END,
		state = 'PENDING', outcome = '', done_at = NULL, payload = EXCLUDED.payload, updated_at = now()`,
	scheduling.Once: insertJob + ` ON CONFLICT (key) DO NOTHING`,
	scheduling.Ensure: insertJob + ` ON CONFLICT (key) DO UPDATE SET
		state = 'PENDING', due_at = EXCLUDED.due_at, attempts = 0, outcome = '', done_at = NULL, updated_at = now()
		WHERE jobs.state <> 'PENDING'`,
}

const dropSQL = `UPDATE scheduling.jobs SET state = 'DROPPED', outcome = $2, updated_at = now(), done_at = now(),
	source_lsn = GREATEST(source_lsn, $3)
	WHERE key = ANY($1) AND state = 'PENDING' AND source_lsn <= $3`

// Apply implements scheduling.Store. Two replicas (or a replica's planner and a running
// job's fan-out) may upsert overlapping keys at once: rows are written in key order, and a
// deadlock PostgreSQL still detects (one side is aborted) is retried.
func (s *SchedulingJobs) Apply(ctx context.Context, plans []scheduling.Plan, drops []scheduling.Drop) error {
	if len(plans) == 0 && len(drops) == 0 {
		return nil
	}
	var err error
	for attempt := range 3 {
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return applyPlans(ctx, tx, plans, drops) })
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "40P01" {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 20 * time.Millisecond)
	}
	return err
}

func applyPlans(ctx context.Context, tx pgx.Tx, plans []scheduling.Plan, drops []scheduling.Drop) error {
	if len(plans) == 0 && len(drops) == 0 {
		return nil
	}
	// One lock order for every writer: by key (stable, so a key planned twice in a batch
	// keeps its order: the later plan wins).
	plans = slices.Clone(plans)
	slices.SortStableFunc(plans, func(a, b scheduling.Plan) int { return strings.Compare(a.Key, b.Key) })
	b := &pgx.Batch{}
	for _, p := range plans {
		q, ok := planSQL[p.Mode]
		if !ok {
			return fmt.Errorf("plan %s: unknown mode %d", p.Key, p.Mode)
		}
		payload := p.Payload
		if len(payload) == 0 {
			payload = []byte(`{}`)
		}
		state := p.State
		if state == "" {
			state = scheduling.Pending
		}
		b.Queue(q, p.Key, string(p.Kind), string(payload), p.DueAt.UTC(), string(state), p.Reason, p.Version)
	}
	for _, d := range drops {
		b.Queue(dropSQL, d.Keys, d.Reason, d.Version)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("plan jobs: %w", err)
	}
	return nil
}

// RunNext implements scheduling.Store: the claimed row stays locked (FOR UPDATE) while run
// works, so no other replica takes it; if this process dies, its connection and lock go
// and the job is due again for everyone.
func (s *SchedulingJobs) RunNext(ctx context.Context, now time.Time, scope []string,
	run func(ctx context.Context, j scheduling.Job) (scheduling.Record, []scheduling.Plan)) (bool, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var j scheduling.Job
	var kind string
	var patterns []string // nil: every job; empty: none
	if scope != nil {
		patterns = make([]string, 0, len(scope))
	}
	for _, id := range scope {
		patterns = append(patterns, "%"+strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(id)+"%")
	}
	err = tx.QueryRow(ctx, `SELECT key, kind, payload, due_at, attempts FROM scheduling.jobs
		WHERE state = 'PENDING' AND due_at <= $1 AND ($2::text[] IS NULL OR key LIKE ANY($2) OR payload::text LIKE ANY($2))
		ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`, now.UTC(), patterns).
		Scan(&j.Key, &kind, &j.Payload, &j.DueAt, &j.Attempts)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, tx.Commit(ctx)
	}
	if err != nil {
		return false, fmt.Errorf("claim job: %w", err)
	}
	j.Kind = scheduling.Kind(kind)
	rec, plans := run(ctx, j)
	// The effect has happened (a mail may be out): record it even if we are stopping.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := applyPlans(wctx, tx, plans, nil); err != nil {
		return true, err
	}
	if _, err := tx.Exec(wctx, `UPDATE scheduling.jobs SET state = $2, due_at = $3, attempts = $4, last_error = $5,
		outcome = $6, updated_at = now(), done_at = CASE WHEN $2 = 'PENDING' THEN NULL ELSE now() END WHERE key = $1`,
		j.Key, string(rec.State), rec.DueAt.UTC(), rec.Attempts, rec.LastError, rec.Outcome); err != nil {
		return true, fmt.Errorf("record job %s: %w", j.Key, err)
	}
	if err := tx.Commit(wctx); err != nil {
		return true, fmt.Errorf("commit job %s: %w", j.Key, err)
	}
	return true, nil
}

// CountDue implements scheduling.Store.
func (s *SchedulingJobs) CountDue(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM scheduling.jobs WHERE state = 'PENDING' AND due_at <= $1`, now.UTC()).Scan(&n)
	return n, err
}

// NextDue implements scheduling.Store (the partial index over pending jobs answers it).
func (s *SchedulingJobs) NextDue(ctx context.Context) (time.Time, bool, error) {
	var next *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT min(due_at) FROM scheduling.jobs WHERE state = 'PENDING'`).Scan(&next); err != nil {
		return time.Time{}, false, err
	}
	if next == nil {
		return time.Time{}, false, nil
	}
	return *next, true, nil
}

// SchedulingJob is a job row as stored (tests and diagnostics).
type SchedulingJob struct {
	Key       string
	Kind      string
	DueAt     time.Time
	State     string
	Attempts  int
	Outcome   string
	LastError string
}

// Job reads one job by key (found=false when there is none).
func (s *SchedulingJobs) Job(ctx context.Context, key string) (SchedulingJob, bool, error) {
	var j SchedulingJob
	err := s.pool.QueryRow(ctx, `SELECT key, kind, due_at, state, attempts, outcome, last_error FROM scheduling.jobs WHERE key = $1`, key).
		Scan(&j.Key, &j.Kind, &j.DueAt, &j.State, &j.Attempts, &j.Outcome, &j.LastError)
	if errors.Is(err, pgx.ErrNoRows) {
		return SchedulingJob{}, false, nil
	}
	return j, err == nil, err
}

// RememberEvents keeps the titles of the events seen (the latest per event in the batch
// wins: rows come in commit order).
func (s *SchedulingJobs) RememberEvents(ctx context.Context, names []scheduling.EventName) error {
	if len(names) == 0 {
		return nil
	}
	latest := map[uuid.UUID]scheduling.EventName{}
	for _, n := range names {
		latest[n.ID] = n
	}
	b := &pgx.Batch{}
	for _, n := range latest {
		b.Queue(`INSERT INTO scheduling.event_names (event_id, title, organization_id) VALUES ($1, $2, $3)
			ON CONFLICT (event_id) DO UPDATE SET title = EXCLUDED.title, organization_id = EXCLUDED.organization_id, updated_at = now()`,
			n.ID, n.Title, n.OrganizationID)
	}
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("remember event names: %w", err)
	}
	return nil
}

// Follow makes buyers of paid orders follow their sessions (source purchase); following
// already is no change.
func (s *SchedulingJobs) Follow(ctx context.Context, follows []scheduling.Follow) error {
	if len(follows) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, f := range follows {
		b.Queue(`INSERT INTO scheduling.subscriptions (id, user_id, email, session_id, source)
			VALUES ($1, $2, $3, $4, 'purchase') ON CONFLICT DO NOTHING`, uuid.New(), f.UserID, f.Email, f.SessionID)
	}
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("follow sessions: %w", err)
	}
	return nil
}
