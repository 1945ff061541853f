package projection

import "encoding/json"

// TopicTrending is the scheduler's trending scores (scheduling.trending, keyed by event id).
const TopicTrending = "ticketly.scheduling.trending"

// TrendingDoc is the read-model document of an event's trending score, as the scheduler
// last computed it. The scheduler deletes a row whose score decayed to nothing; the
// document then stays as a tombstone (Exists false) that keeps the LSN of the deletion, so
// a replayed older change cannot bring the score back. It is joined with the event
// document when served: only publicly visible events are listed.
type TrendingDoc struct {
	EventID       string  `json:"event_id"`
	Exists        bool    `json:"exists"`
	Score         float64 `json:"score"`
	RecentTickets float64 `json:"recent_tickets"`
	TicketsSold   int64   `json:"tickets_sold"`
	Capacity      int64   `json:"capacity"`
	SellThrough   float64 `json:"sell_through"`
	UpdatedAt     string  `json:"updated_at"`
	// Version is the LSN of the last change applied to the row.
	Version int64 `json:"version"`
}

// TrendingKey returns the event a trending row belongs to.
func TrendingKey(c Change) (string, error) {
	var r struct {
		EventID string `json:"event_id"`
	}
	if err := json.Unmarshal(c.Row(), &r); err != nil || r.EventID == "" {
		return "", poison("%s row without event_id: %v", c.Table, err)
	}
	return r.EventID, nil
}

// ApplyTrending applies a change of scheduling.trending: an insert or update sets the
// score, a delete removes it; a change at or below the document's version is a replay.
func ApplyTrending(doc *TrendingDoc, c Change) (bool, error) {
	if c.Table != "trending" {
		return false, poison("table %s.%s does not feed trending documents", c.Schema, c.Table)
	}
	var r struct {
		EventID       string  `json:"event_id"`
		Score         float64 `json:"score"`
		RecentTickets float64 `json:"recent_tickets"`
		TicketsSold   int64   `json:"tickets_sold"`
		Capacity      int64   `json:"capacity"`
		SellThrough   float64 `json:"sell_through"`
		UpdatedAt     string  `json:"updated_at"`
	}
	if err := json.Unmarshal(c.Row(), &r); err != nil || r.EventID == "" {
		return false, poison("trending row: %v", err)
	}
	updated, err := timeColumn(r.UpdatedAt)
	if err != nil {
		return false, poison("trending.updated_at: %v", err)
	}
	if c.LSN <= doc.Version {
		return false, nil
	}
	if c.Op == OpDelete {
		*doc = TrendingDoc{EventID: r.EventID, Version: c.LSN}
		return true, nil
	}
	*doc = TrendingDoc{EventID: r.EventID, Exists: true, Score: r.Score, RecentTickets: r.RecentTickets,
		TicketsSold: r.TicketsSold, Capacity: r.Capacity, SellThrough: r.SellThrough, UpdatedAt: updated, Version: c.LSN}
	return true, nil
}

// Trending is the trending-score read model (one document per event).
var Trending = Model[TrendingDoc]{
	Name: "trending", Topic: TopicTrending, Group: "projector.trending.v1", Collection: "trending",
	Key:   TrendingKey,
	New:   func(id string) *TrendingDoc { return &TrendingDoc{EventID: id} },
	Apply: ApplyTrending,
	Clone: func(d *TrendingDoc) *TrendingDoc { c := *d; return &c },
}
