package httpapi_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/httpapi"
)

type order struct {
	SessionID string   `json:"session_id"`
	SeatIDs   []string `json:"seat_ids"`
	Quantity  int      `json:"quantity"`
}

func TestDecodeJSON(t *testing.T) {
	cases := []struct {
		name, ctype, body string
		want              apperr.Code
	}{
		{"valid", "application/json", `{"session_id":"s","seat_ids":["a"],"quantity":2}`, ""},
		{"valid with charset", "application/json; charset=utf-8", `{"quantity":1}`, ""},
		{"malformed", "application/json", `{"session_id":`, apperr.Invalid},
		{"syntax error", "application/json", `{"session_id" "s"}`, apperr.Invalid},
		{"unknown field", "application/json", `{"session_id":"s","admin":true}`, apperr.Invalid},
		{"wrong type", "application/json", `{"quantity":"two"}`, apperr.Invalid},
		{"operator injection", "application/json", `{"session_id":{"$gt":""}}`, apperr.Invalid},
		{"two objects", "application/json", `{"quantity":1}{"quantity":2}`, apperr.Invalid},
		{"empty", "application/json", ``, apperr.Invalid},
		{"not an object", "application/json", `[1,2]`, apperr.Invalid},
		{"form", "application/x-www-form-urlencoded", `quantity=1`, apperr.UnsupportedMediaType},
		{"too large", "application/json", `{"session_id":"` + strings.Repeat("x", 2048) + `"}`, apperr.PayloadTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(c.body))
			r.Header.Set("Content-Type", c.ctype)
			var o order
			err := httpapi.DecodeJSON(httptest.NewRecorder(), r, &o, 1024)
			if c.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if got := apperr.CodeOf(err); got != c.want {
				t.Fatalf("code %q (%v), want %q", got, err, c.want)
			}
		})
	}
}

func TestWriteErrorHidesInternalDetails(t *testing.T) {
	rec := httptest.NewRecorder()
	httpapi.WriteError(rec, httptest.NewRequest(http.MethodGet, "/", nil), slog.New(slog.DiscardHandler),
		apperr.Wrap(errSecret, apperr.Internal, "db password is hunter2"))
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "hunter2") ||
		!strings.Contains(rec.Body.String(), `"code":"internal"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	httpapi.WriteError(rec, httptest.NewRequest(http.MethodGet, "/", nil), slog.New(slog.DiscardHandler),
		apperr.New(apperr.Conflict, "seats taken").WithDetails(map[string]any{"seat_ids": []string{"a"}}))
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), `"seat_ids":["a"]`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	httpapi.WriteError(rec, httptest.NewRequest(http.MethodGet, "/", nil), slog.New(slog.DiscardHandler), apperr.New(apperr.Unauthorized, "no token"))
	if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") == "" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
}

var errSecret = errorString("connection to 10.0.0.5 refused")

type errorString string

func (e errorString) Error() string { return string(e) }
