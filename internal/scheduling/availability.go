package scheduling

import (
	"encoding/json"
	"fmt"
	"math"
)

// Capacity is what a session can sell and what of it can still be held.
type Capacity struct {
	Sellable  int64
	Available int64
}

// layout is the part of catalog.sessions.layout availability needs.
type layout struct {
	Blocks []struct {
		ID       string `json:"id"`
		Type     string `json:"type"`
		Capacity int64  `json:"capacity"`
		Rows     []struct {
			Seats []struct {
				ID string `json:"id"`
			} `json:"seats"`
		} `json:"rows"`
	} `json:"blocks"`
	BlockedSeatIDs []string `json:"blocked_seat_ids"`
}

// CountCapacity counts a session's capacity from its layout (catalog.sessions.layout), the
// seats with a live allocation (HELD, SOLD or BLOCKED) and what is taken of each standing
// block (ordering.standing_inventory): seats of seated blocks that the layout does not
// block are sellable, and available unless allocated; a standing block adds its capacity,
// of which capacity − taken is available.
func CountCapacity(layoutJSON []byte, allocated map[string]bool, standingTaken map[string]int64) (Capacity, error) {
	var l layout
	if err := json.Unmarshal(layoutJSON, &l); err != nil {
		return Capacity{}, fmt.Errorf("session layout: %w", err)
	}
	blocked := make(map[string]bool, len(l.BlockedSeatIDs))
	for _, id := range l.BlockedSeatIDs {
		blocked[id] = true
	}
	var c Capacity
	for _, b := range l.Blocks {
		switch b.Type {
		case "seated_grid":
			for _, r := range b.Rows {
				for _, s := range r.Seats {
					if blocked[s.ID] {
						continue
					}
					c.Sellable++
					if !allocated[s.ID] {
						c.Available++
					}
				}
			}
		case "standing":
			c.Sellable += b.Capacity
			c.Available += max(0, b.Capacity-standingTaken[b.ID])
		}
	}
	return c, nil
}

// Decide is the SOLD_OUT rule: an ON_SALE session with nothing left to hold becomes
// SOLD_OUT, a SOLD_OUT one with anything left becomes ON_SALE again; any other case, and a
// session that has no sellable capacity at all, keeps its status ("").
func Decide(status string, c Capacity) string {
	switch {
	case c.Sellable <= 0:
		return ""
	case status == StatusOnSale && c.Available <= 0:
		return StatusSoldOut
	case status == StatusSoldOut && c.Available > 0:
		return StatusOnSale
	}
	return ""
}

// Trending formula constants (see the package documentation).
const (
	TrendingHalfLife = 6 * 3600.0 // seconds
	TrendingWindow   = 72 * 3600.0
	// TrendingMinScore is the score below which an event is not trending (its row goes).
	TrendingMinScore = 0.01
)

// TicketWeight is the weight of one ticket issued ageSeconds ago: 2^(−age/6 h), 0 outside
// the 72-hour window.
func TicketWeight(ageSeconds float64) float64 {
	if ageSeconds < 0 {
		ageSeconds = 0
	}
	if ageSeconds > TrendingWindow {
		return 0
	}
	return math.Pow(2, -ageSeconds/TrendingHalfLife)
}

// TrendingScore is round(hot × (1 + sell_through), 4), with sell_through = valid/capacity
// (0 without capacity, at most 1).
func TrendingScore(hot float64, valid, capacity int64) (score, sellThrough float64) {
	if capacity > 0 {
		sellThrough = math.Min(1, float64(valid)/float64(capacity))
	}
	return math.Round(hot*(1+sellThrough)*1e4) / 1e4, sellThrough
}

// ScoreChanged reports whether a stored score is worth rewriting: it moved by at least
// 0.5 % or 0.01.
func ScoreChanged(old, now float64) bool {
	d := math.Abs(now - old)
	return d >= 0.01 || (old > 0 && d/old >= 0.005)
}
