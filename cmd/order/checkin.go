package main

import (
	"context"
	"encoding/base64"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/ordering"
)

// checkInMaxBody bounds a check-in request: a QR payload of a few hundred bytes and a UUID.
const checkInMaxBody = 8 << 10

// checkinApp is what the doors need from the use cases (ordering.Service).
type checkinApp interface {
	CheckIn(ctx context.Context, a ordering.Actor, sessionID uuid.UUID, qr string) (ordering.CheckInResult, error)
	UndoCheckIn(ctx context.Context, a ordering.Actor, ticketID uuid.UUID) error
	SessionCheckInList(ctx context.Context, a ordering.Actor, sessionID uuid.UUID) (ordering.CheckInList, error)
}

var _ checkinApp = (*ordering.Service)(nil)

// checkinRoutes are the doors' endpoints, all under /checkins: SPEC section 10 routes
// check-ins to the order service and every GET under /api/v1/sessions/… to event-query,
// so the offline list is GET /checkins/list?session_id=… rather than a session sub-path.
func (s *server) checkinRoutes(r chi.Router) {
	r.Post("/checkins", s.h(s.checkIn))
	r.Get("/checkins/list", s.h(s.checkInList))
	r.Delete("/checkins/{ticket_id}", s.h(s.undoCheckIn))
}

type checkInRequest struct {
	QR        string `json:"qr"`
	SessionID string `json:"session_id"`
}

// holderView is who holds a ticket: its buyer, named as their token named them when they
// ordered (name is "" for orders placed before names were recorded).
type holderView struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type checkInView struct {
	Ticket      ordering.TicketView `json:"ticket"`
	CheckedInAt string              `json:"checked_in_at"`
	SessionID   string              `json:"session_id"`
	Label       string              `json:"label"`
	TierName    string              `json:"tier_name"`
	Holder      holderView          `json:"holder"`
}

func (s *server) checkIn(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var req checkInRequest
	if err := httpapi.DecodeJSON(w, r, &req, checkInMaxBody); err != nil {
		return err
	}
	bad := apperr.FieldErrors{}
	if req.QR == "" {
		bad.Add("qr", "is required")
	}
	sessionID, ok := httpapi.ParseUUID(req.SessionID)
	switch {
	case req.SessionID == "":
		bad.Add("session_id", "is required: the session whose door scans the ticket")
	case !ok || sessionID == uuid.Nil:
		bad.Add("session_id", "must be a UUID")
	}
	if err := bad.Err(); err != nil {
		return err
	}
	res, err := s.app.CheckIn(r.Context(), actorOf(p), sessionID, req.QR)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, checkInView{Ticket: res.Ticket, CheckedInAt: ordering.FormatTime(res.CheckedInAt),
		SessionID: res.SessionID.String(), Label: res.Label, TierName: res.TierName, Holder: holderView{Name: res.HolderName, Email: res.HolderEmail}})
	return nil
}

func (s *server) undoCheckIn(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := httpapi.PathUUID(r, "ticket_id")
	if err != nil {
		return err
	}
	if err := s.app.UndoCheckIn(r.Context(), actorOf(p), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type checkInListView struct {
	SessionID     string   `json:"session_id"`
	SessionStatus string   `json:"session_status"`
	GeneratedAt   string   `json:"generated_at"`
	Valid         []string `json:"valid_ticket_ids"`
	CheckedIn     []string `json:"checked_in_ticket_ids"`
	Revoked       []string `json:"revoked_ticket_ids"`
	PublicKey     string   `json:"public_key"`
}

func idStrings(ids []uuid.UUID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

func (s *server) checkInList(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	sessionID, err := requiredUUID(r.URL.Query(), "session_id")
	if err != nil {
		return err
	}
	l, err := s.app.SessionCheckInList(r.Context(), actorOf(p), sessionID)
	if err != nil {
		return err
	}
	// The list names who may enter: it is not cached anywhere on the way.
	w.Header().Set("Cache-Control", "no-store")
	httpapi.WriteJSON(w, http.StatusOK, checkInListView{SessionID: l.SessionID.String(), SessionStatus: l.SessionStatus,
		GeneratedAt: ordering.FormatTime(l.GeneratedAt), Valid: idStrings(l.Valid), CheckedIn: idStrings(l.CheckedIn),
		Revoked: idStrings(l.Revoked), PublicKey: base64.RawURLEncoding.EncodeToString(s.keys.PublicKey())})
	return nil
}
