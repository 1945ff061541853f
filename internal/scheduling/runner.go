package scheduling

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Store keeps the jobs (scheduling.jobs).
type Store interface {
	// Apply creates, moves and drops jobs in one transaction (see Mode for the rules).
	Apply(ctx context.Context, plans []Plan, drops []Drop) error
	// RunNext claims the earliest pending job due at now (FOR UPDATE SKIP LOCKED), calls
	// run while holding it, writes the record and the plans run returns in the same
	// transaction and commits. ran is false when nothing was due. A non-nil scope limits
	// the claim to jobs whose key or payload contains one of its strings.
	RunNext(ctx context.Context, now time.Time, scope []string, run func(ctx context.Context, j Job) (Record, []Plan)) (ran bool, err error)
	// CountDue counts the pending jobs due at now.
	CountDue(ctx context.Context, now time.Time) (int64, error)
	// NextDue is the earliest due time of a pending job (ok=false when none is pending).
	NextDue(ctx context.Context) (due time.Time, ok bool, err error)
}

// Handler runs one job and says what happened.
type Handler interface {
	Run(ctx context.Context, j Job, now time.Time) Result
}

// Runner claims and runs due jobs with a number of workers.
type Runner struct {
	Store   Store
	Clock   Clock
	Handler Handler
	Log     *slog.Logger
	Metrics *Metrics
	// Workers is the number of concurrent workers (default 4).
	Workers int
	// Poll is how often an idle worker looks for due jobs (default 500 ms).
	Poll time.Duration
	// JobTimeout bounds one job (default 30 s).
	JobTimeout time.Duration
	// Scope, when set, limits this runner to the jobs it covers (tests, rehearsals); nil
	// runs every job.
	Scope *Scope

	once sync.Once
	wake chan struct{}
}

func (r *Runner) init() {
	r.once.Do(func() {
		if r.Workers <= 0 {
			r.Workers = 4
		}
		if r.Poll <= 0 {
			r.Poll = 500 * time.Millisecond
		}
		if r.JobTimeout <= 0 {
			r.JobTimeout = 30 * time.Second
		}
		r.wake = make(chan struct{}, r.Workers)
	})
}

// Wake makes idle workers look for due jobs now (a job due now was just planned).
func (r *Runner) Wake() {
	r.init()
	for range r.Workers {
		select {
		case r.wake <- struct{}{}:
		default:
			return
		}
	}
}

// Run runs the workers until ctx ends.
func (r *Runner) Run(ctx context.Context) error {
	r.init()
	var wg sync.WaitGroup
	for range r.Workers {
		wg.Add(1)
		go func() { defer wg.Done(); r.work(ctx) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); r.gauge(ctx) }()
	wg.Wait()
	return nil
}

func (r *Runner) work(ctx context.Context) {
	for ctx.Err() == nil {
		ran, err := r.Store.RunNext(ctx, r.Clock.Now(), r.Scope.List(), r.runJob)
		if err != nil && ctx.Err() == nil {
			r.Log.Warn("claiming a job failed", "err", err)
		}
		if ran && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-r.wake:
		case <-time.After(r.idle(ctx)):
		}
	}
}

// idle is how long an idle worker waits before it looks again: the poll interval, or less
// when a pending job comes due sooner, so a sale opens at its second rather than up to a
// poll interval late. A job already due (run by another worker or replica, or outside this
// runner's scope) does not shorten the wait.
func (r *Runner) idle(ctx context.Context) time.Duration {
	next, ok, err := r.Store.NextDue(ctx)
	if err != nil || !ok {
		return r.Poll
	}
	if d := next.Sub(r.Clock.Now()); d > 0 && d < r.Poll {
		return d
	}
	return r.Poll
}

func (r *Runner) runJob(ctx context.Context, j Job) (Record, []Plan) {
	now := r.Clock.Now()
	r.Metrics.lateness(j.Kind, now.Sub(j.DueAt))
	jctx, cancel := context.WithTimeout(ctx, r.JobTimeout)
	res := r.safeRun(jctx, j, now)
	cancel()
	rec := Settle(j, res, r.Clock.Now(), rand.Float64())
	outcome := string(rec.State)
	if rec.State == Pending && res.Err != nil {
		outcome = "RETRY"
	}
	r.Metrics.ran(j.Kind, outcome)
	log := r.Log.With("job", j.Key, "kind", j.Kind, "outcome", outcome)
	switch {
	case res.Err != nil:
		log.Warn("job did not succeed", "err", res.Err, "attempts", rec.Attempts, "next", rec.DueAt)
	case j.Kind == KindTrending || j.Kind == KindSweep:
		log.Debug("job ran", "reason", rec.Outcome)
	default:
		log.Info("job ran", "reason", rec.Outcome, "planned", len(res.Plans))
	}
	return rec, res.Plans
}

func (r *Runner) safeRun(ctx context.Context, j Job, now time.Time) (res Result) {
	defer func() {
		if p := recover(); p != nil {
			r.Log.Error("job panicked", "job", j.Key, "panic", p)
			res = Result{State: Failed, Reason: "panic"}
		}
	}()
	return r.Handler.Run(ctx, j, now)
}

func (r *Runner) gauge(ctx context.Context) {
	if r.Metrics == nil {
		return
	}
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		if n, err := r.Store.CountDue(ctx, r.Clock.Now()); err == nil {
			r.Metrics.due.Set(float64(n))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Metrics are the scheduler's job and mail metrics.
type Metrics struct {
	due        prometheus.Gauge
	run        *prometheus.CounterVec
	late       *prometheus.HistogramVec
	mails      *prometheus.CounterVec
	mailFailed *prometheus.CounterVec
	orders     *prometheus.CounterVec
}

// NewMetrics creates the metrics; register Collectors with the service's registry.
func NewMetrics() *Metrics {
	return &Metrics{
		due: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ticketly_scheduler_jobs_due", Help: "Pending jobs whose due time has passed."}),
		run: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketly_scheduler_jobs_run_total",
			Help: "Jobs run, by kind and outcome (DONE, DROPPED, FAILED, RETRY, PENDING for recurring)."}, []string{"kind", "outcome"}),
		late: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ticketly_scheduler_job_lateness_seconds",
			Help: "Time from a job's due time to its start.", Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300}}, []string{"kind"}),
		mails: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketly_scheduler_mails_sent_total", Help: "Mails sent, by kind."}, []string{"kind"}),
		mailFailed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketly_scheduler_mails_failed_total",
			Help: "Mail sends that failed, by kind and whether the failure was permanent."}, []string{"kind", "permanent"}),
		orders: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketly_scheduler_cancelled_session_orders_total",
			Help: "Orders of cancelled sessions the order service was asked to end, by outcome (refunded, cancelled, failed)."}, []string{"outcome"}),
	}
}

// Collectors lists the metrics to register.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.due, m.run, m.late, m.mails, m.mailFailed, m.orders}
}

func (m *Metrics) lateness(k Kind, d time.Duration) {
	if m != nil {
		m.late.WithLabelValues(string(k)).Observe(max(0, d.Seconds()))
	}
}

func (m *Metrics) ran(k Kind, outcome string) {
	if m != nil {
		m.run.WithLabelValues(string(k), outcome).Inc()
	}
}

func (m *Metrics) cancelledOrders(refunded, cancelled, failed int) {
	if m != nil {
		m.orders.WithLabelValues("refunded").Add(float64(refunded))
		m.orders.WithLabelValues("cancelled").Add(float64(cancelled))
		m.orders.WithLabelValues("failed").Add(float64(failed))
	}
}

func (m *Metrics) mailSent(kind string) {
	if m != nil {
		m.mails.WithLabelValues(kind).Inc()
	}
}

func (m *Metrics) mailFailure(kind string, permanent bool) {
	if m != nil {
		p := "false"
		if permanent {
			p = "true"
		}
		m.mailFailed.WithLabelValues(kind, p).Inc()
	}
}

// Scope limits a scheduler to the jobs of some objects: a job is in scope when its key
// or payload contains one of the scope's strings (session, event, order ids). A nil Scope covers
// every job, an empty one none.
type Scope struct {
	mu   sync.Mutex
	only []string
}

// NewScope returns a scope over ids.
func NewScope(ids ...string) *Scope { s := &Scope{}; s.Add(ids...); return s }

// Add widens the scope.
func (s *Scope) Add(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if id != "" {
			s.only = append(s.only, id)
		}
	}
}

// List returns the scope's strings: nil for a nil Scope (everything), never nil
// otherwise.
func (s *Scope) List() []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.only))
	copy(out, s.only)
	return out
}

// Covers reports whether a job is in scope: its key or its payload names one of the
// scope's ids.
func (s *Scope) Covers(key string, payload []byte) bool {
	if s == nil {
		return true
	}
	for _, id := range s.List() {
		if strings.Contains(key, id) || strings.Contains(string(payload), id) {
			return true
		}
	}
	return false
}
