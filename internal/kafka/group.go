package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// GroupConsumer reads topics as a member of a permanent consumer group, one batch at a
// time: a batch is handled, its offsets are committed, and only then may the group
// rebalance, so a batch is never handled by two members. The read-model projectors and the
// scheduler's CDC planner both consume this way.
type GroupConsumer struct {
	Cluster Cluster
	Group   string
	Topics  []string
	// Reset is where a new group starts.
	Reset kgo.Offset
	// RebalanceTimeout bounds how long the group waits for a member to finish its batch.
	RebalanceTimeout time.Duration
	// MaxPoll is the most records in one batch.
	MaxPoll int
	// Coalesce, when set, lets the broker hold a fetch up to this long while less than a
	// MiB is waiting, so a busy topic arrives in fewer, larger batches: a flash sale's
	// changes to one session's seat map are written once per batch instead of once per
	// order. It adds up to Coalesce to the consumer's latency.
	Coalesce time.Duration
	// Opts are further client options (e.g. kgo.AllowAutoTopicCreation()).
	Opts []kgo.Opt
	Log  *slog.Logger
	// FetchError decides about an error fetching a partition: nil skips it, an error ends
	// Consume with it. Without FetchError every fetch error ends Consume.
	FetchError func(topic string, partition int32, err error) error
}

// Consume joins the group and hands each batch to handle until ctx ends (nil) or handling,
// fetching or committing fails (the error: the caller restarts from the committed offsets).
// What handle has done is committed even while ctx is being cancelled: a clean stop leaves
// nothing applied to be replayed.
func (g GroupConsumer) Consume(ctx context.Context, handle func(ctx context.Context, cl *kgo.Client, recs []*kgo.Record) error) error {
	opts := append([]kgo.Opt{
		kgo.ConsumerGroup(g.Group),
		kgo.ConsumeTopics(g.Topics...),
		kgo.ConsumeResetOffset(g.Reset),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		// A member that died is replaced within seconds, not the default 45.
		kgo.SessionTimeout(10 * time.Second),
		kgo.RebalanceTimeout(g.RebalanceTimeout),
	}, g.Opts...)
	if g.Coalesce > 0 {
		opts = append(opts, kgo.FetchMinBytes(1<<20), kgo.FetchMaxWait(g.Coalesce))
	}
	cl, err := NewClient(g.Cluster, opts...)
	if err != nil {
		return err
	}
	// Leave the group on the way out, letting a pending rebalance through first. Leaving
	// can wait for a join that waits for a dead member to time out: bound it, the group
	// times us out just the same.
	defer func() {
		done := make(chan struct{})
		go func() { cl.CloseAllowingRebalance(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			g.Log.Warn("consumer left without a clean group exit", "group", g.Group)
		}
	}()
	for {
		fetches := cl.PollRecords(ctx, g.MaxPoll)
		if ctx.Err() != nil || fetches.IsClientClosed() {
			return ctx.Err()
		}
		var fetchErr error
		fetches.EachError(func(t string, part int32, err error) {
			if g.FetchError != nil {
				err = g.FetchError(t, part, err)
			}
			if err != nil {
				fetchErr = errors.Join(fetchErr, fmt.Errorf("fetch %s[%d]: %w", t, part, err))
			}
		})
		if fetchErr != nil {
			return fetchErr
		}
		if recs := fetches.Records(); len(recs) > 0 {
			if err := handle(ctx, cl, recs); err != nil {
				return err
			}
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			err := cl.CommitRecords(cctx, recs...)
			cancel()
			if err != nil {
				return fmt.Errorf("commit offsets: %w", err)
			}
		}
		cl.AllowRebalance()
	}
}
