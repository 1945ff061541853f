package httpapi_test

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/httpapi"
)

type order struct {
	SessionID string      `json:"session_id"`
	SeatIDs   []string    `json:"seat_ids"`
	Quantity  int         `json:"quantity"`
	Note      *string     `json:"note"`
	Lines     []orderLine `json:"lines"`
}

type orderLine struct {
	BlockID string `json:"block_id"`
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, ctype, body string
		want              apperr.Code
		field             string // the field the error names, when it names one
	}{
		{"valid", "application/json", `{"session_id":"s","seat_ids":["a"],"quantity":2}`, "", ""},
		{"valid with charset", "application/json; charset=utf-8", `{"quantity":1}`, "", ""},
		{"explicit null inside", "application/json", `{"note":null}`, "", ""},
		{"unicode text", "application/json", `{"session_id":"Zürich \u00e9 ✓ \ud83c\udfab"}`, "", ""},
		{"escaped backslash u0000 is text", "application/json", `{"session_id":"\\u0000"}`, "", ""},
		{"malformed", "application/json", `{"session_id":`, apperr.Invalid, ""},
		{"syntax error", "application/json", `{"session_id" "s"}`, apperr.Invalid, ""},
		{"unknown field", "application/json", `{"session_id":"s","admin":true}`, apperr.Invalid, "admin"},
		{"nested unknown field", "application/json", `{"lines":[{"block_id":"b"},{"blockid":"b"}]}`, apperr.Invalid, "lines[1].blockid"},
		{"field name in another case", "application/json", `{"Session_ID":"s"}`, apperr.Invalid, "Session_ID"},
		{"nested field name in another case", "application/json", `{"lines":[{"Block_Id":"b"}]}`, apperr.Invalid, "lines[0].Block_Id"},
		{"duplicate key", "application/json", `{"quantity":1,"quantity":2}`, apperr.Invalid, "quantity"},
		{"nested duplicate key", "application/json", `{"lines":[{"block_id":"a","block_id":"b"}]}`, apperr.Invalid, "lines[0].block_id"},
		{"wrong type", "application/json", `{"quantity":"two"}`, apperr.Invalid, "quantity"},
		{"fraction for an integer", "application/json", `{"quantity":1.5}`, apperr.Invalid, "quantity"},
		{"operator injection", "application/json", `{"session_id":{"$gt":""}}`, apperr.Invalid, "session_id"},
		{"two objects", "application/json", `{"quantity":1}{"quantity":2}`, apperr.Invalid, ""},
		{"trailing garbage", "application/json", `{"quantity":1} x`, apperr.Invalid, ""},
		{"empty", "application/json", ``, apperr.Invalid, ""},
		{"whitespace only", "application/json", " \n ", apperr.Invalid, ""},
		{"null body", "application/json", `null`, apperr.Invalid, ""},
		{"not an object", "application/json", `[1,2]`, apperr.Invalid, ""},
		{"a string", "application/json", `"x"`, apperr.Invalid, ""},
		{"NUL in a value", "application/json", `{"session_id":"a\u0000b"}`, apperr.Invalid, "session_id"},
		{"NUL in an array", "application/json", `{"seat_ids":["ok","\u0000"]}`, apperr.Invalid, "seat_ids[1]"},
		{"NUL in a nested value", "application/json", `{"lines":[{"block_id":"\u0000"}]}`, apperr.Invalid, "lines[0].block_id"},
		{"NUL in a name", "application/json", `{"session_id\u0000":"s"}`, apperr.Invalid, "session_id\x00"},
		{"invalid UTF-8", "application/json", "{\"session_id\":\"a\xffb\"}", apperr.Invalid, "session_id"},
		{"lone surrogate", "application/json", `{"session_id":"\ud800"}`, apperr.Invalid, "session_id"},
		{"form", "application/x-www-form-urlencoded", `quantity=1`, apperr.UnsupportedMediaType, ""},
		{"too large", "application/json", `{"session_id":"` + strings.Repeat("x", 2048) + `"}`, apperr.PayloadTooLarge, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
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
			if c.field != "" {
				var ae *apperr.Error
				errors.As(err, &ae)
				fields, _ := ae.Details["fields"].(map[string]any)
				if _, ok := fields[c.field]; !ok {
					t.Fatalf("error %v names fields %v, want %q", err, fields, c.field)
				}
			}
		})
	}
}

func TestDecodeJSONKeepsValues(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"session_id":"s","seat_ids":["a","b"],"quantity":3,"note":"hi","lines":[{"block_id":"x"}]}`))
	var o order
	if err := httpapi.DecodeJSON(httptest.NewRecorder(), r, &o, 0); err != nil {
		t.Fatal(err)
	}
	if o.SessionID != "s" || len(o.SeatIDs) != 2 || o.Quantity != 3 || o.Note == nil || *o.Note != "hi" || o.Lines[0].BlockID != "x" {
		t.Fatalf("%+v", o)
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
