package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticketly/ticketly/internal/kafka"
	"github.com/ticketly/ticketly/internal/projection"
	"github.com/ticketly/ticketly/internal/svctest"
)

// schedulerDB connects as the scheduler, the owner of scheduling.trending.
func schedulerDB(t *testing.T) *pgx.Conn {
	t.Helper()
	db, err := pgx.Connect(context.Background(), "postgres://ticketly_scheduler:ticketly_scheduler@127.0.0.1:5432/ticketly")
	if err != nil {
		t.Fatalf("connect as ticketly_scheduler: %v", err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	return db
}

func setTrending(t *testing.T, db *pgx.Conn, event string, score float64) {
	t.Helper()
	if _, err := db.Exec(context.Background(), `INSERT INTO scheduling.trending (event_id, score, tickets_sold, capacity, sell_through)
		VALUES ($1, $2, 4, 40, 0.1) ON CONFLICT (event_id) DO UPDATE SET score = EXCLUDED.score, updated_at = now()`, event, score); err != nil {
		t.Fatalf("trending row of %s: %v", event, err)
	}
}

func deleteTrending(t *testing.T, db *pgx.Conn, event string) {
	t.Helper()
	if _, err := db.Exec(context.Background(), `DELETE FROM scheduling.trending WHERE event_id = $1`, event); err != nil {
		t.Errorf("delete trending row of %s: %v", event, err)
	}
}

// Debezium captures scheduling.trending: an insert and a delete of a row reach the topic,
// keyed by event id, the delete with the row before it.
func TestTrendingTopicCarriesRows(t *testing.T) {
	svctest.RequireStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cluster := kafka.Local("127.0.0.1:9092")
	admCl, err := kafka.NewClient(cluster)
	if err != nil {
		t.Fatal(err)
	}
	defer admCl.Close()
	ends, err := kadm.NewClient(admCl).ListEndOffsets(ctx, projection.TopicTrending)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		t.Fatalf("topic %s: %v", projection.TopicTrending, err)
	}
	from := map[string]map[int32]kgo.Offset{projection.TopicTrending: {}}
	ends.Each(func(lo kadm.ListedOffset) { from[lo.Topic][lo.Partition] = kgo.NewOffset().At(lo.Offset) })
	cl, err := kafka.NewClient(cluster, kgo.ConsumePartitions(from))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()

	db := schedulerDB(t)
	event := uuid.NewString()
	t.Cleanup(func() { deleteTrending(t, db, event) })
	setTrending(t, db, event, 12.5)
	deleteTrending(t, db, event)

	var ops []projection.Op
	for len(ops) < 2 {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("changes of %s on %s: got %v before the deadline", event, projection.TopicTrending, ops)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			c, id, ok, err := projection.Trending.Route(r.Value)
			if err != nil || !ok || id != event {
				return
			}
			var key struct {
				EventID string `json:"event_id"`
			}
			if err := json.Unmarshal(r.Key, &key); err != nil || key.EventID != event {
				t.Errorf("record key %s, want the event id", r.Key)
			}
			doc := projection.Trending.New(id)
			if applied, err := projection.Trending.Apply(doc, c); err != nil || !applied || (c.Op != projection.OpDelete && doc.Score != 12.5) {
				t.Errorf("change %+v: applied=%v err=%v doc=%+v", c, applied, err, doc)
			}
			ops = append(ops, c.Op)
		})
	}
	if ops[0] != projection.OpCreate || ops[1] != projection.OpDelete {
		t.Fatalf("ops %v, want an insert then a delete", ops)
	}
}

type trendingPage struct {
	Items []struct {
		ID          string
		Title       string
		Score       float64
		NextSession *struct{ ID string } `json:"next_session"`
	}
	Page     int `json:"page"`
	PageSize int `json:"page_size"`
	Total    int `json:"total"`
}

// GET /api/v1/events/trending lists approved events with a score, highest first, and
// follows the scheduler's rows as they change and go.
func TestTrendingEndToEnd(t *testing.T) {
	command := svctest.StartBinary(t, svctest.Build(t, "./cmd/event-command"), nil)
	command.WaitReady(t, 60*time.Second)
	cmd := apiClient{t, command.URL}
	query := svctest.Start(t, run, isolated())
	waitReady(t, query.URL)
	q := apiClient{t, query.URL}

	a := publish(t, cmd, "E2E Trending A "+uuid.NewString()[:8], -time.Hour)
	b := publish(t, cmd, "E2E Trending B "+uuid.NewString()[:8], -time.Hour)
	cmd.must("admin", "POST", "/api/v1/events/"+a.event+"/approve", nil, nil)
	cmd.must("admin", "POST", "/api/v1/events/"+b.event+"/approve", nil, nil)
	for _, id := range []string{a.event, b.event} {
		eventually(t, 10*time.Second, "approved event served", func() error {
			if code, _ := q.do("", "GET", "/api/v1/events/"+id, nil); code != http.StatusOK {
				return fmt.Errorf("GET event %d", code)
			}
			return nil
		})
	}
	db := schedulerDB(t)
	unknown := uuid.NewString()
	for _, id := range []string{a.event, b.event, unknown} {
		t.Cleanup(func() { deleteTrending(t, db, id) })
	}
	// Scores far above any other test's, so these events lead the listing. The stack's
	// scheduler rewrites the table every minute and deletes rows of events without sales,
	// such as these: each poll writes them again (the same upsert), so a sweep between
	// polls cannot fail the test.
	const base = 1e9
	stored := map[string]float64{a.event: base + 5, b.event: base + 3, unknown: base + 100}
	keep := func() {
		for id, score := range stored {
			setTrending(t, db, id, score)
		}
	}
	keep()

	// order returns the listed position of each of ids (-1: not listed) and their scores.
	order := func(ids ...string) ([]int, []float64, error) {
		var p trendingPage
		code, body := q.do("", "GET", "/api/v1/events/trending?page_size=100", nil)
		if code != http.StatusOK || json.Unmarshal(body, &p) != nil {
			return nil, nil, fmt.Errorf("trending: %d %s", code, body)
		}
		pos, scores := make([]int, len(ids)), make([]float64, len(ids))
		for i, id := range ids {
			pos[i] = -1
			for j, it := range p.Items {
				if it.ID == id {
					pos[i], scores[i] = j, it.Score
				}
			}
		}
		for j := 1; j < len(p.Items); j++ {
			if p.Items[j].Score > p.Items[j-1].Score {
				return nil, nil, fmt.Errorf("not by score: %+v", p.Items)
			}
		}
		return pos, scores, nil
	}
	eventually(t, 15*time.Second, "both events trending, A first, the unknown event not listed", func() error {
		keep()
		pos, scores, err := order(a.event, b.event, unknown)
		if err != nil {
			return err
		}
		if pos[0] < 0 || pos[1] < 0 || pos[0] > pos[1] || scores[0] != base+5 || scores[1] != base+3 || pos[2] != -1 {
			return fmt.Errorf("positions %v scores %v", pos, scores)
		}
		return nil
	})
	var first trendingPage
	q.must("", "GET", "/api/v1/events/trending?page_size=1", nil, &first)
	if len(first.Items) != 1 || first.PageSize != 1 || first.Page != 1 || first.Items[0].NextSession == nil || first.Items[0].Title == "" {
		t.Fatalf("first page %+v", first)
	}
	for _, bad := range []string{"page=0", "page_size=101", "page=x"} {
		if code, body := q.do("", "GET", "/api/v1/events/trending?"+bad, nil); code != http.StatusBadRequest {
			t.Fatalf("%s answered %d %s", bad, code, body)
		}
	}

	stored[b.event] = base + 50
	keep()
	eventually(t, 15*time.Second, "B overtakes A", func() error {
		keep()
		pos, scores, err := order(a.event, b.event)
		if err != nil {
			return err
		}
		if pos[0] < 0 || pos[1] < 0 || pos[1] > pos[0] || scores[1] != base+50 {
			return fmt.Errorf("positions %v scores %v", pos, scores)
		}
		return nil
	})

	for _, id := range []string{a.event, b.event, unknown} {
		deleteTrending(t, db, id)
	}
	eventually(t, 15*time.Second, "deleted scores gone", func() error {
		pos, _, err := order(a.event, b.event)
		if err != nil {
			return err
		}
		if pos[0] != -1 || pos[1] != -1 {
			return fmt.Errorf("still listed at %v", pos)
		}
		return nil
	})
}
