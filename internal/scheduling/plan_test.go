package scheduling

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/projection"
)

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func session(status string) Session {
	return Session{ID: uuid.New(), EventID: uuid.New(), Status: status, Version: 7,
		Start: t0.Add(48 * time.Hour), End: t0.Add(51 * time.Hour),
		SalesStart: t0.Add(2 * time.Hour), SalesEnd: t0.Add(50 * time.Hour)}
}

func byKind(plans []Plan) map[Kind]Plan {
	m := map[Kind]Plan{}
	for _, p := range plans {
		m[p.Kind] = p
	}
	return m
}

func TestPlanSessionScheduled(t *testing.T) {
	s := session(StatusScheduled)
	plans, drops := PlanSession(s, t0)
	if len(drops) != 0 {
		t.Fatalf("drops %v", drops)
	}
	m := byKind(plans)
	want := map[Kind]time.Time{KindOpen: s.SalesStart, KindClose: s.SalesEnd, KindReminderStart: s.Start.Add(-24 * time.Hour), KindReminderSales: s.SalesStart.Add(-30 * time.Minute)}
	for k, due := range want {
		p, ok := m[k]
		if !ok || !p.DueAt.Equal(due) || p.State != Pending || p.Version != 7 || p.Key != SessionKey(k, s.ID) {
			t.Errorf("%s: %+v, want pending at %v", k, p, due)
		}
	}
}

func TestPlanSessionRemindersAlreadyDueAreDropped(t *testing.T) {
	s := session(StatusScheduled)
	s.SalesStart = t0.Add(10 * time.Minute) // the sales reminder was due 20 minutes ago
	s.Start = t0.Add(3 * time.Hour)         // the start reminder 21 hours ago
	m := byKind(func() []Plan { p, _ := PlanSession(s, t0); return p }())
	for _, k := range []Kind{KindReminderStart, KindReminderSales} {
		if m[k].State != Dropped || m[k].Reason != "due before planned" {
			t.Errorf("%s: %+v, want dropped: due before planned", k, m[k])
		}
	}
}

func TestPlanSessionStatuses(t *testing.T) {
	s := session(StatusOnSale)
	plans, drops := PlanSession(s, t0)
	m := byKind(plans)
	if _, ok := m[KindOpen]; ok || len(drops) != 1 || drops[0].Keys[0] != SessionKey(KindOpen, s.ID) {
		t.Errorf("on sale: plans %v drops %v, want no open and its pending open dropped", plans, drops)
	}
	if m[KindReminderSales].State != Dropped {
		t.Errorf("on sale: sales reminder %+v, want dropped", m[KindReminderSales])
	}
	s.Status = StatusCancelled
	plans, drops = PlanSession(s, t0)
	if len(plans) != 0 || len(drops) != 1 || len(drops[0].Keys) != 4 {
		t.Errorf("cancelled: plans %v drops %v, want every job dropped", plans, drops)
	}
	s.Status = StatusClosed
	plans, drops = PlanSession(s, t0)
	if m := byKind(plans); len(drops) != 1 || len(drops[0].Keys) != 2 || m[KindReminderStart].State != Pending {
		t.Errorf("closed: plans %v drops %v, want open/close dropped, start reminder kept", plans, drops)
	}
}

func TestCloseAtIsTheEarlierOfSalesEndAndEnd(t *testing.T) {
	s := session(StatusScheduled)
	s.SalesEnd = t0.Add(5 * time.Hour)
	if !s.CloseAt().Equal(s.SalesEnd) {
		t.Errorf("close at %v, want the sales end", s.CloseAt())
	}
}

func TestMailKeysAreOnePerPurposeObjectAndAddress(t *testing.T) {
	o := uuid.New()
	a := PlanMail(MailPayload{Kind: MailConfirmed, To: " Buyer@Example.COM", OrderID: o, SessionID: uuid.New()}, t0)
	b := PlanMail(MailPayload{Kind: MailConfirmed, To: "buyer@example.com", OrderID: o}, t0)
	if a.Key != b.Key || a.Mode != Once || !strings.HasSuffix(a.Key, ":buyer@example.com") {
		t.Errorf("keys %q / %q, want one key per order and address", a.Key, b.Key)
	}
	if c := PlanMail(MailPayload{Kind: MailCancelled, To: "buyer@example.com", OrderID: o}, t0); c.Key == a.Key {
		t.Error("another purpose must be another mail")
	}
}

func TestSettle(t *testing.T) {
	j := Job{Key: "k", DueAt: t0, Attempts: 2}
	if r := Settle(j, Result{Err: errors.New("boom")}, t0, 0.5); r.State != Pending || r.Attempts != 3 || !r.DueAt.Equal(t0.Add(4*time.Second)) {
		t.Errorf("retry: %+v, want pending in 4 s (attempt 3)", r)
	}
	j.Attempts = MaxAttempts - 1
	if r := Settle(j, Result{Err: errors.New("boom")}, t0, 0.5); r.State != Failed {
		t.Errorf("last attempt: %+v, want FAILED", r)
	}
	if r := Settle(Job{Kind: KindTrending, Attempts: MaxAttempts - 1}, Result{Err: errors.New("db down")}, t0, 0); r.State != Pending {
		t.Errorf("recurring job failing again: %+v, want retried, never FAILED", r)
	}
	if r := Settle(j, Result{Next: t0.Add(time.Minute)}, t0, 0); r.State != Pending || r.Attempts != 0 || !r.DueAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("recurring: %+v", r)
	}
	if r := Settle(j, Result{State: Dropped, Reason: "stale"}, t0, 0); r.State != Dropped || r.Outcome != "stale" {
		t.Errorf("dropped: %+v", r)
	}
	if d := Backoff(30, 0.99); d > maxBackoff*12/10 {
		t.Errorf("backoff %v above the cap", d)
	}
}

func TestCapacityAndDecide(t *testing.T) {
	layout := []byte(`{"blocks":[{"id":"a","type":"seated_grid","rows":[{"label":"A","seats":[{"id":"s1"},{"id":"s2"},{"id":"s3"}]}]},
		{"id":"st","type":"standing","capacity":5},{"id":"x","type":"non_sellable"}],"blocked_seat_ids":["s3"]}`)
	c, err := CountCapacity(layout, map[string]bool{"s1": true}, map[string]int64{"st": 5})
	if err != nil || c != (Capacity{Sellable: 7, Available: 1}) {
		t.Fatalf("capacity %+v %v, want 7 sellable, 1 available", c, err)
	}
	if got := Decide(StatusOnSale, c); got != "" {
		t.Errorf("one seat left: %q, want no change", got)
	}
	c, _ = CountCapacity(layout, map[string]bool{"s1": true, "s2": true}, map[string]int64{"st": 5})
	if got := Decide(StatusOnSale, c); got != StatusSoldOut {
		t.Errorf("nothing left: %q, want SOLD_OUT", got)
	}
	if got := Decide(StatusSoldOut, Capacity{Sellable: 7, Available: 1}); got != StatusOnSale {
		t.Errorf("one released: %q, want ON_SALE", got)
	}
	if got := Decide(StatusOnSale, Capacity{}); got != "" {
		t.Errorf("no capacity at all: %q, never SOLD_OUT", got)
	}
	if got := Decide(StatusScheduled, Capacity{Sellable: 1}); got != "" {
		t.Errorf("scheduled: %q, want no change", got)
	}
}

func TestTrendingFormula(t *testing.T) {
	if w := TicketWeight(6 * 3600); w != 0.5 {
		t.Errorf("6 h old ticket weighs %v, want 0.5", w)
	}
	if w := TicketWeight(73 * 3600); w != 0 {
		t.Errorf("73 h old ticket weighs %v, want 0", w)
	}
	score, st := TrendingScore(2, 50, 100)
	if score != 3 || st != 0.5 {
		t.Errorf("score %v sell-through %v, want 3 and 0.5", score, st)
	}
	if score, _ := TrendingScore(1.234567, 0, 0); score != 1.2346 {
		t.Errorf("score %v, want rounded to 4 places", score)
	}
	if ScoreChanged(10, 10.009) || !ScoreChanged(10, 10.011) || ScoreChanged(0.5, 0.502) || !ScoreChanged(0.5, 0.5026) {
		t.Error("change threshold: 0.5 % or 0.01")
	}
}

type fakeLookup struct {
	owner string
	buyer string
	err   error
}

func (f fakeLookup) OwnerEmail(context.Context, uuid.UUID) (string, error) { return f.owner, f.err }
func (f fakeLookup) OrderBuyer(context.Context, uuid.UUID) (string, string, bool, error) {
	return f.buyer, "EXPIRED", f.buyer != "", f.err
}

func change(table string, op projection.Op, before, after any) projection.Change {
	enc := func(v any) json.RawMessage {
		if v == nil {
			return json.RawMessage("null")
		}
		b, _ := json.Marshal(v)
		return b
	}
	schema, tbl, _ := strings.Cut(table, ".")
	return projection.Change{Schema: schema, Table: tbl, Op: op, Before: enc(before), After: enc(after), LSN: 1}
}

func TestPlanChangeOrders(t *testing.T) {
	ctx := context.Background()
	id, sid := uuid.New(), uuid.New()
	row := func(status string) map[string]any {
		return map[string]any{"id": id, "buyer_id": "u1", "buyer_email": "b@x.example", "session_id": sid, "event_id": uuid.New(), "status": status}
	}
	ch, err := PlanChange(ctx, change("ordering.orders", projection.OpUpdate, row("PENDING_PAYMENT"), row("PAID")), t0, fakeLookup{})
	if err != nil || len(ch.Plans) != 1 || ch.Plans[0].Key != MailKey(MailConfirmed, id, "b@x.example") || len(ch.Follows) != 1 || ch.Follows[0].SessionID != sid {
		t.Fatalf("paid: %+v %v, want a confirmation and a follow", ch, err)
	}
	if ch, _ := PlanChange(ctx, change("ordering.orders", projection.OpCreate, nil, row("PAID")), t0, fakeLookup{}); len(ch.Plans) != 1 {
		t.Errorf("free order inserted paid: %+v, want a confirmation", ch)
	}
	if ch, _ := PlanChange(ctx, change("ordering.orders", projection.OpUpdate, row("PAID"), row("PAID")), t0, fakeLookup{}); len(ch.Plans) != 0 {
		t.Errorf("unchanged status: %+v, want nothing", ch)
	}
	if ch, _ := PlanChange(ctx, change("ordering.orders", projection.OpRead, nil, row("PAID")), t0, fakeLookup{}); len(ch.Plans) != 0 {
		t.Errorf("snapshot read: %+v, want no mail", ch)
	}
	if ch, _ := PlanChange(ctx, change("ordering.orders", projection.OpUpdate, row("PENDING_PAYMENT"), row("EXPIRED")), t0, fakeLookup{}); len(ch.Plans) != 1 || !strings.HasPrefix(ch.Plans[0].Key, "mail:order.expired:") {
		t.Errorf("expired: %+v", ch)
	}
}

func TestPlanChangeRefundsEventsAndSeats(t *testing.T) {
	ctx := context.Background()
	refund := map[string]any{"id": uuid.New(), "order_id": uuid.New(), "requested_by": "system"}
	ch, err := PlanChange(ctx, change("ordering.refunds", projection.OpCreate, nil, refund), t0, fakeLookup{buyer: "b@x.example"})
	if err != nil || len(ch.Plans) != 1 || !strings.HasPrefix(ch.Plans[0].Key, "mail:"+MailLateRefunded+":") {
		t.Errorf("automatic refund: %+v %v, want the late-payment mail", ch, err)
	}
	refund["requested_by"] = "organizer-sub"
	if ch, _ := PlanChange(ctx, change("ordering.refunds", projection.OpCreate, nil, refund), t0, fakeLookup{buyer: "b@x.example"}); len(ch.Plans) != 1 || !strings.HasPrefix(ch.Plans[0].Key, "mail:"+MailRefunded+":") {
		t.Errorf("refund: %+v", ch)
	}
	if _, err := PlanChange(ctx, change("ordering.refunds", projection.OpCreate, nil, refund), t0, fakeLookup{err: errors.New("db down")}); err == nil {
		t.Error("a failed lookup must fail the record (it is retried, not lost)")
	}
	ev := func(status string) map[string]any {
		return map[string]any{"id": uuid.New(), "organization_id": uuid.New(), "status": status}
	}
	before, after := ev("PENDING"), ev("APPROVED")
	after["id"] = before["id"]
	if ch, _ := PlanChange(ctx, change("catalog.events", projection.OpUpdate, before, after), t0, fakeLookup{owner: "o@x.example"}); len(ch.Plans) != 1 || !strings.HasPrefix(ch.Plans[0].Key, "mail:event.approved:") {
		t.Errorf("approval: %+v", ch)
	}
	if ch, _ := PlanChange(ctx, change("catalog.events", projection.OpUpdate, before, after), t0, fakeLookup{}); len(ch.Plans) != 0 || len(ch.Notes) != 1 {
		t.Errorf("approval without an owner address: %+v, want a note and no mail", ch)
	}
	// Every event row seen (a snapshot too, which plans nothing) leaves its title behind for
	// the mails about a deleted event; a delete leaves the last one as it was.
	after["title"] = "Remembered"
	for _, op := range []projection.Op{projection.OpRead, projection.OpUpdate} {
		ch, err := PlanChange(ctx, change("catalog.events", op, before, after), t0, fakeLookup{owner: "o@x.example"})
		if err != nil || len(ch.Names) != 1 || ch.Names[0].Title != "Remembered" || ch.Names[0].ID.String() != after["id"].(uuid.UUID).String() {
			t.Errorf("op %s: names %+v (%v)", op, ch.Names, err)
		}
		if op == projection.OpRead && len(ch.Plans) != 0 {
			t.Errorf("a snapshot read planned %+v", ch.Plans)
		}
	}
	if ch, _ := PlanChange(ctx, change("catalog.events", projection.OpDelete, after, nil), t0, fakeLookup{}); len(ch.Names) != 0 || len(ch.Plans) != 0 {
		t.Errorf("delete: %+v", ch)
	}
	sid := uuid.New()
	ch, _ = PlanChange(ctx, change("ordering.seat_changes", projection.OpCreate, nil, map[string]any{"session_id": sid, "version": 3}), t0, fakeLookup{})
	if len(ch.Plans) != 1 || ch.Plans[0].Key != SessionKey(KindAvailability, sid) || ch.Plans[0].Mode != Coalesce {
		t.Errorf("seat change: %+v, want an availability recount", ch)
	}
}

func TestPlanChangeSessions(t *testing.T) {
	ctx := context.Background()
	sid := uuid.New()
	row := map[string]any{"id": sid, "event_id": uuid.New(), "status": "SCHEDULED",
		"start_time": "2026-06-03T12:00:00Z", "end_time": "2026-06-03T15:00:00Z",
		"sales_start_time": "2026-06-01T14:00:00.123456Z", "sales_end_time": "2026-06-03T12:00:00Z", "updated_at": "2026-06-01T11:00:00.000001Z"}
	ch, err := PlanChange(ctx, change("catalog.sessions", projection.OpCreate, nil, row), t0, fakeLookup{})
	m := byKind(ch.Plans)
	if err != nil || !m[KindOpen].DueAt.Equal(time.Date(2026, 6, 1, 14, 0, 0, 123456000, time.UTC)) || m[KindOpen].Version != time.Date(2026, 6, 1, 11, 0, 0, 1000, time.UTC).UnixMicro() {
		t.Errorf("session: %+v %v", ch, err)
	}
	ch, _ = PlanChange(ctx, change("catalog.sessions", projection.OpDelete, map[string]any{"id": sid, "event_id": uuid.New()}, nil), t0, fakeLookup{})
	if len(ch.Drops) != 1 || len(ch.Drops[0].Keys) != 4 {
		t.Errorf("deleted session: %+v, want its jobs dropped", ch)
	}
	row["status"] = "ON_SALE"
	if ch, _ := PlanChange(ctx, change("catalog.sessions", projection.OpUpdate, nil, row), t0, fakeLookup{}); byKind(ch.Plans)[KindAvailability].Key == "" {
		t.Errorf("on sale: %+v, want an availability recount", ch)
	}
	row["start_time"] = "yesterday"
	if _, err := PlanChange(ctx, change("catalog.sessions", projection.OpUpdate, nil, row), t0, fakeLookup{}); !errors.Is(err, projection.ErrPoison) {
		t.Errorf("bad time: %v, want poison", err)
	}
}
