package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/ticketly/ticketly/internal/sse"
	"github.com/ticketly/ticketly/internal/svctest"
)

// sseClient follows one session stream and keeps the seat state it implies.
type sseClient struct {
	t      *testing.T
	cancel context.CancelFunc
	mu     sync.Mutex
	events []sseEvent
	seats  map[string]string // non-AVAILABLE seats
	ver    int64
	done   chan struct{}
}

type sseEvent struct {
	ID, Name, Data string
}

func follow(t *testing.T, base, session, lastID string) *sseClient {
	t.Helper()
	return followURL(t, base+"/api/v1/sessions/"+session+"/stream", lastID)
}

func followURL(t *testing.T, url, lastID string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		cancel()
		t.Fatalf("stream: %v %v", resp, err)
	}
	c := &sseClient{t: t, cancel: cancel, seats: map[string]string{}, done: make(chan struct{})}
	t.Cleanup(cancel)
	go func() {
		defer close(c.done)
		defer resp.Body.Close()
		_ = sse.Read(resp.Body, func(e sse.Event) {
			if e.Name != "" {
				c.apply(sseEvent{e.ID, e.Name, e.Data})
			}
		})
	}()
	return c
}

func (c *sseClient) apply(ev sseEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, ev)
	switch ev.Name {
	case "snapshot":
		var s struct {
			Version int64
			Seats   map[string]string
		}
		_ = json.Unmarshal([]byte(ev.Data), &s)
		c.seats, c.ver = s.Seats, s.Version
	case "seats":
		var s struct {
			SeatIDs []string `json:"seat_ids"`
			Status  string
			Version int64
		}
		_ = json.Unmarshal([]byte(ev.Data), &s)
		for _, id := range s.SeatIDs {
			if s.Status == "AVAILABLE" {
				delete(c.seats, id)
			} else {
				c.seats[id] = s.Status
			}
		}
		c.ver = s.Version
	}
}

// await waits until the client's state has seat in status ("" = AVAILABLE).
func (c *sseClient) await(seat, status string) {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		got := c.seats[seat]
		c.mu.Unlock()
		if got == status {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.t.Fatalf("seat %s never became %q on the stream", seat, status)
}

// awaitData waits for an event whose data contains every part.
func (c *sseClient) awaitData(parts ...string) {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_, _, evs := c.snapshot()
		for _, e := range evs {
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(e.Data, p)
			}
			if ok {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, _, evs := c.snapshot()
	c.t.Fatalf("no event with %v; got %v", parts, evs)
}

func (c *sseClient) snapshot() (int64, map[string]string, []sseEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ver, maps.Clone(c.seats), slices.Clone(c.events)
}

// Two event-query replicas of one deployment serve the same live seat changes: holds,
// cancellations and expiries made through the order service reach clients of both; a
// reconnect with Last-Event-ID gets exactly what it missed; the final state on the stream
// equals the seat statuses in PostgreSQL.
func TestSeatStreamsAcrossReplicas(t *testing.T) {
	command := svctest.StartBinary(t, svctest.Build(t, "./cmd/event-command"), nil)
	order := svctest.StartBinary(t, svctest.Build(t, "./cmd/order"), map[string]string{"HOLD_TTL": "4s", "HOLD_PROVISIONAL_TTL": "2s", "SWEEP_INTERVAL": "300ms"})
	command.WaitReady(t, 60*time.Second)
	order.WaitReady(t, 60*time.Second)
	env := isolated()
	a := svctest.Start(t, run, env)
	b := svctest.Start(t, run, env)
	waitReady(t, a.URL)
	waitReady(t, b.URL)
	cmd, ord := apiClient{t, command.URL}, apiClient{t, order.URL}

	ev := publish(t, cmd, "E2E Live "+uuid.NewString()[:8], -time.Hour)
	cmd.must("admin", "POST", "/api/v1/events/"+ev.event+"/approve", nil, nil)
	var seats []string
	for _, base := range []string{a.URL, b.URL} {
		eventually(t, 10*time.Second, "session served by "+base, func() error {
			code, body := apiClient{t, base}.do("", "GET", "/api/v1/sessions/"+ev.session+"/seats", nil)
			var m struct{ Seats []struct{ ID string } }
			if code != http.StatusOK || json.Unmarshal(body, &m) != nil || len(m.Seats) == 0 {
				return fmt.Errorf("seats: %d", code)
			}
			seats = seats[:0]
			for _, s := range m.Seats {
				seats = append(seats, s.ID)
			}
			return nil
		})
	}
	ca, cb := follow(t, a.URL, ev.session, ""), follow(t, b.URL, ev.session, "")

	// The organizer's checkout stream: only the event's organizer may watch it.
	checkouts := a.URL + "/api/v1/events/" + ev.event + "/checkouts/stream"
	for user, want := range map[string]int{"": http.StatusUnauthorized, "buyer305": http.StatusForbidden} {
		req, _ := http.NewRequest(http.MethodGet, checkouts, nil)
		if user != "" {
			req.Header.Set("Authorization", "Bearer "+svctest.Token(t, user))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != want {
			t.Fatalf("checkout stream as %q: %v %v, want %d", user, resp.Status, err, want)
		}
		resp.Body.Close()
	}
	co := followURL(t, checkouts+"?access_token="+svctest.Token(t, "organizer"), "")
	orderIdem := func(user, seat string) string { // POST with an Idempotency-Key
		req, _ := http.NewRequest(http.MethodPost, order.URL+"/api/v1/orders",
			strings.NewReader(`{"session_id":"`+ev.session+`","seat_ids":["`+seat+`"]}`))
		req.Header.Set("Authorization", "Bearer "+svctest.Token(t, user))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", uuid.NewString())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var o struct{ ID string }
		if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&o) != nil {
			t.Fatalf("order %s: %d", seat, resp.StatusCode)
		}
		return o.ID
	}

	// A hold reaches the clients of both replicas; a cancellation frees it on both.
	o1 := orderIdem("buyer301", seats[0])
	ca.await(seats[0], "LOCKED")
	cb.await(seats[0], "LOCKED")
	ord.must("buyer301", "POST", "/api/v1/orders/"+o1+"/cancel", nil, nil)
	ca.await(seats[0], "")
	cb.await(seats[0], "")
	co.awaitData(`"order_id":"`+o1+`"`, `"status":"PENDING_PAYMENT"`)
	co.awaitData(`"order_id":"`+o1+`"`, `"status":"CANCELLED"`)
	if _, _, evs := co.snapshot(); strings.Contains(fmt.Sprint(evs), "buyer") {
		t.Fatalf("checkout events carry buyer data: %v", evs)
	}

	// A hold that is never paid expires (the order service's sweep) and frees the seat.
	orderIdem("buyer302", seats[1])
	cb.await(seats[1], "LOCKED")
	ca.await(seats[1], "LOCKED")
	cb.await(seats[1], "")
	ca.await(seats[1], "")

	// Reconnect: a client leaves at version v, two holds happen, it comes back with
	// Last-Event-ID v and gets exactly those two versions, no snapshot, nothing twice.
	v, _, _ := cb.snapshot()
	cb.cancel()
	<-cb.done
	orderIdem("buyer303", seats[2])
	orderIdem("buyer304", seats[3])
	ca.await(seats[3], "LOCKED")
	cr := follow(t, b.URL, ev.session, strconv.FormatInt(v, 10))
	cr.await(seats[2], "LOCKED")
	cr.await(seats[3], "LOCKED")
	_, _, evs := cr.snapshot()
	var ids []string
	for _, e := range evs {
		if e.Name == "snapshot" {
			t.Fatalf("resumed stream sent a snapshot: %+v", evs)
		}
		ids = append(ids, e.ID)
	}
	if want := []string{strconv.FormatInt(v+1, 10), strconv.FormatInt(v+2, 10)}; !slices.Equal(ids, want) {
		t.Fatalf("resumed stream ids %v, want %v", ids, want)
	}

	// A Last-Event-ID ahead of every version of the session (made up, or another session's)
	// gets a fresh snapshot of the current state, not a silently stale stream.
	ahead := follow(t, b.URL, ev.session, strconv.FormatInt(v+1_000_000, 10))
	ahead.await(seats[3], "LOCKED")
	if _, _, evs := ahead.snapshot(); len(evs) == 0 || evs[0].Name != "snapshot" {
		t.Fatalf("a resume ahead of the session got %+v, want a snapshot first", evs)
	}

	// The state each client arrived at equals the seat statuses in PostgreSQL.
	db, err := pgx.Connect(context.Background(), "postgres://postgres@127.0.0.1:5432/ticketly")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	rows, err := db.Query(context.Background(), `SELECT seat_id::text, CASE status WHEN 'HELD' THEN 'LOCKED' WHEN 'SOLD' THEN 'BOOKED' ELSE status END
		FROM ordering.seat_allocations WHERE session_id = $1 AND status IN ('HELD','SOLD','BLOCKED')`, ev.session)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var p [2]string
		return p, r.Scan(&p[0], &p[1])
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, p := range truth {
		want[p[0]] = p[1]
	}
	for name, c := range map[string]*sseClient{"replica A": ca, "replica B (resumed)": cr} {
		_, got, _ := c.snapshot()
		if !maps.Equal(got, want) {
			t.Fatalf("%s ends with %v, PostgreSQL says %v", name, got, want)
		}
	}
	if len(want) != 2 {
		t.Fatalf("PostgreSQL has %d live seats, want the 2 last holds: %v", len(want), want)
	}
}
