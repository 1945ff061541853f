package projection_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/ticketly/ticketly/internal/projection"
)

func trendingChange(t *testing.T, op string, lsn int64, event string, score float64) projection.Change {
	t.Helper()
	row := map[string]any{"event_id": event, "score": score, "recent_tickets": 3.5, "tickets_sold": 40, "capacity": 100,
		"sell_through": 0.4, "updated_at": "2026-05-01T10:00:00.123456Z"}
	env := map[string]any{"op": op, "after": row, "source": map[string]any{"schema": "scheduling", "table": "trending", "lsn": lsn, "ts_ms": 1}}
	if op == "d" {
		env["after"], env["before"] = nil, row
	}
	b, _ := json.Marshal(env)
	c, ok, err := projection.Decode(b)
	if err != nil || !ok {
		t.Fatal(err)
	}
	return c
}

func TestTrendingFollowsTheScoreRow(t *testing.T) {
	docs := map[string]*projection.TrendingDoc{}
	steps := []struct {
		name    string
		c       projection.Change
		applied bool
		exists  bool
		score   float64
	}{
		{"insert", trendingChange(t, "c", 10, "e1", 2.5), true, true, 2.5},
		{"update", trendingChange(t, "u", 20, "e1", 7), true, true, 7},
		{"older update replayed", trendingChange(t, "u", 15, "e1", 1), false, true, 7},
		{"same change again", trendingChange(t, "u", 20, "e1", 7), false, true, 7},
		{"delete", trendingChange(t, "d", 30, "e1", 7), true, false, 0},
		{"older insert after the delete", trendingChange(t, "c", 10, "e1", 2.5), false, false, 0},
		{"inserted again", trendingChange(t, "c", 40, "e1", 1.25), true, true, 1.25},
	}
	for _, s := range steps {
		id, err := projection.Trending.Key(s.c)
		if err != nil || id != "e1" {
			t.Fatalf("%s: key %q %v", s.name, id, err)
		}
		applied, err := projection.Trending.Step(docs, id, s.c)
		d := docs["e1"]
		if err != nil || applied != s.applied || d.Exists != s.exists || d.Score != s.score {
			t.Fatalf("%s: applied=%v err=%v doc=%+v", s.name, applied, err, d)
		}
	}
	if d := docs["e1"]; d.Version != 40 || d.TicketsSold != 40 || d.Capacity != 100 || d.SellThrough != 0.4 ||
		d.RecentTickets != 3.5 || d.UpdatedAt != "2026-05-01T10:00:00Z" || d.EventID != "e1" {
		t.Fatalf("doc %+v", d)
	}
}

func TestTrendingPoison(t *testing.T) {
	c := trendingChange(t, "c", 10, "e1", 1)
	c.Table = "jobs"
	if _, err := projection.ApplyTrending(projection.Trending.New("e1"), c); !errors.Is(err, projection.ErrPoison) {
		t.Fatalf("other table: %v", err)
	}
	b, _ := json.Marshal(map[string]any{"op": "c", "after": map[string]any{"score": 1},
		"source": map[string]any{"table": "trending", "lsn": 5}})
	if _, _, ok, err := projection.Trending.Route(b); ok || !errors.Is(err, projection.ErrPoison) {
		t.Fatalf("row without event id: %v %v", ok, err)
	}
}
