package scheduling

import (
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Kind is what a job does.
type Kind string

// The job kinds.
const (
	KindOpen          Kind = "session.open"
	KindClose         Kind = "session.close"
	KindReminderStart Kind = "reminder.start"
	KindReminderSales Kind = "reminder.sales"
	KindAvailability  Kind = "session.availability"
	KindMail          Kind = "mail"
	KindTrending      Kind = "trending"
	KindSweep         Kind = "sweep"
)

// Recurring reports whether jobs of the kind come back by themselves (trending, sweep):
// they are retried however often they fail, never FAILED.
func (k Kind) Recurring() bool { return k == KindTrending || k == KindSweep }

// Kinds lists every job kind.
func Kinds() []Kind {
	return []Kind{KindOpen, KindClose, KindReminderStart, KindReminderSales, KindAvailability, KindCancelOrders, KindMail, KindTrending, KindSweep}
}

// SessionKey is the key of a per-session job (open, close, reminders, availability,
// cancel_orders).
func SessionKey(k Kind, sessionID uuid.UUID) string { return string(k) + ":" + sessionID.String() }

// MailKey is the key of a mail job: one per purpose (mail kind), object (order, refund,
// session, event) and recipient, so the same mail is never planned twice.
func MailKey(mailKind string, objectID uuid.UUID, address string) string {
	return "mail:" + mailKind + ":" + objectID.String() + ":" + NormalizeAddress(address)
}

// NormalizeAddress is the form addresses are compared and keyed in.
func NormalizeAddress(a string) string { return strings.ToLower(strings.TrimSpace(a)) }

// State is a job's lifecycle state (scheduling.jobs.state).
type State string

// The job states.
const (
	Pending State = "PENDING"
	Done    State = "DONE"
	Dropped State = "DROPPED"
	Failed  State = "FAILED"
)

// Mode says how planning a job treats a row that already has its key.
type Mode int

const (
	// Replace moves a job to the plan's due time and state when the plan's version is at
	// least the row's (see the store for the exact rule); used for session time jobs.
	Replace Mode = iota
	// Coalesce keeps one pending row: a pending job keeps the earlier due time, a finished
	// one is pending again (session.availability).
	Coalesce
	// Once inserts the job or leaves the existing row alone (mails).
	Once
	// Ensure inserts the job, or makes a finished one pending again at the plan's due time;
	// a pending job keeps its due time (recurring jobs at start-up).
	Ensure
)

// Plan is a job to create or move.
type Plan struct {
	Key     string
	Kind    Kind
	Payload json.RawMessage
	DueAt   time.Time
	// State is Pending, or Dropped for a job recorded as not to be run (Reason says why).
	State  State
	Reason string
	// Version orders plans of the same key (Replace): the session's updated_at in µs.
	Version int64
	Mode    Mode
}

// Drop ends pending jobs that are no longer wanted (a cancelled or deleted session).
type Drop struct {
	Keys    []string
	Reason  string
	Version int64
}

// Job is a claimed job.
type Job struct {
	Key      string
	Kind     Kind
	Payload  json.RawMessage
	DueAt    time.Time
	Attempts int
}

// Result is what running a job did.
type Result struct {
	// State is Done, Dropped or Failed; empty with Err set means retry later.
	State  State
	Reason string
	Err    error
	// Next, when set, makes the job pending again at that time (recurring jobs).
	Next time.Time
	// Plans are jobs created in the same transaction (a reminder's mails).
	Plans []Plan
}

// Record is the outcome written back to a job row.
type Record struct {
	State     State
	DueAt     time.Time
	Attempts  int
	LastError string
	Outcome   string
}

// MaxAttempts is how often a failing job is tried before it is FAILED.
const MaxAttempts = 10

// maxBackoff bounds the wait between two attempts.
const maxBackoff = 5 * time.Minute

// Backoff is the wait after the attempts-th failure (1 s·2^(attempts−1), at most 5 min),
// spread by jitter in [0,1) over ±20 %.
func Backoff(attempts int, jitter float64) time.Duration {
	d := time.Duration(float64(time.Second) * math.Pow(2, float64(max(attempts-1, 0))))
	if d > maxBackoff || d <= 0 {
		d = maxBackoff
	}
	return time.Duration(float64(d) * (0.8 + 0.4*jitter))
}

// Settle turns a job's result into the row's new state.
func Settle(j Job, r Result, now time.Time, jitter float64) Record {
	switch {
	case r.Err != nil && r.State == "":
		attempts := j.Attempts + 1
		if attempts >= MaxAttempts && !j.Kind.Recurring() {
			return Record{State: Failed, DueAt: j.DueAt, Attempts: attempts, LastError: errText(r.Err), Outcome: "failed after retries"}
		}
		return Record{State: Pending, DueAt: now.Add(Backoff(attempts, jitter)), Attempts: attempts, LastError: errText(r.Err)}
	case !r.Next.IsZero():
		return Record{State: Pending, DueAt: r.Next, Attempts: 0, Outcome: r.Reason, LastError: errText(r.Err)}
	case r.State == "":
		return Record{State: Done, DueAt: j.DueAt, Attempts: j.Attempts, Outcome: r.Reason}
	default:
		return Record{State: r.State, DueAt: j.DueAt, Attempts: j.Attempts, Outcome: r.Reason, LastError: errText(r.Err)}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if len(s) > 1000 {
		s = s[:1000]
	}
	return s
}
