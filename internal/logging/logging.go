// Package logging builds the JSON slog logger every service writes to stderr, and carries
// a request's ID in its context so every line logged for that request names it.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// RequestIDKey is the attribute under which log lines carry the request ID.
const RequestIDKey = "request_id"

// New returns a JSON logger at level (debug, info, warn, error) tagged with service. A line
// logged with a context that carries a request ID (WithRequestID) gets a request_id
// attribute, unless the line sets one itself: log with the *Context methods
// (InfoContext(r.Context(), …)) inside a request.
func New(w io.Writer, service, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl})
	return slog.New(requestIDHandler{h}).With("service", service), nil
}

type requestIDCtxKey struct{}

// WithRequestID returns ctx carrying the request ID id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDCtxKey{}, id)
}

// RequestID returns the request ID ctx carries, "" when none.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDCtxKey{}).(string)
	return id
}

// requestIDHandler adds the context's request ID to every record that lacks one.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id := RequestID(ctx); id != "" && !hasAttr(rec, RequestIDKey) {
		rec = rec.Clone()
		rec.AddAttrs(slog.String(RequestIDKey, id))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

func hasAttr(rec slog.Record, key string) bool {
	found := false
	rec.Attrs(func(a slog.Attr) bool {
		found = a.Key == key
		return !found
	})
	return found
}
