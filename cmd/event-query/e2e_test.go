package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/ticketly/ticketly/internal/mongo"
	"github.com/ticketly/ticketly/internal/projection"
	"github.com/ticketly/ticketly/internal/svctest"
)

func waitReady(t *testing.T, base string) {
	t.Helper()
	eventually(t, 60*time.Second, "event-query ready", func() error {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("readyz %d", resp.StatusCode)
		}
		return nil
	})
}

// isolated returns settings that give an event-query its own read-model database and its
// own projector groups, so it neither disturbs nor is disturbed by a running stack.
func isolated() map[string]string {
	id := strings.ReplaceAll(uuid.NewString()[:13], "-", "")
	return map[string]string{"MONGO_DB": "test_" + id, "KAFKA_GROUP_PREFIX": "test-" + id + ".",
		"PROJECTOR_NEW_GROUP_START": "latest"}
}

type apiClient struct {
	t    *testing.T
	base string
}

func (c apiClient) do(user, method, path string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+svctest.Token(c.t, user))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// must sends a request that has to succeed and decodes the answer into out.
func (c apiClient) must(user, method, path string, body, out any) {
	c.t.Helper()
	code, b := c.do(user, method, path, body)
	if code/100 != 2 {
		c.t.Fatalf("%s %s: %d %s", method, path, code, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// eventually polls fn until it returns nil or the time is up.
func eventually(t *testing.T, within time.Duration, what string, fn func() error) time.Duration {
	t.Helper()
	start := time.Now()
	var err error
	for time.Since(start) < within {
		if err = fn(); err == nil {
			return time.Since(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s not true within %s: %v", what, within, err)
	return 0
}

type ids struct{ org, event, tierVIP, tierStd, session string }

// publish creates an organization, an event with two tiers and one session (sales open
// from salesIn from now) with a seated grid and a standing area, as the organizer.
func publish(t *testing.T, cmd apiClient, title string, salesIn time.Duration) ids {
	t.Helper()
	var out ids
	var org struct{ ID string }
	cmd.must("organizer", "POST", "/api/v1/organizations", map[string]any{"name": "E2E " + uuid.NewString()[:8]}, &org)
	out.org = org.ID
	t.Cleanup(func() { deleteOrg(t, org.ID) })
	var ev struct {
		ID    string
		Tiers []struct{ ID, Name string }
	}
	cmd.must("organizer", "POST", "/api/v1/events", map[string]any{"organization_id": org.ID, "title": title,
		"description": "first", "tiers": []map[string]any{{"name": "VIP", "price_minor": 9000, "currency": "EUR"},
			{"name": "Std", "price_minor": 3000, "currency": "EUR"}}}, &ev)
	out.event = ev.ID
	for _, tr := range ev.Tiers {
		if tr.Name == "VIP" {
			out.tierVIP = tr.ID
		} else {
			out.tierStd = tr.ID
		}
	}
	start := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Second)
	var s struct{ ID string }
	cmd.must("organizer", "POST", "/api/v1/events/"+ev.ID+"/sessions", map[string]any{
		"start_time": start, "end_time": start.Add(3 * time.Hour), "sales_start_time": time.Now().UTC().Add(salesIn).Truncate(time.Second),
		"sales_end_time": start, "session_type": "PHYSICAL",
		"venue": map[string]any{"name": "E2E Hall", "address": "2 Test Road", "latitude": 52.37, "longitude": 4.89},
		"layout": map[string]any{"blocks": []map[string]any{
			{"id": "main", "name": "Main", "type": "seated_grid", "grid": map[string]any{"rows": 4, "columns": 10, "tier_id": out.tierStd, "start_row_label": "A"}},
			{"id": "ga", "name": "Floor", "type": "standing", "capacity": 120, "tier_id": out.tierStd},
		}}}, &s)
	out.session = s.ID
	cmd.must("organizer", "POST", "/api/v1/events/"+ev.ID+"/submit", nil, nil)
	return out
}

// deleteOrg removes a test organization with its events (and, by cascade, their tiers,
// sessions and discounts) directly in the write model, so repeated runs on a long-lived
// stack never reach the organizer's plan limit. The deletions flow through CDC like any.
func deleteOrg(t *testing.T, id string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, "postgres://ticketly_command:ticketly_command@127.0.0.1:5432/ticketly?search_path=catalog")
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DELETE FROM events WHERE organization_id = $1", id); err != nil {
		t.Errorf("cleanup events of %s: %v", id, err)
	}
	if _, err := conn.Exec(ctx, "DELETE FROM organizations WHERE id = $1", id); err != nil {
		t.Errorf("cleanup organization %s: %v", id, err)
	}
}

func TestCQRSSpineEndToEnd(t *testing.T) {
	commandBin := svctest.Build(t, "./cmd/event-command")
	command := svctest.StartBinary(t, commandBin, nil)
	command.WaitReady(t, 60*time.Second)
	cmd := apiClient{t, command.URL}
	query := svctest.Start(t, run, isolated())
	waitReady(t, query.URL)
	q := apiClient{t, query.URL}

	visible := func(id string, check func(doc map[string]any) error) func() error {
		return func() error {
			code, b := q.do("", "GET", "/api/v1/events/"+id, nil)
			if code != http.StatusOK {
				return fmt.Errorf("GET event: %d", code)
			}
			var doc map[string]any
			if err := json.Unmarshal(b, &doc); err != nil {
				return err
			}
			return check(doc)
		}
	}
	gone := func(id string) func() error {
		return func() error {
			if code, _ := q.do("", "GET", "/api/v1/events/"+id, nil); code != http.StatusNotFound {
				return fmt.Errorf("GET event answered %d, want 404", code)
			}
			return nil
		}
	}

	// create -> submit -> approve: served by event-query, with ON_SALE opened at approval.
	a := publish(t, cmd, "E2E Spine "+uuid.NewString()[:8], -time.Hour)
	if code, _ := q.do("", "GET", "/api/v1/events/"+a.event, nil); code != http.StatusNotFound {
		t.Fatalf("a pending event is public (%d)", code)
	}
	cmd.must("admin", "POST", "/api/v1/events/"+a.event+"/approve", nil, nil)
	lat := eventually(t, 10*time.Second, "approved event served", visible(a.event, func(doc map[string]any) error {
		sessions, _ := doc["sessions"].([]any)
		if len(sessions) != 1 || sessions[0].(map[string]any)["status"] != "ON_SALE" {
			return fmt.Errorf("sessions %v", doc["sessions"])
		}
		if org, _ := doc["organization"].(map[string]any); org == nil || !strings.HasPrefix(org["name"].(string), "E2E ") {
			return fmt.Errorf("organization %v", doc["organization"])
		}
		return nil
	}))
	t.Logf("approval visible after %v", lat)
	var seats struct {
		Seats    []struct{ ID, Status string }
		Standing []struct{ Available int }
	}
	code, b := q.do("", "GET", "/api/v1/sessions/"+a.session+"/seats", nil)
	if err := json.Unmarshal(b, &seats); code != http.StatusOK || err != nil || len(seats.Seats) != 40 ||
		len(seats.Standing) != 1 || seats.Standing[0].Available != 120 {
		t.Fatalf("seat map: %d %s", code, b)
	}

	// A tier price change and a description edit are visible without re-approval.
	cmd.must("organizer", "PATCH", "/api/v1/tiers/"+a.tierStd, map[string]any{"price_minor": 2750}, nil)
	cmd.must("organizer", "PATCH", "/api/v1/events/"+a.event, map[string]any{"description": "second"}, nil)
	eventually(t, 10*time.Second, "price and description updated", visible(a.event, func(doc map[string]any) error {
		if doc["description"] != "second" || doc["starting_price_minor"] != float64(2750) || doc["status"] != "APPROVED" {
			return fmt.Errorf("description %v price %v status %v", doc["description"], doc["starting_price_minor"], doc["status"])
		}
		return nil
	}))

	// A cancelled session stays visible with its status.
	cmd.must("organizer", "POST", "/api/v1/sessions/"+a.session+"/cancel", nil, nil)
	eventually(t, 10*time.Second, "session cancelled", visible(a.event, func(doc map[string]any) error {
		if s := doc["sessions"].([]any)[0].(map[string]any); s["status"] != "CANCELLED" {
			return fmt.Errorf("session status %v", s["status"])
		}
		return nil
	}))

	// A rejected event never becomes public.
	r := publish(t, cmd, "E2E Rejected "+uuid.NewString()[:8], -time.Hour)
	cmd.must("admin", "POST", "/api/v1/events/"+r.event+"/reject", map[string]any{"reason": "no venue licence"}, nil)
	marker := "E2E Marker " + uuid.NewString()[:8]
	cmd.must("organizer", "PATCH", "/api/v1/events/"+a.event, map[string]any{"title": marker}, nil)
	eventually(t, 10*time.Second, "marker title visible", visible(a.event, func(doc map[string]any) error {
		if doc["title"] != marker {
			return fmt.Errorf("title %v", doc["title"])
		}
		return nil
	}))
	// The marker edit was committed after the rejection, so the rejection is applied too.
	if code, _ := q.do("", "GET", "/api/v1/events/"+r.event, nil); code != http.StatusNotFound {
		t.Fatalf("rejected event answered %d", code)
	}

	// Deleting the event removes it from every public view.
	code, b = q.do("", "GET", "/api/v1/events?q="+strings.ReplaceAll(marker, " ", "+"), nil)
	if code != http.StatusOK || !strings.Contains(string(b), a.event) {
		t.Fatalf("search before delete: %d %s", code, b)
	}
	cmd.must("organizer", "DELETE", "/api/v1/events/"+a.event, nil, nil)
	eventually(t, 10*time.Second, "deleted event gone", gone(a.event))
	code, b = q.do("", "GET", "/api/v1/events?q="+strings.ReplaceAll(marker, " ", "+"), nil)
	if code != http.StatusOK || strings.Contains(string(b), a.event) {
		t.Fatalf("search after delete: %d %s", code, b)
	}
	if code, _ := q.do("", "GET", "/api/v1/sessions/"+a.session+"/seats", nil); code != http.StatusNotFound {
		t.Fatalf("seat map of a deleted event answered %d", code)
	}
}

// A projector killed mid-stream (SIGKILL: no commit) and restarted loses no update and
// applies none twice; a rebuild from the earliest offset gives the same documents.
func TestProjectorKillRestartAndRebuild(t *testing.T) {
	commandBin := svctest.Build(t, "./cmd/event-command")
	queryBin := svctest.Build(t, "./cmd/event-query")
	command := svctest.StartBinary(t, commandBin, nil)
	command.WaitReady(t, 60*time.Second)
	cmd := apiClient{t, command.URL}
	env := isolated()
	projector := svctest.StartBinary(t, queryBin, env, "project")
	projector.WaitReady(t, 60*time.Second)
	a := publish(t, cmd, "E2E Kill "+uuid.NewString()[:8], time.Hour)
	const edits = 150
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1; i <= edits; i++ {
			cmd.must("organizer", "PATCH", "/api/v1/events/"+a.event, map[string]any{"description": fmt.Sprintf("rev-%d", i)}, nil)
		}
	}()
	time.Sleep(700 * time.Millisecond)
	projector.Kill()
	<-done
	projector = svctest.StartBinary(t, queryBin, env, "project")

	mc, err := mongo.Connect("mongodb://127.0.0.1:27017/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = mc.Database(env["MONGO_DB"]).Drop(context.Background())
		_ = mc.Disconnect(context.Background())
	})
	store := mongo.NewEventStore(mc.Database(env["MONGO_DB"]), "events")
	var doc *projection.EventDoc
	// The replacement joins a group whose killed member has not left: the coordinator may
	// wait for it up to the rebalance timeout (45 s) before assigning partitions again.
	eventually(t, 90*time.Second, "last edit projected", func() error {
		docs, err := store.Get(context.Background(), []string{a.event})
		if err != nil {
			return err
		}
		if doc = docs[a.event]; doc == nil || doc.Description != fmt.Sprintf("rev-%d", edits) {
			return fmt.Errorf("doc %v", doc)
		}
		return nil
	})
	// Every change of this event was applied exactly once: its row was inserted, two tiers
	// and a session were added, it was submitted, then edited `edits` times.
	if want := int64(1 + 2 + 1 + 1 + edits); doc.Revision != want {
		t.Fatalf("revision %d after kill and restart, want %d (a change lost or applied twice)", doc.Revision, want)
	}

	// Rebuild with the projector stopped: every document equals what it was.
	if err := projector.Stop(); err != nil {
		t.Fatalf("stop projector: %v", err)
	}
	before := snapshot(t, store)
	rebuildStart := time.Now()
	if err := svctest.RunBinary(t, queryBin, env, "rebuild"); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	// The rebuild replays the whole topic, so it also rebuilds events whose beginning this
	// test's projector never saw (it started at the end, while other tests were writing):
	// the event this test followed from its first change must come back exactly equal.
	after := snapshot(t, store)
	if !reflect.DeepEqual(before[a.event], after[a.event]) {
		t.Fatalf("document %s differs after rebuild:\n%+v\n%+v", a.event, before[a.event], after[a.event])
	}
	t.Logf("rebuild took %v", time.Since(rebuildStart))
	t.Logf("rebuild: %d documents", len(after))
}

func snapshot(t *testing.T, store *mongo.EventStore) map[string]*projection.EventDoc {
	t.Helper()
	out := map[string]*projection.EventDoc{}
	if err := store.All(context.Background(), func(id string, d *projection.EventDoc) error { out[id] = d; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no documents")
	}
	return out
}
