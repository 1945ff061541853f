package readmodel

import (
	"slices"
	"time"

	"github.com/ticketly/ticketly/internal/projection"
)

// Organization is the public view of an organization.
type Organization struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Website string `json:"website"`
	LogoURL string `json:"logo_url"`
}

// Category is the public view of a category.
type Category struct {
	ID     string    `json:"id"`
	Name   string    `json:"name"`
	Parent *Category `json:"parent,omitempty"`
}

// SessionInfo is the public view of a session (no online link: that is for ticket holders).
type SessionInfo struct {
	ID               string            `json:"id"`
	EventID          string            `json:"event_id"`
	StartTime        string            `json:"start_time"`
	EndTime          string            `json:"end_time"`
	SalesStartTime   string            `json:"sales_start_time"`
	SalesEndTime     string            `json:"sales_end_time"`
	Status           string            `json:"status"`
	SessionType      string            `json:"session_type"`
	Venue            *projection.Venue `json:"venue"`
	SeatCount        int               `json:"seat_count"`
	StandingCapacity int64             `json:"standing_capacity"`
}

// PublicDiscount is a public discount code as buyers see it.
type PublicDiscount struct {
	Code             string   `json:"code"`
	Kind             string   `json:"kind"`
	Percent          *int64   `json:"percent,omitempty"`
	AmountMinor      *int64   `json:"amount_minor,omitempty"`
	MinSpendMinor    int64    `json:"min_spend_minor"`
	MaxDiscountMinor *int64   `json:"max_discount_minor,omitempty"`
	Buy              *int64   `json:"buy,omitempty"`
	Get              *int64   `json:"get,omitempty"`
	ActiveFrom       string   `json:"active_from,omitempty"`
	ActiveUntil      string   `json:"active_until,omitempty"`
	TierIDs          []string `json:"tier_ids"`
	SessionIDs       []string `json:"session_ids"`
}

// EventDetail is the public event document (GET /api/v1/events/{id}).
type EventDetail struct {
	ID                 string            `json:"id"`
	Title              string            `json:"title"`
	Description        string            `json:"description"`
	Overview           string            `json:"overview"`
	CoverImages        []string          `json:"cover_images"`
	Status             string            `json:"status"`
	Organization       *Organization     `json:"organization"`
	Category           *Category         `json:"category"`
	Tiers              []projection.Tier `json:"tiers"`
	Sessions           []SessionInfo     `json:"sessions"`
	Discounts          []PublicDiscount  `json:"discounts"`
	StartingPriceMinor int64             `json:"starting_price_minor"`
	Currency           string            `json:"currency"`
	UpdatedAt          string            `json:"updated_at"`
}

// EventDetail returns the public document of a visible event.
func (v *View) EventDetail(id string) (EventDetail, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	d := v.events[id]
	if !visible(d) {
		return EventDetail{}, false
	}
	e := EventDetail{ID: d.ID, Title: d.Title, Description: d.Description, Overview: d.Overview,
		CoverImages: d.CoverImages, Status: d.Status, Tiers: d.Tiers, UpdatedAt: d.UpdatedAt,
		Sessions: []SessionInfo{}, Discounts: []PublicDiscount{}}
	e.Tiers, e.CoverImages = orEmpty(e.Tiers), orEmpty(e.CoverImages)
	if len(d.Tiers) > 0 {
		e.StartingPriceMinor, e.Currency = d.Tiers[0].PriceMinor, d.Tiers[0].Currency
	}
	if o := v.orgs[d.OrganizationID]; o != nil && o.Exists {
		e.Organization = &Organization{ID: o.ID, Name: o.Name, Website: o.Website, LogoURL: o.LogoURL}
	}
	e.Category = v.categoryLocked(d.CategoryID, true)
	for _, s := range d.Sessions {
		e.Sessions = append(e.Sessions, sessionInfo(d.ID, s))
	}
	now := v.now().UTC().Format(time.RFC3339)
	for _, x := range d.Discounts {
		if !x.Public || (x.ActiveUntil != "" && x.ActiveUntil <= now) {
			continue
		}
		e.Discounts = append(e.Discounts, PublicDiscount{Code: x.Code, Kind: x.Kind, Percent: x.Percent,
			AmountMinor: x.AmountMinor, MinSpendMinor: x.MinSpendMinor, MaxDiscountMinor: x.MaxDiscountMinor,
			Buy: x.Buy, Get: x.Get, ActiveFrom: x.ActiveFrom, ActiveUntil: x.ActiveUntil, TierIDs: orEmpty(x.TierIDs), SessionIDs: orEmpty(x.SessionIDs)})
	}
	return e, true
}

// orEmpty returns s, or an empty list for nil: a list is [] on the wire, never null (a
// document loaded from MongoDB has nil for a list that was stored as null).
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (v *View) categoryLocked(id string, withParent bool) *Category {
	c := v.cats[id]
	if c == nil || !c.Exists {
		return nil
	}
	out := &Category{ID: c.ID, Name: c.Name}
	if withParent && c.ParentID != "" {
		out.Parent = v.categoryLocked(c.ParentID, false)
	}
	return out
}

// Categories lists every category (for filters), parents first, then by name.
func (v *View) Categories() []Category {
	v.mu.RLock()
	defer v.mu.RUnlock()
	out := []Category{}
	for _, c := range v.cats {
		if c.Exists {
			out = append(out, *v.categoryLocked(c.ID, true))
		}
	}
	slices.SortFunc(out, func(a, b Category) int {
		ka, kb := sortKey(a), sortKey(b)
		if ka < kb {
			return -1
		} else if ka > kb {
			return 1
		}
		return 0
	})
	return out
}

func sortKey(c Category) string {
	if c.Parent != nil {
		return c.Parent.Name + "\x00" + c.Name
	}
	return c.Name
}

func sessionInfo(eventID string, s projection.Session) SessionInfo {
	si := SessionInfo{ID: s.ID, EventID: eventID, StartTime: s.StartTime, EndTime: s.EndTime,
		SalesStartTime: s.SalesStartTime, SalesEndTime: s.SalesEndTime, Status: s.Status,
		SessionType: s.SessionType, Venue: s.Venue}
	for _, b := range s.Layout.Blocks {
		switch b.Type {
		case "seated_grid":
			for _, r := range b.Rows {
				si.SeatCount += len(r.Seats)
			}
		case "standing":
			si.StandingCapacity += b.Capacity
		}
	}
	return si
}

// SessionDetail is GET /api/v1/sessions/{id}: the session with its event's title and tiers.
type SessionDetail struct {
	SessionInfo
	EventTitle string            `json:"event_title"`
	Tiers      []projection.Tier `json:"tiers"`
	Blocks     []BlockInfo       `json:"blocks"`
}

// BlockInfo describes a layout block without its seats.
type BlockInfo struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	Capacity int64  `json:"capacity,omitempty"`
	TierID   string `json:"tier_id,omitempty"`
}

func (v *View) sessionLocked(id string) (*projection.EventDoc, *projection.Session) {
	d := v.events[v.sessions[id]]
	if !visible(d) {
		return nil, nil
	}
	for i := range d.Sessions {
		if d.Sessions[i].ID == id {
			return d, &d.Sessions[i]
		}
	}
	return nil, nil
}

// Session returns the public view of a session of a visible event.
func (v *View) Session(id string) (SessionDetail, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	d, s := v.sessionLocked(id)
	if s == nil {
		return SessionDetail{}, false
	}
	out := SessionDetail{SessionInfo: sessionInfo(d.ID, *s), EventTitle: d.Title, Tiers: orEmpty(d.Tiers), Blocks: []BlockInfo{}}
	for _, b := range s.Layout.Blocks {
		out.Blocks = append(out.Blocks, BlockInfo{ID: b.ID, Name: b.Name, Type: b.Type, Capacity: b.Capacity, TierID: b.TierID})
	}
	return out, true
}

// SeatMap is GET /api/v1/sessions/{id}/seats (SPEC section 4).
type SeatMap struct {
	SessionID string         `json:"session_id"`
	Status    string         `json:"status"`
	Version   int64          `json:"version"`
	Seats     []SeatStatus   `json:"seats"`
	Standing  []StandingArea `json:"standing"`
}

// SeatStatus is one seat of the seat map.
type SeatStatus struct {
	ID      string `json:"id"`
	Label   string `json:"label"`
	BlockID string `json:"block_id"`
	Row     string `json:"row"`
	TierID  string `json:"tier_id"`
	Status  string `json:"status"`
}

// StandingArea is a general-admission block with its remaining capacity.
type StandingArea struct {
	BlockID   string `json:"block_id"`
	Name      string `json:"name"`
	TierID    string `json:"tier_id"`
	Capacity  int64  `json:"capacity"`
	Available int64  `json:"available"`
}

// Seats returns the seat map of a session of a visible event: every seat of the seated
// blocks, blocked ones as BLOCKED.
func (v *View) Seats(id string) (SeatMap, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	_, s := v.sessionLocked(id)
	if s == nil {
		return SeatMap{}, false
	}
	blocked := make(map[string]bool, len(s.Layout.BlockedSeatIDs))
	for _, id := range s.Layout.BlockedSeatIDs {
		blocked[id] = true
	}
	m := SeatMap{SessionID: s.ID, Status: s.Status, Seats: []SeatStatus{}, Standing: []StandingArea{}}
	live := v.seats[s.ID]
	if live != nil {
		m.Version = live.Version
	}
	for _, b := range s.Layout.Blocks {
		switch b.Type {
		case "seated_grid":
			for _, r := range b.Rows {
				for _, seat := range r.Seats {
					st := "AVAILABLE"
					if blocked[seat.ID] {
						st = "BLOCKED"
					} else if live != nil && live.Seats[seat.ID] != "" {
						st = live.Seats[seat.ID]
					}
					m.Seats = append(m.Seats, SeatStatus{ID: seat.ID, Label: seat.Label, BlockID: b.ID, Row: r.Label, TierID: seat.TierID, Status: st})
				}
			}
		case "standing":
			avail := b.Capacity
			if live != nil {
				if a, ok := live.StandingAvailable(b.ID); ok {
					avail = min(a, b.Capacity)
				}
			}
			m.Standing = append(m.Standing, StandingArea{BlockID: b.ID, Name: b.Name, TierID: b.TierID, Capacity: b.Capacity, Available: max(avail, 0)})
		}
	}
	return m, true
}

// SeatSnapshot is a session's whole seat state at an inventory version: seats not listed
// are AVAILABLE (the SSE snapshot event).
type SeatSnapshot struct {
	Version  int64
	Status   string // the session's status (ON_SALE, SOLD_OUT, …)
	Seats    map[string]string
	Standing []projection.StandingLevel
}

// WithSeatSnapshot runs fn with the current seat state of a session of a visible event,
// while no change can be applied, and reports false for an unknown session.
func (v *View) WithSeatSnapshot(id string, fn func(SeatSnapshot)) bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	_, s := v.sessionLocked(id)
	if s == nil {
		return false
	}
	snap := SeatSnapshot{Status: s.Status, Seats: map[string]string{}, Standing: []projection.StandingLevel{}}
	live := v.seats[id]
	if live != nil {
		snap.Version = live.Version
		for seat, st := range live.Seats {
			snap.Seats[seat] = st
		}
	}
	for _, seat := range s.Layout.BlockedSeatIDs {
		snap.Seats[seat] = "BLOCKED"
	}
	for _, b := range s.Layout.Blocks {
		if b.Type != "standing" {
			continue
		}
		avail := b.Capacity
		if live != nil {
			if a, ok := live.StandingAvailable(b.ID); ok {
				avail = max(min(a, b.Capacity), 0)
			}
		}
		snap.Standing = append(snap.Standing, projection.StandingLevel{BlockID: b.ID, Available: avail})
	}
	fn(snap)
	return true
}
