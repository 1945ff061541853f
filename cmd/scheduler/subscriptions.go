package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/postgres"
)

// subscriptionStore keeps who follows what (schema scheduling).
type subscriptionStore interface {
	TargetVisible(ctx context.Context, target string, id uuid.UUID) (bool, error)
	Subscribe(ctx context.Context, userID, email, target string, id uuid.UUID, source string) (postgres.Subscription, bool, error)
	Mine(ctx context.Context, userID string) ([]postgres.Subscription, error)
	Unsubscribe(ctx context.Context, userID string, id uuid.UUID) (bool, error)
}

var _ subscriptionStore = (*postgres.Subscriptions)(nil)

// mountSubscriptions adds the subscription API under /api/v1: a signed-in user follows an
// event, a session or an organization, lists what they follow and stops following.
// Subscribing sends no mail; followers get the reminders (SPEC section 8).
func mountSubscriptions(r chi.Router, log *slog.Logger, subs subscriptionStore) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := subscriptionHandlers{subs: subs}
	r.Post("/subscriptions", httpapi.Authed(log, h.subscribe))
	r.Get("/subscriptions", httpapi.Authed(log, h.mine))
	r.Delete("/subscriptions/{id}", httpapi.Authed(log, h.unsubscribe))
}

type subscriptionHandlers struct{ subs subscriptionStore }

// subscriptionRequest names exactly one target.
type subscriptionRequest struct {
	EventID        *string `json:"event_id"`
	SessionID      *string `json:"session_id"`
	OrganizationID *string `json:"organization_id"`
}

// subscriptionView is a subscription on the wire: its id, the one target field, how it
// came about (user: through this API; purchase: the buyer of a paid order follows its
// session) and when.
type subscriptionView struct {
	ID             uuid.UUID  `json:"id"`
	EventID        *uuid.UUID `json:"event_id,omitempty"`
	SessionID      *uuid.UUID `json:"session_id,omitempty"`
	OrganizationID *uuid.UUID `json:"organization_id,omitempty"`
	Source         string     `json:"source"`
	CreatedAt      time.Time  `json:"created_at"`
}

func viewSubscription(s postgres.Subscription) subscriptionView {
	v := subscriptionView{ID: s.ID, Source: s.Source, CreatedAt: s.CreatedAt.UTC()}
	id := s.TargetID
	switch s.Target {
	case postgres.FollowEvent:
		v.EventID = &id
	case postgres.FollowSession:
		v.SessionID = &id
	case postgres.FollowOrganization:
		v.OrganizationID = &id
	}
	return v
}

// target checks that the request names exactly one target, as a UUID.
func (req subscriptionRequest) target() (kind, field string, id uuid.UUID, err error) {
	named := 0
	for _, t := range []struct {
		kind, field string
		v           *string
	}{
		{postgres.FollowEvent, "event_id", req.EventID},
		{postgres.FollowSession, "session_id", req.SessionID},
		{postgres.FollowOrganization, "organization_id", req.OrganizationID},
	} {
		if t.v == nil {
			continue
		}
		named++
		kind, field = t.kind, t.field
		parsed, ok := httpapi.ParseUUID(*t.v)
		if !ok {
			return "", "", uuid.Nil, apperr.New(apperr.Invalid, "%s must be a UUID", t.field).
				WithDetails(map[string]any{"fields": map[string]any{t.field: "must be a UUID"}})
		}
		id = parsed
	}
	if named != 1 {
		return "", "", uuid.Nil, apperr.New(apperr.Invalid, "name exactly one of event_id, session_id, organization_id (got %d)", named).
			WithDetails(map[string]any{"fields": map[string]any{"event_id|session_id|organization_id": "exactly one is required"}})
	}
	return kind, field, id, nil
}

func (h subscriptionHandlers) subscribe(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var req subscriptionRequest
	if err := httpapi.DecodeJSON(w, r, &req, httpapi.DefaultMaxBody); err != nil {
		return err
	}
	kind, field, id, err := req.target()
	if err != nil {
		return err
	}
	email := strings.TrimSpace(p.Email)
	if email == "" {
		return apperr.New(apperr.Unprocessable, "your account has no e-mail address: reminders could not reach you")
	}
	visible, err := h.subs.TargetVisible(r.Context(), kind, id)
	if err != nil {
		return err
	}
	if !visible {
		return apperr.New(apperr.Invalid, "no %s %s to follow", kind, id).
			WithDetails(map[string]any{"fields": map[string]any{field: "no such " + kind}})
	}
	sub, created, err := h.subs.Subscribe(r.Context(), p.Subject, email, kind, id, "user")
	if errors.Is(err, postgres.ErrTooManySubscriptions) {
		return apperr.New(apperr.Conflict, "you already follow %d events, sessions and organizations: unfollow some first", postgres.MaxSubscriptionsPerUser)
	}
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		w.Header().Set("Location", "/api/v1/subscriptions/"+sub.ID.String())
		status = http.StatusCreated
	}
	httpapi.WriteJSON(w, status, viewSubscription(sub))
	return nil
}

func (h subscriptionHandlers) mine(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	subs, err := h.subs.Mine(r.Context(), p.Subject)
	if err != nil {
		return err
	}
	items := make([]subscriptionView, len(subs))
	for i, s := range subs {
		items[i] = viewSubscription(s)
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (h subscriptionHandlers) unsubscribe(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	ok, err := h.subs.Unsubscribe(r.Context(), p.Subject, id)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.NotFound, "no subscription %s of yours", id)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
