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
	drv "go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/ticketly/ticketly/internal/kafka"
	"github.com/ticketly/ticketly/internal/mongo"
	"github.com/ticketly/ticketly/internal/projection"
	"github.com/ticketly/ticketly/internal/svctest"
)

// bench is an isolated projector setting: a topic of its own (one partition, so record order
// is the order produced), its dead-letter topic, a consumer group and a database.
type bench struct {
	id    string
	topic string
	group string
	cl    *kgo.Client
	adm   *kadm.Client
	db    *drv.Database
}

func newBench(t *testing.T, ctx context.Context, name string) *bench {
	t.Helper()
	svctest.RequireStack(t, svctest.Kafka, svctest.Documents)
	id := strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	b := &bench{id: id, topic: "test." + name + "." + id, group: "test-" + name + "-" + id}
	cl, err := kafka.NewClient(cluster)
	if err != nil {
		t.Fatal(err)
	}
	b.cl, b.adm = cl, kadm.NewClient(cl)
	t.Cleanup(cl.Close)
	if err := kafka.EnsureTopics(ctx, b.adm, 1, b.topic); err != nil {
		t.Fatalf("create topic: %v (is the stack up? make run)", err)
	}
	t.Cleanup(func() {
		_, _ = b.adm.DeleteTopics(context.Background(), b.topic, kafka.DeadLetterTopic(b.topic))
		_, _ = b.adm.DeleteGroup(context.Background(), b.group)
	})
	mc, err := mongo.Connect("mongodb://127.0.0.1:27017/")
	if err != nil {
		t.Fatal(err)
	}
	b.db = mc.Database("test_" + name + "_" + id)
	t.Cleanup(func() { _ = b.db.Drop(context.Background()); _ = mc.Disconnect(context.Background()) })
	return b
}

func (b *bench) produce(t *testing.T, ctx context.Context, values ...[]byte) {
	t.Helper()
	recs := make([]*kgo.Record, len(values))
	for i, v := range values {
		recs[i] = &kgo.Record{Topic: b.topic, Key: []byte("k"), Value: v}
	}
	if err := b.cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// waitCommitted waits until the group has committed every record of the topic. A document
// is visible as soon as it is written, a moment before its batch's offsets are committed:
// stopping the projector in between would leave the batch to be replayed (harmless, and not
// what these tests are about).
func (b *bench) waitCommitted(t *testing.T, ctx context.Context) {
	t.Helper()
	waitFor(t, ctx, "offsets committed", func() bool {
		lag, err := kafka.GroupLag(ctx, b.adm, b.group, b.topic)
		return err == nil && lag == 0
	})
}

// run starts the projector and returns a function that stops it and waits for it.
func run[D any](t *testing.T, ctx context.Context, p *kafka.Projector[D]) (stop func()) {
	t.Helper()
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(pctx) }()
	var once bool
	stop = func() {
		if once {
			return
		}
		once = true
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// deadLetters reads n records of the dead-letter topic, each with its headers.
func (b *bench) deadLetters(t *testing.T, ctx context.Context, n int) []map[string]string {
	t.Helper()
	dl, err := kafka.NewClient(cluster, kgo.ConsumeTopics(kafka.DeadLetterTopic(b.topic)), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer dl.Close()
	var out []map[string]string
	for len(out) < n {
		fs := dl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("dead letters: %d of %d", len(out), n)
		}
		fs.EachRecord(func(r *kgo.Record) {
			h := map[string]string{"value": string(r.Value)}
			for _, x := range r.Headers {
				h[x.Key] = string(x.Value)
			}
			out = append(out, h)
		})
	}
	return out
}

func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if ctx.Err() != nil {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// member is an organization_members change as Debezium sends it.
func memberChange(op string, lsn int64, org, user string, roles ...string) []byte {
	row := map[string]any{"organization_id": org, "user_id": user, "roles": roles}
	if op != "d" {
		return envelope("organization_members", op, lsn, row)
	}
	b, _ := json.Marshal(map[string]any{"op": op, "before": row, "after": nil,
		"source": map[string]any{"schema": "catalog", "table": "organization_members", "lsn": lsn, "ts_ms": time.Now().UnixMilli()}})
	return b
}

// Member ids a document store refuses as field names (the records an audit left in a
// long-lived stack's topic) are members like any other: the organization projector applies
// them, and everything after them, without a restart, and the document authorizes as
// PostgreSQL says.
func TestOrganizationProjectorTakesAnyMemberID(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b := newBench(t, ctx, "orgpoison")
	org, admin := uuid.NewString(), uuid.NewString()
	b.produce(t, ctx,
		envelope("organizations", "c", 10, map[string]any{"id": org, "name": "Acme", "owner_id": "owner"}),
		memberChange("c", 11, org, "a.b", "ADMIN"),
		memberChange("c", 12, org, "$where", "SCANNER"),
		memberChange("c", 13, org, admin, "ADMIN"),
		envelope("organizations", "u", 14, map[string]any{"id": org, "name": "Acme Live", "owner_id": "owner"}),
		memberChange("d", 15, org, "a.b", "ADMIN"),
	)
	model := projection.Organizations
	model.Topic, model.Group = b.topic, b.group
	store := mongo.NewDocStore[projection.OrgDoc](b.db, "organizations")
	m := kafka.NewProjectorMetrics()
	stop := run(t, ctx, &kafka.Projector[projection.OrgDoc]{Model: model, Store: store, Cluster: cluster,
		Log: slog.New(slog.DiscardHandler), Metrics: m})
	var doc *projection.OrgDoc
	waitFor(t, ctx, "the organization document", func() bool {
		docs, err := store.Get(ctx, []string{org})
		doc = docs[org]
		return err == nil && doc != nil && doc.Name == "Acme Live" && len(doc.Removed) == 1
	})
	if !doc.CanManage(admin) || doc.CanManage("a.b") || doc.CanManage("$where") || len(doc.Members) != 2 {
		t.Fatalf("organization document %+v", doc)
	}
	b.waitCommitted(t, ctx)
	stop()
	if n := testutil.ToFloat64(m.Restarts.WithLabelValues("organizations")); n != 0 {
		t.Fatalf("projector restarted %v times", n)
	}
	if n := testutil.ToFloat64(m.DeadLetters.WithLabelValues("organizations")); n != 0 {
		t.Fatalf("%v records dead-lettered", n)
	}
}

// Row ids that cannot be part of a field name are poison in every model keyed by them
// (event children, seat ids): dead-lettered with the reason, the records behind them apply.
func TestProjectorDeadLettersIDsThatCannotBeKeys(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b := newBench(t, ctx, "idpoison")
	ev := uuid.NewString()
	row := func(title string) map[string]any {
		return map[string]any{"id": ev, "organization_id": "o", "title": title, "status": "APPROVED", "cover_images": "[]"}
	}
	b.produce(t, ctx,
		envelope("events", "c", 10, row("A1")),
		envelope("tiers", "c", 11, map[string]any{"id": "a.b", "event_id": ev, "name": "Dotted", "price_minor": 100, "currency": "EUR"}),
		envelope("tiers", "c", 12, map[string]any{"id": uuid.NewString(), "event_id": ev, "name": "Fine", "price_minor": 100, "currency": "EUR"}),
		envelope("events", "u", 13, row("A2")),
	)
	model := projection.Events
	model.Topic, model.Group = b.topic, b.group
	store := mongo.NewEventStore(b.db, "events")
	m := kafka.NewProjectorMetrics()
	stop := run(t, ctx, &kafka.Projector[projection.EventDoc]{Model: model, Store: store, Cluster: cluster,
		Log: slog.New(slog.DiscardHandler), Metrics: m})
	var doc *projection.EventDoc
	waitFor(t, ctx, "the event document", func() bool {
		docs, err := store.Get(ctx, []string{ev})
		doc = docs[ev]
		return err == nil && doc != nil && doc.Title == "A2"
	})
	if len(doc.Tiers) != 1 || doc.Tiers[0].Name != "Fine" || doc.Revision != 3 {
		t.Fatalf("event document %+v", doc)
	}
	dead := b.deadLetters(t, ctx, 1)
	if !strings.Contains(dead[0]["dlq.error"], `"a.b"`) || dead[0]["dlq.offset"] != "1" || !strings.Contains(dead[0]["value"], "Dotted") {
		t.Fatalf("dead letter %v", dead[0])
	}
	stop()
	if n := testutil.ToFloat64(m.Restarts.WithLabelValues("events")); n != 0 {
		t.Fatalf("projector restarted %v times", n)
	}
}

// tagDoc keys a map by data, as no read model may: the store refuses some of its
// documents, which is what this test needs.
type tagDoc struct {
	ID   string           `json:"id"`
	Tags map[string]int64 `json:"tags"`
}

func tagModel(b *bench) projection.Model[tagDoc] {
	return projection.Model[tagDoc]{Name: "tags", Topic: b.topic, Group: b.group, Collection: "tags",
		Key: projection.RowID,
		New: func(id string) *tagDoc { return &tagDoc{ID: id, Tags: map[string]int64{}} },
		Apply: func(d *tagDoc, c projection.Change) (bool, error) {
			var r struct {
				Tag string `json:"tag"`
			}
			if err := json.Unmarshal(c.Row(), &r); err != nil {
				return false, projection.ErrPoison
			}
			if c.LSN <= d.Tags[r.Tag] {
				return false, nil
			}
			d.Tags[r.Tag] = c.LSN
			return true, nil
		}}
}

func tagChange(lsn int64, id, tag string) []byte {
	return envelope("tags", "c", lsn, map[string]any{"id": id, "tag": tag})
}

// tagRecords: document x gets a tag the store refuses between two good ones, in the same
// poll; y is fine. Applied one by one, x must keep exactly its good tags.
func tagRecords(x, y string) [][]byte {
	return [][]byte{tagChange(10, x, "red"), tagChange(11, x, "a.b"), tagChange(12, y, "blue"), tagChange(13, x, "green"),
		tagChange(14, x, "$set")}
}

func wantTags(t *testing.T, got *tagDoc, want map[string]int64) {
	t.Helper()
	if got == nil || len(got.Tags) != len(want) {
		t.Fatalf("tags %+v, want %v", got, want)
	}
	for k, v := range want {
		if got.Tags[k] != v {
			t.Fatalf("tags %v, want %v", got.Tags, want)
		}
	}
}

// A change that makes its document one the real store refuses (a field name with a dot or a
// leading '$') is dead-lettered with the store's reason; the other changes of the same
// document in the same poll, and of the other documents, are stored; nothing restarts and
// the offsets are committed.
func TestProjectorDeadLettersChangesTheStoreRefuses(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b := newBench(t, ctx, "refused")
	x, y := uuid.NewString(), uuid.NewString()
	b.produce(t, ctx, tagRecords(x, y)...)
	store := mongo.NewDocStore[tagDoc](b.db, "tags")
	m := kafka.NewProjectorMetrics()
	stop := run(t, ctx, &kafka.Projector[tagDoc]{Model: tagModel(b), Store: store, Cluster: cluster,
		Log: slog.New(slog.DiscardHandler), Metrics: m, LagInterval: 100 * time.Millisecond})
	waitFor(t, ctx, "two dead letters", func() bool { return testutil.ToFloat64(m.DeadLetters.WithLabelValues("tags")) == 2 })
	docs, err := store.Get(ctx, []string{x, y})
	if err != nil {
		t.Fatal(err)
	}
	wantTags(t, docs[x], map[string]int64{"red": 10, "green": 13})
	wantTags(t, docs[y], map[string]int64{"blue": 12})
	dead := b.deadLetters(t, ctx, 2)
	for i, offset := range []string{"1", "4"} {
		if dead[i]["dlq.offset"] != offset || !strings.Contains(dead[i]["dlq.error"], "refused by the store") || dead[i]["dlq.model"] != "tags" {
			t.Fatalf("dead letter %d: %v", i, dead[i])
		}
	}
	waitFor(t, ctx, "the lag gauge at 0", func() bool { return testutil.ToFloat64(m.Lag.WithLabelValues("tags")) == 0 })
	if n := testutil.ToFloat64(m.Applied.WithLabelValues("tags")); n != 3 {
		t.Fatalf("%v changes counted as applied, want 3", n)
	}
	// A later change of x applies on top of what was stored.
	b.produce(t, ctx, tagChange(20, x, "blue"))
	waitFor(t, ctx, "the later change", func() bool {
		docs, err := store.Get(ctx, []string{x})
		return err == nil && docs[x] != nil && docs[x].Tags["blue"] == 20
	})
	b.waitCommitted(t, ctx)
	stop()
	if n := testutil.ToFloat64(m.Restarts.WithLabelValues("tags")); n != 0 {
		t.Fatalf("projector restarted %v times", n)
	}
}

// A rebuild over a topic holding changes the store refuses completes, leaves exactly those
// changes out, and moves the group to the end.
func TestRebuildSkipsChangesTheStoreRefuses(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	b := newBench(t, ctx, "rebuildrefused")
	x, y := uuid.NewString(), uuid.NewString()
	b.produce(t, ctx, tagRecords(x, y)...)
	b.produce(t, ctx, []byte("{not json")) // poison met first by the live projector
	store := mongo.NewDocStore[tagDoc](b.db, "tags")
	// Something stale in the store, which the rebuild must clear.
	if err := store.Put(ctx, map[string]*tagDoc{"stale": {ID: "stale", Tags: map[string]int64{}}}); err != nil {
		t.Fatal(err)
	}
	if lag, err := kafka.GroupLag(ctx, b.adm, b.group, b.topic); err != nil || lag != 6 {
		t.Fatalf("lag before the rebuild %d (%v), want 6", lag, err)
	}
	p := &kafka.Projector[tagDoc]{Model: tagModel(b), Store: store, Cluster: cluster, Log: slog.New(slog.DiscardHandler),
		Metrics: kafka.NewProjectorMetrics()}
	n, err := p.Rebuild(ctx, store.Clear)
	if err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	if n != 6 {
		t.Fatalf("rebuild read %d records, want 6", n)
	}
	var all []*tagDoc
	if err := store.All(ctx, func(_ string, d *tagDoc) error { all = append(all, d); return nil }); err != nil {
		t.Fatal(err)
	}
	docs, err := store.Get(ctx, []string{x, y})
	if err != nil || len(all) != 2 {
		t.Fatalf("documents after the rebuild: %d (%v)", len(all), err)
	}
	wantTags(t, docs[x], map[string]int64{"red": 10, "green": 13})
	wantTags(t, docs[y], map[string]int64{"blue": 12})
	if lag, err := kafka.GroupLag(ctx, b.adm, b.group, b.topic); err != nil || lag != 0 {
		t.Fatalf("lag after the rebuild %d (%v)", lag, err)
	}
}

// The organization model's rebuild over the audit's records gives the document the live
// projector gives.
func TestOrganizationRebuildTakesAnyMemberID(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b := newBench(t, ctx, "orgrebuild")
	org, admin := uuid.NewString(), uuid.NewString()
	b.produce(t, ctx,
		envelope("organizations", "c", 10, map[string]any{"id": org, "name": "Acme", "owner_id": "owner"}),
		memberChange("c", 11, org, "a.b", "ADMIN"),
		memberChange("c", 12, org, admin, "ADMIN"),
		memberChange("c", 13, org, "$x", "SCANNER"),
	)
	model := projection.Organizations
	model.Topic, model.Group = b.topic, b.group
	store := mongo.NewDocStore[projection.OrgDoc](b.db, "organizations")
	p := &kafka.Projector[projection.OrgDoc]{Model: model, Store: store, Cluster: cluster, Log: slog.New(slog.DiscardHandler),
		Metrics: kafka.NewProjectorMetrics()}
	if _, err := p.Rebuild(ctx, store.Clear); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	docs, err := store.Get(ctx, []string{org})
	if err != nil || docs[org] == nil {
		t.Fatalf("rebuilt document: %v", err)
	}
	if d := docs[org]; !d.CanManage(admin) || !d.CanManage("a.b") || d.CanManage("$x") || len(d.Members) != 3 {
		t.Fatalf("rebuilt document %+v", d)
	}
}
