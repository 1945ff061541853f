package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/metrics"
)

// blocker is a handler whose requests stay in flight until release is closed.
type blocker struct {
	entered chan struct{}
	release chan struct{}
}

func newBlocker() *blocker {
	return &blocker{entered: make(chan struct{}, 16), release: make(chan struct{})}
}

func (b *blocker) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	b.entered <- struct{}{}
	<-b.release
	_, _ = io.WriteString(w, "done")
}

// shedServer serves h behind Shed with an Admission of max slots and the given wait.
func shedServer(t *testing.T, max int, wait time.Duration, h http.Handler) (*httptest.Server, *metrics.Registry) {
	t.Helper()
	reg := metrics.New("test")
	ts := httptest.NewServer(httpapi.Shed(reg, httpapi.NewAdmission(max, wait))(h))
	t.Cleanup(ts.Close)
	return ts, reg
}

func shedCount(t *testing.T, reg *metrics.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "ticketly_http_requests_shed_total" {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatal("ticketly_http_requests_shed_total is not registered")
	return 0
}

type result struct {
	status int
	body   string
	err    error
}

func fetch(url string) result {
	res, err := http.Get(url)
	if err != nil {
		return result{err: err}
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	return result{status: res.StatusCode, body: string(b), err: err}
}

func TestShedAnswersOverflow503AndServesAdmitted(t *testing.T) {
	t.Parallel()
	b := newBlocker()
	// One Admission for the whole server: BaseContext is called once per listener.
	ts, reg := shedServer(t, 2, 50*time.Millisecond, b)

	var wg sync.WaitGroup
	admitted := make(chan result, 2)
	for range 2 {
		wg.Go(func() { admitted <- fetch(ts.URL) })
	}
	for range 2 {
		select {
		case <-b.entered:
		case <-time.After(5 * time.Second):
			t.Fatal("the first two requests were not admitted")
		}
	}

	res, err := http.Get(ts.URL)
	if err != nil {
		t.Fatalf("the overflow request got no answer: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("overflow: status %d, want 503", res.StatusCode)
	}
	if got := res.Header.Get("Retry-After"); got != "1" {
		t.Errorf("overflow: Retry-After %q, want 1", got)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("overflow: Content-Type %q", ct)
	}
	var eb httpapi.ErrorBody
	if err := json.Unmarshal(body, &eb); err != nil {
		t.Fatalf("overflow body %q: %v", body, err)
	}
	if eb.Error.Code != apperr.Unavailable || eb.Error.Message == "" {
		t.Errorf("overflow body: %+v, want code unavailable with a message", eb.Error)
	}
	if n := shedCount(t, reg); n != 1 {
		t.Errorf("shed counter %v, want 1", n)
	}

	close(b.release)
	wg.Wait()
	close(admitted)
	for r := range admitted {
		if r.err != nil || r.status != http.StatusOK || r.body != "done" {
			t.Errorf("admitted request: status %d body %q err %v, want 200 done", r.status, r.body, r.err)
		}
	}
	// The slots were given back (release is closed, so requests no longer block).
	for range 3 {
		if r := fetch(ts.URL); r.status != http.StatusOK {
			t.Errorf("after the load: status %d, want 200", r.status)
		}
	}
}

func TestShedQueuesWithinTheWait(t *testing.T) {
	t.Parallel()
	b := newBlocker()
	ts, reg := shedServer(t, 1, 5*time.Second, b)

	first := make(chan result, 1)
	go func() { first <- fetch(ts.URL) }()
	<-b.entered
	second := make(chan result, 1)
	go func() { second <- fetch(ts.URL) }()
	// The second request waits for the slot; freeing it well within the wait admits it.
	time.Sleep(100 * time.Millisecond)
	close(b.release)
	for _, c := range []chan result{first, second} {
		if r := <-c; r.err != nil || r.status != http.StatusOK {
			t.Errorf("status %d err %v, want 200", r.status, r.err)
		}
	}
	if n := shedCount(t, reg); n != 0 {
		t.Errorf("shed counter %v, want 0", n)
	}
}

func TestShedWithoutAdmissionLetsEverythingThrough(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(httpapi.Shed(metrics.New("test"), nil)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "done")
	})))
	t.Cleanup(ts.Close)
	if r := fetch(ts.URL); r.status != http.StatusOK {
		t.Errorf("status %d err %v, want 200", r.status, r.err)
	}
}
