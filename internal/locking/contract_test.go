package locking_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/ordering/orderingtest"
)

// The Redis gate passes the admission-gate contract (real Redis, real time; every subtest
// in its own session, whose keys are deleted afterwards).
func TestGateHoldsContract(t *testing.T) {
	t.Parallel()
	orderingtest.HoldsContract(t, func(t *testing.T) orderingtest.HoldsHarness {
		g, rdb := gate(t)
		return orderingtest.HoldsHarness{Holds: g, Sleep: time.Sleep, Forget: func(sid uuid.UUID) {
			ctx := context.Background()
			iter := rdb.Scan(ctx, 0, "*{"+sid.String()+"}*", 1000).Iterator()
			var keys []string
			for iter.Next(ctx) {
				keys = append(keys, iter.Val())
			}
			if len(keys) > 0 {
				rdb.Del(ctx, keys...)
			}
		}}
	})
}
