// Command scheduler measures the scheduler on the running platform (make run), through
// public paths only, and prints one line per figure:
//   - open delay: a fresh event's sessions whose sales start a few seconds apart, from each
//     sales start to event-query serving the session ON_SALE (p50/p99/max);
//   - mails: a reminder fanned out to N followers (seeded as subscriptions), from its due
//     time to the first and last mail in the catcher, and mails per second;
//   - jobs: N due jobs planned at once (session.availability of sessions without capacity:
//     each is a claim, a count over the write model and a commit), and jobs per second until
//     the last is done.
//
// Numbers are printed, never asserted. What it creates is removed at the end.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

type config struct {
	command, query, kc, catcher, db string
	sessions, mails, jobs           int
	only                            string
}

func main() {
	var c config
	flag.StringVar(&c.command, "command", "http://127.0.0.1:8081", "event-command base URL")
	flag.StringVar(&c.query, "query", "http://127.0.0.1:8082", "event-query base URL")
	flag.StringVar(&c.kc, "keycloak", "http://localhost:8180", "Keycloak base URL")
	flag.StringVar(&c.catcher, "catcher", "http://127.0.0.1:8025", "mail catcher HTTP API")
	flag.StringVar(&c.db, "db", "postgres://ticketly_scheduler:ticketly_scheduler@127.0.0.1:5432/ticketly", "the scheduler's database role (to seed followers and jobs)")
	flag.IntVar(&c.sessions, "sessions", 30, "sessions whose sales open, one per second (open delay)")
	flag.IntVar(&c.mails, "mails", 500, "followers of one reminder (mails)")
	flag.IntVar(&c.jobs, "jobs", 2000, "due jobs planned at once (jobs per second)")
	flag.StringVar(&c.only, "only", "open,mails,jobs", "which figures")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "scheduler bench:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	ctx := context.Background()
	db, err := pgxpool.New(ctx, c.db)
	if err != nil {
		return err
	}
	defer db.Close()
	org, err := token(c.kc, "organizer")
	if err != nil {
		return err
	}
	admin, err := token(c.kc, "admin")
	if err != nil {
		return err
	}
	b := &bench{c: c, db: db, org: org, admin: admin, http: &http.Client{Timeout: 20 * time.Second}}
	defer b.cleanup(ctx)
	for _, f := range strings.Split(c.only, ",") {
		switch f {
		case "open":
			err = b.openDelay()
		case "mails":
			err = b.mailRate(ctx)
		case "jobs":
			err = b.jobRate(ctx)
		default:
			err = fmt.Errorf("unknown figure %q", f)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return nil
}

type bench struct {
	c          config
	db         *pgxpool.Pool
	org, admin string
	http       *http.Client
	events     []string
	followers  []string // user ids of seeded subscriptions
}

func (b *bench) cleanup(ctx context.Context) {
	for _, e := range b.events {
		_, _, _ = b.call(b.org, "DELETE", b.c.command+"/api/v1/events/"+e, nil)
	}
	if len(b.followers) > 0 {
		_, _ = b.db.Exec(ctx, `DELETE FROM scheduling.subscriptions WHERE user_id = ANY($1)`, b.followers)
	}
}

// newEvent creates and approves an event whose sessions start at starts[i] with sales
// opening at sales[i]; it returns the session ids in that order.
func (b *bench) newEvent(title string, starts, sales []time.Time) (string, []string, error) {
	code, mine, err := b.call(b.org, "GET", b.c.command+"/api/v1/organizations/mine", nil)
	if err != nil || code != 200 {
		return "", nil, fmt.Errorf("my organizations: %d %v", code, err)
	}
	items, _ := mine["items"].([]any)
	if len(items) == 0 {
		return "", nil, fmt.Errorf("organizer has no organization (make run loads the demo data)")
	}
	orgID := items[0].(map[string]any)["id"]
	code, ev, err := b.call(b.org, "POST", b.c.command+"/api/v1/events", map[string]any{"organization_id": orgID, "title": title,
		"description": "scheduler benchmark", "tiers": []any{map[string]any{"name": "Std", "colour": "#3b82f6", "price_minor": 1000, "currency": "EUR"}}})
	if err != nil || code != 201 {
		return "", nil, fmt.Errorf("create event: %d %v %v", code, ev, err)
	}
	id := ev["id"].(string)
	b.events = append(b.events, id)
	tier := ev["tiers"].([]any)[0].(map[string]any)["id"]
	var ids []string
	for i := range starts {
		code, s, err := b.call(b.org, "POST", b.c.command+"/api/v1/events/"+id+"/sessions", map[string]any{
			"start_time": rfc(starts[i]), "end_time": rfc(starts[i].Add(2 * time.Hour)), "sales_start_time": rfc(sales[i]),
			"session_type": "ONLINE", "online_link": "https://stream.example/bench",
			"layout": map[string]any{"blocks": []any{map[string]any{"id": "main", "name": "Main", "type": "seated_grid",
				"grid": map[string]any{"rows": 1, "columns": 4, "tier_id": tier, "start_row_label": "A"}}}}})
		if err != nil || code != 201 {
			return "", nil, fmt.Errorf("create session: %d %v %v", code, s, err)
		}
		ids = append(ids, s["id"].(string))
	}
	for _, step := range []struct{ tok, path string }{{b.org, "/submit"}, {b.admin, "/approve"}} {
		if code, r, err := b.call(step.tok, "POST", b.c.command+"/api/v1/events/"+id+step.path, nil); err != nil || code != 200 {
			return "", nil, fmt.Errorf("%s: %d %v %v", step.path, code, r, err)
		}
	}
	return id, ids, nil
}

// openDelay: sessions whose sales open 20 s from now, one second apart (the API's times are
// whole seconds); for each, the time from its sales start to event-query serving it ON_SALE.
func (b *bench) openDelay() error {
	n := b.c.sessions
	t0 := time.Now().Add(20 * time.Second).Truncate(time.Second)
	starts, sales := make([]time.Time, n), make([]time.Time, n)
	for i := range n {
		sales[i] = t0.Add(time.Duration(i) * time.Second)
		starts[i] = t0.Add(72 * time.Hour)
	}
	event, ids, err := b.newEvent("Scheduler bench "+uuid.NewString()[:8], starts, sales)
	if err != nil {
		return err
	}
	seen := map[string]time.Time{}
	deadline := sales[n-1].Add(60 * time.Second)
	for len(seen) < n && time.Now().Before(deadline) {
		code, doc, err := b.call("", "GET", b.c.query+"/api/v1/events/"+event, nil)
		now := time.Now()
		if err == nil && code == 200 {
			ss, _ := doc["sessions"].([]any)
			for _, s := range ss {
				m := s.(map[string]any)
				if id, _ := m["id"].(string); m["status"] == "ON_SALE" && seen[id].IsZero() {
					seen[id] = now
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	var lat []time.Duration
	for i, id := range ids {
		if t, ok := seen[id]; ok {
			lat = append(lat, t.Sub(sales[i]))
		}
	}
	if len(lat) < n {
		return fmt.Errorf("%d of %d sessions were ON_SALE within 60 s of their sales start", len(lat), n)
	}
	slices.Sort(lat)
	if lat[0] < 0 {
		return fmt.Errorf("a session was ON_SALE %s before its sales start", -lat[0])
	}
	fmt.Printf("scheduler_open_delay sessions=%d min=%s p50=%s p99=%s max=%s (sales_start_time -> ON_SALE served by event-query; polled every 20 ms)\n",
		n, lat[0].Round(time.Millisecond), pct(lat, 0.5), pct(lat, 0.99), lat[len(lat)-1].Round(time.Millisecond))
	return nil
}

// mailRate: one session whose 24-hour reminder is due 25 s from now, followed by N seeded
// followers; the time from the reminder's due time to the first and the last of the N mails
// in the catcher.
func (b *bench) mailRate(ctx context.Context) error {
	n := b.c.mails
	due := time.Now().Add(25 * time.Second).Truncate(time.Second)
	start := due.Add(24 * time.Hour)
	run := uuid.NewString()[:8]
	_, ids, err := b.newEvent("Scheduler mail bench "+run, []time.Time{start}, []time.Time{time.Now().Add(-time.Hour)})
	if err != nil {
		return err
	}
	domain := "mailbench-" + run + ".ticketly.example.com"
	for i := range n {
		user := fmt.Sprintf("mailbench-%s-%d", run, i)
		b.followers = append(b.followers, user)
		if _, err := b.db.Exec(ctx, `INSERT INTO scheduling.subscriptions (id, user_id, email, session_id) VALUES ($1, $2, $3, $4)`,
			uuid.New(), user, fmt.Sprintf("f%d@%s", i, domain), ids[0]); err != nil {
			return fmt.Errorf("seed follower: %w", err)
		}
	}
	var times []time.Time
	deadline := due.Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		times = times[:0]
		msgs, err := b.messages()
		if err != nil {
			return err
		}
		for _, m := range msgs {
			for _, to := range m.To {
				if strings.HasSuffix(strings.ToLower(to), "@"+domain) {
					if t, err := time.Parse(time.RFC3339Nano, m.Received); err == nil {
						times = append(times, t)
					}
				}
			}
		}
		if len(times) >= n {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(times) < n {
		return fmt.Errorf("%d of %d reminder mails arrived within 5 min of their due time", len(times), n)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	span := times[len(times)-1].Sub(times[0])
	rate := float64(n-1) / span.Seconds()
	fmt.Printf("scheduler_mails mails=%d first_after_due=%s last_after_due=%s mails_per_s=%.1f (one reminder fanned out to %d followers; SMTP to the local catcher)\n",
		n, times[0].Sub(due).Round(time.Millisecond), times[len(times)-1].Sub(due).Round(time.Millisecond), rate, n)
	if len(times) > n {
		return fmt.Errorf("%d mails for %d followers: a reminder was sent twice", len(times), n)
	}
	return nil
}

// jobRate: N session.availability jobs (sessions that do not exist: each job is a claim, a
// count over the write model that finds no capacity, and a commit) planned due now at once;
// jobs per second from the first to the last done.
func (b *bench) jobRate(ctx context.Context) error {
	n := b.c.jobs
	keys, sessions := make([]string, n), make([]string, n)
	for i := range n {
		sessions[i] = uuid.NewString()
		keys[i] = "session.availability:" + sessions[i]
	}
	defer func() { _, _ = b.db.Exec(ctx, `DELETE FROM scheduling.jobs WHERE key = ANY($1)`, keys) }()
	t0 := time.Now()
	if _, err := b.db.Exec(ctx, `INSERT INTO scheduling.jobs (key, kind, payload, due_at)
		SELECT k, 'session.availability', jsonb_build_object('session_id', s), now() FROM unnest($1::text[], $2::text[]) AS u(k, s)`,
		keys, sessions); err != nil {
		return fmt.Errorf("plan jobs: %w", err)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var pending int
		if err := b.db.QueryRow(ctx, `SELECT count(*) FROM scheduling.jobs WHERE key = ANY($1) AND state = 'PENDING'`, keys).Scan(&pending); err != nil {
			return err
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d jobs still pending after 5 min", pending, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var first, last time.Time
	var failed int
	if err := b.db.QueryRow(ctx, `SELECT min(updated_at), max(updated_at), count(*) FILTER (WHERE state = 'FAILED')
		FROM scheduling.jobs WHERE key = ANY($1)`, keys).Scan(&first, &last, &failed); err != nil {
		return err
	}
	span := last.Sub(first)
	fmt.Printf("scheduler_jobs jobs=%d all_done_after=%s jobs_per_s=%.0f failed=%d (session.availability jobs due at once; every running replica claims)\n",
		n, time.Since(t0).Round(time.Millisecond), float64(n-1)/span.Seconds(), failed)
	return nil
}

type message struct {
	ID       string   `json:"id"`
	To       []string `json:"to"`
	Received string   `json:"received"`
}

func (b *bench) messages() ([]message, error) {
	resp, err := b.http.Get(b.c.catcher + "/api/messages")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out []message
	return out, json.NewDecoder(resp.Body).Decode(&out)
}

func (b *bench) call(tok, method, u string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out, nil
}

func token(kc, user string) (string, error) {
	resp, err := http.PostForm(kc+"/realms/ticketly/protocol/openid-connect/token",
		url.Values{"grant_type": {"password"}, "client_id": {"dev-cli"}, "username": {user}, "password": {user}})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		return "", fmt.Errorf("token for %s: HTTP %d %v", user, resp.StatusCode, err)
	}
	return body.AccessToken, nil
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func pct(lat []time.Duration, p float64) time.Duration {
	return lat[min(len(lat)-1, int(float64(len(lat))*p))].Round(time.Millisecond)
}
