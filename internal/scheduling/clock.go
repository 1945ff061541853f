package scheduling

import (
	"sync/atomic"
	"time"
)

// Clock tells the time the scheduler plans and runs jobs by.
type Clock interface {
	Now() time.Time
}

// RealClock is the wall clock.
type RealClock struct{}

// Now implements Clock.
func (RealClock) Now() time.Time { return time.Now() }

// OffsetClock is the wall clock moved by an adjustable offset: tests advance it instead of
// waiting. The zero value is the wall clock.
type OffsetClock struct{ off atomic.Int64 }

// Now implements Clock.
func (c *OffsetClock) Now() time.Time { return time.Now().Add(time.Duration(c.off.Load())) }

// Advance moves the clock forward by d.
func (c *OffsetClock) Advance(d time.Duration) { c.off.Add(int64(d)) }
