package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/logging"
)

// RequestIDHeader names the request ID on requests and responses.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds an incoming request ID that is kept.
const maxRequestIDLen = 128

// RequestID returns the ID of the request ctx belongs to ("" outside a request).
func RequestID(ctx context.Context) string { return logging.RequestID(ctx) }

// requestID gives every request an ID: a well-formed incoming X-Request-Id (1 to 128
// printable ASCII characters, no spaces, so a proxy's ID follows the request across
// services) or a new UUIDv7. It is put in the context (RequestID; log lines written with
// the context carry it) and answered in the X-Request-Id response header.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(logging.WithRequestID(r.Context(), id)))
	})
}

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

func newRequestID() string {
	if id, err := uuid.NewV7(); err == nil {
		return id.String()
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	return hex.EncodeToString(b[:])
}
