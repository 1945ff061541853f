package readmodel_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ticketly/ticketly/internal/projection"
	"github.com/ticketly/ticketly/internal/readmodel"
)

var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	t   *testing.T
	v   *readmodel.View
	lsn int64
}

func (f *fixture) change(topic, table string, row map[string]any) {
	f.t.Helper()
	f.lsn++
	b, _ := json.Marshal(map[string]any{"op": "c", "after": row, "source": map[string]any{"table": table, "lsn": f.lsn, "ts_ms": 1}})
	c, ok, err := projection.Decode(b)
	if err != nil || !ok {
		f.t.Fatal(err)
	}
	if err := f.v.Apply(topic, c); err != nil {
		f.t.Fatal(err)
	}
}

func venue(name string, lat, lng float64) string {
	b, _ := json.Marshal(map[string]any{"name": name, "address": "x", "latitude": lat, "longitude": lng})
	return string(b)
}

// event adds an event with one tier and one session per start offset (days from now).
func (f *fixture) event(id, title, status, category string, price int64, ven string, days ...int) {
	f.change(projection.TopicEventAggregate, "events", map[string]any{"id": id, "organization_id": "o1", "category_id": category,
		"title": title, "description": "", "overview": "", "cover_images": "[]", "status": status,
		"created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"})
	f.change(projection.TopicEventAggregate, "tiers", map[string]any{"id": id + "-t", "event_id": id, "name": "Std", "price_minor": price, "currency": "EUR"})
	for i, d := range days {
		start := now.AddDate(0, 0, d)
		f.change(projection.TopicEventAggregate, "sessions", map[string]any{"id": id + "-s" + string(rune('0'+i)), "event_id": id,
			"start_time": start.Format(time.RFC3339), "end_time": start.Add(3 * time.Hour).Format(time.RFC3339),
			"sales_start_time": now.AddDate(0, 0, -1).Format(time.RFC3339), "sales_end_time": start.Format(time.RFC3339),
			"session_type": "PHYSICAL", "venue": ven, "online_link": "https://secret.example/stream", "status": "ON_SALE",
			"layout": `{"blocks":[{"id":"b","name":"B","type":"seated_grid","rows":[{"label":"A","seats":[{"id":"x1","label":"A1","tier_id":"t"},{"id":"x2","label":"A2","tier_id":"t"}]}]},{"id":"ga","name":"GA","type":"standing","capacity":50,"tier_id":"t"}],"blocked_seat_ids":["x2"]}`})
	}
}

func setup(t *testing.T) *readmodel.View {
	f := &fixture{t: t, v: readmodel.New(func() time.Time { return now })}
	f.change(projection.TopicOrganizations, "organizations", map[string]any{"id": "o1", "name": "Acme Live"})
	f.change(projection.TopicCategories, "categories", map[string]any{"id": "music", "name": "Music"})
	f.change(projection.TopicCategories, "categories", map[string]any{"id": "jazz", "name": "Jazz", "parent_id": "music"})
	f.change(projection.TopicCategories, "categories", map[string]any{"id": "sport", "name": "Sport"})
	london, paris := venue("Blue Hall London", 51.5072, -0.1276), venue("Salle Paris", 48.8566, 2.3522)
	f.event("e-jazz", "Late Jazz", "APPROVED", "jazz", 2500, london, 10, 3)
	f.event("e-rock", "Rock Festival", "APPROVED", "music", 9000, paris, 5)
	f.event("e-foot", "Cup Final", "APPROVED", "sport", 4000, london, 20)
	f.event("e-draft", "Secret Jazz", "PENDING", "jazz", 100, london, 1)
	f.event("e-past", "Old Jazz", "APPROVED", "jazz", 100, london, -3)
	return f.v
}

func ids(p readmodel.Page) []string {
	var out []string
	for _, s := range p.Items {
		out = append(out, s.ID)
	}
	return out
}

func TestListingFiltersAndOrder(t *testing.T) {
	v := setup(t)
	i := func(n int64) *int64 { return &n }
	cases := []struct {
		name string
		f    readmodel.Filter
		want []string
	}{
		{"all visible, next session first, past last", readmodel.Filter{}, []string{"e-jazz", "e-rock", "e-foot", "e-past"}},
		{"text, any case, all words", readmodel.Filter{Query: "JAZZ late"}, []string{"e-jazz"}},
		{"text matches organization and venue", readmodel.Filter{Query: "acme paris"}, []string{"e-rock"}},
		{"category includes children", readmodel.Filter{CategoryID: "music"}, []string{"e-jazz", "e-rock", "e-past"}},
		{"child category only", readmodel.Filter{CategoryID: "jazz"}, []string{"e-jazz", "e-past"}},
		{"price range", readmodel.Filter{PriceMin: i(3000), PriceMax: i(5000)}, []string{"e-foot"}},
		{"date window", readmodel.Filter{From: now.AddDate(0, 0, 4), To: now.AddDate(0, 0, 11)}, []string{"e-jazz", "e-rock"}},
		{"near London", readmodel.Filter{Near: &readmodel.GeoCircle{Lat: 51.50, Lng: -0.12, RadiusKm: 10}}, []string{"e-jazz", "e-foot", "e-past"}},
		{"near London and soon: same session", readmodel.Filter{Near: &readmodel.GeoCircle{Lat: 51.5, Lng: -0.12, RadiusKm: 10},
			From: now, To: now.AddDate(0, 0, 15)}, []string{"e-jazz"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.f.Page, c.f.PageSize = 1, 20
			p := v.Events(c.f)
			if got := ids(p); len(got) != len(c.want) || p.Total != len(c.want) {
				t.Fatalf("got %v (total %d), want %v", got, p.Total, c.want)
			} else {
				for k := range got {
					if got[k] != c.want[k] {
						t.Fatalf("got %v, want %v", got, c.want)
					}
				}
			}
		})
	}
	p := v.Events(readmodel.Filter{Page: 2, PageSize: 3})
	if p.Total != 4 || len(p.Items) != 1 || p.Items[0].ID != "e-past" || p.Items[0].NextSession != nil {
		t.Fatalf("page 2: %+v", p)
	}
	first := v.Events(readmodel.Filter{Page: 1, PageSize: 1}).Items[0]
	if first.OrganizationName != "Acme Live" || first.CategoryName != "Jazz" || first.StartingPriceMinor != 2500 ||
		first.Currency != "EUR" || first.NextSession.VenueName != "Blue Hall London" || first.NextSession.ID != "e-jazz-s1" {
		t.Fatalf("summary %+v", first)
	}
}

func TestDetailSessionAndSeats(t *testing.T) {
	v := setup(t)
	if _, ok := v.EventDetail("e-draft"); ok {
		t.Fatal("a pending event is visible")
	}
	e, ok := v.EventDetail("e-jazz")
	if !ok || e.Organization.Name != "Acme Live" || e.Category.Name != "Jazz" || e.Category.Parent.Name != "Music" || len(e.Sessions) != 2 {
		t.Fatalf("detail %+v", e)
	}
	b, _ := json.Marshal(e)
	if strings.Contains(string(b), "secret.example") {
		t.Fatal("online link leaked into the public document")
	}
	m, ok := v.Seats("e-jazz-s0")
	if !ok || len(m.Seats) != 2 || m.Seats[0].Status != "AVAILABLE" || m.Seats[1].Status != "BLOCKED" ||
		m.Seats[1].Row != "A" || len(m.Standing) != 1 || m.Standing[0].Available != 50 {
		t.Fatalf("seats %+v", m)
	}
	if _, ok := v.Seats("e-draft-s0"); ok {
		t.Fatal("seat map of a pending event is visible")
	}
	s, ok := v.Session("e-jazz-s0")
	if !ok || s.EventTitle != "Late Jazz" || s.SeatCount != 2 || s.StandingCapacity != 50 || len(s.Blocks) != 2 {
		t.Fatalf("session %+v", s)
	}
}

// An empty list is [] on the wire, never null (openapi.yaml promises arrays), also for a
// document loaded from MongoDB whose lists were stored as null.
func TestEmptyListsStayArrays(t *testing.T) {
	v := readmodel.New(func() time.Time { return now })
	v.PutOrg(&projection.OrgDoc{ID: "o1", Exists: true, Name: "Acme Live"})
	v.PutEvent(&projection.EventDoc{ID: "e1", Exists: true, OrganizationID: "o1", Title: "Bare", Status: "APPROVED",
		Sessions: []projection.Session{{ID: "s1", StartTime: "2026-06-01T19:00:00Z", EndTime: "2026-06-01T22:00:00Z",
			SessionType: "ONLINE", Status: "ON_SALE"}},
		Discounts: []projection.Discount{{ID: "d1", Code: "ALL", Kind: "PERCENTAGE", Public: true}}})
	e, ok := v.EventDetail("e1")
	s, ok2 := v.Session("s1")
	m, ok3 := v.Seats("s1")
	if !ok || !ok2 || !ok3 {
		t.Fatal("event, session or seat map not served")
	}
	for name, x := range map[string]any{"event": e, "session": s, "seats": m} {
		b, _ := json.Marshal(x)
		for _, field := range []string{"cover_images", "tiers", "sessions", "discounts", "tier_ids", "session_ids", "blocks", "seats", "standing"} {
			if strings.Contains(string(b), `"`+field+`":null`) {
				t.Errorf("%s document: %s is null: %s", name, field, b)
			}
		}
	}
}

func TestDistance(t *testing.T) {
	if d := readmodel.DistanceKm(51.5072, -0.1276, 48.8566, 2.3522); d < 340 || d > 345 {
		t.Fatalf("London-Paris %.1f km", d)
	}
}

func (f *fixture) trending(op, event string, score float64) {
	f.t.Helper()
	f.lsn++
	row := map[string]any{"event_id": event, "score": score, "tickets_sold": 1, "capacity": 10, "sell_through": 0.1,
		"updated_at": "2026-05-01T10:00:00Z"}
	env := map[string]any{"op": op, "after": row, "source": map[string]any{"table": "trending", "lsn": f.lsn, "ts_ms": 1}}
	if op == "d" {
		env["after"], env["before"] = nil, row
	}
	b, _ := json.Marshal(env)
	c, ok, err := projection.Decode(b)
	if err != nil || !ok {
		f.t.Fatal(err)
	}
	if err := f.v.Apply(projection.TopicTrending, c); err != nil {
		f.t.Fatal(err)
	}
}

func TestTrendingListsVisibleEventsByScore(t *testing.T) {
	f := &fixture{t: t, v: setup(t), lsn: 1000}
	f.trending("c", "e-rock", 3)
	f.trending("c", "e-foot", 9)
	f.trending("c", "e-jazz", 3)    // ties with e-rock: by id
	f.trending("c", "e-draft", 100) // not approved
	f.trending("c", "unknown", 50)  // no such event
	p := f.v.Trending(1, 20)
	var got []string
	for _, it := range p.Items {
		got = append(got, it.ID)
	}
	if strings.Join(got, ",") != "e-foot,e-jazz,e-rock" || p.Total != 3 || p.Items[0].Score != 9 ||
		p.Items[0].Title != "Cup Final" || p.Items[0].OrganizationName != "Acme Live" || p.Items[0].NextSession == nil {
		t.Fatalf("trending %+v", p)
	}
	if p := f.v.Trending(2, 2); p.Total != 3 || len(p.Items) != 1 || p.Items[0].ID != "e-rock" {
		t.Fatalf("page 2 %+v", p)
	}
	f.trending("u", "e-rock", 20)
	f.trending("d", "e-foot", 9)
	if p := f.v.Trending(1, 20); p.Total != 2 || p.Items[0].ID != "e-rock" || p.Items[0].Score != 20 || p.Items[1].ID != "e-jazz" {
		t.Fatalf("after update and delete %+v", p)
	}
}

func TestSessionStatusChangesAreTold(t *testing.T) {
	v := setup(t)
	type told struct {
		session, status string
		version         int64
	}
	var got []told
	v.OnSessionStatus(func(s, st string, ver int64) { got = append(got, told{s, st, ver}) })
	f := &fixture{t: t, v: v, lsn: 1000}
	f.change(projection.TopicSeatChanges, "seat_changes", map[string]any{"session_id": "e-rock-s0", "version": 1,
		"status": "LOCKED", "seat_ids": []string{"x1"}})
	f.event("e-rock", "Rock Festival", "APPROVED", "music", 9000, venue("Salle Paris", 48.8566, 2.3522), 5) // nothing changes status
	if len(got) != 0 {
		t.Fatalf("told %v without a status change", got)
	}
	start := now.AddDate(0, 0, 5)
	f.change(projection.TopicEventAggregate, "sessions", map[string]any{"id": "e-rock-s0", "event_id": "e-rock",
		"start_time": start.Format(time.RFC3339), "end_time": start.Add(3 * time.Hour).Format(time.RFC3339),
		"sales_start_time": now.Format(time.RFC3339), "sales_end_time": start.Format(time.RFC3339),
		"session_type": "PHYSICAL", "status": "SOLD_OUT", "layout": `{"blocks":[]}`})
	if len(got) != 1 || got[0] != (told{"e-rock-s0", "SOLD_OUT", 1}) {
		t.Fatalf("told %v", got)
	}
	var snap readmodel.SeatSnapshot
	if !v.WithSeatSnapshot("e-rock-s0", func(s readmodel.SeatSnapshot) { snap = s }) || snap.Status != "SOLD_OUT" || snap.Version != 1 {
		t.Fatalf("snapshot %+v", snap)
	}
}
