package kafka_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticketly/ticketly/internal/kafka"
	"github.com/ticketly/ticketly/internal/mongo"
	"github.com/ticketly/ticketly/internal/projection"
	"github.com/ticketly/ticketly/internal/svctest"
)

var cluster = kafka.Local("127.0.0.1:9092")

func envelope(table, op string, lsn int64, row map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"op": op, "before": nil, "after": row,
		"source": map[string]any{"schema": "catalog", "table": table, "lsn": lsn, "ts_ms": time.Now().UnixMilli()}})
	return b
}

// A poison record goes to the dead-letter topic with its origin, is counted, and does not
// block the records behind it in its partition; offsets are committed after the writes.
func TestProjectorDeadLettersPoisonAndKeepsGoing(t *testing.T) {
	svctest.RequireStack(t, svctest.Kafka, svctest.Documents)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	id := strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	topic := "test.projector." + id
	cl, err := kafka.NewClient(cluster)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if err := kafka.EnsureTopics(ctx, adm, 3, topic); err != nil {
		t.Fatalf("create topic: %v (is the stack up? make run)", err)
	}
	t.Cleanup(func() { _, _ = adm.DeleteTopics(context.Background(), topic, kafka.DeadLetterTopic(topic)) })

	a, b := uuid.NewString(), uuid.NewString()
	key := func(ev string) []byte { return []byte(`{"event_id":"` + ev + `"}`) }
	ev := func(evID, title string) map[string]any {
		return map[string]any{"id": evID, "organization_id": "o", "title": title, "status": "APPROVED", "cover_images": "[]"}
	}
	recs := []*kgo.Record{
		{Key: key(a), Value: envelope("events", "c", 10, ev(a, "A1"))},
		{Key: key(b), Value: envelope("events", "c", 11, ev(b, "B1"))},
		{Key: key(a), Value: []byte("{not json")},
		{Key: key(a), Value: envelope("tiers", "c", 12, map[string]any{"id": "t", "event_id": a, "price_minor": "free"})},
		{Key: key(a), Value: envelope("events", "u", 13, ev(a, "A2"))},
		{Key: key(b), Value: envelope("events", "u", 14, ev(b, "B2"))},
	}
	for _, r := range recs {
		r.Topic = topic
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}

	mc, err := mongo.Connect("mongodb://127.0.0.1:27017/")
	if err != nil {
		t.Fatal(err)
	}
	db := mc.Database("test_kafka_" + id)
	t.Cleanup(func() { _ = db.Drop(context.Background()); _ = mc.Disconnect(context.Background()) })
	store := mongo.NewDocStore[projection.EventDoc](db, "events")
	model := projection.Events
	model.Topic, model.Group = topic, "test-group-"+id
	metrics := kafka.NewProjectorMetrics()
	p := &kafka.Projector[projection.EventDoc]{Model: model, Store: store, Cluster: cluster,
		Log: slog.New(slog.DiscardHandler), Metrics: metrics}
	pctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(pctx) }()

	for {
		docs, err := store.Get(ctx, []string{a, b})
		if err == nil && docs[a] != nil && docs[b] != nil && docs[a].Title == "A2" && docs[b].Title == "B2" {
			if docs[a].Revision != 2 || len(docs[a].Tiers) != 0 {
				t.Fatalf("document A %+v", docs[a])
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("documents not projected: %v %v", docs, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := testutil.ToFloat64(metrics.DeadLetters.WithLabelValues("events")); n != 2 {
		t.Fatalf("dead letters counted %v, want 2", n)
	}
	// The dead-letter topic holds both records with their origin.
	dl, err := kafka.NewClient(cluster, kgo.ConsumeTopics(kafka.DeadLetterTopic(topic)), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer dl.Close()
	var dead []*kgo.Record
	for len(dead) < 2 {
		fs := dl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("dead letters: %d", len(dead))
		}
		dead = append(dead, fs.Records()...)
	}
	for _, r := range dead {
		hdr := map[string]string{}
		for _, h := range r.Headers {
			hdr[h.Key] = string(h.Value)
		}
		if hdr["dlq.topic"] != topic || hdr["dlq.error"] == "" || hdr["dlq.offset"] == "" || string(r.Key) != string(key(a)) {
			t.Fatalf("dead letter %s headers %v", r.Value, hdr)
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	lags, err := adm.Lag(ctx, model.Group)
	if err != nil {
		t.Fatal(err)
	}
	if total := lags[model.Group].Lag.Total(); total != 0 {
		t.Fatalf("lag after the projector stopped: %d (offsets not committed)", total)
	}
	_, _ = adm.DeleteGroup(context.Background(), model.Group)
}

// oversizeStore is a stand-in around the real store: it refuses one document as too large,
// as MongoDB refuses documents over 16 MiB.
type oversizeStore struct {
	*mongo.DocStore[projection.EventDoc]
	refuse string
}

func (s oversizeStore) Put(ctx context.Context, docs map[string]*projection.EventDoc) error {
	if _, ok := docs[s.refuse]; ok {
		rest := map[string]*projection.EventDoc{}
		for id, d := range docs {
			if id != s.refuse {
				rest[id] = d
			}
		}
		if err := s.DocStore.Put(ctx, rest); err != nil {
			return err
		}
		return &mongo.RejectedError{Reasons: map[string]string{s.refuse: "over the document size limit"}}
	}
	return s.DocStore.Put(ctx, docs)
}

// A document the store can never hold does not block its partition: its changes are
// dead-lettered and the changes behind them are applied.
func TestProjectorDeadLettersDocumentsTooLargeToStore(t *testing.T) {
	svctest.RequireStack(t, svctest.Kafka, svctest.Documents)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	id := strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	topic := "test.oversize." + id
	cl, err := kafka.NewClient(cluster)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if err := kafka.EnsureTopics(ctx, adm, 1, topic); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = adm.DeleteTopics(context.Background(), topic, kafka.DeadLetterTopic(topic)) })
	big, small := uuid.NewString(), uuid.NewString()
	ev := func(evID, title string) map[string]any {
		return map[string]any{"id": evID, "organization_id": "o", "title": title, "status": "APPROVED", "cover_images": "[]"}
	}
	var recs []*kgo.Record
	for i, e := range []struct{ id, title string }{{big, "huge"}, {small, "fine"}} {
		recs = append(recs, &kgo.Record{Topic: topic, Key: []byte(e.id), Value: envelope("events", "c", int64(10+i), ev(e.id, e.title))})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	mc, err := mongo.Connect("mongodb://127.0.0.1:27017/")
	if err != nil {
		t.Fatal(err)
	}
	db := mc.Database("test_oversize_" + id)
	t.Cleanup(func() { _ = db.Drop(context.Background()); _ = mc.Disconnect(context.Background()) })
	store := mongo.NewDocStore[projection.EventDoc](db, "events")
	model := projection.Events
	model.Topic, model.Group = topic, "test-oversize-"+id
	m := kafka.NewProjectorMetrics()
	p := &kafka.Projector[projection.EventDoc]{Model: model, Store: oversizeStore{store, big}, Cluster: cluster,
		Log: slog.New(slog.DiscardHandler), Metrics: m}
	pctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(pctx) }()
	for {
		docs, err := store.Get(ctx, []string{big, small})
		if err == nil && docs[small] != nil {
			if docs[big] != nil {
				t.Fatalf("the oversized document was stored: %+v", docs[big])
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the document behind the oversized one was never written")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for testutil.ToFloat64(m.DeadLetters.WithLabelValues("events")) != 1 {
		if ctx.Err() != nil {
			t.Fatalf("dead letters %v, want 1", testutil.ToFloat64(m.DeadLetters.WithLabelValues("events")))
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	_, _ = adm.DeleteGroup(context.Background(), model.Group)
}
