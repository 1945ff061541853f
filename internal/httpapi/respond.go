// Package httpapi holds what every Ticketly HTTP service shares: the router with its
// operational endpoints and middleware, JSON decoding with limits, the one mapping from
// application error codes to HTTP responses, and graceful serving.
package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/ticketly/ticketly/internal/apperr"
)

var statusOf = map[apperr.Code]int{
	apperr.Invalid:              http.StatusBadRequest,
	apperr.Unauthorized:         http.StatusUnauthorized,
	apperr.Forbidden:            http.StatusForbidden,
	apperr.NotFound:             http.StatusNotFound,
	apperr.Conflict:             http.StatusConflict,
	apperr.PayloadTooLarge:      http.StatusRequestEntityTooLarge,
	apperr.UnsupportedMediaType: http.StatusUnsupportedMediaType,
	apperr.Unprocessable:        http.StatusUnprocessableEntity,
	apperr.RateLimited:          http.StatusTooManyRequests,
	apperr.Unavailable:          http.StatusServiceUnavailable,
	apperr.Internal:             http.StatusInternalServerError,
}

// Status returns the HTTP status for an application error code.
func Status(code apperr.Code) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON error envelope of SPEC section 4.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody.
type ErrorDetail struct {
	Code    apperr.Code    `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError answers err as the JSON error envelope. Internal errors are logged with their
// cause and shown to the client only as a generic message with the request ID.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var ae *apperr.Error
	switch {
	case errors.As(err, &ae):
	case unreachable(err):
		log.WarnContext(r.Context(), "a backing service is unreachable", "err", err,
			"request_id", RequestID(r.Context()), "method", r.Method, "path", r.URL.Path)
		ae = apperr.Wrap(err, apperr.Unavailable, "a service this request needs is unavailable; retry shortly")
		w.Header().Set("Retry-After", "1")
	default:
		ae = apperr.Wrap(err, apperr.Internal, "internal error")
	}
	body := ErrorDetail{Code: ae.Code, Message: ae.Message, Details: ae.Details}
	if ae.Code == apperr.Internal {
		reqID := RequestID(r.Context())
		log.ErrorContext(r.Context(), "request failed", "err", err, "request_id", reqID, "method", r.Method, "path", r.URL.Path)
		body = ErrorDetail{Code: apperr.Internal, Message: "internal error; request id " + reqID}
	}
	if ae.Code == apperr.Unauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ticketly"`)
	}
	WriteJSON(w, Status(ae.Code), ErrorBody{Error: body})
}

// unreachable reports an error of a backing service that is down or restarting rather than
// a fault of the request or the code: a network failure (connection refused or reset, a
// timeout), a closed connection a driver says is safe to retry or a database answer of SQLSTATE class 08 (connection exception), 53
// (insufficient resources) or 57 (operator intervention: shutting down, starting up).
// Clients get 503 and may retry.
func unreachable(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	// A database driver's "the connection is gone, nothing was sent" (pgconn's closed or
	// busy connection): safe to retry, so a fault of the connection, not of the request.
	var retry interface{ SafeToRetry() bool }
	if errors.As(err, &retry) && retry.SafeToRetry() {
		return true
	}
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		c := st.SQLState()
		return strings.HasPrefix(c, "08") || strings.HasPrefix(c, "53") || strings.HasPrefix(c, "57")
	}
	return false
}
