package metrics_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/ticketly/ticketly/internal/metrics"
)

func seriesCount(t *testing.T, reg *metrics.Registry, name string) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return len(mf.GetMetric())
		}
	}
	return 0
}

// Clients choose the method and the path: neither may create series at will.
func TestHTTPLabelsStayBounded(t *testing.T) {
	t.Parallel()
	reg := metrics.New("test")
	r := chi.NewRouter()
	r.Use(reg.Middleware)
	r.Get("/things/{id}", func(w http.ResponseWriter, _ *http.Request) {})
	rnd := rand.New(rand.NewPCG(1, 2))
	token := func() string {
		const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		b := make([]byte, 3+rnd.IntN(8))
		for i := range b {
			b[i] = letters[rnd.IntN(len(letters))]
		}
		return string(b)
	}
	for i := 0; i < 50; i++ {
		for _, path := range []string{"/things/" + token(), "/nowhere/" + token()} {
			r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(token(), path, nil))
		}
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, fmt.Sprintf("/things/%d", i), nil))
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, fmt.Sprintf("/nowhere/%d", i), nil))
	}
	// route × method × code: {/things/{id}, unmatched} × {GET, OTHER} × {200, 404, 405}
	if n := seriesCount(t, reg, "ticketly_http_request_duration_seconds"); n == 0 || n > 6 {
		t.Fatalf("%d series after 50 random methods and 200 random paths", n)
	}
}

func TestMethodLabel(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"GET": "GET", "PATCH": "PATCH", "OPTIONS": "OPTIONS", "get": "OTHER", "FOO": "OTHER", "": "OTHER"} {
		if got := metrics.MethodLabel(in); got != want {
			t.Errorf("MethodLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
