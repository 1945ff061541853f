package catalog

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ticketly/ticketly/internal/apperr"
)

// Text limits, in characters.
const (
	maxNameLen        = 200
	maxShortNameLen   = 100
	maxDescriptionLen = 20_000
	maxOverviewLen    = 100_000
	maxURLLen         = 2048
	maxCoverImages    = 10
	maxReasonLen      = 2000
)

// cleanText trims s and records a problem with field when it is shorter than min or longer
// than max characters, or holds control characters (line breaks and tabs are allowed when
// multiline). PostgreSQL cannot store NUL, so a NUL must never get past this check.
func cleanText(fe apperr.FieldErrors, field, s string, minLen, maxLen int, multiline bool) string {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && minLen > 0:
		fe.Add(field, "must not be empty")
	case n < minLen:
		fe.Add(field, fmt.Sprintf("must be at least %d characters", minLen))
	case n > maxLen:
		fe.Add(field, fmt.Sprintf("must be at most %d characters", maxLen))
	case !utf8.ValidString(s):
		fe.Add(field, "must be valid UTF-8")
	case !printable(s, multiline):
		fe.Add(field, "must not contain control characters")
	}
	return s
}

func printable(s string, multiline bool) bool {
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return false
		}
	}
	return true
}

// cleanURL trims s and checks that it is empty (when allowed) or an absolute http(s) URL.
func cleanURL(fe apperr.FieldErrors, field, s string, required bool) string {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			fe.Add(field, "must not be empty")
		}
		return ""
	}
	if len(s) > maxURLLen {
		fe.Add(field, fmt.Sprintf("must be at most %d characters", maxURLLen))
		return s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !printable(s, false) ||
		strings.ContainsAny(s, " \"<>\\^`{|}") {
		fe.Add(field, "must be an absolute http or https URL")
	}
	return s
}

// normTime returns t in UTC at PostgreSQL's microsecond precision, so what is stored is
// exactly what is returned.
func normTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func normTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	n := normTime(*t)
	return &n
}

// Patch is one field of a partial update whose value can also be cleared: absent means
// unchanged, Null means clear it, otherwise Value replaces it.
type Patch[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// Of returns a Patch setting v.
func Of[T any](v T) Patch[T] { return Patch[T]{Set: true, Value: v} }

// Clear returns a Patch clearing the field.
func Clear[T any]() Patch[T] { return Patch[T]{Set: true, Null: true} }

// conflict is a conflict error carrying the entity's current status.
func statusConflict(status any, format string, args ...any) error {
	return apperr.New(apperr.Conflict, format, args...).WithDetails(map[string]any{"status": status})
}
