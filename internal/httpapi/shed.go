package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/semaphore"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/metrics"
)

// Admission bounds how many requests a service serves at once. Beyond that, more requests
// in flight only queue inside the service (for the CPU, database connections, Redis), so
// every one of them gets slower while throughput stays the same; a request that waits too
// long for a slot is better answered 503 at once, cheaply, and retried.
type Admission struct {
	slots *semaphore.Weighted
	wait  time.Duration
}

// DefaultMaxInFlight is about six times a service's 20 database connections: enough for the
// cheap requests (refusals at the Redis gate, reads) to pass beside a full pool of order
// creations, while requests beyond it would only queue for the pool or the CPU.
// DefaultAdmissionWait lets a flash sale's burst queue instead of being refused: 1,000
// buyers arriving at once are served from the queue within about half a second on a
// 2-core machine, so only a service that stays saturated for a second sheds (503 +
// Retry-After), and a contended seat still answers 409.
const (
	DefaultMaxInFlight   = 128
	DefaultAdmissionWait = time.Second
)

// NewAdmission admits max requests at once; a request waits at most wait for a slot.
func NewAdmission(max int, wait time.Duration) *Admission {
	return &Admission{slots: semaphore.NewWeighted(int64(max)), wait: wait}
}

// acquire takes a slot, waiting at most a.wait (or until the client goes away).
func (a *Admission) acquire(ctx context.Context) bool {
	if a.slots.TryAcquire(1) {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, a.wait)
	defer cancel()
	return a.slots.Acquire(ctx, 1) == nil
}

func (a *Admission) release() { a.slots.Release(1) }

// Shed returns middleware that serves a request only once it holds a slot of a; a request
// that gets none within the wait is answered 503 with Retry-After: 1 in the error
// envelope, and counted in ticketly_http_requests_shed_total. A nil a lets every request
// through. Mount it on API routes only: operational endpoints must answer under load, and
// long-lived streams would hold their slots for their whole life.
func Shed(reg *metrics.Registry, a *Admission) func(http.Handler) http.Handler {
	shed := prometheus.NewCounter(prometheus.CounterOpts{Name: "ticketly_http_requests_shed_total",
		Help: "API requests answered 503 because the service was serving its maximum of requests at once (MAX_INFLIGHT) for longer than ADMISSION_WAIT."})
	reg.Register(shed)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if a == nil {
				next.ServeHTTP(w, r)
				return
			}
			if !a.acquire(r.Context()) {
				shed.Inc()
				w.Header().Set("Retry-After", "1")
				WriteJSON(w, http.StatusServiceUnavailable, ErrorBody{Error: ErrorDetail{Code: apperr.Unavailable,
					Message: "the service is serving as many requests as it can; retry after a second"}})
				return
			}
			defer a.release()
			next.ServeHTTP(w, r)
		})
	}
}
