package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/httpapi"
)

func TestParseUUIDAcceptsOnlyTheCanonicalForm(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"6f1c2b1e-8a3b-4c55-9a43-0d6f0e2b7a11":          true,
		"6F1C2B1E-8A3B-4C55-9A43-0D6F0E2B7A11":          true,
		"6f1c2b1e8a3b4c559a430d6f0e2b7a11":              false,
		"{6f1c2b1e-8a3b-4c55-9a43-0d6f0e2b7a11}":        false,
		"urn:uuid:6f1c2b1e-8a3b-4c55-9a43-0d6f0e2b7a11": false,
		"6f1c2b1e-8a3b-4c55-9a43-0d6f0e2b7a1z":          false,
		"":                                              false,
		"not-a-uuid":                                    false,
	} {
		if _, ok := httpapi.ParseUUID(s); ok != want {
			t.Errorf("ParseUUID(%q) ok = %v, want %v", s, ok, want)
		}
	}
}

func TestPathUUIDAnswersInvalid(t *testing.T) {
	t.Parallel()
	r := chi.NewRouter()
	var got error
	r.Get("/things/{id}", func(w http.ResponseWriter, req *http.Request) { _, got = httpapi.PathUUID(req, "id") })
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/things/12", nil))
	if apperr.CodeOf(got) != apperr.Invalid {
		t.Fatalf("bad UUID: %v", got)
	}
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/things/6f1c2b1e-8a3b-4c55-9a43-0d6f0e2b7a11", nil))
	if got != nil {
		t.Fatalf("good UUID: %v", got)
	}
}

func TestTextParametersRefuseNULAndInvalidUTF8(t *testing.T) {
	t.Parallel()
	r := chi.NewRouter()
	var got string
	var gotErr error
	r.Get("/members/{user_id}", func(w http.ResponseWriter, req *http.Request) { got, gotErr = httpapi.PathText(req, "user_id") })
	for path, want := range map[string]string{ // "!" means refused
		"/members/alice":         "alice",
		"/members/a%2Fb":         "a/b",
		"/members/caf%C3%A9":     "café",
		"/members/plain%20space": "plain space",
		"/members/a%00b":         "!",
		"/members/a%FFb":         "!",
		"/members/a%2F%00":       "!",
		"/members/%E2%82":        "!",
	} {
		got, gotErr = "", nil
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
		if want == "!" {
			if apperr.CodeOf(gotErr) != apperr.Invalid {
				t.Errorf("%s: got %q, %v; want invalid", path, got, gotErr)
			}
		} else if gotErr != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", path, got, gotErr, want)
		}
	}

	bad := apperr.FieldErrors{}
	q := url.Values{"q": {"ok"}, "nul": {"a\x00"}, "utf": {"\xff"}}
	if v := httpapi.QueryText(q, "q", bad); v != "ok" {
		t.Errorf("q = %q", v)
	}
	if v := httpapi.QueryText(q, "absent", bad); v != "" {
		t.Errorf("absent = %q", v)
	}
	httpapi.QueryText(q, "nul", bad)
	httpapi.QueryText(q, "utf", bad)
	if _, ok := bad["nul"]; !ok {
		t.Error("NUL in a query value accepted")
	}
	if _, ok := bad["utf"]; !ok {
		t.Error("invalid UTF-8 in a query value accepted")
	}
	if len(bad) != 2 {
		t.Errorf("problems %v", bad)
	}
}
