package readmodel

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/ticketly/ticketly/internal/projection"
)

// TrendingItem is one item of the trending listing: the listing's summary and the score.
type TrendingItem struct {
	Summary
	Score float64 `json:"score"`
}

// TrendingPage is a page of the trending listing.
type TrendingPage struct {
	Items    []TrendingItem `json:"items"`
	Page     int            `json:"page"`
	PageSize int            `json:"page_size"`
	Total    int            `json:"total"`
}

// Trending lists the publicly visible events that have a trending score, highest score
// first (ties by event id); page counts from 1. A score of an event that is not (or no
// longer) visible is not listed.
func (v *View) Trending(page, pageSize int) TrendingPage {
	v.mu.RLock()
	defer v.mu.RUnlock()
	type hit struct {
		d     *projection.EventDoc
		score float64
	}
	var hits []hit
	for id, t := range v.trending {
		if d := v.events[id]; t.Exists && visible(d) {
			hits = append(hits, hit{d, t.Score})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return strings.Compare(a.d.ID, b.d.ID)
	})
	now := v.now().UTC().Format(time.RFC3339)
	p := TrendingPage{Page: page, PageSize: pageSize, Total: len(hits), Items: []TrendingItem{}}
	start := (page - 1) * pageSize
	for i := start; i < len(hits) && i < start+pageSize; i++ {
		p.Items = append(p.Items, TrendingItem{Summary: v.summaryLocked(hits[i].d, now), Score: hits[i].score})
	}
	return p
}
