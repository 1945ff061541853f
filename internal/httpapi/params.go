package httpapi

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

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

// CheckText refuses text that no service can store or compare: invalid UTF-8, and the NUL
// character (PostgreSQL's text types reject it). field names the value in the error.
func CheckText(field, s string) error {
	if problem := textProblem(s); problem != "" {
		return apperr.New(apperr.Invalid, "%s %s", field, problem).
			WithDetails(map[string]any{"fields": map[string]any{field: problem}})
	}
	return nil
}

func textProblem(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "must be valid UTF-8 text"
	case strings.IndexByte(s, 0) >= 0:
		return "must not contain the NUL character (\\u0000)"
	}
	return ""
}

// PathText returns the chi URL parameter name, unescaped (chi routes on the escaped path
// when the request has one, so %2F stays inside a parameter), refusing what CheckText
// refuses.
func PathText(r *http.Request, name string) (string, error) {
	v := chi.URLParam(r, name)
	if r.URL.RawPath != "" {
		u, err := url.PathUnescape(v)
		if err != nil {
			return "", apperr.New(apperr.Invalid, "path parameter %s is not a valid escaped string", name).
				WithDetails(map[string]any{"fields": map[string]any{name: "is not a valid escaped string"}})
		}
		v = u
	}
	if err := CheckText(name, v); err != nil {
		return "", err
	}
	return v, nil
}

// QueryText returns the query parameter name ("" when absent); a value CheckText refuses
// is recorded in bad (a field-level 400) and "" returned.
func QueryText(q url.Values, name string, bad apperr.FieldErrors) string {
	v := q.Get(name)
	if problem := textProblem(v); problem != "" {
		bad.Add(name, problem)
		return ""
	}
	return v
}
