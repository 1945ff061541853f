package httpapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/auth"
)

// AuthedHandler is an API handler given the principal that auth.Middleware put in the
// request's context; an error it returns is answered through WriteError.
type AuthedHandler func(w http.ResponseWriter, r *http.Request, p auth.Principal) error

// Authed adapts fn to http.HandlerFunc. It must sit behind auth.Middleware; a request
// without a principal is answered 401, then a refusal deferred until the caller is known
// (auth.Defer) is answered. Every answer is marked Cache-Control: no-store:
// what a signed-in user sees (orders, payment client secrets, tickets) must not be kept
// by a browser or a shared cache.
func Authed(log *slog.Logger, fn AuthedHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		p, ok := auth.PrincipalFrom(r.Context())
		if !ok {
			WriteError(w, r, log, apperr.New(apperr.Unauthorized, "missing Authorization header with a Bearer token").
				WithDetails(map[string]any{"reason": auth.ReasonMissing}))
			return
		}
		if err := auth.Deferred(r.Context()); err != nil {
			WriteError(w, r, log, err)
			return
		}
		if err := fn(w, r, p); err != nil {
			WriteError(w, r, log, err)
		}
	}
}

// QueryInt reads the integer query parameter name within [lo, hi], def when absent; a bad
// value is recorded in bad (a field-level 400) and def returned.
func QueryInt(q url.Values, name string, def, lo, hi int64, bad apperr.FieldErrors) int64 {
	v := q.Get(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		bad.Add(name, fmt.Sprintf("must be an integer from %d to %d", lo, hi))
		return def
	}
	return n
}
