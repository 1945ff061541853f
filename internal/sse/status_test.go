package sse_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketly/ticketly/internal/sse"
)

// setStatus changes the session's status and publishes it under the source's lock, as the
// view does.
func (f *fakeSource) setStatus(status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snap.Status = status
	f.hub.PublishStatus(f.known, status, f.snap.Version)
}

func TestSessionStatusOnTheStream(t *testing.T) {
	src, srv := setup(t, sse.Config{Heartbeat: time.Hour})
	src.setStatus("ON_SALE")
	c := connect(t, srv.URL+"/s1", "")
	var s sse.Snapshot
	if e := c.next(t, true); e.name != "snapshot" || json.Unmarshal([]byte(e.data), &s) != nil || s.Status != "ON_SALE" {
		t.Fatalf("snapshot %+v", e)
	}
	src.setStatus("SOLD_OUT")
	if e := c.next(t, true); e != (event{"", "status", `{"status":"SOLD_OUT","version":7}`}) {
		t.Fatalf("status event %+v", e)
	}
	src.apply(sse.Change{Version: 8, Status: "AVAILABLE", SeatIDs: []string{"a"}})
	if e := c.next(t, true); e.id != "8" || e.name != "seats" {
		t.Fatalf("seat event after a status %+v", e)
	}
	// A new connection has the status in its snapshot.
	if e := connect(t, srv.URL+"/s1", "").next(t, true); e.name != "snapshot" || json.Unmarshal([]byte(e.data), &s) != nil ||
		s.Status != "SOLD_OUT" || s.Version != 8 {
		t.Fatalf("snapshot after the change %+v", e)
	}
	// Resuming from a version at or before the change: the status first, then the versions.
	r := connect(t, srv.URL+"/s1", "7")
	if e := r.next(t, true); e != (event{"", "status", `{"status":"SOLD_OUT","version":8}`}) {
		t.Fatalf("resume from 7: %+v", e)
	}
	if e := r.next(t, true); e.id != "8" {
		t.Fatalf("resume from 7, then %+v", e)
	}
	// Resuming after it: the status did not change since, only what comes next.
	r2 := connect(t, srv.URL+"/s1", "8")
	src.apply(sse.Change{Version: 9, Status: "LOCKED", SeatIDs: []string{"a"}})
	if e := r2.next(t, true); e.id != "9" || e.name != "seats" {
		t.Fatalf("resume from 8: %+v", e)
	}
}

// The status event carries no id line at all: an empty "id:" would reset the client's
// Last-Event-ID, and a numeric one would move it.
func TestStatusEventHasNoIDLine(t *testing.T) {
	src, srv := setup(t, sse.Config{Heartbeat: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/s1", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	blocks := make(chan []string, 10)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		var block []string
		for sc.Scan() {
			if sc.Text() == "" {
				blocks <- block
				block = nil
				continue
			}
			block = append(block, sc.Text())
		}
		close(blocks)
	}()
	next := func() []string {
		select {
		case b := <-blocks:
			return b
		case <-time.After(5 * time.Second):
			t.Fatal("no event within 5s")
		}
		return nil
	}
	if b := next(); !strings.Contains(strings.Join(b, "\n"), "event: snapshot") {
		t.Fatalf("first block %q", b)
	}
	src.setStatus("CANCELLED")
	b := next()
	joined := strings.Join(b, "\n")
	if !strings.Contains(joined, "event: status") || !strings.Contains(joined, `data: {"status":"CANCELLED","version":7}`) {
		t.Fatalf("status block %q", b)
	}
	for _, l := range b {
		if strings.HasPrefix(l, "id") {
			t.Fatalf("status block has an id line: %q", b)
		}
	}
}
