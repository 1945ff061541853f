package httpapi

import (
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/openapi"
)

// knownQuery refuses (400 invalid, details.fields naming each one) a query parameter that
// the service's OpenAPI document does not declare for the operation a request is routed
// to, and a query string that does not parse. The allowed names come from the document,
// read once here, so there is no second list to keep in sync. Requests no documented
// operation serves (404, 405, OPTIONS answered by the CORS layer) pass untouched. For an
// operation that needs credentials the refusal waits until the caller is authenticated
// (auth.Defer): authentication comes before anything else.
func knownQuery(mux *chi.Mux, doc []byte, log *slog.Logger) func(http.Handler) http.Handler {
	ops, err := openapi.Describe(doc)
	if err != nil {
		log.Error("the OpenAPI document does not parse; query parameters are not checked", "err", err)
	}
	return func(next http.Handler) http.Handler {
		if len(ops) == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			op, ok := routedOperation(mux, ops, r)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			err := checkQuery(r.URL.RawQuery, op.Query)
			switch {
			case err == nil:
			case op.Public:
				WriteError(w, r, log, err)
				return
			default:
				r = r.WithContext(auth.Defer(r.Context(), err))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// routedOperation returns the documented operation r is routed to.
func routedOperation(mux *chi.Mux, ops map[string]openapi.Operation, r *http.Request) (openapi.Operation, bool) {
	pattern := mux.Find(chi.NewRouteContext(), r.Method, routedPath(r))
	if pattern == "" {
		return openapi.Operation{}, false
	}
	op, ok := ops[openapi.RouteKey(r.Method, pattern)]
	return op, ok
}

// checkQuery returns an invalid error naming each parameter of raw not in allowed.
func checkQuery(raw string, allowed []string) error {
	if raw == "" {
		return nil
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return apperr.New(apperr.Invalid, "the query string is not valid URL encoding").
			WithDetails(map[string]any{"fields": map[string]any{"query": "is not valid URL encoding"}})
	}
	problem := "is not a parameter of this endpoint (it takes none)"
	if len(allowed) > 0 {
		problem = "is not a parameter of this endpoint (known: " + strings.Join(allowed, ", ") + ")"
	}
	fields := map[string]any{}
	var unknown []string
	for name := range q {
		if !slices.Contains(allowed, name) {
			name = clip(name)
			unknown = append(unknown, name)
			fields[name] = problem
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return apperr.New(apperr.Invalid, "unknown query parameter %s", strings.Join(unknown, ", ")).
		WithDetails(map[string]any{"fields": fields})
}

// clip shortens a client's name for an error message.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}
