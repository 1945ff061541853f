package httpapi_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/httpapi"
)

// A backing service that is down or restarting is 503 unavailable (retry), not a 500.
func TestWriteErrorUnreachableBackendsAre503(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, refused := net.Dial("tcp", addr)
	if refused == nil {
		t.Fatal("dial to a closed port succeeded")
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		name string
		err  error
		want int
		code apperr.Code
	}{
		{"connection refused", fmt.Errorf("load session: %w", refused), http.StatusServiceUnavailable, apperr.Unavailable},
		{"database shutting down", fmt.Errorf("create order: %w", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}), http.StatusServiceUnavailable, apperr.Unavailable},
		{"closed database connection", fmt.Errorf("read idempotency key: failed to deallocate cached statement(s): %w", closedConn{}), http.StatusServiceUnavailable, apperr.Unavailable},
		{"too many connections", &pgconn.PgError{Code: "53300"}, http.StatusServiceUnavailable, apperr.Unavailable},
		{"a constraint the code did not expect", &pgconn.PgError{Code: "23505"}, http.StatusInternalServerError, apperr.Internal},
		{"a plain bug", errors.New("nil map"), http.StatusInternalServerError, apperr.Internal},
		{"an application error", apperr.New(apperr.Conflict, "taken"), http.StatusConflict, apperr.Conflict},
	} {
		w := httptest.NewRecorder()
		httpapi.WriteError(w, httptest.NewRequest(http.MethodGet, "/x", nil), log, tc.err)
		var body httpapi.ErrorBody
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if w.Code != tc.want || body.Error.Code != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, w.Code, body.Error.Code, tc.want, tc.code)
		}
		if retry := w.Header().Get("Retry-After"); (tc.want == http.StatusServiceUnavailable) != (retry != "") {
			t.Errorf("%s: Retry-After %q", tc.name, retry)
		}
	}
}

// closedConn is what pgconn answers on a connection that is closed: safe to retry.
type closedConn struct{}

func (closedConn) Error() string     { return "conn closed" }
func (closedConn) SafeToRetry() bool { return true }
