package scheduling

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/mail"
)

// Errors of SessionAPI.SetStatus.
var (
	// ErrStale: an expected value (sales times, status) no longer holds.
	ErrStale = errors.New("session changed since the job was planned")
	// ErrForbidden: the session's status machine refuses the move (event not approved,
	// session cancelled, …).
	ErrForbidden = errors.New("status change not allowed")
	// ErrNotFound: the session does not exist.
	ErrNotFound = errors.New("session not found")
)

// StatusChange is a request to event-command's internal session status API.
type StatusChange struct {
	Status string
	Reason string
	// Expected values are preconditions (zero: none).
	ExpectedSalesStart time.Time
	ExpectedSalesEnd   time.Time
	ExpectedStatus     string
}

// The reasons of a status change.
const (
	ReasonSalesStart = "sales_start"
	ReasonSalesEnd   = "sales_end"
	ReasonSoldOut    = "sold_out"
	ReasonAvailable  = "available"
)

// SessionAPI changes a session's status through event-command.
type SessionAPI interface {
	SetStatus(ctx context.Context, sessionID uuid.UUID, c StatusChange) error
}

// SessionInfo is a session as the write model has it now.
type SessionInfo struct {
	Session
	OrganizationID uuid.UUID
	EventStatus    string
}

// EventSales are the trending inputs of one event.
type EventSales struct {
	EventID uuid.UUID
	// Hot is Σ 2^(−age/6 h) over the VALID tickets issued in the last 72 h.
	Hot float64
	// Valid counts the VALID tickets of the event's sessions that have not ended, Capacity
	// their sellable capacity.
	Valid, Capacity int64
}

// TrendingRow is one stored trending score.
type TrendingRow struct {
	EventID      uuid.UUID
	Score        float64
	RecentHot    float64
	Valid        int64
	Capacity     int64
	SellThrough  float64
	StoredBefore bool
}

// WriteModel reads the catalog and ordering schemas and keeps the scheduler's trending rows.
type WriteModel interface {
	SessionInfo(ctx context.Context, id uuid.UUID) (SessionInfo, bool, error)
	Capacity(ctx context.Context, id uuid.UUID) (Capacity, error)
	// Recipients are the followers of the session, its event and its organization, and,
	// with holders, the buyers of its paid orders; deduplicated case-insensitively.
	Recipients(ctx context.Context, s SessionInfo, holders bool) ([]string, error)
	// MailData loads what a mail shows (found=false when its object is gone).
	MailData(ctx context.Context, p MailPayload) (mail.Data, bool, error)
	// SweepSessions lists the sessions of approved events still to open or close.
	SweepSessions(ctx context.Context) ([]Session, error)
	// CancelledWithOrders lists the sessions that are cancelled (or deleted) and still have
	// live orders (unpaid, paid or partially refunded).
	CancelledWithOrders(ctx context.Context) ([]uuid.UUID, error)
	TrendingInputs(ctx context.Context, now time.Time) ([]EventSales, error)
	// SaveTrending replaces the trending rows by rows (only changed ones are written; rows
	// of events not listed are deleted).
	SaveTrending(ctx context.Context, rows []TrendingRow) error
}

// Handlers runs each kind of job.
type Handlers struct {
	API    SessionAPI
	Orders OrderAPI
	Model  WriteModel
	Jobs   Store
	Sender mail.Sender
	// MailOptions are From and WebURL of every mail (MessageID is set per job).
	MailOptions   mail.Options
	TrendingEvery time.Duration
	SweepEvery    time.Duration
	Metrics       *Metrics
	Log           *slog.Logger
}

// Run implements Handler.
func (h *Handlers) Run(ctx context.Context, j Job, now time.Time) Result {
	switch j.Kind {
	case KindOpen, KindClose:
		return h.window(ctx, j)
	case KindAvailability:
		return h.availability(ctx, j)
	case KindCancelOrders:
		return h.cancelOrders(ctx, j, now)
	case KindReminderStart, KindReminderSales:
		return h.reminder(ctx, j, now)
	case KindMail:
		return h.mail(ctx, j, now)
	case KindSweep:
		return h.sweep(ctx, now)
	case KindTrending:
		return h.trending(ctx, now)
	}
	return Result{State: Failed, Reason: "unknown job kind " + string(j.Kind)}
}

// apiResult maps a status change's error to a job result.
func apiResult(err error, done string) Result {
	switch {
	case err == nil:
		return Result{State: Done, Reason: done}
	case errors.Is(err, ErrStale):
		return Result{State: Dropped, Reason: "stale: " + err.Error()}
	case errors.Is(err, ErrForbidden):
		return Result{State: Dropped, Reason: "refused: " + err.Error()}
	case errors.Is(err, ErrNotFound):
		return Result{State: Dropped, Reason: "session gone"}
	}
	return Result{Err: err}
}

func (h *Handlers) window(ctx context.Context, j Job) Result {
	var s Session
	if err := json.Unmarshal(j.Payload, &s); err != nil {
		return Result{State: Failed, Reason: "bad payload: " + err.Error()}
	}
	if j.Kind == KindOpen {
		return apiResult(h.API.SetStatus(ctx, s.ID, StatusChange{Status: StatusOnSale, Reason: ReasonSalesStart, ExpectedSalesStart: s.SalesStart}), "opened")
	}
	return apiResult(h.API.SetStatus(ctx, s.ID, StatusChange{Status: StatusClosed, Reason: ReasonSalesEnd, ExpectedSalesEnd: s.SalesEnd}), "closed")
}

func (h *Handlers) availability(ctx context.Context, j Job) Result {
	var p AvailabilityPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return Result{State: Failed, Reason: "bad payload: " + err.Error()}
	}
	info, found, err := h.Model.SessionInfo(ctx, p.SessionID)
	switch {
	case err != nil:
		return Result{Err: err}
	case !found:
		return Result{State: Dropped, Reason: "session gone"}
	case info.Status != StatusOnSale && info.Status != StatusSoldOut:
		return Result{State: Done, Reason: "session is " + info.Status}
	}
	c, err := h.Model.Capacity(ctx, p.SessionID)
	if err != nil {
		return Result{Err: err}
	}
	target := Decide(info.Status, c)
	counted := fmt.Sprintf("%d of %d available", c.Available, c.Sellable)
	if target == "" {
		return Result{State: Done, Reason: counted + ", stays " + info.Status}
	}
	reason := ReasonSoldOut
	if target == StatusOnSale {
		reason = ReasonAvailable
	}
	err = h.API.SetStatus(ctx, p.SessionID, StatusChange{Status: target, Reason: reason, ExpectedStatus: info.Status})
	if errors.Is(err, ErrStale) {
		return Result{Err: fmt.Errorf("status moved while counting, count again: %w", err)}
	}
	return apiResult(err, counted+", now "+target)
}

func (h *Handlers) reminder(ctx context.Context, j Job, now time.Time) Result {
	var s Session
	if err := json.Unmarshal(j.Payload, &s); err != nil {
		return Result{State: Failed, Reason: "bad payload: " + err.Error()}
	}
	info, found, err := h.Model.SessionInfo(ctx, s.ID)
	switch {
	case err != nil:
		return Result{Err: err}
	case !found:
		return Result{State: Dropped, Reason: "session gone"}
	case info.Status == StatusCancelled:
		return Result{State: Dropped, Reason: "session cancelled"}
	case info.EventStatus != "APPROVED":
		return Result{State: Dropped, Reason: "event is " + info.EventStatus}
	}
	kind, holders, at := MailReminderStart, true, info.Start
	if j.Kind == KindReminderSales {
		kind, holders, at = MailReminderSales, false, info.SalesStart
		if info.Status != StatusScheduled {
			return Result{State: Dropped, Reason: "sales already open"}
		}
	}
	lead := StartReminderLead
	if j.Kind == KindReminderSales {
		lead = SalesReminderLead
	}
	switch {
	case !now.Before(at):
		return Result{State: Dropped, Reason: "too late: what it announces has happened"}
	case at.Add(-lead).After(now.Add(time.Minute)):
		return Result{State: Dropped, Reason: "moved: the session's times changed"} // its re-plan is on the way
	}
	to, err := h.Model.Recipients(ctx, info, holders)
	if err != nil {
		return Result{Err: err}
	}
	plans := make([]Plan, 0, len(to))
	for _, a := range to {
		plans = append(plans, PlanMail(MailPayload{Kind: kind, To: a, EventID: info.EventID, SessionID: info.ID}, now))
	}
	return Result{State: Done, Reason: fmt.Sprintf("%d recipients", len(to)), Plans: plans}
}

// MessageID is the Message-ID of a mail job's mail, derived from its key.
func MessageID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

func (h *Handlers) mail(ctx context.Context, j Job, now time.Time) Result {
	var p MailPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return Result{State: Failed, Reason: "bad payload: " + err.Error()}
	}
	d, found, err := h.Model.MailData(ctx, p)
	switch {
	case err != nil:
		return Result{Err: err}
	case !found:
		return Result{State: Dropped, Reason: "what the mail is about is gone"}
	}
	opts := h.MailOptions
	opts.MessageID, opts.Now = MessageID(j.Key), now
	msg, err := mail.Compose(d, opts)
	if err != nil {
		h.Metrics.mailFailure(p.Kind, true)
		return Result{State: Failed, Reason: "compose: " + err.Error()}
	}
	if err := h.Sender.Send(ctx, msg); err != nil {
		permanent := mail.IsPermanent(err)
		h.Metrics.mailFailure(p.Kind, permanent)
		if permanent {
			return Result{State: Failed, Reason: "refused by the mail server", Err: err}
		}
		return Result{Err: err}
	}
	h.Metrics.mailSent(p.Kind)
	return Result{State: Done, Reason: "sent"}
}

func (h *Handlers) sweep(ctx context.Context, now time.Time) Result {
	sessions, err := h.Model.SweepSessions(ctx)
	if err != nil {
		return Result{Err: err}
	}
	var plans []Plan
	var drops []Drop
	for _, s := range sessions {
		p, d := PlanSession(s, now)
		plans, drops = append(plans, p...), append(drops, d...)
	}
	cancelled, err := h.Model.CancelledWithOrders(ctx)
	if err != nil {
		return Result{Err: err}
	}
	for _, id := range cancelled {
		plans = append(plans, PlanCancelOrders(id, now))
	}
	if err := h.Jobs.Apply(ctx, plans, drops); err != nil {
		return Result{Err: err}
	}
	return Result{Next: now.Add(h.every(h.SweepEvery, 5*time.Minute)),
		Reason: fmt.Sprintf("%d sessions planned, %d cancelled sessions with orders left", len(sessions), len(cancelled))}
}

func (h *Handlers) trending(ctx context.Context, now time.Time) Result {
	in, err := h.Model.TrendingInputs(ctx, now)
	if err != nil {
		return Result{Err: err}
	}
	rows := make([]TrendingRow, 0, len(in))
	for _, e := range in {
		score, st := TrendingScore(e.Hot, e.Valid, e.Capacity)
		if score < TrendingMinScore {
			continue
		}
		rows = append(rows, TrendingRow{EventID: e.EventID, Score: score, RecentHot: e.Hot, Valid: e.Valid, Capacity: e.Capacity, SellThrough: st})
	}
	if err := h.Model.SaveTrending(ctx, rows); err != nil {
		return Result{Err: err}
	}
	return Result{Next: now.Add(h.every(h.TrendingEvery, time.Minute)), Reason: fmt.Sprintf("%d trending events", len(rows))}
}

func (h *Handlers) every(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
