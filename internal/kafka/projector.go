package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticketly/ticketly/internal/projection"
)

// Store keeps the documents of one read model.
type Store[D any] interface {
	Get(ctx context.Context, ids []string) (map[string]*D, error)
	Put(ctx context.Context, docs map[string]*D) error
}

// ProjectorMetrics are shared by every projector of a process.
type ProjectorMetrics struct {
	Applied     *prometheus.CounterVec
	Replayed    *prometheus.CounterVec
	DeadLetters *prometheus.CounterVec
	Freshness   *prometheus.HistogramVec
	Restarts    *prometheus.CounterVec
	Lag         *prometheus.GaugeVec
}

// NewProjectorMetrics creates the projector metrics; register them with the service registry.
func NewProjectorMetrics() *ProjectorMetrics {
	return &ProjectorMetrics{
		Applied: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketly_projector_changes_applied_total",
			Help: "Row changes applied to read-model documents."}, []string{"model"}),
		Replayed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketly_projector_changes_replayed_total",
			Help: "Row changes skipped because the document already had them (redelivery, replay)."}, []string{"model"}),
		DeadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketly_projector_dead_letters_total",
			Help: "Records that can never be applied, sent to the model's dead-letter topic."}, []string{"model"}),
		Freshness: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ticketly_projector_freshness_seconds",
			Help:    "Time from the database commit to the read-model write of a change.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}, []string{"model"}),
		Restarts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketly_projector_restarts_total",
			Help: "Projector consumer restarts after an error."}, []string{"model"}),
		Lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ticketly_projector_lag_records",
			Help: "Records of the model's topic behind its consumer group's committed offsets (sum over partitions), sampled periodically."},
			[]string{"model"}),
	}
}

// Collectors lists the metrics for registration.
func (m *ProjectorMetrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.Applied, m.Replayed, m.DeadLetters, m.Freshness, m.Restarts, m.Lag}
}

// DeadLetterTopic is where the poison records of topic go.
func DeadLetterTopic(topic string) string { return topic + ".dlq" }

// Projector keeps one read model up to date from its topic, as a member of the model's
// permanent consumer group. Each poll is applied and written before its offsets are
// committed (at-least-once; the LSN guards make redelivery a no-op), and rebalances wait
// until a batch is written, so a document has one writer at a time.
type Projector[D any] struct {
	Model   projection.Model[D]
	Store   Store[D]
	Cluster Cluster
	Log     *slog.Logger
	Metrics *ProjectorMetrics
	// MaxBatchWrite bounds how long one batch may keep retrying a failing store before the
	// consumer leaves the group and starts over (must stay below the rebalance timeout).
	MaxBatchWrite time.Duration
	// StartAtEnd makes a group without committed offsets start at the end of its topic
	// instead of the beginning (isolated test projectors next to a long-lived stack).
	StartAtEnd bool
	// LagInterval is how often the group's lag is measured for Metrics.Lag (default 15 s).
	LagInterval time.Duration

	positioned atomic.Bool
}

// Positioned reports (readiness) whether the projector knows where it starts: always, but
// for a new group with StartAtEnd, only once that end has been committed for the group.
func (p *Projector[D]) Positioned() error {
	if p.positioned.Load() {
		return nil
	}
	return fmt.Errorf("projector %s not yet positioned", p.Model.Name)
}

// commitEndIfNew gives a group that has committed nothing the current end offsets, so
// "start at the end" means the end as of now, not as of a later first fetch.
func (p *Projector[D]) commitEndIfNew(ctx context.Context) error {
	cl, err := NewClient(p.Cluster)
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if err := EnsureTopics(ctx, adm, 0, p.Model.Topic); err != nil {
		return err
	}
	committed, err := adm.FetchOffsets(ctx, p.Model.Group)
	if err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
		return fmt.Errorf("fetch offsets of %s: %w", p.Model.Group, err)
	}
	if _, ok := committed[p.Model.Topic]; ok {
		return nil
	}
	ends, err := adm.ListEndOffsets(ctx, p.Model.Topic)
	if err != nil {
		return fmt.Errorf("list end offsets: %w", err)
	}
	commit := kadm.Offsets{}
	ends.Each(func(lo kadm.ListedOffset) { commit.AddOffset(lo.Topic, lo.Partition, lo.Offset, -1) })
	resp, err := adm.CommitOffsets(ctx, p.Model.Group, commit)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		return fmt.Errorf("commit start offsets of %s: %w", p.Model.Group, err)
	}
	return nil
}

func startOffset(atEnd bool) kgo.Offset {
	if atEnd {
		return kgo.NewOffset().AtEnd()
	}
	return kgo.NewOffset().AtStart()
}

// Run consumes until ctx is cancelled. Errors restart the consumer (from the committed
// offsets) after a backoff; Run itself only returns on cancellation.
func (p *Projector[D]) Run(ctx context.Context) error {
	lagDone := make(chan struct{})
	go func() { defer close(lagDone); p.reportLag(ctx) }()
	defer func() { <-lagDone }()
	backoff := 200 * time.Millisecond
	for {
		err := p.runOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		p.Metrics.Restarts.WithLabelValues(p.Model.Name).Inc()
		p.Log.Error("projector restarting", "model", p.Model.Name, "err", err, "backoff", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

func (p *Projector[D]) runOnce(ctx context.Context) error {
	if p.StartAtEnd && !p.positioned.Load() {
		if err := p.commitEndIfNew(ctx); err != nil {
			return err
		}
	}
	p.positioned.Store(true)
	p.Log.Info("projector started", "model", p.Model.Name, "group", p.Model.Group, "topic", p.Model.Topic)
	g := GroupConsumer{Cluster: p.Cluster, Group: p.Model.Group, Topics: []string{p.Model.Topic},
		Reset: startOffset(p.StartAtEnd), RebalanceTimeout: 45 * time.Second, MaxPoll: 2000, Coalesce: projectorCoalesce,
		Opts: []kgo.Opt{kgo.AllowAutoTopicCreation()}, Log: p.Log}
	return g.Consume(ctx, func(ctx context.Context, cl *kgo.Client, recs []*kgo.Record) error {
		wctx, cancel := context.WithTimeout(ctx, p.maxBatchWrite())
		defer cancel()
		return p.apply(wctx, cl, recs)
	})
}

// projectorCoalesce batches the document store's writes under load. The replicas' views
// (REST and SSE) follow Kafka themselves and do not wait for it; only a replica's start-up
// snapshot and a rebuild read the store.
const projectorCoalesce = time.Second

func (p *Projector[D]) maxBatchWrite() time.Duration {
	if p.MaxBatchWrite > 0 {
		return p.MaxBatchWrite
	}
	return 20 * time.Second
}

type keyed struct {
	rec *kgo.Record
	ch  projection.Change
}

// apply decodes, groups by document, applies and writes one batch. A record that can never
// be applied goes to the dead-letter topic: one that cannot be decoded or applied, and one
// whose document the store refuses to hold (see isolate). Transient failures are retried
// until ctx ends.
func (p *Projector[D]) apply(ctx context.Context, cl *kgo.Client, recs []*kgo.Record) error {
	byKey := map[string][]keyed{}
	var keys []string
	for _, r := range recs {
		ch, key, ok, err := p.Model.Route(r.Value)
		if err != nil {
			if err := p.deadLetter(ctx, cl, r, err); err != nil {
				return err
			}
			continue
		}
		if !ok {
			continue
		}
		if _, seen := byKey[key]; !seen {
			keys = append(keys, key)
		}
		byKey[key] = append(byKey[key], keyed{r, ch})
	}
	if len(keys) == 0 {
		return nil
	}
	var docs map[string]*D
	if err := retry(ctx, func() (err error) { docs, err = p.Store.Get(ctx, keys); return err }); err != nil {
		return err
	}
	changed := map[string]*D{}
	applied := map[string][]keyed{}
	for _, key := range keys {
		for _, k := range byKey[key] {
			ok, err := p.Model.Step(docs, key, k.ch)
			if err != nil {
				if err := p.deadLetter(ctx, cl, k.rec, err); err != nil {
					return err
				}
				continue
			}
			if ok {
				changed[key] = docs[key]
				applied[key] = append(applied[key], k)
			} else {
				p.Metrics.Replayed.WithLabelValues(p.Model.Name).Inc()
			}
		}
	}
	refused, err := p.put(ctx, changed)
	if err != nil {
		return err
	}
	for _, key := range keys {
		if _, ok := refused[key]; !ok {
			continue
		}
		p.Log.Warn("document refused by the store, writing its changes one at a time", "model", p.Model.Name,
			"id", key, "reason", refused[key])
		isolated := map[string]*D{}
		if applied[key], err = p.isolate(ctx, isolated, key, byKey[key], func(k keyed, reason string) error {
			return p.deadLetter(ctx, cl, k.rec, fmt.Errorf("%w: document %s %s", projection.ErrPoison, key, reason))
		}); err != nil {
			return err
		}
	}
	now := time.Now()
	for _, ks := range applied {
		for _, k := range ks {
			p.Metrics.Applied.WithLabelValues(p.Model.Name).Inc()
			if k.ch.TsMs > 0 && k.ch.Op != projection.OpRead {
				p.Metrics.Freshness.WithLabelValues(p.Model.Name).Observe(now.Sub(k.ch.Committed()).Seconds())
			}
		}
	}
	return nil
}

// rejection is what a Store's Put returns when it refused documents for their content
// (every other document stored): document id -> reason. Writing them again cannot help.
type rejection interface{ Rejected() map[string]string }

// put writes docs, retrying transient failures until ctx ends, and returns the documents
// the store refused for their content, with the reasons.
func (p *Projector[D]) put(ctx context.Context, docs map[string]*D) (refused map[string]string, err error) {
	if len(docs) == 0 {
		return nil, nil
	}
	err = retry(ctx, func() error {
		err := p.Store.Put(ctx, docs)
		var rej rejection
		if errors.As(err, &rej) {
			refused = rej.Rejected()
			return nil
		}
		return err
	})
	return refused, err
}

// load returns the stored document id, or a new one.
func (p *Projector[D]) load(ctx context.Context, id string) (*D, error) {
	var docs map[string]*D
	if err := retry(ctx, func() (err error) { docs, err = p.Store.Get(ctx, []string{id}); return err }); err != nil {
		return nil, err
	}
	if d := docs[id]; d != nil {
		return d, nil
	}
	return p.Model.New(id), nil
}

// isolate applies the changes of a document the store refused one at a time, writing after
// each, so that exactly the changes the store refuses are left out (refuse is told of each)
// and every other one is stored. docs[id] is the document to start from (loaded from the
// store when absent) and holds the last stored version on return. It returns the changes
// stored.
func (p *Projector[D]) isolate(ctx context.Context, docs map[string]*D, id string, changes []keyed,
	refuse func(k keyed, reason string) error) (stored []keyed, err error) {
	if docs[id] == nil {
		if docs[id], err = p.load(ctx, id); err != nil {
			return nil, err
		}
	}
	for _, k := range changes {
		if ok, err := p.Model.Step(docs, id, k.ch); err != nil || !ok {
			continue // poison (handled where first met) or already in the stored version
		}
		refused, err := p.put(ctx, map[string]*D{id: docs[id]})
		if err != nil {
			return stored, err
		}
		reason, ok := refused[id]
		if !ok {
			stored = append(stored, k)
			continue
		}
		if err := refuse(k, reason); err != nil {
			return stored, err
		}
		// Back to the last stored version: the refused change must leave no trace.
		if docs[id], err = p.load(ctx, id); err != nil {
			return stored, err
		}
	}
	return stored, nil
}

// deadLetter sends a poison record to the model's dead-letter topic with the reason and its
// origin in headers. Only a failure to produce it is an error (the batch is then retried).
func (p *Projector[D]) deadLetter(ctx context.Context, cl *kgo.Client, r *kgo.Record, reason error) error {
	if !errors.Is(reason, projection.ErrPoison) {
		return reason
	}
	p.Log.Warn("dead-lettering record", "model", p.Model.Name, "topic", r.Topic, "partition", r.Partition,
		"offset", r.Offset, "err", reason)
	dl := &kgo.Record{Topic: DeadLetterTopic(r.Topic), Key: r.Key, Value: r.Value, Headers: append(r.Headers,
		kgo.RecordHeader{Key: "dlq.error", Value: []byte(reason.Error())},
		kgo.RecordHeader{Key: "dlq.topic", Value: []byte(r.Topic)},
		kgo.RecordHeader{Key: "dlq.partition", Value: []byte(strconv.Itoa(int(r.Partition)))},
		kgo.RecordHeader{Key: "dlq.offset", Value: []byte(strconv.FormatInt(r.Offset, 10))},
		kgo.RecordHeader{Key: "dlq.model", Value: []byte(p.Model.Name)},
	)}
	if err := cl.ProduceSync(ctx, dl).FirstErr(); err != nil {
		return fmt.Errorf("produce dead letter: %w", err)
	}
	p.Metrics.DeadLetters.WithLabelValues(p.Model.Name).Inc()
	return nil
}

// reportLag measures the consumer group's lag every LagInterval until ctx ends: records
// between the committed offsets (the log start where nothing is committed) and the end
// offsets of the topic. It reads the committed state, so it also shows a projector that
// is stuck, restarting, or not running at all.
func (p *Projector[D]) reportLag(ctx context.Context) {
	every := p.LagInterval
	if every <= 0 {
		every = 15 * time.Second
	}
	cl, err := NewClient(p.Cluster)
	if err != nil {
		p.Log.Warn("projector lag not measured", "model", p.Model.Name, "err", err)
		return
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		mctx, cancel := context.WithTimeout(ctx, every)
		lag, err := GroupLag(mctx, adm, p.Model.Group, p.Model.Topic)
		cancel()
		if err == nil {
			p.Metrics.Lag.WithLabelValues(p.Model.Name).Set(float64(lag))
		} else if ctx.Err() == nil {
			p.Log.Debug("measure projector lag", "model", p.Model.Name, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// GroupLag returns how many records of topic group has not committed yet.
func GroupLag(ctx context.Context, adm *kadm.Client, group, topic string) (int64, error) {
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("list end offsets of %s: %w", topic, err)
	}
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("list start offsets of %s: %w", topic, err)
	}
	committed, err := adm.FetchOffsets(ctx, group)
	if err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
		return 0, fmt.Errorf("fetch offsets of %s: %w", group, err)
	}
	var lag int64
	ends.Each(func(end kadm.ListedOffset) {
		from := int64(0)
		if start, ok := starts.Lookup(topic, end.Partition); ok {
			from = start.Offset
		}
		if c, ok := committed.Lookup(topic, end.Partition); ok && c.Err == nil && c.At >= 0 {
			from = max(from, c.At)
		}
		lag += max(0, end.Offset-from)
	})
	return lag, nil
}

// retry runs fn until it succeeds or ctx ends, backing off between attempts.
func retry(ctx context.Context, fn func() error) error {
	wait := 50 * time.Millisecond
	for {
		err := fn()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (gave up: %v)", err, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(wait*2, 2*time.Second)
	}
}
