// Package apperr is Ticketly's one application error type: a code that says what kind of
// failure it is (and so which HTTP status a client sees), a message safe to show to the
// client, optional details, and the wrapped cause for logs.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an application error. The values are the `code` strings of the JSON
// error body (SPEC section 4).
type Code string

const (
	Invalid              Code = "invalid"
	Unauthorized         Code = "unauthorized"
	Forbidden            Code = "forbidden"
	NotFound             Code = "not_found"
	Conflict             Code = "conflict"
	PayloadTooLarge      Code = "payload_too_large"
	UnsupportedMediaType Code = "unsupported_media_type"
	Unprocessable        Code = "unprocessable"
	RateLimited          Code = "rate_limited"
	Unavailable          Code = "unavailable"
	Internal             Code = "internal"
)

// Error is an application error. Message is shown to clients for every code but Internal.
type Error struct {
	Code    Code
	Message string
	Details map[string]any
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a client-facing message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithDetails returns e with details attached (e.g. field errors, conflicting seat IDs).
func (e *Error) WithDetails(d map[string]any) *Error {
	e.Details = d
	return e
}

// Wrap returns an error with a code and message that keeps err as its cause.
func Wrap(err error, code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// FieldErrors collects field-level validation problems and turns them into one Invalid
// error whose details map each field to its problem.
type FieldErrors map[string]string

// Add records a problem with field (the first problem of a field wins).
func (f FieldErrors) Add(field, problem string) {
	if _, ok := f[field]; !ok {
		f[field] = problem
	}
}

// Err returns nil when no problem was recorded, else an Invalid error listing them.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	fields := make(map[string]any, len(f))
	for k, v := range f {
		fields[k] = v
	}
	return New(Invalid, "request has invalid fields").WithDetails(map[string]any{"fields": fields})
}
