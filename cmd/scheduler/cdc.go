package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticketly/ticketly/internal/kafka"
	"github.com/ticketly/ticketly/internal/postgres"
	"github.com/ticketly/ticketly/internal/projection"
	"github.com/ticketly/ticketly/internal/scheduling"
)

// planner plans jobs from the CDC topics (consumer group jobs.Group). A new group starts at
// the end of the topics: history is never replayed into mails (the sweep plans what came
// before). Offsets are committed only once the jobs a batch planned are stored.
type planner struct {
	cluster kafka.Cluster
	group   string
	jobs    *postgres.SchedulingJobs
	lookup  scheduling.Lookup
	clock   scheduling.Clock
	runner  *scheduling.Runner
	poll    time.Duration
	log     *slog.Logger
	// scope limits the jobs planned (tests; nil plans all), start is where a new group
	// starts (zero: the end of the topics).
	scope *scheduling.Scope
	start time.Time
}

// Run consumes until ctx ends, restarting the consumer after a failure.
func (p *planner) Run(ctx context.Context) {
	backoff := time.Second
	for ctx.Err() == nil {
		err := p.runOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		p.log.Error("CDC planner restarting", "err", err, "backoff", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

func (p *planner) runOnce(ctx context.Context) error {
	reset := kgo.NewOffset().AtEnd()
	if !p.start.IsZero() {
		reset = kgo.NewOffset().AfterMilli(p.start.UnixMilli())
	}
	p.log.Info("CDC planner started", "group", p.group, "topics", scheduling.Topics())
	g := kafka.GroupConsumer{Cluster: p.cluster, Group: p.group, Topics: scheduling.Topics(), Reset: reset,
		RebalanceTimeout: 30 * time.Second, MaxPoll: 1000, Log: p.log,
		// One availability check per batch of a busy session's seat changes, not per order.
		Coalesce: 250 * time.Millisecond,
		// A topic that does not exist yet (no refund was ever made) is no reason to stop.
		FetchError: func(topic string, partition int32, err error) error {
			p.log.Warn("CDC fetch", "topic", topic, "partition", partition, "err", err)
			return nil
		}}
	return g.Consume(ctx, func(ctx context.Context, _ *kgo.Client, recs []*kgo.Record) error {
		return p.apply(ctx, recs)
	})
}

// apply plans the jobs of a batch in record order: plans accumulate, and a record that
// drops jobs first flushes what came before it.
func (p *planner) apply(ctx context.Context, recs []*kgo.Record) error {
	now := p.clock.Now()
	var plans []scheduling.Plan
	var follows []scheduling.Follow
	var names []scheduling.EventName
	seen := map[string]bool{} // coalescing keys already planned in this batch
	wake := false
	flush := func(drops []scheduling.Drop) error {
		err := p.jobs.Apply(ctx, plans, drops)
		plans = plans[:0]
		clear(seen)
		return err
	}
	for _, r := range recs {
		c, ok, err := projection.Decode(r.Value)
		if err != nil {
			p.log.Error("CDC record skipped: not a change", "topic", r.Topic, "offset", r.Offset, "err", err)
			continue
		}
		if !ok {
			continue
		}
		ch, err := scheduling.PlanChange(ctx, c, now, p.lookup)
		if errors.Is(err, projection.ErrPoison) {
			p.log.Error("CDC record skipped", "topic", r.Topic, "offset", r.Offset, "err", err)
			continue
		}
		if err != nil {
			return err
		}
		for _, n := range ch.Notes {
			p.log.Warn(n)
		}
		ch = p.inScope(ch)
		if len(ch.Drops) > 0 {
			if err := flush(ch.Drops); err != nil {
				return err
			}
		}
		for _, pl := range ch.Plans {
			if pl.Mode == scheduling.Coalesce || pl.Mode == scheduling.Once {
				if seen[pl.Key] {
					continue
				}
				seen[pl.Key] = true
			}
			if pl.State == scheduling.Pending && !pl.DueAt.After(now.Add(p.poll)) {
				wake = true
			}
			plans = append(plans, pl)
		}
		follows = append(follows, ch.Follows...)
		names = append(names, ch.Names...)
	}
	if err := flush(nil); err != nil {
		return err
	}
	if err := p.jobs.Follow(ctx, follows); err != nil {
		return err
	}
	if err := p.jobs.RememberEvents(ctx, names); err != nil {
		return err
	}
	if wake {
		p.runner.Wake()
	}
	return nil
}

// inScope keeps the plans and drops of jobs in the planner's scope.
func (p *planner) inScope(ch scheduling.Changes) scheduling.Changes {
	if p.scope == nil {
		return ch
	}
	plans := ch.Plans[:0]
	for _, pl := range ch.Plans {
		if p.scope.Covers(pl.Key, pl.Payload) {
			plans = append(plans, pl)
		}
	}
	drops := ch.Drops[:0]
	for _, d := range ch.Drops {
		if len(d.Keys) > 0 && p.scope.Covers(d.Keys[0], nil) {
			drops = append(drops, d)
		}
	}
	ch.Plans, ch.Drops, ch.Follows = plans, drops, nil
	return ch
}
