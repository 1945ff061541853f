package httpapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

// ParseUUID parses a UUID in its canonical 36-character form (8-4-4-4-12 hex digits), the
// only form Ticketly's APIs accept.
func ParseUUID(s string) (uuid.UUID, bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(s)
	return id, err == nil
}

// PathUUID returns the chi URL parameter name as a UUID, or an invalid error (400) naming
// the parameter.
func PathUUID(r *http.Request, name string) (uuid.UUID, error) {
	v := chi.URLParam(r, name)
	id, ok := ParseUUID(v)
	if !ok {
		return uuid.Nil, apperr.New(apperr.Invalid, "path parameter %s must be a UUID, got %q", name, v).
			WithDetails(map[string]any{"fields": map[string]any{name: "must be a UUID"}})
	}
	return id, nil
}
