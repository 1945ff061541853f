package orderingtest_test

import (
	"testing"
	"time"

	"github.com/ticketly/ticketly/internal/ordering/orderingtest"
)

// The in-memory gate passes the contract the Redis gate passes (internal/locking), on a
// test clock: its expiry cases take no wall time.
func TestHoldsContract(t *testing.T) {
	t.Parallel()
	orderingtest.HoldsContract(t, func(t *testing.T) orderingtest.HoldsHarness {
		clock := orderingtest.NewClock(time.Now())
		return orderingtest.HoldsHarness{Holds: orderingtest.NewHolds(clock.Now, 30*time.Second), Sleep: clock.Advance}
	})
}
