package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/postgres"
	"github.com/ticketly/ticketly/internal/scheduling"
	"github.com/ticketly/ticketly/internal/svctest"
)

// A session is SOLD_OUT while nothing in it can be held and ON_SALE again as soon as
// anything is released — here by an expiry, an unblock and a refund (a cancellation is
// TestSoldOutAndBackAndOneConfirmation) — and each buyer concerned gets exactly one mail
// per purpose: the expiry, the refund of a payment that came after it, the organizer's
// refund. Users buyer461–463.
func TestSoldOutAndBackThroughExpiryUnblockAndRefund(t *testing.T) {
	e := startEngine(t, 2, nil)
	title := "Engine released " + uuid.NewString()[:8]
	_, sid, seats := onSaleEvent(t, e, title, 3)
	// The stack's order service holds seats for 10 minutes; this one lets them go after 20 s.
	short := svctest.StartBinary(t, svctest.Build(t, "./cmd/order"),
		map[string]string{"HOLD_TTL": "20s", "HOLD_PROVISIONAL_TTL": "10s", "SWEEP_INTERVAL": "300ms"})
	short.WaitReady(t, 60*time.Second)
	o := subClient{t: t, base: orderURL}
	orderStatus := func(user string, ord map[string]any) string {
		s, _ := o.call(user, "GET", "/api/v1/orders/"+ord["id"].(string), nil).Body["status"].(string)
		return s
	}
	block := func(action, seat string) {
		o.want(o.call("organizer", "POST", "/api/v1/sessions/"+sid+"/"+action, map[string]any{"seat_ids": []string{seat}}), 200, action)
	}

	refunded := placeOrder(t, "buyer461", map[string]any{"session_id": sid, "seat_ids": []string{seats[0]}})
	payOrder(t, refunded)
	eventually(t, 10*time.Second, "the first order paid", func() (bool, string) {
		s := orderStatus("buyer461", refunded)
		return s == "PAID", s
	})
	block("blocks", seats[1])
	expiring := placeOrderAt(t, short.URL, "buyer462", map[string]any{"session_id": sid, "seat_ids": []string{seats[2]}})
	waitStatus(t, sid, "SOLD_OUT", 15*time.Second)

	// Expiry: the sweep frees the held seat.
	eventually(t, 40*time.Second, "the held order expired", func() (bool, string) {
		s := orderStatus("buyer462", expiring)
		return s == "EXPIRED", s
	})
	waitStatus(t, sid, "ON_SALE", 15*time.Second)
	exactlyOneTitled(t, "buyer462@ticketly.example.com", expiring["id"].(string), title, "expired")
	// Its payment arrives late: refunded, and the buyer is told why, once.
	payOrder(t, expiring)
	exactlyOneTitled(t, "buyer462@ticketly.example.com", "Your payment for "+title+" was refunded", expiring["id"].(string))
	if m := mailsTitled(t, "buyer462@ticketly.example.com", "Your payment for "+title); !strings.Contains(rawMail(t, m[0].ID), "payment arrived after the hold expired") {
		t.Error("the late-payment mail does not say that the payment arrived after the hold expired")
	}

	// Unblock: the last seat is held again, then the blocked one is released.
	held := placeOrder(t, "buyer463", map[string]any{"session_id": sid, "seat_ids": []string{seats[2]}})
	t.Cleanup(func() { o.call("buyer463", "POST", "/api/v1/orders/"+held["id"].(string)+"/cancel", nil) })
	waitStatus(t, sid, "SOLD_OUT", 15*time.Second)
	block("unblocks", seats[1])
	waitStatus(t, sid, "ON_SALE", 15*time.Second)

	// Refund: with the seat blocked again, refunding the paid order releases its seat.
	block("blocks", seats[1])
	waitStatus(t, sid, "SOLD_OUT", 15*time.Second)
	o.want(o.call("organizer", "POST", "/api/v1/orders/"+refunded["id"].(string)+"/refunds", map[string]any{}), 201, "refund")
	waitStatus(t, sid, "ON_SALE", 15*time.Second)
	exactlyOneTitled(t, "buyer461@ticketly.example.com", "Refund of", title, refunded["id"].(string))
	// The refund is the buyer's only news after the confirmation: the REFUNDED status mails
	// nothing of its own.
	if n := len(mailsAbout(t, "buyer461@ticketly.example.com", refunded["id"].(string))); n != 2 {
		t.Errorf("%d mails to buyer461 about the order, want the confirmation and the refund", n)
	}
}

// A job that comes due while no replica runs is run as soon as one is back: the session's
// sales open late rather than never.
func TestJobDueWhileDownRunsWhenBack(t *testing.T) {
	e := startEngine(t, 0, nil)
	a, b := e.replica(), e.replica()
	eventID, tier, _ := e.eventFixture("Engine down " + uuid.NewString()[:8])
	now := time.Now().UTC().Truncate(time.Second)
	salesStart := now.Add(time.Hour)
	sid := e.addSession(eventID, tier, now.Add(72*time.Hour), salesStart, now.Add(70*time.Hour), 2)
	e.approve(eventID)
	e.waitJob("session.open:"+sid, "PENDING", salesStart)
	waitStatus(t, sid, "SCHEDULED", 15*time.Second)
	for _, r := range []*svctest.Service{a, b} {
		if err := r.Stop(); err != nil {
			t.Fatal(err)
		}
	}

	e.clock.Advance(time.Hour + 10*time.Minute) // due ten minutes ago, and nobody ran it
	time.Sleep(time.Second)
	if j := e.job("session.open:" + sid); j.State != "PENDING" {
		t.Fatalf("open job while every replica is down: %+v, want PENDING", j)
	}
	var status string
	if err := e.db.QueryRow(t.Context(), `SELECT status FROM catalog.sessions WHERE id = $1`, sid).Scan(&status); err != nil || status != "SCHEDULED" {
		t.Fatalf("session is %s (%v) while every replica is down, want SCHEDULED", status, err)
	}
	back := e.replica()
	waitStatus(t, sid, "ON_SALE", 20*time.Second)
	e.waitJob("session.open:"+sid, "DONE", time.Time{})
	// Its metrics say it ran once, about ten minutes late.
	if n := metric(t, back, `ticketly_scheduler_jobs_run_total{kind="session.open",outcome="DONE"}`); n != 1 {
		t.Errorf("session.open jobs run: %v, want 1", n)
	}
	late, all := metric(t, back, `ticketly_scheduler_job_lateness_seconds_bucket{kind="session.open",le="300"}`),
		metric(t, back, `ticketly_scheduler_job_lateness_seconds_count{kind="session.open"}`)
	if late != 0 || all != 1 {
		t.Errorf("lateness of session.open: %v of %v within 5 min, want 0 of 1", late, all)
	}
}

// metric is the value of one series on a replica's /metrics (0 when absent).
func metric(t *testing.T, s *svctest.Service, series string) float64 {
	t.Helper()
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return 0
}

// The 30-minute sales reminder reaches the followers of the session, of its event and of
// its organization once each; the 24-hour reminder reaches them and the ticket holders once
// each (a buyer who stopped following still holds tickets, a user following both the event
// and the session gets one); a session planned less than 24 h before it starts gets no
// start reminder. Users buyer464–467.
func TestRemindersReachFollowersAndHoldersOnce(t *testing.T) {
	e := startEngine(t, 0, nil)
	replicas := []*svctest.Service{e.replica(), e.replica()}
	title := "Engine remind " + uuid.NewString()[:8]
	eventID, tier, org := e.eventFixture(title)
	code := freeCode(t, eventID)
	now := time.Now().UTC().Truncate(time.Second)
	// open is on sale (its tickets are bought in real time) and starts in 72 h; later opens
	// its sales in 5 h; soon starts in 12 h.
	open := e.addSession(eventID, tier, now.Add(72*time.Hour), now.Add(-time.Hour), now.Add(72*time.Hour), 2)
	laterStart, salesStart := now.Add(96*time.Hour), now.Add(5*time.Hour)
	later := e.addSession(eventID, tier, laterStart, salesStart, laterStart, 2)
	soon := e.addSession(eventID, tier, now.Add(12*time.Hour), now.Add(-time.Hour), now.Add(12*time.Hour), 2)
	e.approve(eventID)
	e.waitJob("reminder.start:"+open, "PENDING", now.Add(48*time.Hour))
	e.waitJob("reminder.sales:"+later, "PENDING", salesStart.Add(-30*time.Minute))
	if j := e.waitJob("reminder.start:"+soon, "DROPPED", time.Time{}); j.Outcome != "due before planned" {
		t.Errorf("start reminder of a session 12 h away: %+v, want dropped as due before planned", j)
	}

	db := subDB(t)
	users := []string{"buyer464", "buyer465", "buyer466", "buyer467"}
	subjects := make([]string, len(users))
	for i, u := range users {
		subjects[i] = svctest.Subject(t, u)
	}
	// These users follow only what this test makes them follow, and nothing afterwards (an
	// organization follower would get the reminders of every session of the organization).
	forget := func() {
		if _, err := db.Exec(context.Background(), `DELETE FROM scheduling.subscriptions WHERE user_id = ANY($1)
			AND (event_id = $2 OR session_id = ANY($3) OR organization_id = $4)`, subjects, eventID, []string{open, later, soon}, org); err != nil {
			t.Error(err)
		}
	}
	forget()
	t.Cleanup(forget)
	s := subClient{t: t, base: "http://127.0.0.1:8084"}
	for _, f := range []struct{ user, field, id string }{
		{"buyer464", "event_id", eventID}, {"buyer464", "session_id", open},
		{"buyer465", "session_id", later}, {"buyer465", "session_id", open},
		{"buyer466", "organization_id", org},
	} {
		s.want(s.call(f.user, "POST", "/api/v1/subscriptions", map[string]any{f.field: f.id}), 201, f.user+" follows "+f.field)
	}
	// buyer467 buys a ticket of open, follows it through the purchase, then stops: a ticket
	// holder still.
	seats := onSaleSeats(t, e, open, 2)
	paid := placeOrder(t, "buyer467", map[string]any{"session_id": open, "seat_ids": []string{seats[0]}, "discount_code": code})
	if paid["status"] != "PAID" {
		t.Fatalf("free order %v, want PAID", paid)
	}
	var follow string
	eventually(t, 20*time.Second, "buyer467 follows the session after buying", func() (bool, string) {
		items, _ := s.call("buyer467", "GET", "/api/v1/subscriptions", nil).Body["items"].([]any)
		for _, it := range items {
			if m := it.(map[string]any); m["session_id"] == open && m["source"] == "purchase" {
				follow = m["id"].(string)
				return true, ""
			}
		}
		return false, fmt.Sprint(items)
	})
	s.want(s.call("buyer467", "DELETE", "/api/v1/subscriptions/"+follow, nil), 204, "stop following")
	addr := func(user string) string { return user + "@ticketly.example.com" }
	const salesSubject, startSubject = "go on sale in 30 minutes", "starts tomorrow"

	e.clock.Advance(5*time.Hour - 31*time.Minute) // a minute before the sales reminder
	time.Sleep(2 * time.Second)
	for _, u := range users {
		if n := len(mailsTitled(t, addr(u), title, salesSubject)); n != 0 {
			t.Fatalf("%s got %d sales reminders a minute early", u, n)
		}
	}
	e.clock.Advance(2 * time.Minute)
	for _, u := range users[:3] {
		exactlyOneTitled(t, addr(u), title, salesSubject)
	}
	if n := len(mailsTitled(t, addr("buyer467"), title, salesSubject)); n != 0 {
		t.Errorf("buyer467, who follows nothing, got %d sales reminders", n)
	}
	e.waitJob("reminder.sales:"+later, "DONE", time.Time{})

	e.clock.Advance(now.Add(48*time.Hour).Sub(e.clock.Now()).Truncate(time.Second) + time.Minute)
	for _, u := range users {
		exactlyOneTitled(t, addr(u), title, startSubject)
	}
	e.waitJob("reminder.start:"+open, "DONE", time.Time{})
	// The replicas count the reminders they sent: three sales reminders, four start reminders.
	var sent float64
	for _, r := range replicas {
		sent += metric(t, r, `ticketly_scheduler_mails_sent_total{kind="reminder.sales_open"}`) +
			metric(t, r, `ticketly_scheduler_mails_sent_total{kind="reminder.session_start"}`)
	}
	if sent != 7 {
		t.Errorf("replicas counted %v reminder mails sent, want 7", sent)
	}
}

// The trending score of an event counts its recent tickets and sell-through as the package
// documentation says, and reaches GET /api/v1/events/trending through the scheduler's own
// schema and CDC (the stack's scheduler recomputes it every minute). User buyer468.
func TestTrendingScoresRecentSales(t *testing.T) {
	e := startEngine(t, 0, nil)
	title := "Engine trending " + uuid.NewString()[:8]
	eventID, tier, _ := e.eventFixture(title)
	code := freeCode(t, eventID)
	now := time.Now().UTC().Truncate(time.Second)
	sid := e.addSession(eventID, tier, now.Add(2*time.Hour), now.Add(-time.Hour), now.Add(time.Hour), 4) // ends at +5 h
	e.approve(eventID)
	seats := onSaleSeats(t, e, sid, 4)
	paid := placeOrder(t, "buyer468", map[string]any{"session_id": sid, "seat_ids": seats[:2], "discount_code": code})
	if paid["status"] != "PAID" {
		t.Fatalf("free order %v, want PAID", paid)
	}

	// Two tickets just issued weigh 2; two of four seats sold double nothing but half:
	// 2 × (1 + 0.5) = 3, a little less by the time it is computed.
	q := subClient{t: t, base: queryURL}
	eventually(t, 100*time.Second, "the event trending with a score near 3", func() (bool, string) {
		listed := 0
		for page := 1; ; page++ {
			r := q.want(q.call("", "GET", fmt.Sprintf("/api/v1/events/trending?page_size=100&page=%d", page), nil), 200, "trending")
			items, _ := r["items"].([]any)
			for _, it := range items {
				m := it.(map[string]any)
				if m["id"] == eventID {
					score, _ := m["score"].(float64)
					return score > 2.9 && score <= 3 && m["title"] == title, fmt.Sprint(m["score"], m["title"])
				}
			}
			listed += len(items)
			if total, _ := r["total"].(float64); len(items) == 0 || listed >= int(total) {
				return false, fmt.Sprintf("not among %d items", listed)
			}
		}
	})
	var stored float64
	var sold, capacity int64
	if err := e.db.QueryRow(context.Background(), `SELECT score, tickets_sold, capacity FROM scheduling.trending WHERE event_id = $1`,
		eventID).Scan(&stored, &sold, &capacity); err != nil || sold != 2 || capacity != 4 {
		t.Errorf("scheduling.trending row: score %v, %d sold of %d (%v), want 2 of 4", stored, sold, capacity, err)
	}
	// Once its only session has ended, the event's recent sales no longer make it trend.
	for at, want := range map[time.Time]bool{now.Add(4 * time.Hour): true, now.Add(6 * time.Hour): false} {
		in, err := postgres.NewSchedulingReads(e.db).TrendingInputs(context.Background(), at)
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.ContainsFunc(in, func(s scheduling.EventSales) bool { return s.EventID.String() == eventID }); got != want {
			t.Errorf("trending inputs at %s (the session ends at %s) list the event: %v, want %v", at, now.Add(5*time.Hour), got, want)
		}
	}
}
