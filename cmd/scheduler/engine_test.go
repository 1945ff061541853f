package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ticketly/ticketly/internal/postgres"
	"github.com/ticketly/ticketly/internal/scheduling"
	"github.com/ticketly/ticketly/internal/svctest"
)

const (
	commandURL  = "http://127.0.0.1:8081"
	queryURL    = "http://127.0.0.1:8082"
	orderURL    = "http://127.0.0.1:8083"
	mailHTTPURL = "http://127.0.0.1:8025"
)

// engine is a set of scheduler replicas under test sharing one controllable clock, their
// own consumer group and a scope: they plan and run only the jobs of the objects the test
// adds to the scope, so moving their clock never touches other tests' sessions. (The
// stack's own scheduler on :8084 runs the same code on the real clock and may take jobs
// that are due in real time too.)
type engine struct {
	t     *testing.T
	clock *scheduling.OffsetClock
	scope *scheduling.Scope
	db    *pgxpool.Pool
	jobs  *postgres.SchedulingJobs
	vars  map[string]string
	deps  deps
}

func startEngine(t *testing.T, replicas int, env map[string]string) *engine {
	t.Helper()
	svctest.RequireStack(t)
	e := &engine{t: t, clock: &scheduling.OffsetClock{}, scope: scheduling.NewScope(), db: subDB(t)}
	e.jobs = postgres.NewSchedulingJobs(e.db)
	e.vars = map[string]string{"SCHEDULER_KAFKA_GROUP": "scheduler.test." + uuid.NewString()[:8], "SCHEDULER_POLL": "200ms"}
	for k, v := range env {
		e.vars[k] = v
	}
	e.deps = deps{Clock: e.clock, KafkaStart: time.Now().Add(-2 * time.Second), Scope: e.scope}
	for range replicas {
		e.replica()
	}
	return e
}

// replica starts one more replica of the engine: same clock, scope and consumer group.
func (e *engine) replica() *svctest.Service {
	e.t.Helper()
	return svctest.Start(e.t, func(ctx context.Context, args []string, getenv func(string) string) error {
		return runWith(ctx, args, getenv, e.deps)
	}, e.vars)
}

// eventFixture creates a DRAFT event of the organizer's organization with one tier (and a
// 100 % discount code), adds it to the engine's scope and deletes it when the test ends.
func (e *engine) eventFixture(title string) (eventID, tierID, org string) {
	t := e.t
	cmd := subClient{t: t, base: commandURL}
	mine := cmd.want(cmd.call("organizer", "GET", "/api/v1/organizations/mine", nil), 200, "my organizations")
	items, _ := mine["items"].([]any)
	if len(items) == 0 {
		t.Fatal("organizer has no organization (make run loads the demo data)")
	}
	org = items[0].(map[string]any)["id"].(string)
	ev := cmd.want(cmd.call("organizer", "POST", "/api/v1/events", map[string]any{
		"organization_id": org, "title": title, "description": "scheduler engine test",
		"tiers": []any{map[string]any{"name": "Std", "colour": "#3b82f6", "price_minor": 1000, "currency": "EUR"}},
	}), 201, "create event")
	eventID = ev["id"].(string)
	e.scope.Add(eventID)
	t.Cleanup(func() { cmd.call("organizer", "DELETE", "/api/v1/events/"+eventID, nil) })
	return eventID, ev["tiers"].([]any)[0].(map[string]any)["id"].(string), org
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// addSession adds a physical session with one row of seats.
func (e *engine) addSession(eventID, tierID string, start, salesStart, salesEnd time.Time, seats int) string {
	cmd := subClient{t: e.t, base: commandURL}
	s := cmd.want(cmd.call("organizer", "POST", "/api/v1/events/"+eventID+"/sessions", map[string]any{
		"start_time": rfc(start), "end_time": rfc(start.Add(3 * time.Hour)),
		"sales_start_time": rfc(salesStart), "sales_end_time": rfc(salesEnd), "session_type": "PHYSICAL",
		"venue": map[string]any{"name": "Engine Hall", "address": "1 Test Street", "latitude": 52.37, "longitude": 4.89},
		"layout": map[string]any{"blocks": []any{map[string]any{"id": "main", "name": "Main", "type": "seated_grid",
			"grid": map[string]any{"rows": 1, "columns": seats, "tier_id": tierID, "start_row_label": "A"}}}},
	}), 201, "create session")
	id := s["id"].(string)
	e.scope.Add(id)
	return id
}

func (e *engine) approve(eventID string) {
	cmd := subClient{t: e.t, base: commandURL}
	cmd.want(cmd.call("organizer", "POST", "/api/v1/events/"+eventID+"/submit", nil), 200, "submit")
	cmd.want(cmd.call("admin", "POST", "/api/v1/events/"+eventID+"/approve", nil), 200, "approve")
}

// eventually polls cond every 200 ms until it holds or within passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	last := ""
	for {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v (last: %s)", what, within, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (e *engine) job(key string) postgres.SchedulingJob {
	j, _, err := e.jobs.Job(context.Background(), key)
	if err != nil {
		e.t.Fatal(err)
	}
	return j
}

// waitJob waits until the job is in state with its due time at due (zero: any).
func (e *engine) waitJob(key, state string, due time.Time) postgres.SchedulingJob {
	e.t.Helper()
	var j postgres.SchedulingJob
	eventually(e.t, 30*time.Second, "job "+key+" "+state, func() (bool, string) {
		j = e.job(key)
		return j.State == state && (due.IsZero() || j.DueAt.Equal(due)), fmt.Sprintf("%+v", j)
	})
	return j
}

func sessionStatus(t *testing.T, id string) string {
	q := subClient{t: t, base: queryURL}
	r := q.call("", "GET", "/api/v1/sessions/"+id, nil)
	s, _ := r.Body["status"].(string)
	return s
}

func waitStatus(t *testing.T, id, want string, within time.Duration) {
	t.Helper()
	eventually(t, within, "session "+id+" "+want+" on event-query", func() (bool, string) {
		s := sessionStatus(t, id)
		return s == want, s
	})
}

type caught struct {
	ID      string   `json:"id"`
	To      []string `json:"to"`
	Subject string   `json:"subject"`
}

// mailsAbout lists the catcher's mails to addr whose subject or body contains text.
func mailsAbout(t *testing.T, addr, text string) []caught {
	t.Helper()
	resp, err := http.Get(mailHTTPURL + "/api/messages?to=" + url.QueryEscape(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var all []caught
	if err := json.NewDecoder(resp.Body).Decode(&all); err != nil {
		t.Fatal(err)
	}
	var out []caught
	for _, m := range all {
		to := false
		for _, x := range m.To {
			to = to || strings.EqualFold(x, addr)
		}
		if !to {
			continue
		}
		if strings.Contains(m.Subject, text) {
			out = append(out, m)
			continue
		}
		if strings.Contains(rawMail(t, m.ID), text) {
			out = append(out, m)
		}
	}
	return out
}

// rawMail is the catcher's message id as sent, its quoted-printable soft line breaks
// removed (a phrase of a text part may be split by one).
func rawMail(t *testing.T, id string) string {
	t.Helper()
	r, err := http.Get(mailHTTPURL + "/api/messages/" + id + "/raw")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	raw, _ := io.ReadAll(r.Body)
	return strings.ReplaceAll(string(raw), "=\r\n", "")
}

// exactlyOneMail waits for a mail to addr about text, then makes sure no second one comes.
func exactlyOneMail(t *testing.T, addr, text string) {
	t.Helper()
	exactlyOne(t, "mail to "+addr+" about "+text, func() int { return len(mailsAbout(t, addr, text)) })
}

// exactlyOne waits until count is positive, then makes sure it stays one.
func exactlyOne(t *testing.T, what string, count func() int) {
	t.Helper()
	eventually(t, 30*time.Second, "a "+what, func() (bool, string) {
		n := count()
		return n > 0, fmt.Sprint(n, " mails")
	})
	time.Sleep(3 * time.Second) // both replicas (and the stack's scheduler) had every chance to send it again
	if n := count(); n != 1 {
		t.Fatalf("%d of %s, want exactly one", n, what)
	}
}

// mailsTitled lists the catcher's mails to addr whose subject contains each of parts.
func mailsTitled(t *testing.T, addr string, parts ...string) []caught {
	t.Helper()
	var out []caught
	for _, m := range mailsAbout(t, addr, parts[0]) {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(m.Subject, p)
		}
		if all {
			out = append(out, m)
		}
	}
	return out
}

// exactlyOneTitled waits for a mail to addr whose subject contains each of parts, then
// makes sure no second one comes.
func exactlyOneTitled(t *testing.T, addr string, parts ...string) {
	t.Helper()
	exactlyOne(t, fmt.Sprintf("mail to %s titled %q", addr, parts), func() int { return len(mailsTitled(t, addr, parts...)) })
}

// Two replicas with one test clock: a session opens at its sales start and closes at its
// sales end, seen on event-query, and not before.
func TestSaleWindowOpensAndClosesOnTime(t *testing.T) {
	e := startEngine(t, 2, nil)
	eventID, tier, _ := e.eventFixture("Engine window " + uuid.NewString()[:8])
	now := time.Now().UTC().Truncate(time.Second)
	salesStart, salesEnd := now.Add(2*time.Hour), now.Add(4*time.Hour)
	sid := e.addSession(eventID, tier, now.Add(72*time.Hour), salesStart, salesEnd, 2)
	e.approve(eventID)
	e.waitJob("session.open:"+sid, "PENDING", salesStart)
	e.waitJob("session.close:"+sid, "PENDING", salesEnd)
	waitStatus(t, sid, "SCHEDULED", 15*time.Second)

	e.clock.Advance(2*time.Hour - 10*time.Second) // just before the sales start: nothing happens
	time.Sleep(2 * time.Second)
	if s := sessionStatus(t, sid); s != "SCHEDULED" {
		t.Fatalf("session is %s 10 s before its sales start, want SCHEDULED", s)
	}
	e.clock.Advance(11 * time.Second)
	waitStatus(t, sid, "ON_SALE", 20*time.Second)
	if j := e.job("session.open:" + sid); j.State != "DONE" {
		t.Errorf("open job %+v, want DONE", j)
	}
	e.clock.Advance(2 * time.Hour)
	waitStatus(t, sid, "CLOSED", 20*time.Second)
	if j := e.job("session.close:" + sid); j.State != "DONE" {
		t.Errorf("close job %+v, want DONE", j)
	}
}

// Moving a session's times moves its pending jobs; cancelling it drops them.
func TestMovingAndCancellingASessionMovesAndDropsItsJobs(t *testing.T) {
	e := startEngine(t, 2, nil)
	eventID, tier, _ := e.eventFixture("Engine move " + uuid.NewString()[:8])
	now := time.Now().UTC().Truncate(time.Second)
	start, salesStart := now.Add(72*time.Hour), now.Add(5*time.Hour)
	sid := e.addSession(eventID, tier, start, salesStart, start, 2)
	e.waitJob("session.open:"+sid, "PENDING", salesStart)
	e.waitJob("reminder.sales:"+sid, "PENDING", salesStart.Add(-30*time.Minute))
	e.waitJob("reminder.start:"+sid, "PENDING", start.Add(-24*time.Hour))

	cmd := subClient{t: t, base: commandURL}
	moved, movedStart := salesStart.Add(time.Hour), start.Add(2*time.Hour)
	cmd.want(cmd.call("organizer", "PATCH", "/api/v1/sessions/"+sid, map[string]any{"sales_start_time": rfc(moved),
		"start_time": rfc(movedStart), "end_time": rfc(movedStart.Add(3 * time.Hour)), "sales_end_time": rfc(movedStart)}), 200, "move the session")
	e.waitJob("session.open:"+sid, "PENDING", moved)
	e.waitJob("session.close:"+sid, "PENDING", movedStart)
	e.waitJob("reminder.sales:"+sid, "PENDING", moved.Add(-30*time.Minute))
	e.waitJob("reminder.start:"+sid, "PENDING", movedStart.Add(-24*time.Hour))

	cmd.want(cmd.call("organizer", "POST", "/api/v1/sessions/"+sid+"/cancel", nil), 200, "cancel the session")
	for _, k := range []string{"session.open:", "session.close:", "reminder.sales:", "reminder.start:"} {
		if j := e.waitJob(k+sid, "DROPPED", time.Time{}); j.Outcome != "session cancelled" {
			t.Errorf("%s after cancel: %+v, want dropped as cancelled", k, j)
		}
	}
	// Deleting a session drops its jobs too.
	gone := e.addSession(eventID, tier, start, salesStart, start, 2)
	e.waitJob("session.open:"+gone, "PENDING", salesStart)
	cmd.want(cmd.call("organizer", "DELETE", "/api/v1/sessions/"+gone, nil), 204, "delete a session")
	for _, k := range []string{"session.open:", "session.close:", "reminder.sales:", "reminder.start:"} {
		if j := e.waitJob(k+gone, "DROPPED", time.Time{}); j.Outcome != "session deleted" {
			t.Errorf("%s after delete: %+v, want dropped as deleted", k, j)
		}
	}
	// Time passing runs nothing for a cancelled session.
	e.clock.Advance(7 * time.Hour)
	time.Sleep(2 * time.Second)
	if j := e.job("session.open:" + sid); j.State != "DROPPED" || j.Outcome != "session cancelled" {
		t.Errorf("open job after its old due time: %+v, want still dropped", j)
	}
}

// A session whose last seat is held becomes SOLD_OUT, and ON_SALE again when one is
// released; the buyer of the paid order gets exactly one confirmation.
func TestSoldOutAndBackAndOneConfirmation(t *testing.T) {
	e := startEngine(t, 2, nil)
	eventID, tier, _ := e.eventFixture("Engine sold out " + uuid.NewString()[:8])
	code := freeCode(t, eventID)
	now := time.Now().UTC().Truncate(time.Second)
	sid := e.addSession(eventID, tier, now.Add(72*time.Hour), now.Add(-time.Hour), now.Add(70*time.Hour), 2)
	e.approve(eventID)
	waitStatus(t, sid, "ON_SALE", 20*time.Second)
	statuses := streamStatuses(t, sid)

	q := subClient{t: t, base: queryURL}
	seats := q.want(q.call("", "GET", "/api/v1/sessions/"+sid+"/seats", nil), 200, "seats")["seats"].([]any)
	ids := []string{seats[0].(map[string]any)["id"].(string), seats[1].(map[string]any)["id"].(string)}
	order := func(user, seat, discount string) map[string]any {
		body := map[string]any{"session_id": sid, "seat_ids": []string{seat}}
		if discount != "" {
			body["discount_code"] = discount
		}
		return placeOrder(t, user, body)
	}
	paid := order("buyer1", ids[0], code)
	if paid["status"] != "PAID" {
		t.Fatalf("free order %v, want PAID", paid)
	}
	held := order("buyer2", ids[1], "")
	waitStatus(t, sid, "SOLD_OUT", 20*time.Second)

	o := subClient{t: t, base: orderURL}
	if r := o.call("buyer2", "POST", "/api/v1/orders/"+held["id"].(string)+"/cancel", nil); r.Code != 200 && r.Code != 204 {
		t.Fatalf("cancel: %d %s", r.Code, r.Raw)
	}
	waitStatus(t, sid, "ON_SALE", 20*time.Second)
	for _, want := range []string{"SOLD_OUT", "ON_SALE"} {
		select {
		case got := <-statuses:
			if got != want {
				t.Fatalf("status event %s on the session's stream, want %s", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s status event on the session's stream", want)
		}
	}
	exactlyOneTitled(t, "buyer2@ticketly.example.com", "Order "+held["id"].(string), "is cancelled")

	exactlyOneMail(t, "buyer1@ticketly.example.com", paid["id"].(string))
	// The confirmation carries its ticket: text and HTML, a QR image, a calendar entry.
	raw := rawMail(t, mailsAbout(t, "buyer1@ticketly.example.com", paid["id"].(string))[0].ID)
	for _, part := range []string{"text/plain", "text/html", "image/png", "text/calendar", ".ics\""} {
		if !strings.Contains(raw, part) {
			t.Errorf("the confirmation has no %s", part)
		}
	}
	e.waitJob("mail:order.confirmed:"+paid["id"].(string)+":buyer1@ticketly.example.com", "DONE", time.Time{})
	var follows int
	if err := e.db.QueryRow(context.Background(), `SELECT count(*) FROM scheduling.subscriptions WHERE session_id = $1 AND source = 'purchase'`, sid).Scan(&follows); err != nil || follows != 1 {
		t.Errorf("buyer follows the session: %d rows (%v), want 1", follows, err)
	}
}

// The owner of an event's organization is told once that it was approved, and once that
// another was rejected, with the reason.
func TestOrganizerHearsOfApprovalAndRejection(t *testing.T) {
	e := startEngine(t, 2, nil)
	approvedTitle, rejectedTitle := "Engine approved "+uuid.NewString()[:8], "Engine rejected "+uuid.NewString()[:8]
	approved, tierA, org := e.eventFixture(approvedTitle)
	rejected, tierR, _ := e.eventFixture(rejectedTitle)
	var owner string
	if err := e.db.QueryRow(context.Background(), `SELECT owner_email FROM catalog.organizations WHERE id = $1`, org).Scan(&owner); err != nil || owner == "" {
		t.Fatalf("owner of the organization: %q (%v)", owner, err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	e.addSession(approved, tierA, now.Add(72*time.Hour), now.Add(24*time.Hour), now.Add(70*time.Hour), 1)
	e.addSession(rejected, tierR, now.Add(72*time.Hour), now.Add(24*time.Hour), now.Add(70*time.Hour), 1)
	e.approve(approved)
	cmd := subClient{t: t, base: commandURL}
	cmd.want(cmd.call("organizer", "POST", "/api/v1/events/"+rejected+"/submit", nil), 200, "submit")
	reason := "No venue plan " + uuid.NewString()[:8]
	cmd.want(cmd.call("admin", "POST", "/api/v1/events/"+rejected+"/reject", map[string]any{"reason": reason}), 200, "reject")

	exactlyOneTitled(t, owner, approvedTitle+" is approved")
	exactlyOneTitled(t, owner, rejectedTitle+" was not approved")
	if n := len(mailsAbout(t, owner, reason)); n != 1 {
		t.Errorf("%d mails give the rejection's reason, want 1", n)
	}
}

// streamStatuses follows the session's live stream on event-query and passes on the
// status of each status event, from the first one after the snapshot.
func streamStatuses(t *testing.T, sid string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", queryURL+"/api/v1/sessions/"+sid+"/stream", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		t.Fatalf("stream of %s: HTTP %d", sid, resp.StatusCode)
	}
	out := make(chan string, 16)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 4<<20) // a snapshot is one long data line
		name := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && name == "status":
				var ev struct {
					Status string `json:"status"`
				}
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev) == nil {
					out <- ev.Status
				}
			case line == "":
				name = ""
			}
		}
	}()
	return out
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// A follower of the event gets exactly one reminder 24 h before the session starts, and
// none before.
func TestReminderArrivesOnceAtItsTime(t *testing.T) {
	e := startEngine(t, 2, nil)
	title := "Engine reminder " + uuid.NewString()[:8]
	eventID, tier, _ := e.eventFixture(title)
	now := time.Now().UTC().Truncate(time.Second)
	start := now.Add(72 * time.Hour)
	sid := e.addSession(eventID, tier, start, now.Add(-time.Hour), start, 2)
	e.approve(eventID)
	s := subClient{t: t, base: "http://127.0.0.1:8084"}
	const follower = "buyer7"
	s.want(s.call(follower, "POST", "/api/v1/subscriptions", map[string]any{"event_id": eventID}), 201, "follow the event")
	e.waitJob("reminder.start:"+sid, "PENDING", start.Add(-24*time.Hour))
	if j := e.job("reminder.sales:" + sid); j.State != "DROPPED" {
		t.Errorf("sales reminder of a session on sale: %+v, want dropped", j)
	}

	e.clock.Advance(48*time.Hour - time.Minute) // a minute early
	time.Sleep(2 * time.Second)
	if n := len(mailsAbout(t, follower+"@ticketly.example.com", title)); n != 0 {
		t.Fatalf("%d reminders a minute before they are due", n)
	}
	e.clock.Advance(2 * time.Minute)
	exactlyOneMail(t, follower+"@ticketly.example.com", title)
	e.waitJob("reminder.start:"+sid, "DONE", time.Time{})
}

// smtpProxy forwards SMTP to the catcher, except that it holds the first message's final
// "." (the end of DATA) until the test decides: drop (the client died; the catcher never
// completes the message) or pass.
type smtpProxy struct {
	addr string
	held chan struct{}
	once sync.Once
	hold sync.Mutex // locked while holding
}

func startSMTPProxy(t *testing.T, upstream string) *smtpProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &smtpProxy{addr: ln.Addr().String(), held: make(chan struct{})}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c, upstream)
		}
	}()
	return p
}

func (p *smtpProxy) serve(client net.Conn, upstream string) {
	defer client.Close()
	up, err := net.Dial("tcp", upstream)
	if err != nil {
		return
	}
	defer up.Close()
	go func() { _, _ = io.Copy(client, up) }()
	r := bufio.NewReader(client)
	inData := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch {
		case !inData && strings.EqualFold(strings.TrimSpace(line), "DATA"):
			inData = true
		case inData && line == ".\r\n":
			inData = false
			first := false
			p.once.Do(func() { first = true })
			if first {
				close(p.held)
				// Wait for the client to die: its connection closes, and the message is
				// never completed upstream.
				_, _ = io.Copy(io.Discard, r)
				return
			}
		}
		if _, err := up.Write([]byte(line)); err != nil {
			return
		}
	}
}

// kill -9 of a replica while its mail waits for the SMTP server's final reply loses
// nothing and sends nothing twice: the other replica, running beside it, skips the job
// while it is held, and sends it once when the dead replica's row lock goes with its
// connection.
func TestKilledReplicaMidMailLosesNothingAndSendsOnce(t *testing.T) {
	svctest.RequireStack(t)
	db := subDB(t)
	jobs := postgres.NewSchedulingJobs(db)
	e := &engine{t: t, clock: &scheduling.OffsetClock{}, scope: scheduling.NewScope(), db: db, jobs: jobs}
	title := "Engine kill " + uuid.NewString()[:8]
	eventID, _, _ := e.eventFixture(title)
	addr := "kill-" + uuid.NewString()[:8] + "@ticketly.example.com"
	// The mail is due in an hour of real time (the stack's own scheduler leaves it alone);
	// the replicas of this test run two hours ahead.
	p := scheduling.PlanMail(scheduling.MailPayload{Kind: scheduling.MailApproved, To: addr, EventID: uuid.MustParse(eventID)}, time.Now().Add(time.Hour))
	if err := jobs.Apply(context.Background(), []scheduling.Plan{p}, nil); err != nil {
		t.Fatal(err)
	}
	proxy := startSMTPProxy(t, "127.0.0.1:1025")
	env := map[string]string{"SMTP_ADDR": proxy.addr, "SCHEDULER_JOB_SCOPE": eventID, "SCHEDULER_CLOCK_OFFSET": "2h",
		"SCHEDULER_KAFKA_GROUP": "scheduler.test." + uuid.NewString()[:8], "SCHEDULER_POLL": "200ms"}
	bin := svctest.Build(t, "./cmd/scheduler")
	a := svctest.StartBinary(t, bin, env)
	select {
	case <-proxy.held:
	case <-time.After(30 * time.Second):
		t.Fatalf("replica A never reached the end of DATA; logs:\n%s", a.Logs())
	}
	if j := e.job(p.Key); j.State != "PENDING" {
		t.Fatalf("while A sends: %+v, want PENDING (claimed, not recorded)", j)
	}
	// Replica B runs beside A, on the same clock: the job is due, but A holds it.
	b := startEngine(t, 1, nil)
	b.clock.Advance(2 * time.Hour)
	b.scope.Add(eventID)
	time.Sleep(2 * time.Second)
	if j := e.job(p.Key); j.State != "PENDING" || j.Attempts != 0 {
		t.Fatalf("while A holds the job: %+v, want PENDING, no attempt recorded", j)
	}
	if n := len(mailsAbout(t, addr, title)); n != 0 {
		t.Fatalf("%d mails while A holds the job, want none (B must skip it)", n)
	}
	a.Kill()
	e.waitJob(p.Key, "DONE", time.Time{})
	exactlyOneMail(t, addr, title)
}
