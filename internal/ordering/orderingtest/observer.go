package orderingtest

import (
	"maps"
	"sync"

	"github.com/ticketly/ticketly/internal/ordering"
)

// Observer counts what the use cases report (ordering.Observer).
type Observer struct {
	mu       sync.Mutex
	placed   int
	held     int
	sold     int
	revenue  map[string]int64 // by currency
	refused  map[string]int
	gateDown int
	expired  int
	payments map[ordering.PaymentOutcome]int
}

var _ ordering.Observer = (*Observer)(nil)

// NewObserver returns an observer with every count at zero.
func NewObserver() *Observer {
	return &Observer{refused: map[string]int{}, payments: map[ordering.PaymentOutcome]int{}, revenue: map[string]int64{}}
}

func (o *Observer) Placed(ord *ordering.Order) {
	o.mu.Lock()
	o.placed++
	o.held += ord.Places()
	o.mu.Unlock()
}
func (o *Observer) Paid(ord *ordering.Order) {
	o.mu.Lock()
	o.sold += ord.Places()
	o.revenue[ord.Currency()] += ord.TotalMinor()
	o.mu.Unlock()
}
func (o *Observer) Refused(stage string) { o.mu.Lock(); o.refused[stage]++; o.mu.Unlock() }
func (o *Observer) GateUnavailable()     { o.mu.Lock(); o.gateDown++; o.mu.Unlock() }
func (o *Observer) Expired(n int)        { o.mu.Lock(); o.expired += n; o.mu.Unlock() }
func (o *Observer) PaymentEvent(outcome ordering.PaymentOutcome) {
	o.mu.Lock()
	o.payments[outcome]++
	o.mu.Unlock()
}

// Counts is a snapshot of an Observer.
type Counts struct {
	Placed          int
	Held, Sold      int              // places of placed and of paid orders
	Revenue         map[string]int64 // totals of paid orders, by currency
	Refused         map[string]int   // by stage: gate, database
	GateUnavailable int
	Expired         int
	Payments        map[ordering.PaymentOutcome]int
}

// Counts returns what was reported so far.
func (o *Observer) Counts() Counts {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := Counts{Placed: o.placed, Held: o.held, Sold: o.sold, GateUnavailable: o.gateDown, Expired: o.expired,
		Refused: map[string]int{}, Payments: map[ordering.PaymentOutcome]int{}, Revenue: maps.Clone(o.revenue)}
	for k, v := range o.refused {
		c.Refused[k] = v
	}
	for k, v := range o.payments {
		c.Payments[k] = v
	}
	return c
}
