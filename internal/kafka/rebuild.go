package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Rebuild recreates the read model from the earliest offset of its topic: clear empties the
// store, every record up to the end offsets that stood at the start is applied with the
// same code the live projector uses, and the model's consumer group is then moved to those
// end offsets so the live projector carries on from there. The group must have no active
// member (stop the projectors first); Kafka refuses the commit otherwise. Records that are
// poison were dead-lettered when first seen and are skipped here, logged; so are the
// changes of a document the store refuses to hold (the document is built again change by
// change, leaving out exactly the changes the store refuses, as the live projector does).
func (p *Projector[D]) Rebuild(ctx context.Context, clear func(context.Context) error) (records int, err error) {
	admCl, err := NewClient(p.Cluster)
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
	commit := kadm.Offsets{}
	ends.Each(func(lo kadm.ListedOffset) { commit.AddOffset(lo.Topic, lo.Partition, lo.Offset, -1) })
	if err := clear(ctx); err != nil {
		return 0, err
	}
	// The store starts empty, so documents are built in memory and each is written once at
	// the end, however many changes it had.
	docs := map[string]*D{}
	records, err = p.scan(ctx, ends, func(batch []*kgo.Record) error { p.applyInMemory(docs, batch); return nil })
	if err != nil {
		return records, err
	}
	refused := map[string]string{}
	put := func(chunk map[string]*D) error {
		wctx, cancel := context.WithTimeout(ctx, p.maxBatchWrite())
		defer cancel()
		r, err := p.put(wctx, chunk)
		maps.Copy(refused, r)
		return err
	}
	chunk := map[string]*D{}
	for id, d := range docs {
		chunk[id] = d
		if len(chunk) == 50 {
			if err := put(chunk); err != nil {
				return records, err
			}
			chunk = map[string]*D{}
		}
	}
	if err := put(chunk); err != nil {
		return records, err
	}
	if len(refused) > 0 {
		p.Log.Warn("documents refused by the store, building them change by change", "model", p.Model.Name, "refused", refused)
		skipped, err := p.rebuildRefused(ctx, ends, refused)
		if err != nil {
			return records, err
		}
		p.Log.Warn("rebuild skipped records the store refuses", "model", p.Model.Name, "records", skipped)
	}
	// A projector that stopped without leaving (killed) stays a member until its session
	// times out; wait for the group to empty rather than fail.
	if err := waitGroupEmpty(ctx, adm, p.Model.Group, time.Minute); err != nil {
		return records, err
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

// scan reads the topic from its start up to ends, handing fn each polled batch in
// partition order; it returns how many records it handed over.
func (p *Projector[D]) scan(ctx context.Context, ends kadm.ListedOffsets, fn func([]*kgo.Record) error) (records int, err error) {
	starts := map[string]map[int32]kgo.Offset{p.Model.Topic: {}}
	remaining := map[int32]int64{}
	ends.Each(func(lo kadm.ListedOffset) {
		starts[lo.Topic][lo.Partition] = kgo.NewOffset().AtStart()
		if lo.Offset > 0 {
			remaining[lo.Partition] = lo.Offset
		}
	})
	cl, err := NewClient(p.Cluster, kgo.ConsumePartitions(starts))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	for len(remaining) > 0 {
		fetches := cl.PollRecords(ctx, 1000)
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
		if err := fn(batch); err != nil {
			return records, err
		}
		records += len(batch)
	}
	return records, nil
}

// rebuildRefused builds the documents the store refused again from the start of the topic,
// writing after every change (see isolate): the changes the store refuses are left out and
// logged. It returns how many were.
func (p *Projector[D]) rebuildRefused(ctx context.Context, ends kadm.ListedOffsets, refused map[string]string) (skipped int, err error) {
	docs := make(map[string]*D, len(refused))
	for id := range refused {
		docs[id] = p.Model.New(id) // the store was cleared and holds no version of it
	}
	_, err = p.scan(ctx, ends, func(batch []*kgo.Record) error {
		byKey := map[string][]keyed{}
		var keys []string
		for _, r := range batch {
			ch, key, ok, err := p.Model.Route(r.Value)
			if _, mine := refused[key]; err != nil || !ok || !mine {
				continue
			}
			if _, seen := byKey[key]; !seen {
				keys = append(keys, key)
			}
			byKey[key] = append(byKey[key], keyed{r, ch})
		}
		for _, key := range keys {
			wctx, cancel := context.WithTimeout(ctx, p.maxBatchWrite())
			_, err := p.isolate(wctx, docs, key, byKey[key], func(k keyed, reason string) error {
				skipped++
				p.Log.Warn("rebuild skips a record the store refuses", "model", p.Model.Name, "topic", k.rec.Topic,
					"partition", k.rec.Partition, "offset", k.rec.Offset, "id", key, "reason", reason)
				return nil
			})
			cancel()
			if err != nil {
				return err
			}
		}
		return nil
	})
	return skipped, err
}

func waitGroupEmpty(ctx context.Context, adm *kadm.Client, group string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		groups, err := adm.DescribeGroups(ctx, group)
		if err != nil {
			return fmt.Errorf("describe group %s: %w", group, err)
		}
		g, ok := groups[group]
		if !ok || g.Err != nil || len(g.Members) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("group %s still has %d members: stop the projectors before a rebuild", group, len(g.Members))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// applyInMemory applies records to documents held in memory; poison records were
// dead-lettered when first consumed and are skipped.
func (p *Projector[D]) applyInMemory(docs map[string]*D, recs []*kgo.Record) {
	for _, r := range recs {
		ch, key, ok, err := p.Model.Route(r.Value)
		if err != nil || !ok {
			continue
		}
		if _, err := p.Model.Step(docs, key, ch); err != nil {
			p.Log.Warn("skipping poison record", "model", p.Model.Name, "topic", r.Topic, "offset", r.Offset, "err", err)
		}
	}
}
