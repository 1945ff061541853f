package sse_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ticketly/ticketly/internal/sse"
)

// fakeSource is a unit-test stand-in for the read view: one session's seat state, changed
// only through apply (which publishes under the same lock, as the view does).
type fakeSource struct {
	m     *sse.Metrics
	mu    sync.RWMutex
	snap  sse.Snapshot
	hub   *sse.Hub
	known string
}

func (f *fakeSource) WithSnapshot(id string, fn func(sse.Snapshot)) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if id != f.known {
		return false
	}
	cp := sse.Snapshot{Version: f.snap.Version, Status: f.snap.Status, Seats: map[string]string{}, Standing: f.snap.Standing}
	for k, v := range f.snap.Seats {
		cp.Seats[k] = v
	}
	fn(cp)
	return true
}

func (f *fakeSource) apply(ch sse.Change) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch.SessionID = f.known
	f.snap.Version = ch.Version
	for _, s := range ch.SeatIDs {
		if ch.Status == "AVAILABLE" {
			delete(f.snap.Seats, s)
		} else {
			f.snap.Seats[s] = ch.Status
		}
	}
	f.hub.Publish(ch)
}

type event struct{ id, name, data string }

type client struct {
	events chan event
	cancel context.CancelFunc
	resp   *http.Response
}

func connect(t *testing.T, url, lastID string) *client {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	c := &client{events: make(chan event, 1000), cancel: cancel, resp: resp}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		return c
	}
	go func() {
		_ = sse.Read(resp.Body, func(e sse.Event) {
			if e.Comment != "" {
				c.events <- event{name: "comment", data: e.Comment}
			} else {
				c.events <- event{e.ID, e.Name, e.Data}
			}
		})
		close(c.events)
	}()
	return c
}

func (c *client) next(t *testing.T, skipComments bool) event {
	t.Helper()
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				t.Fatal("stream ended")
			}
			if skipComments && ev.name == "comment" {
				continue
			}
			return ev
		case <-time.After(5 * time.Second):
			t.Fatal("no event within 5s")
		}
	}
}

func setup(t *testing.T, cfg sse.Config) (*fakeSource, *httptest.Server) {
	src := &fakeSource{known: "s1", snap: sse.Snapshot{Version: 7, Seats: map[string]string{"a": "BOOKED"},
		Standing: []sse.Standing{{BlockID: "ga", Available: 10}}}}
	src.m = sse.NewMetrics()
	src.hub = sse.New(cfg, src, slog.New(slog.DiscardHandler), src.m)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		src.hub.ServeSession(w, r, strings.TrimPrefix(r.URL.Path, "/"), func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, `{"error":{"code":"not_found"}}`, http.StatusNotFound)
		})
	}))
	t.Cleanup(srv.Close)
	return src, srv
}

func TestSnapshotThenChangesInOrder(t *testing.T) {
	src, srv := setup(t, sse.Config{Heartbeat: time.Hour})
	c := connect(t, srv.URL+"/s1", "")
	if ct := c.resp.Header.Get("Content-Type"); ct != "text/event-stream" || c.resp.Header.Get("X-Accel-Buffering") != "no" {
		t.Fatalf("headers %v", c.resp.Header)
	}
	snap := c.next(t, true)
	var s sse.Snapshot
	if err := json.Unmarshal([]byte(snap.data), &s); err != nil || snap.name != "snapshot" || snap.id != "7" ||
		s.Version != 7 || s.Seats["a"] != "BOOKED" || s.Standing[0].Available != 10 {
		t.Fatalf("snapshot %+v (%v)", snap, err)
	}
	src.apply(sse.Change{Version: 8, Status: "LOCKED", SeatIDs: []string{"b", "c"}, Standing: []sse.Standing{{BlockID: "ga", Available: 8}}})
	src.apply(sse.Change{Version: 9, Status: "AVAILABLE", SeatIDs: []string{"b"}})
	want := []event{
		{"8", "seats", `{"seat_ids":["b","c"],"status":"LOCKED","version":8}`},
		{"8", "standing", `{"block_id":"ga","available":8,"version":8}`},
		{"9", "seats", `{"seat_ids":["b"],"status":"AVAILABLE","version":9}`},
	}
	for _, w := range want {
		if got := c.next(t, true); got != w {
			t.Fatalf("got %+v, want %+v", got, w)
		}
	}
}

func TestUnknownSessionIs404(t *testing.T) {
	_, srv := setup(t, sse.Config{})
	c := connect(t, srv.URL+"/nope", "")
	if c.resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d", c.resp.StatusCode)
	}
}

func TestResumeWithLastEventID(t *testing.T) {
	src, srv := setup(t, sse.Config{Heartbeat: time.Hour, ReplayBuffer: 3})
	for v := int64(8); v <= 12; v++ {
		src.apply(sse.Change{Version: v, Status: "LOCKED", SeatIDs: []string{"x" + string(rune('0'+v-8))}})
	}
	// 10 and 11 are still buffered: exactly 11 and 12 follow, no snapshot, nothing twice.
	c := connect(t, srv.URL+"/s1", "10")
	if e := c.next(t, true); e.id != "11" || e.name != "seats" {
		t.Fatalf("first after resume %+v", e)
	}
	if e := c.next(t, true); e.id != "12" {
		t.Fatalf("second after resume %+v", e)
	}
	src.apply(sse.Change{Version: 13, Status: "BOOKED", SeatIDs: []string{"x0"}})
	if e := c.next(t, true); e.id != "13" {
		t.Fatalf("live after resume %+v", e)
	}
	// 8 is no longer buffered: a fresh snapshot at the current version.
	c2 := connect(t, srv.URL+"/s1", "8")
	if e := c2.next(t, true); e.name != "snapshot" || e.id != "13" {
		t.Fatalf("too old a resume: %+v", e)
	}
	// A non-numeric id is no error (r3labs would answer 400): a fresh snapshot.
	c3 := connect(t, srv.URL+"/s1", "abc-def")
	if c3.resp.StatusCode != http.StatusOK {
		t.Fatalf("non-numeric Last-Event-ID answered %d", c3.resp.StatusCode)
	}
	if e := c3.next(t, true); e.name != "snapshot" {
		t.Fatalf("non-numeric resume %+v", e)
	}
	// A client that already has the current version gets only what comes next.
	c4 := connect(t, srv.URL+"/s1", "13")
	src.apply(sse.Change{Version: 14, Status: "LOCKED", SeatIDs: []string{"z"}})
	if e := c4.next(t, true); e.id != "14" || e.name != "seats" {
		t.Fatalf("up-to-date resume %+v", e)
	}
	// A client ahead of every version this replica has seen (a made-up id, or another
	// session's) is not left waiting for versions that may never come: a fresh snapshot,
	// then the changes after it.
	c5 := connect(t, srv.URL+"/s1", "999999999")
	if e := c5.next(t, true); e.name != "snapshot" || e.id != "14" {
		t.Fatalf("resume ahead of the session: %+v", e)
	}
	src.apply(sse.Change{Version: 15, Status: "AVAILABLE", SeatIDs: []string{"z"}})
	if e := c5.next(t, true); e.id != "15" || e.name != "seats" {
		t.Fatalf("after the snapshot of a resume ahead: %+v", e)
	}
}

func TestHeartbeat(t *testing.T) {
	_, srv := setup(t, sse.Config{Heartbeat: 50 * time.Millisecond})
	c := connect(t, srv.URL+"/s1", "")
	c.next(t, true)
	if e := c.next(t, false); e.name != "comment" || !strings.Contains(e.data, "heartbeat") {
		t.Fatalf("want a heartbeat comment, got %+v", e)
	}
}

// A client that stops reading neither stalls the others nor keeps its stream forever.
func TestSlowClientDoesNotStallOthers(t *testing.T) {
	src, srv := setup(t, sse.Config{Heartbeat: time.Hour, ClientBuffer: 4, SlowClientGrace: 300 * time.Millisecond})
	slowCtx, slowCancel := context.WithCancel(context.Background())
	defer slowCancel()
	req, _ := http.NewRequestWithContext(slowCtx, http.MethodGet, srv.URL+"/s1", nil)
	slow, err := http.DefaultClient.Do(req) // never read
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Body.Close()
	fast := connect(t, srv.URL+"/s1", "")
	fast.next(t, true)
	big := make([]string, 2000) // fill the slow client's socket buffers quickly
	for i := range big {
		big[i] = strings.Repeat("s", 30) + string(rune('a'+i%26))
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for v := int64(8); v < 208; v++ {
			src.apply(sse.Change{Version: v, Status: "LOCKED", SeatIDs: big})
		}
	}()
	seen := int64(7)
	for seen < 207 {
		e := fast.next(t, true)
		var payload struct{ Version int64 }
		_ = json.Unmarshal([]byte(e.data), &payload)
		if payload.Version < seen {
			t.Fatalf("versions went backwards: %d after %d", payload.Version, seen)
		}
		seen = payload.Version
	}
	<-done
	deadline := time.Now().Add(5 * time.Second)
	for testutil.ToFloat64(src.m.Dropped) == 0 && time.Now().Before(deadline) {
		src.apply(sse.Change{Version: seen + 1, Status: "LOCKED", SeatIDs: big})
		seen++
		time.Sleep(20 * time.Millisecond)
	}
	if testutil.ToFloat64(src.m.Dropped) != 1 {
		t.Fatalf("the client that never reads was not dropped (overflows %v, resnapshots %v)",
			testutil.ToFloat64(src.m.Overflows), testutil.ToFloat64(src.m.Resnapshots))
	}
}
