package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/httpapi"
)

// internalScope is the OAuth scope of the services' client-credentials tokens (svc-*
// clients); no user token carries it.
const internalScope = "internal-api"

// internalRoutes is the internal API (/internal/v1), called by other Ticketly services
// only, never routed by the public entry point. Requests are authenticated like /api/v1;
// the token must then carry the internal-api scope.
func (s *server) internalRoutes(r chi.Router) {
	r.Post("/sessions/{id}/status", s.internal(s.moveSessionStatus))
}

// internalHandler is an internal API handler: it gets the verified service principal.
type internalHandler func(w http.ResponseWriter, r *http.Request, p auth.Principal) error

// internal checks the internal-api scope before fn runs.
func (s *server) internal(fn internalHandler) http.HandlerFunc {
	return httpapi.Authed(s.log, func(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
		if !p.HasScope(internalScope) {
			return apperr.New(apperr.Forbidden, "the internal API needs a service token with the %s scope", internalScope)
		}
		return fn(w, r, p)
	})
}

// sessionStatusRequest is the body of POST /internal/v1/sessions/{id}/status.
type sessionStatusRequest struct {
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Expected *struct {
		SalesStartTime *string `json:"sales_start_time"`
		SalesEndTime   *string `json:"sales_end_time"`
		Status         *string `json:"status"`
	} `json:"expected"`
}

// moveSessionStatus is the scheduler's session status change: it answers the session as
// the session endpoints render it, 200 also when it already had the status.
func (s *server) moveSessionStatus(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var req sessionStatusRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	f := newFields()
	c := catalog.StatusChange{Status: catalog.SessionStatus(req.Status), Reason: catalog.StatusReason(req.Reason)}
	if req.Status == "" {
		f.Add("status", "is required (ON_SALE, SOLD_OUT or CLOSED)")
	}
	if req.Reason == "" {
		f.Add("reason", "is required (sales_start, sales_end, sold_out or available)")
	}
	if x := req.Expected; x != nil {
		c.ExpectedSalesStartTime = f.time("expected.sales_start_time", x.SalesStartTime)
		c.ExpectedSalesEndTime = f.time("expected.sales_end_time", x.SalesEndTime)
		if x.Status != nil {
			st := catalog.SessionStatus(*x.Status)
			c.ExpectedStatus = &st
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	sess, changed, err := s.app.MoveSessionStatus(r.Context(), id, c)
	if err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "session status", "session_id", id, "status", sess.Status(), "reason", c.Reason,
		"changed", changed, "client_id", p.ClientID)
	return ok(w, viewSession(sess))
}
