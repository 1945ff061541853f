package main

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/ordering"
)

// internalScope is the OAuth scope of the services' client-credentials tokens (svc-*
// clients); no user token carries it.
const internalScope = "internal-api"

// cancellationApp is what a session's cancellation needs from the use cases
// (ordering.Cancellations, which run passes as the application).
type cancellationApp interface {
	CancelSessionOrders(ctx context.Context, sessionID uuid.UUID) (ordering.CancelOrdersResult, error)
	Progress(ctx context.Context, a ordering.Actor, sessionID uuid.UUID) (ordering.CancellationProgress, error)
}

var _ cancellationApp = (*ordering.Cancellations)(nil)

// cancellationRoutes are the internal API (/internal/v1, called by the scheduler with a
// service token, never routed by the public entry point) and the organizer's progress view
// of a session's cancellation. Both authenticate first, like /api/v1.
func (s *server) cancellationRoutes(r chi.Router, authn func(http.Handler) http.Handler) {
	r.Route("/internal/v1", func(r chi.Router) {
		r.Use(authn)
		r.Post("/sessions/{id}/cancel-orders", s.internal(s.cancelSessionOrders))
	})
	r.With(authn).Get("/api/v1/sales/cancellations/{session_id}", s.h(s.cancellationProgress))
}

// cancellations returns the cancellation use cases of the application.
func (s *server) cancellations() (cancellationApp, error) {
	if ca, ok := s.app.(cancellationApp); ok {
		return ca, nil
	}
	return nil, apperr.New(apperr.Unavailable, "session cancellations are not configured in this process")
}

// internal checks the internal-api scope before fn runs (after authentication: 401 first).
func (s *server) internal(fn handler) http.HandlerFunc {
	return s.h(func(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
		if !p.HasScope(internalScope) {
			return apperr.New(apperr.Forbidden, "the internal API needs a service token with the %s scope", internalScope)
		}
		return fn(w, r, p)
	})
}

// cancelSessionOrders is POST /internal/v1/sessions/{id}/cancel-orders: one batch of a
// cancelled session's live orders is ended (paid ones refunded, unpaid ones cancelled);
// the caller repeats until remaining is 0. 409 when the session is not cancelled.
func (s *server) cancelSessionOrders(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
	if err := checkParams(r.URL.Query()); err != nil {
		return err
	}
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	ca, err := s.cancellations()
	if err != nil {
		return err
	}
	res, err := ca.CancelSessionOrders(r.Context(), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, res)
	return nil
}

// cancellationProgress is GET /api/v1/sales/cancellations/{session_id}.
func (s *server) cancellationProgress(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := checkParams(r.URL.Query()); err != nil {
		return err
	}
	id, err := httpapi.PathUUID(r, "session_id")
	if err != nil {
		return err
	}
	ca, err := s.cancellations()
	if err != nil {
		return err
	}
	res, err := ca.Progress(r.Context(), actorOf(p), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, res)
	return nil
}
