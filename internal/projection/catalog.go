package projection

import (
	"encoding/json"
	"slices"
	"strings"
)

// EventDoc is the read-model document of one event: the event row with its tiers, sessions
// (venue and seat map) and discounts. Every row that feeds it travels in one Kafka
// partition (topic ticketly.catalog.event_aggregate, keyed by event id), so exactly one
// projector writes it. Organization and category are separate documents, joined when an
// event is served, so renaming an organization never needs a second writer here.
type EventDoc struct {
	ID             string     `json:"id"`
	Exists         bool       `json:"exists"` // the event row is present (not deleted)
	OrganizationID string     `json:"organization_id"`
	CategoryID     string     `json:"category_id,omitempty"`
	Title          string     `json:"title"`
	Description    string     `json:"description"`
	Overview       string     `json:"overview"`
	CoverImages    []string   `json:"cover_images"`
	Status         string     `json:"status"`
	CreatedAt      string     `json:"created_at"`
	UpdatedAt      string     `json:"updated_at"`
	Tiers          []Tier     `json:"tiers"`
	Sessions       []Session  `json:"sessions"`
	Discounts      []Discount `json:"discounts"`
	// Versions maps each source row ("event", "tier:<id>", …) to the LSN of the last change
	// applied to it; a change at or below it is a replay and is skipped. Deleted rows keep
	// their entry so a replayed older change cannot bring them back.
	Versions map[string]int64 `json:"versions"`
	// Revision counts the changes applied (replays excluded): applying a change twice
	// would show here.
	Revision int64 `json:"revision"`
	// LastChangeMs is the database commit time of the last change applied.
	LastChangeMs int64 `json:"last_change_ms"`
}

// Tier is a price level of an event.
type Tier struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Colour     string `json:"colour"`
	PriceMinor int64  `json:"price_minor"`
	Currency   string `json:"currency"`
}

// Venue is where a physical session takes place.
type Venue struct {
	Name      string   `json:"name"`
	Address   string   `json:"address"`
	Latitude  *float64 `json:"latitude,omitempty"`
	Longitude *float64 `json:"longitude,omitempty"`
}

// Session is one occurrence of an event, with its seat map.
type Session struct {
	ID             string `json:"id"`
	StartTime      string `json:"start_time"`
	EndTime        string `json:"end_time"`
	SalesStartTime string `json:"sales_start_time"`
	SalesEndTime   string `json:"sales_end_time"`
	SessionType    string `json:"session_type"`
	Venue          *Venue `json:"venue,omitempty"`
	OnlineLink     string `json:"online_link,omitempty"`
	Status         string `json:"status"`
	Layout         Layout `json:"layout"`
	// layoutUnavailable marks a change that did not carry the layout (see applyChild).
	layoutUnavailable bool
}

// Layout is a session's seat map, as the write model stores it.
type Layout struct {
	Blocks         []Block  `json:"blocks"`
	BlockedSeatIDs []string `json:"blocked_seat_ids,omitempty"`
}

// Block is a part of a layout: seated_grid (rows of seats), standing (a capacity) or
// non_sellable (stage, aisles).
type Block struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Type     string          `json:"type"`
	Rows     []Row           `json:"rows,omitempty"`
	Capacity int64           `json:"capacity,omitempty"`
	TierID   string          `json:"tier_id,omitempty"`
	Position json.RawMessage `json:"position,omitempty"`
}

// Row is a row of a seated block.
type Row struct {
	Label string `json:"label"`
	Seats []Seat `json:"seats"`
}

// Seat is one sellable seat with a stable ID.
type Seat struct {
	ID     string `json:"id"`
	Label  string `json:"label"`
	TierID string `json:"tier_id"`
}

// Discount is a discount code of an event; only public ones are served.
type Discount struct {
	ID               string   `json:"id"`
	Code             string   `json:"code"`
	Kind             string   `json:"kind"`
	Percent          *int64   `json:"percent,omitempty"`
	AmountMinor      *int64   `json:"amount_minor,omitempty"`
	MinSpendMinor    int64    `json:"min_spend_minor"`
	MaxDiscountMinor *int64   `json:"max_discount_minor,omitempty"`
	Buy              *int64   `json:"buy,omitempty"`
	Get              *int64   `json:"get,omitempty"`
	UsageLimit       *int64   `json:"usage_limit,omitempty"`
	ActiveFrom       string   `json:"active_from,omitempty"`
	ActiveUntil      string   `json:"active_until,omitempty"`
	Public           bool     `json:"public"`
	TierIDs          []string `json:"tier_ids"`
	SessionIDs       []string `json:"session_ids"`
}

// EventKey returns the id of the event document a change of the event aggregate feeds.
func EventKey(c Change) (string, error) {
	var r struct {
		ID      string `json:"id"`
		EventID string `json:"event_id"`
	}
	if err := json.Unmarshal(c.Row(), &r); err != nil {
		return "", poison("%s row: %v", c.Table, err)
	}
	key := r.EventID
	if c.Table == "events" {
		key = r.ID
	}
	if key == "" {
		return "", poison("%s row without event id", c.Table)
	}
	return key, nil
}

// guard reports whether the change is new for row and records its LSN.
func guard(versions map[string]int64, row string, lsn int64) bool {
	if lsn <= versions[row] {
		return false
	}
	versions[row] = lsn
	return true
}

// ApplyEvent applies one change of the event aggregate (events, tiers, sessions,
// discounts) to doc, which must be the document of EventKey(c). It reports whether the
// document changed. A poison change returns an error wrapping ErrPoison.
func ApplyEvent(doc *EventDoc, c Change) (bool, error) {
	if doc.Versions == nil {
		doc.Versions = map[string]int64{}
	}
	var err error
	var applied bool
	switch c.Table {
	case "events":
		applied, err = applyEventRow(doc, c)
	case "tiers":
		applied, err = applyChild(doc, c, "tier", decodeTier, &doc.Tiers, func(t Tier) string { return t.ID })
		if applied {
			slices.SortFunc(doc.Tiers, func(a, b Tier) int {
				if a.PriceMinor != b.PriceMinor {
					return cmpInt(a.PriceMinor, b.PriceMinor)
				}
				return strings.Compare(a.ID, b.ID)
			})
		}
	case "sessions":
		applied, err = applyChild(doc, c, "session", decodeSession, &doc.Sessions, func(s Session) string { return s.ID })
		if applied {
			slices.SortFunc(doc.Sessions, func(a, b Session) int {
				if a.StartTime != b.StartTime {
					return strings.Compare(a.StartTime, b.StartTime)
				}
				return strings.Compare(a.ID, b.ID)
			})
		}
	case "discounts":
		applied, err = applyChild(doc, c, "discount", decodeDiscount, &doc.Discounts, func(d Discount) string { return d.ID })
		if applied {
			slices.SortFunc(doc.Discounts, func(a, b Discount) int { return strings.Compare(a.Code, b.Code) })
		}
	default:
		return false, poison("table %s.%s does not feed event documents", c.Schema, c.Table)
	}
	if err != nil || !applied {
		return false, err
	}
	doc.Revision++
	if c.TsMs > doc.LastChangeMs {
		doc.LastChangeMs = c.TsMs
	}
	return true, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func applyEventRow(doc *EventDoc, c Change) (bool, error) {
	var r struct {
		ID             string  `json:"id"`
		OrganizationID string  `json:"organization_id"`
		CategoryID     *string `json:"category_id"`
		Title          string  `json:"title"`
		Description    string  `json:"description"`
		Overview       string  `json:"overview"`
		CoverImages    *string `json:"cover_images"`
		Status         string  `json:"status"`
		CreatedAt      string  `json:"created_at"`
		UpdatedAt      string  `json:"updated_at"`
	}
	if err := json.Unmarshal(c.Row(), &r); err != nil || r.ID == "" {
		return false, poison("events row: %v", err)
	}
	// Everything is decoded before the guard: a poison change must leave no trace.
	var covers []string
	var created, updated string
	if c.Op != OpDelete {
		if err := jsonColumn(r.CoverImages, &covers); err != nil {
			return false, poison("events.cover_images: %v", err)
		}
		var err1, err2 error
		created, err1 = timeColumn(r.CreatedAt)
		updated, err2 = timeColumn(r.UpdatedAt)
		if err1 != nil || err2 != nil {
			return false, poison("events timestamps: %v %v", err1, err2)
		}
	}
	if !guard(doc.Versions, "event", c.LSN) {
		return false, nil
	}
	doc.ID = r.ID
	if c.Op == OpDelete {
		doc.Exists = false
		return true, nil
	}
	doc.Exists = true
	doc.OrganizationID, doc.Title, doc.Description, doc.Overview = r.OrganizationID, r.Title, r.Description, r.Overview
	doc.CategoryID = ""
	if r.CategoryID != nil {
		doc.CategoryID = *r.CategoryID
	}
	doc.CoverImages, doc.Status, doc.CreatedAt, doc.UpdatedAt = covers, r.Status, created, updated
	if doc.CoverImages == nil {
		doc.CoverImages = []string{}
	}
	return true, nil
}

// applyChild upserts or removes one child row (tier, session, discount) of the document.
func applyChild[T any](doc *EventDoc, c Change, kind string, decode func(json.RawMessage) (T, string, error),
	list *[]T, id func(T) string) (bool, error) {
	item, itemID, err := decode(c.Row())
	if err != nil {
		return false, err
	}
	if !keySafe(itemID) {
		return false, poison("%s id %q is not a row id", kind, itemID)
	}
	if s, ok := any(&item).(*Session); ok && s.layoutUnavailable {
		// An update that did not touch a large (TOASTed) layout does not carry it: keep ours.
		i := slices.IndexFunc(*list, func(x T) bool { return id(x) == itemID })
		if i < 0 {
			return false, poison("session %s update without its layout, and no earlier layout", itemID)
		}
		s.Layout = any((*list)[i]).(Session).Layout
		s.layoutUnavailable = false
	}
	if !guard(doc.Versions, kind+":"+itemID, c.LSN) {
		return false, nil
	}
	idx := -1
	for i, x := range *list {
		if id(x) == itemID {
			idx = i
			break
		}
	}
	switch {
	case c.Op == OpDelete && idx >= 0:
		*list = slices.Delete(*list, idx, idx+1)
	case c.Op == OpDelete:
	case idx >= 0:
		(*list)[idx] = item
	default:
		*list = append(*list, item)
	}
	return true, nil
}

func decodeTier(raw json.RawMessage) (Tier, string, error) {
	var t Tier
	if err := json.Unmarshal(raw, &t); err != nil || t.ID == "" {
		return t, "", poison("tiers row: %v", err)
	}
	return t, t.ID, nil
}

// unavailableValue is what Debezium sends for a TOASTed column an update did not change,
// when the table's replica identity is not FULL (sessions: id and event id only).
const unavailableValue = "__debezium_unavailable_value"

func decodeSession(raw json.RawMessage) (Session, string, error) {
	var r struct {
		ID             string  `json:"id"`
		StartTime      string  `json:"start_time"`
		EndTime        string  `json:"end_time"`
		SalesStartTime string  `json:"sales_start_time"`
		SalesEndTime   string  `json:"sales_end_time"`
		SessionType    string  `json:"session_type"`
		Venue          *string `json:"venue"`
		OnlineLink     string  `json:"online_link"`
		Status         string  `json:"status"`
		Layout         *string `json:"layout"`
	}
	if err := json.Unmarshal(raw, &r); err != nil || r.ID == "" {
		return Session{}, "", poison("sessions row: %v", err)
	}
	s := Session{ID: r.ID, SessionType: r.SessionType, OnlineLink: r.OnlineLink, Status: r.Status}
	var err error
	for _, f := range []struct {
		dst *string
		src string
	}{{&s.StartTime, r.StartTime}, {&s.EndTime, r.EndTime}, {&s.SalesStartTime, r.SalesStartTime}, {&s.SalesEndTime, r.SalesEndTime}} {
		if *f.dst, err = timeColumn(f.src); err != nil {
			return s, "", poison("sessions %s time: %v", r.ID, err)
		}
	}
	if r.Venue != nil {
		s.Venue = &Venue{}
		if err := jsonColumn(r.Venue, s.Venue); err != nil {
			return s, "", poison("sessions.venue: %v", err)
		}
	}
	if r.Layout != nil && *r.Layout == unavailableValue {
		s.layoutUnavailable = true
	} else if err := jsonColumn(r.Layout, &s.Layout); err != nil {
		return s, "", poison("sessions.layout: %v", err)
	}
	if s.Layout.Blocks == nil {
		s.Layout.Blocks = []Block{}
	}
	return s, s.ID, nil
}

func decodeDiscount(raw json.RawMessage) (Discount, string, error) {
	var r struct {
		Discount
		IsPublic    bool    `json:"is_public"`
		ActiveFrom  *string `json:"active_from"`
		ActiveUntil *string `json:"active_until"`
	}
	if err := json.Unmarshal(raw, &r); err != nil || r.ID == "" {
		return Discount{}, "", poison("discounts row: %v", err)
	}
	d := r.Discount
	d.Public = r.IsPublic
	var err error
	if r.ActiveFrom != nil {
		if d.ActiveFrom, err = timeColumn(*r.ActiveFrom); err != nil {
			return d, "", poison("discounts.active_from: %v", err)
		}
	}
	if r.ActiveUntil != nil {
		if d.ActiveUntil, err = timeColumn(*r.ActiveUntil); err != nil {
			return d, "", poison("discounts.active_until: %v", err)
		}
	}
	if d.TierIDs == nil {
		d.TierIDs = []string{}
	}
	if d.SessionIDs == nil {
		d.SessionIDs = []string{}
	}
	return d, d.ID, nil
}
