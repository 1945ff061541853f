package scheduling

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// Session statuses (catalog.sessions.status).
const (
	StatusScheduled = "SCHEDULED"
	StatusOnSale    = "ON_SALE"
	StatusSoldOut   = "SOLD_OUT"
	StatusClosed    = "CLOSED"
	StatusCancelled = "CANCELLED"
)

// Reminder lead times (SPEC section 8).
const (
	StartReminderLead = 24 * time.Hour
	SalesReminderLead = 30 * time.Minute
)

// Session is what planning needs of a session row.
type Session struct {
	ID         uuid.UUID `json:"session_id"`
	EventID    uuid.UUID `json:"event_id"`
	Start      time.Time `json:"start_time"`
	End        time.Time `json:"end_time"`
	SalesStart time.Time `json:"sales_start_time"`
	SalesEnd   time.Time `json:"sales_end_time"`
	Status     string    `json:"status"`
	// Version orders the rows of one session: its updated_at in microseconds.
	Version int64 `json:"version"`
}

// CloseAt is when the session's sales close: at the sales end, or at the session's end
// when that comes first.
func (s Session) CloseAt() time.Time {
	if s.End.Before(s.SalesEnd) {
		return s.End
	}
	return s.SalesEnd
}

// sessionKeys are the time jobs of a session.
func sessionKeys(id uuid.UUID) []string {
	return []string{SessionKey(KindOpen, id), SessionKey(KindClose, id), SessionKey(KindReminderStart, id), SessionKey(KindReminderSales, id)}
}

// PlanSession plans the time jobs of a session row as it is now: a scheduled session opens
// at its sales start, an open one closes at its sales end, reminders come 24 h before the
// start and 30 min before the sales open — unless that moment has already passed, in which
// case the reminder is recorded as dropped and never sent. A cancelled session drops every
// pending job, a closed one its open and close jobs.
func PlanSession(s Session, now time.Time) ([]Plan, []Drop) {
	payload, _ := json.Marshal(s)
	plan := func(k Kind, due time.Time) Plan {
		return Plan{Key: SessionKey(k, s.ID), Kind: k, Payload: payload, DueAt: due, State: Pending, Version: s.Version, Mode: Replace}
	}
	var plans []Plan
	var drops []Drop
	switch s.Status {
	case StatusCancelled:
		return nil, []Drop{{Keys: sessionKeys(s.ID), Reason: "session cancelled", Version: s.Version}}
	case StatusClosed:
		drops = append(drops, Drop{Keys: []string{SessionKey(KindOpen, s.ID), SessionKey(KindClose, s.ID)}, Reason: "session closed", Version: s.Version})
	case StatusScheduled:
		plans = append(plans, plan(KindOpen, s.SalesStart), plan(KindClose, s.CloseAt()))
	case StatusOnSale, StatusSoldOut:
		drops = append(drops, Drop{Keys: []string{SessionKey(KindOpen, s.ID)}, Reason: "sales already open", Version: s.Version})
		plans = append(plans, plan(KindClose, s.CloseAt()))
	default:
		return nil, nil
	}
	start := plan(KindReminderStart, s.Start.Add(-StartReminderLead))
	if !start.DueAt.After(now) {
		start.State, start.Reason = Dropped, "due before planned"
	}
	sales := plan(KindReminderSales, s.SalesStart.Add(-SalesReminderLead))
	switch {
	case !sales.DueAt.After(now):
		sales.State, sales.Reason = Dropped, "due before planned"
	case s.Status != StatusScheduled:
		sales.State, sales.Reason = Dropped, "sales already open"
	}
	return append(plans, start, sales), drops
}

// DropSession drops every pending time job of a deleted session.
func DropSession(id uuid.UUID, version int64, reason string) Drop {
	return Drop{Keys: sessionKeys(id), Reason: reason, Version: version}
}

// AvailabilityPayload is the payload of a session.availability job.
type AvailabilityPayload struct {
	SessionID uuid.UUID `json:"session_id"`
}

// PlanAvailability plans a recount of a session's availability, due now; planning it again
// while it is pending keeps one row.
func PlanAvailability(sessionID uuid.UUID, now time.Time) Plan {
	p, _ := json.Marshal(AvailabilityPayload{SessionID: sessionID})
	return Plan{Key: SessionKey(KindAvailability, sessionID), Kind: KindAvailability, Payload: p, DueAt: now, State: Pending, Mode: Coalesce}
}

// Mail kinds (internal/mail kinds; strings here so the planner has no template dependency).
const (
	MailReminderStart = "reminder.session_start"
	MailReminderSales = "reminder.sales_open"
	MailConfirmed     = "order.confirmed"
	MailCancelled     = "order.cancelled"
	MailExpired       = "order.expired"
	MailRefunded      = "order.refunded"
	MailLateRefunded  = "order.late_payment_refunded"
	MailApproved      = "event.approved"
	MailRejected      = "event.rejected"
)

// MailPayload is the payload of a mail job: what the mail is about and to whom. The rest
// is read from the write model when the mail is sent.
type MailPayload struct {
	Kind      string    `json:"kind"`
	To        string    `json:"to"`
	EventID   uuid.UUID `json:"event_id,omitzero"`
	SessionID uuid.UUID `json:"session_id,omitzero"`
	OrderID   uuid.UUID `json:"order_id,omitzero"`
	RefundID  uuid.UUID `json:"refund_id,omitzero"`
}

// object is the id that, with the kind and the address, makes the mail unique.
func (m MailPayload) object() uuid.UUID {
	switch {
	case m.RefundID != uuid.Nil:
		return m.RefundID
	case m.OrderID != uuid.Nil:
		return m.OrderID
	case m.SessionID != uuid.Nil:
		return m.SessionID
	}
	return m.EventID
}

// PlanMail plans one mail, due now, at most once per recipient and purpose.
func PlanMail(m MailPayload, now time.Time) Plan {
	m.To = NormalizeAddress(m.To)
	p, _ := json.Marshal(m)
	return Plan{Key: MailKey(m.Kind, m.object(), m.To), Kind: KindMail, Payload: p, DueAt: now, State: Pending, Mode: Once}
}

// PlanRecurring plans a recurring job (trending, sweep) at start-up, due at due.
func PlanRecurring(k Kind, due time.Time) Plan {
	return Plan{Key: string(k), Kind: k, Payload: json.RawMessage(`{}`), DueAt: due, State: Pending, Mode: Ensure}
}
