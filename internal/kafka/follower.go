package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticketly/ticketly/internal/projection"
)

// Feed is a topic a follower reads, and the projector group whose committed offsets say
// how far the document store already reflects it. A feed without a group is live only: it
// starts at the end (notifications that are not kept in any document).
type Feed struct {
	Topic string
	Group string
}

// Follower keeps one replica's in-memory view current: it starts each partition at the
// offset the projector group has committed (everything before it is in the documents the
// view was loaded from), reads without a consumer group (every replica sees every change)
// and hands each change to Apply. It is caught up once it has read up to the end offsets
// that stood when it started.
type Follower struct {
	Cluster    Cluster
	Feeds      []Feed
	Partitions int32 // partitions of topics the follower has to create
	Log        *slog.Logger
	// Load fills the view from the document store; it runs after the start offsets are
	// read and before the first change is applied.
	Load  func(ctx context.Context) error
	Apply func(topic string, c projection.Change) error
	// StartAtEnd: where a group has committed nothing, start at the end instead of the
	// beginning (as the projectors do with the same setting).
	StartAtEnd bool

	caughtUp atomic.Bool
	mu       sync.Mutex
	lastErr  error
}

// CaughtUp reports whether the view has reached the end offsets seen at start (readiness).
func (f *Follower) CaughtUp() error {
	if f.caughtUp.Load() {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lastErr != nil {
		return fmt.Errorf("read model not loaded: %w", f.lastErr)
	}
	return errors.New("read model still catching up")
}

// Run bootstraps and follows until ctx ends, retrying the bootstrap while Kafka or the
// document store are unreachable.
func (f *Follower) Run(ctx context.Context) error {
	wait := 200 * time.Millisecond
	for {
		err := f.run(ctx)
		if ctx.Err() != nil {
			return nil
		}
		f.mu.Lock()
		f.lastErr = err
		f.mu.Unlock()
		f.caughtUp.Store(false)
		f.Log.Warn("read-model follower restarting", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(wait*2, 5*time.Second)
	}
}

func (f *Follower) run(ctx context.Context) error {
	runStart := time.Now()
	admCl, err := NewClient(f.Cluster)
	if err != nil {
		return err
	}
	defer admCl.Close()
	adm := kadm.NewClient(admCl)
	topics := make([]string, len(f.Feeds))
	for i, fd := range f.Feeds {
		topics[i] = fd.Topic
	}
	if err := EnsureTopics(ctx, adm, f.Partitions, topics...); err != nil {
		return err
	}
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return fmt.Errorf("list end offsets: %w", err)
	}
	starts := map[string]map[int32]kgo.Offset{}
	remaining := map[string]map[int32]int64{} // partition -> end offset still to reach
	for _, fd := range f.Feeds {
		if fd.Group == "" {
			starts[fd.Topic] = map[int32]kgo.Offset{}
			ends.Each(func(lo kadm.ListedOffset) {
				if lo.Topic == fd.Topic {
					starts[fd.Topic][lo.Partition] = kgo.NewOffset().At(lo.Offset)
				}
			})
			continue
		}
		committed, err := adm.FetchOffsets(ctx, fd.Group)
		if err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
			return fmt.Errorf("fetch offsets of %s: %w", fd.Group, err)
		}
		starts[fd.Topic] = map[int32]kgo.Offset{}
		remaining[fd.Topic] = map[int32]int64{}
		ends.Each(func(lo kadm.ListedOffset) {
			if lo.Topic != fd.Topic {
				return
			}
			start, from := kgo.NewOffset().AtStart(), int64(0)
			if f.StartAtEnd {
				start, from = kgo.NewOffset().At(lo.Offset), lo.Offset
			}
			if o, ok := committed.Lookup(fd.Topic, lo.Partition); ok && o.Err == nil && o.At >= 0 {
				start, from = kgo.NewOffset().At(o.At), o.At
			}
			starts[fd.Topic][lo.Partition] = start
			if lo.Offset > from {
				remaining[fd.Topic][lo.Partition] = lo.Offset
			}
		})
	}
	loadStart := time.Now()
	if err := f.Load(ctx); err != nil {
		return fmt.Errorf("load read model: %w", err)
	}
	f.Log.Info("read model loaded", "seconds", time.Since(loadStart).Seconds(), "offsets_seconds", loadStart.Sub(runStart).Seconds())
	cl, err := NewClient(f.Cluster, kgo.ConsumePartitions(starts))
	if err != nil {
		return err
	}
	defer cl.Close()
	f.markIfCaughtUp(remaining)
	for {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var fetchErr error
		fetches.EachError(func(t string, p int32, err error) {
			fetchErr = errors.Join(fetchErr, fmt.Errorf("%s[%d]: %w", t, p, err))
		})
		if fetchErr != nil {
			return fetchErr
		}
		fetches.EachRecord(func(r *kgo.Record) {
			if c, ok, err := projection.Decode(r.Value); err == nil && ok {
				if err := f.Apply(r.Topic, c); err != nil {
					f.Log.Debug("change not applied to view", "topic", r.Topic, "offset", r.Offset, "err", err)
				}
			}
			if end, ok := remaining[r.Topic][r.Partition]; ok && r.Offset+1 >= end {
				delete(remaining[r.Topic], r.Partition)
			}
		})
		f.markIfCaughtUp(remaining)
	}
}

func (f *Follower) markIfCaughtUp(remaining map[string]map[int32]int64) {
	if f.caughtUp.Load() {
		return
	}
	for _, parts := range remaining {
		if len(parts) > 0 {
			return
		}
	}
	f.caughtUp.Store(true)
	f.mu.Lock()
	f.lastErr = nil
	f.mu.Unlock()
	f.Log.Info("read model caught up")
}

// EnsureTopics creates the topics that do not exist yet, with partitions partitions.
func EnsureTopics(ctx context.Context, adm *kadm.Client, partitions int32, topics ...string) error {
	if partitions <= 0 {
		partitions = 3
	}
	resp, err := adm.CreateTopics(ctx, partitions, -1, nil, topics...)
	if err != nil {
		return fmt.Errorf("create topics: %w", err)
	}
	for _, r := range resp.Sorted() {
		if r.Err != nil && !errors.Is(r.Err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("create topic %s: %w", r.Topic, r.Err)
		}
	}
	return nil
}
