package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ticketly/ticketly/internal/svctest"
)

// subClient calls one service of the running stack (or the scheduler under test) as a
// realm user ("" for no token).
type subClient struct {
	t    *testing.T
	base string
}

type subResponse struct {
	Code int
	Body map[string]any
	Raw  string
}

func (c subClient) call(who, method, path string, body any) subResponse {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+svctest.Token(c.t, who))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := subResponse{Code: resp.StatusCode, Raw: string(raw)}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

func (c subClient) want(r subResponse, code int, what string) map[string]any {
	c.t.Helper()
	if r.Code != code {
		c.t.Fatalf("%s: HTTP %d, want %d: %s", what, r.Code, code, r.Raw)
	}
	return r.Body
}

// subPublicEvent creates an event with one session through the running event-command and,
// when approve is set, submits and approves it. It returns the event, session and
// organization ids; the event is deleted when the test ends.
func subPublicEvent(t *testing.T, approve bool) (event, session, org string) {
	t.Helper()
	cmd := subClient{t: t, base: "http://127.0.0.1:8081"}
	mine := cmd.want(cmd.call("organizer", "GET", "/api/v1/organizations/mine", nil), 200, "my organizations")
	items, _ := mine["items"].([]any)
	if len(items) == 0 {
		t.Fatal("organizer has no organization (make run loads the demo data)")
	}
	org = items[0].(map[string]any)["id"].(string)
	ev := cmd.want(cmd.call("organizer", "POST", "/api/v1/events", map[string]any{
		"organization_id": org, "title": "Subscriptions " + uuid.NewString()[:8], "description": "subscription test",
		"tiers": []any{map[string]any{"name": "Std", "colour": "#3b82f6", "price_minor": 1000, "currency": "EUR"}},
	}), 201, "create event")
	event = ev["id"].(string)
	t.Cleanup(func() { cmd.call("organizer", "DELETE", "/api/v1/events/"+event, nil) })
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	s := cmd.want(cmd.call("organizer", "POST", "/api/v1/events/"+event+"/sessions", map[string]any{
		"start_time": start.Format(time.RFC3339), "end_time": start.Add(2 * time.Hour).Format(time.RFC3339),
		"sales_start_time": start.Add(-48 * time.Hour).Format(time.RFC3339), "session_type": "ONLINE",
		"online_link": "https://stream.example/sub",
		"layout": map[string]any{"blocks": []any{map[string]any{"id": "main", "name": "Main", "type": "seated_grid",
			"grid": map[string]any{"rows": 1, "columns": 2, "tier_id": ev["tiers"].([]any)[0].(map[string]any)["id"], "start_row_label": "A"}}}},
	}), 201, "create session")
	session = s["id"].(string)
	if approve {
		cmd.want(cmd.call("organizer", "POST", "/api/v1/events/"+event+"/submit", nil), 200, "submit")
		cmd.want(cmd.call("admin", "POST", "/api/v1/events/"+event+"/approve", nil), 200, "approve")
	}
	return event, session, org
}

// subCount counts the subscriptions of userID (every target), read from PostgreSQL.
func subCount(t *testing.T, db *pgxpool.Pool, userID string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM scheduling.subscriptions WHERE user_id = $1`, userID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func subDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	db, err := pgxpool.New(context.Background(), devDatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// Users follow events, sessions and organizations: 201 once, 200 with the same
// subscription again, listed as theirs only, deleted with 204; another user's subscription
// is 404 to them; bad input is a 400 naming the field and stores nothing; no token is 401;
// subscribing sends no mail.
func TestSubscriptions(t *testing.T) {
	svctest.RequireStack(t, svctest.Postgres, svctest.Keycloak)
	s := svctest.Start(t, run, nil)
	api := subClient{t: t, base: s.URL}
	db := subDB(t)
	event, session, org := subPublicEvent(t, true)
	draft, _, _ := subPublicEvent(t, false)
	user := "buyer991" // this test's users: no other test uses them
	sub := svctest.Subject(t, user)
	// Their subscriptions are this test's own: start without any (a failed run's leftovers
	// would make a 201 a 200) and leave none behind (they would get reminders).
	forget := func() {
		if _, err := db.Exec(context.Background(), `DELETE FROM scheduling.subscriptions WHERE user_id = ANY($1)`,
			[]string{sub, svctest.Subject(t, "buyer992")}); err != nil {
			t.Error(err)
		}
	}
	forget()
	t.Cleanup(forget)

	before := subCount(t, db, sub)
	for _, tc := range []struct {
		name, who string
		body      any
		code      int
		field     string
	}{
		{"no token", "", map[string]any{"event_id": event}, 401, ""},
		{"no target", user, map[string]any{}, 400, "event_id|session_id|organization_id"},
		{"two targets", user, map[string]any{"event_id": event, "session_id": session}, 400, "event_id|session_id|organization_id"},
		{"not a uuid", user, map[string]any{"event_id": "abc"}, 400, "event_id"},
		{"uuid without dashes", user, map[string]any{"session_id": strings.ReplaceAll(session, "-", "")}, 400, "session_id"},
		{"unknown event", user, map[string]any{"event_id": uuid.NewString()}, 400, "event_id"},
		{"unknown session", user, map[string]any{"session_id": uuid.NewString()}, 400, "session_id"},
		{"unknown organization", user, map[string]any{"organization_id": uuid.NewString()}, 400, "organization_id"},
		{"unapproved event", user, map[string]any{"event_id": draft}, 400, "event_id"},
		{"operator injection", user, `{"event_id":{"$gt":""}}`, 400, ""},
		{"unknown field", user, map[string]any{"event_id": event, "user_id": "someone"}, 400, ""},
		{"null target", user, `{"event_id":null}`, 400, ""},
		{"not json", user, "event_id=" + event, 400, ""},
	} {
		r := api.call(tc.who, "POST", "/api/v1/subscriptions", tc.body)
		if r.Code != tc.code {
			t.Errorf("%s: HTTP %d, want %d: %s", tc.name, r.Code, tc.code, r.Raw)
			continue
		}
		if tc.field != "" {
			e, _ := r.Body["error"].(map[string]any)
			d, _ := e["details"].(map[string]any)
			fields, _ := d["fields"].(map[string]any)
			if fields[tc.field] == nil {
				t.Errorf("%s: no details.fields[%s] in %s", tc.name, tc.field, r.Raw)
			}
		}
	}
	if n := subCount(t, db, sub); n != before {
		t.Fatalf("refused requests stored %d subscriptions", n-before)
	}

	first := api.want(api.call(user, "POST", "/api/v1/subscriptions", map[string]any{"event_id": event}), 201, "follow the event")
	if first["event_id"] != event || first["id"] == nil || first["created_at"] == nil || first["source"] != "user" ||
		first["session_id"] != nil || first["organization_id"] != nil {
		t.Fatalf("subscription: %v", first)
	}
	again := api.want(api.call(user, "POST", "/api/v1/subscriptions", map[string]any{"event_id": event}), 200, "follow the event again")
	if again["id"] != first["id"] || again["created_at"] != first["created_at"] {
		t.Fatalf("following again gave %v, want the same subscription %v", again, first)
	}
	bySession := api.want(api.call(user, "POST", "/api/v1/subscriptions", map[string]any{"session_id": session}), 201, "follow the session")
	byOrg := api.want(api.call(user, "POST", "/api/v1/subscriptions", map[string]any{"organization_id": org}), 201, "follow the organization")
	if bySession["session_id"] != session || byOrg["organization_id"] != org {
		t.Fatalf("targets: %v %v", bySession, byOrg)
	}
	if n := subCount(t, db, sub); n != before+3 {
		t.Fatalf("%d subscriptions stored, want 3", n-before)
	}

	ids := func(who string) map[string]bool {
		list := api.want(api.call(who, "GET", "/api/v1/subscriptions", nil), 200, "list "+who)
		out := map[string]bool{}
		items, _ := list["items"].([]any)
		for _, it := range items {
			out[it.(map[string]any)["id"].(string)] = true
		}
		return out
	}
	mine := ids(user)
	for _, s := range []map[string]any{first, bySession, byOrg} {
		if !mine[s["id"].(string)] {
			t.Fatalf("%v missing from my list %v", s["id"], mine)
		}
	}
	other := "buyer992"
	if ids(other)[first["id"].(string)] {
		t.Fatal("another user's list shows my subscription")
	}
	api.want(api.call(other, "DELETE", "/api/v1/subscriptions/"+first["id"].(string), nil), 404, "another user deletes my subscription")
	api.want(api.call("", "DELETE", "/api/v1/subscriptions/"+first["id"].(string), nil), 401, "delete without a token")
	api.want(api.call(user, "DELETE", "/api/v1/subscriptions/not-a-uuid", nil), 400, "delete a bad id")
	if !ids(user)[first["id"].(string)] {
		t.Fatal("a refused delete removed the subscription")
	}
	api.want(api.call(user, "DELETE", "/api/v1/subscriptions/"+first["id"].(string), nil), 204, "delete")
	api.want(api.call(user, "DELETE", "/api/v1/subscriptions/"+first["id"].(string), nil), 404, "delete again")
	if ids(user)[first["id"].(string)] {
		t.Fatal("deleted subscription still listed")
	}
	api.want(api.call("", "GET", "/api/v1/subscriptions", nil), 401, "list without a token")

	// Subscribing sends no mail: nothing reaches the catcher for this user about the event.
	time.Sleep(2 * time.Second)
	resp, err := http.Get("http://127.0.0.1:8025/api/messages?to=" + url.QueryEscape(user+"@ticketly.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var msgs []struct {
		ID      string `json:"id"`
		Subject string `json:"subject"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&msgs); err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		raw, err := http.Get("http://127.0.0.1:8025/api/messages/" + m.ID + "/raw")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(raw.Body)
		raw.Body.Close()
		if bytes.Contains(b, []byte(event)) || bytes.Contains(b, []byte(session)) {
			t.Fatalf("a mail about the followed event reached %s: %s", user, m.Subject)
		}
	}
}
