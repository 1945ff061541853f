package kafka

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Rebuild recreates the read model from the earliest offset of its topic: clear empties the
// store, every record up to the end offsets that stood at the start is applied with the
// same code the live projector uses, and the model's consumer group is then moved to those
// end offsets so the live projector carries on from there. The group must have no active
// member (stop the projectors first); Kafka refuses the commit otherwise. Records that are
// poison were dead-lettered when first seen and are only counted here.
func (p *Projector[D]) Rebuild(ctx context.Context, clear func(context.Context) error) (records int, err error) {
	admCl, err := NewClient(p.Brokers)
	if err != nil {
		return 0, err
	}
	defer admCl.Close()
	adm := kadm.NewClient(admCl)
	ends, err := adm.ListEndOffsets(ctx, p.Model.Topic)
	if err != nil {
		return 0, fmt.Errorf("list end offsets: %w", err)
	}
	if err := ends.Error(); err != nil {
		return 0, fmt.Errorf("list end offsets of %s: %w", p.Model.Topic, err)
	}
	starts := map[string]map[int32]kgo.Offset{p.Model.Topic: {}}
	remaining := map[int32]int64{}
	commit := kadm.Offsets{}
	ends.Each(func(lo kadm.ListedOffset) {
		starts[lo.Topic][lo.Partition] = kgo.NewOffset().AtStart()
		if lo.Offset > 0 {
			remaining[lo.Partition] = lo.Offset
		}
		commit.AddOffset(lo.Topic, lo.Partition, lo.Offset, -1)
	})
	if err := clear(ctx); err != nil {
		return 0, err
	}
	cl, err := NewClient(p.Brokers, kgo.ConsumePartitions(starts))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	for len(remaining) > 0 {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return records, err
		}
		var fetchErr error
		fetches.EachError(func(t string, part int32, err error) {
			fetchErr = errors.Join(fetchErr, fmt.Errorf("%s[%d]: %w", t, part, err))
		})
		if fetchErr != nil {
			return records, fetchErr
		}
		var batch []*kgo.Record
		fetches.EachRecord(func(r *kgo.Record) {
			end, ok := remaining[r.Partition]
			if !ok || r.Offset >= end {
				return
			}
			batch = append(batch, r)
			if r.Offset+1 >= end {
				delete(remaining, r.Partition)
			}
		})
		if err := p.apply(ctx, nil, batch); err != nil {
			return records, err
		}
		records += len(batch)
	}
	resp, err := adm.CommitOffsets(ctx, p.Model.Group, commit)
	if err != nil {
		return records, fmt.Errorf("move group %s to the rebuilt offsets: %w", p.Model.Group, err)
	}
	if err := resp.Error(); err != nil {
		return records, fmt.Errorf("move group %s to the rebuilt offsets (is a projector still running?): %w", p.Model.Group, err)
	}
	return records, nil
}
