package ordering

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

// Reasons a ticket is refused at a session's door (details.reason of the 422 answer).
const (
	ReasonOtherSession     = "other_session"
	ReasonSessionCancelled = "session_cancelled"
	ReasonTicketVoid       = "ticket_void"
	ReasonTicketRefunded   = "ticket_refunded"
	ReasonNotPaid          = "not_paid"
	ReasonInvalidSignature = "invalid_signature"
)

// SessionCancelled is the catalog status of a cancelled session.
const SessionCancelled = "CANCELLED"

// checkInAttempts bounds how often a check-in is tried again when its ticket changed
// between the refused update and the read that explains it (an undo in between).
const checkInAttempts = 3

// CheckInState is a ticket as the door sees it: the ticket, its order and its session.
type CheckInState struct {
	Ticket        Ticket
	OrderStatus   Status
	OrderRefunded bool // some of the order's money was refunded
	BuyerEmail    string
	BuyerName     string // "" for orders placed before names were recorded
	// SessionStatus is the catalog status of the ticket's session, read when the state was
	// read (never cached); "" when the session no longer exists.
	SessionStatus string
}

// Refusal says why the ticket may not enter sessionID ("" when it may, whether or not it
// is checked in already). The reasons are checked in this order: the ticket's session,
// that session's status, the ticket's status, its order's status.
func (c CheckInState) Refusal(sessionID uuid.UUID) string {
	switch {
	case c.Ticket.SessionID != sessionID:
		return ReasonOtherSession
	case c.SessionStatus == "" || c.SessionStatus == SessionCancelled:
		return ReasonSessionCancelled
	case c.Ticket.Status != TicketValid && c.OrderRefunded:
		return ReasonTicketRefunded
	case c.Ticket.Status != TicketValid:
		return ReasonTicketVoid
	case c.OrderStatus == Refunded:
		return ReasonTicketRefunded
	case c.OrderStatus != Paid && c.OrderStatus != PartiallyRefunded:
		return ReasonNotPaid
	}
	return ""
}

// refusalMessages explain each reason to the person at the door.
var refusalMessages = map[string]string{
	ReasonOtherSession:     "the ticket is for another session",
	ReasonSessionCancelled: "the ticket's session is cancelled",
	ReasonTicketVoid:       "the ticket is void",
	ReasonTicketRefunded:   "the ticket was refunded",
	ReasonNotPaid:          "the ticket's order is not paid",
	ReasonInvalidSignature: "the ticket's signature is not valid: this is not a Ticketly ticket",
}

// refused is the 422 answer for a reason, with details.reason and what else helps the door.
func refused(reason string, details map[string]any) error {
	d := map[string]any{"reason": reason}
	for k, v := range details {
		d[k] = v
	}
	return apperr.New(apperr.Unprocessable, "%s", refusalMessages[reason]).WithDetails(d)
}

func (c CheckInState) refusedAt(sessionID uuid.UUID, reason string) error {
	d := map[string]any{"ticket_id": c.Ticket.ID.String()}
	switch reason {
	case ReasonOtherSession:
		d["ticket_session_id"] = c.Ticket.SessionID.String()
	case ReasonTicketVoid, ReasonTicketRefunded, ReasonNotPaid:
		d["ticket_status"], d["order_status"] = string(c.Ticket.Status), string(c.OrderStatus)
	}
	return refused(reason, d)
}

// alreadyCheckedIn is the 409 answer naming the first check-in.
func alreadyCheckedIn(t Ticket) error {
	return apperr.New(apperr.Conflict, "ticket already checked in at %s", FormatTime(*t.CheckedInAt)).
		WithDetails(map[string]any{"ticket_id": t.ID.String(), "checked_in_at": FormatTime(*t.CheckedInAt)})
}

// CheckInResult is a successful check-in: the ticket and what the door shows.
type CheckInResult struct {
	Ticket      TicketView
	CheckedInAt time.Time
	SessionID   uuid.UUID
	Label       string // the seat's label, or the standing block's
	TierName    string // "" when the tier no longer exists
	// The holder is the buyer: Ticketly records no separate attendee.
	HolderName  string
	HolderEmail string
}

// CheckIn admits the holder of a signed ticket QR to a session once. The caller must be
// the owner, an ADMIN or a SCANNER of the session's organization (403; an unknown session
// is 404); then the QR is verified (400 when malformed, 422 invalid_signature when not
// ours). A ticket of another session, of a cancelled session, a void or refunded ticket,
// or one whose order is not paid is refused with the reason (422); a second check-in is
// 409 with the first one's time. The check-in itself is one conditional update, so of
// two doors scanning the same ticket at once exactly one admits it.
func (s *Service) CheckIn(ctx context.Context, a Actor, sessionID uuid.UUID, qr string) (CheckInResult, error) {
	sess, err := s.cat.Session(ctx, sessionID)
	if err != nil {
		return CheckInResult{}, err
	}
	if err := s.authorize(ctx, a, sess.OrganizationID, true); err != nil {
		return CheckInResult{}, err
	}
	ticketID, qrSession, err := s.signer.Verify(qr)
	switch {
	case errors.Is(err, ErrQRSignature):
		return CheckInResult{}, refused(ReasonInvalidSignature, nil)
	case err != nil:
		return CheckInResult{}, apperr.New(apperr.Invalid, "qr is not a Ticketly ticket payload").
			WithDetails(map[string]any{"fields": map[string]any{"qr": "malformed"}})
	}
	if qrSession != sessionID {
		// Signed by us for another session: no need to ask the database.
		return CheckInResult{}, refused(ReasonOtherSession,
			map[string]any{"ticket_id": ticketID.String(), "ticket_session_id": qrSession.String()})
	}
	for attempt := 1; ; attempt++ {
		st, first, err := s.repo.CheckIn(ctx, ticketID, sessionID, a.ID, s.now())
		if err != nil {
			return CheckInResult{}, err
		}
		if first {
			res := CheckInResult{Ticket: st.Ticket.View(), CheckedInAt: *st.Ticket.CheckedInAt, SessionID: sessionID,
				Label: st.Ticket.Label, TierName: sess.Tiers[st.Ticket.TierID].Name, HolderName: st.BuyerName, HolderEmail: st.BuyerEmail}
			s.log.InfoContext(ctx, "ticket checked in", "ticket_id", ticketID, "session_id", sessionID, "by", a.ID)
			return res, nil
		}
		if reason := st.Refusal(sessionID); reason != "" {
			return CheckInResult{}, st.refusedAt(sessionID, reason)
		}
		if st.Ticket.CheckedInAt != nil {
			return CheckInResult{}, alreadyCheckedIn(st.Ticket)
		}
		if attempt == checkInAttempts {
			return CheckInResult{}, apperr.New(apperr.Unavailable, "ticket %s changed while it was being checked in; scan it again", ticketID)
		}
	}
}

// UndoCheckIn clears a ticket's check-in (a mistaken scan), so it can be checked in again.
// Only the owner or an ADMIN of the ticket's organization, or organization_admin, may
// (scanners 403); a ticket not checked in is 409.
func (s *Service) UndoCheckIn(ctx context.Context, a Actor, ticketID uuid.UUID) error {
	st, err := s.repo.TicketCheckIn(ctx, ticketID)
	if err != nil {
		return err
	}
	if err := s.authorize(ctx, a, st.Ticket.OrganizationID, false); err != nil {
		return err
	}
	prev, undone, err := s.repo.UndoCheckIn(ctx, ticketID)
	if err != nil {
		return err
	}
	if !undone {
		return apperr.New(apperr.Conflict, "ticket %s is not checked in", ticketID).
			WithDetails(map[string]any{"ticket_id": ticketID.String()})
	}
	s.log.InfoContext(ctx, "check-in undone", "ticket_id", ticketID, "session_id", st.Ticket.SessionID,
		"checked_in_at", FormatTime(prev), "by", a.ID)
	return nil
}

// CheckInList is what an offline scanner needs to admit a session's tickets: the ids of
// the tickets that may enter and have not yet, of those already checked in, and of those
// that were issued but must be refused (void, refunded, unpaid, or all of them when the
// session is cancelled). The lists are sorted.
type CheckInList struct {
	SessionID     uuid.UUID
	SessionStatus string
	GeneratedAt   time.Time
	Valid         []uuid.UUID
	CheckedIn     []uuid.UUID
	Revoked       []uuid.UUID
}

// SessionCheckInList returns a session's check-in list for offline scanners (owner, ADMIN
// or SCANNER of its organization, or organization_admin; 404 for an unknown session).
func (s *Service) SessionCheckInList(ctx context.Context, a Actor, sessionID uuid.UUID) (CheckInList, error) {
	sess, err := s.cat.Session(ctx, sessionID)
	if err != nil {
		return CheckInList{}, err
	}
	if err := s.authorize(ctx, a, sess.OrganizationID, true); err != nil {
		return CheckInList{}, err
	}
	status, tickets, err := s.repo.SessionTickets(ctx, sessionID)
	if err != nil {
		return CheckInList{}, err
	}
	l := CheckInList{SessionID: sessionID, SessionStatus: status, GeneratedAt: s.now().UTC(),
		Valid: []uuid.UUID{}, CheckedIn: []uuid.UUID{}, Revoked: []uuid.UUID{}}
	for _, st := range tickets {
		st.SessionStatus = status
		switch {
		case st.Refusal(sessionID) != "":
			l.Revoked = append(l.Revoked, st.Ticket.ID)
		case st.Ticket.CheckedInAt != nil:
			l.CheckedIn = append(l.CheckedIn, st.Ticket.ID)
		default:
			l.Valid = append(l.Valid, st.Ticket.ID)
		}
	}
	return l, nil
}
