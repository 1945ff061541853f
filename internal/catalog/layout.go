package catalog

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

// BlockType is the kind of a layout block.
type BlockType string

const (
	BlockSeatedGrid  BlockType = "seated_grid"  // rows of seats, each with a stable ID, label and tier
	BlockStanding    BlockType = "standing"     // general admission: a capacity sold as a quantity
	BlockNonSellable BlockType = "non_sellable" // stage, aisles, bars
)

// Layout bounds.
const (
	MaxSeatsPerLayout   = 100_000
	MaxStandingCapacity = 1_000_000
	maxBlocks           = 1_000
	maxGridSide         = 1_000
	maxBlockIDLen       = 64
	maxLabelLen         = 20
	maxCoordinate       = 1e7
	maxLayoutProblems   = 25 // field problems reported at most, so a huge bad layout gets a short answer
	maxReportedSeatIDs  = 1_000
)

// Layout is the seating layout of a session or template, in the JSON shape stored in
// sessions.layout and seating_templates.layout and parsed by the read side:
//
//	{"blocks":[{"id","name","type":"seated_grid","position":{"x","y"},"rows":[{"label","seats":[{"id","label","tier_id"}]}]},
//	           {"id","name","type":"standing","capacity","tier_id"}, {"id","name","type":"non_sellable"}],
//	 "blocked_seat_ids":["…"]}
//
// A Layout is a value: build one with Event.BuildLayout or NewSeatingTemplate, never change
// one in place (storage compares layouts by identity to skip rewriting unchanged ones).
type Layout struct {
	Blocks         []Block     `json:"blocks"`
	BlockedSeatIDs []uuid.UUID `json:"blocked_seat_ids"`
}

// Block is one area of a layout.
type Block struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Type     BlockType `json:"type"`
	Position *Position `json:"position,omitempty"`
	Rows     []Row     `json:"rows,omitempty"`
	Capacity int       `json:"capacity,omitempty"`
	TierID   uuid.UUID `json:"tier_id,omitzero"`
}

// Position places a block on the organizer's canvas.
type Position struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Row is a labelled row of seats.
type Row struct {
	Label string `json:"label"`
	Seats []Seat `json:"seats"`
}

// Seat is one sellable seat; its ID is stable across layout changes.
type Seat struct {
	ID     uuid.UUID `json:"id"`
	Label  string    `json:"label"`
	TierID uuid.UUID `json:"tier_id,omitzero"`
}

// LayoutSpec is a layout as organizers send it: seats may come without IDs (new UUIDs are
// assigned; given IDs are kept) and a seated_grid may be given as a generator.
type LayoutSpec struct {
	Blocks         []BlockSpec `json:"blocks"`
	BlockedSeatIDs []string    `json:"blocked_seat_ids"`
}

// BlockSpec is a block as sent. TierID on a seated_grid is the default of its seats.
type BlockSpec struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Type     string    `json:"type"`
	Position *Position `json:"position"`
	Rows     []RowSpec `json:"rows"`
	Grid     *GridSpec `json:"grid"`
	Capacity *int      `json:"capacity"`
	TierID   *string   `json:"tier_id"`
}

// RowSpec is a row as sent.
type RowSpec struct {
	Label string     `json:"label"`
	Seats []SeatSpec `json:"seats"`
}

// SeatSpec is a seat as sent.
type SeatSpec struct {
	ID     *string `json:"id"`
	Label  string  `json:"label"`
	TierID *string `json:"tier_id"`
}

// GridSpec generates rows start_row_label… (A..Z, AA, AB, …) of seats labelled
// "<row><n>" with n from 1 to columns, each with a fresh UUID.
type GridSpec struct {
	Rows          int     `json:"rows"`
	Columns       int     `json:"columns"`
	TierID        *string `json:"tier_id"`
	StartRowLabel string  `json:"start_row_label"`
}

// EmptyLayout is a layout with nothing in it.
func EmptyLayout() *Layout { return &Layout{Blocks: []Block{}, BlockedSeatIDs: []uuid.UUID{}} }

// ParseID parses a UUID in its canonical 36-character form.
func ParseID(s string) (uuid.UUID, bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(s)
	return id, err == nil
}

// layoutRules say which tiers seats and standing blocks may use.
type layoutRules struct {
	tiers       map[uuid.UUID]bool // nil: any UUID (templates)
	requireTier bool
}

type layoutBuilder struct {
	fe      apperr.FieldErrors
	prefix  string
	rules   layoutRules
	seatIDs map[uuid.UUID]string // seat ID -> where it was given
	seats   int
}

func (b *layoutBuilder) full() bool { return len(b.fe) >= maxLayoutProblems }

// buildLayout validates spec and returns the layout it describes, or nil after recording
// the problems in fe (field names prefixed with prefix, e.g. "layout.").
func buildLayout(fe apperr.FieldErrors, spec LayoutSpec, prefix string, rules layoutRules) *Layout {
	before := len(fe)
	b := &layoutBuilder{fe: fe, prefix: prefix, rules: rules, seatIDs: map[uuid.UUID]string{}}
	l := EmptyLayout()
	if len(spec.Blocks) > maxBlocks {
		b.fe.Add(prefix+"blocks", fmt.Sprintf("must have at most %d blocks", maxBlocks))
		return nil
	}
	blockIDs := map[string]bool{}
	for i, bs := range spec.Blocks {
		if b.full() {
			break
		}
		p := fmt.Sprintf("%sblocks[%d]", prefix, i)
		blk := Block{
			ID:   cleanText(b.fe, p+".id", bs.ID, 1, maxBlockIDLen, false),
			Name: cleanText(b.fe, p+".name", bs.Name, 1, maxShortNameLen, false),
			Type: BlockType(bs.Type),
		}
		if blk.ID != "" && blockIDs[blk.ID] {
			b.fe.Add(p+".id", fmt.Sprintf("%q is the id of another block; block ids must be unique", blk.ID))
		}
		blockIDs[blk.ID] = true
		if bs.Position != nil {
			if math.IsNaN(bs.Position.X) || math.IsNaN(bs.Position.Y) ||
				math.Abs(bs.Position.X) > maxCoordinate || math.Abs(bs.Position.Y) > maxCoordinate {
				b.fe.Add(p+".position", "x and y must be numbers within ±10,000,000")
			}
			pos := *bs.Position
			blk.Position = &pos
		}
		switch blk.Type {
		case BlockSeatedGrid:
			if bs.Capacity != nil {
				b.fe.Add(p+".capacity", "only standing blocks have a capacity")
			}
			def := b.tier(p+".tier_id", bs.TierID, uuid.Nil, false)
			switch {
			case bs.Grid != nil && len(bs.Rows) > 0:
				b.fe.Add(p, "give rows or grid, not both")
			case bs.Grid != nil:
				blk.Rows = b.grid(p+".grid", *bs.Grid, def)
			case len(bs.Rows) > 0:
				blk.Rows = b.rows(p, bs.Rows, def)
			default:
				b.fe.Add(p+".rows", "a seated_grid block needs rows of seats or a grid")
			}
		case BlockStanding:
			if len(bs.Rows) > 0 || bs.Grid != nil {
				b.fe.Add(p+".rows", "only seated_grid blocks have rows")
			}
			switch {
			case bs.Capacity == nil:
				b.fe.Add(p+".capacity", "is required for a standing block")
			case *bs.Capacity < 1 || *bs.Capacity > MaxStandingCapacity:
				b.fe.Add(p+".capacity", fmt.Sprintf("must be between 1 and %d", MaxStandingCapacity))
			default:
				blk.Capacity = *bs.Capacity
			}
			blk.TierID = b.tier(p+".tier_id", bs.TierID, uuid.Nil, true)
		case BlockNonSellable:
			if len(bs.Rows) > 0 || bs.Grid != nil || bs.Capacity != nil || bs.TierID != nil {
				b.fe.Add(p, "a non_sellable block has no rows, grid, capacity or tier_id")
			}
		default:
			b.fe.Add(p+".type", "must be seated_grid, standing or non_sellable")
		}
		l.Blocks = append(l.Blocks, blk)
	}
	seen := map[uuid.UUID]bool{}
	for i, s := range spec.BlockedSeatIDs {
		if b.full() {
			break
		}
		f := fmt.Sprintf("%sblocked_seat_ids[%d]", prefix, i)
		id, ok := ParseID(s)
		switch {
		case !ok:
			b.fe.Add(f, "must be a UUID")
		case b.seatIDs[id] == "":
			b.fe.Add(f, "is not a seat of this layout")
		case !seen[id]:
			seen[id] = true
			l.BlockedSeatIDs = append(l.BlockedSeatIDs, id)
		}
	}
	if len(fe) > before {
		return nil
	}
	return l
}

// tier resolves a tier reference: s, else fallback; required when the block or seat is
// sellable and the rules require tiers.
func (b *layoutBuilder) tier(field string, s *string, fallback uuid.UUID, sellable bool) uuid.UUID {
	if s == nil || *s == "" {
		if fallback == uuid.Nil && sellable && b.rules.requireTier {
			b.fe.Add(field, "is required: name a tier of this event")
		}
		return fallback
	}
	id, ok := ParseID(*s)
	if !ok {
		b.fe.Add(field, "must be a UUID")
		return uuid.Nil
	}
	if b.rules.tiers != nil && !b.rules.tiers[id] {
		b.fe.Add(field, "is not a tier of this event")
	}
	return id
}

func (b *layoutBuilder) addSeats(p string, n int) bool {
	if b.seats+n > MaxSeatsPerLayout {
		b.fe.Add(p, fmt.Sprintf("the layout would have more than %d seats", MaxSeatsPerLayout))
		return false
	}
	b.seats += n
	return true
}

func (b *layoutBuilder) grid(p string, g GridSpec, def uuid.UUID) []Row {
	if g.Rows < 1 || g.Rows > maxGridSide {
		b.fe.Add(p+".rows", fmt.Sprintf("must be between 1 and %d", maxGridSide))
	}
	if g.Columns < 1 || g.Columns > maxGridSide {
		b.fe.Add(p+".columns", fmt.Sprintf("must be between 1 and %d", maxGridSide))
	}
	start := 0
	if g.StartRowLabel != "" {
		var ok bool
		if start, ok = rowIndex(g.StartRowLabel); !ok {
			b.fe.Add(p+".start_row_label", "must be 1 to 3 letters A-Z")
		}
	}
	tier := b.tier(p+".tier_id", g.TierID, def, true)
	if len(b.fe) > 0 || !b.addSeats(p, g.Rows*g.Columns) {
		return nil
	}
	rows := make([]Row, g.Rows)
	for i := range rows {
		label := RowLabel(start + i)
		seats := make([]Seat, g.Columns)
		for c := range seats {
			id := uuid.New()
			seats[c] = Seat{ID: id, Label: label + strconv.Itoa(c+1), TierID: tier}
			b.seatIDs[id] = p
		}
		rows[i] = Row{Label: label, Seats: seats}
	}
	return rows
}

func (b *layoutBuilder) rows(p string, specs []RowSpec, def uuid.UUID) []Row {
	rowLabels := map[string]bool{}
	seatLabels := map[string]bool{}
	rows := make([]Row, 0, len(specs))
	for j, rs := range specs {
		if b.full() {
			return nil
		}
		rp := fmt.Sprintf("%s.rows[%d]", p, j)
		row := Row{Label: cleanText(b.fe, rp+".label", rs.Label, 1, maxLabelLen, false)}
		if row.Label != "" && rowLabels[row.Label] {
			b.fe.Add(rp+".label", fmt.Sprintf("row %q appears twice in this block", row.Label))
		}
		rowLabels[row.Label] = true
		if len(rs.Seats) == 0 {
			b.fe.Add(rp+".seats", "must have at least one seat")
		}
		if !b.addSeats(rp, len(rs.Seats)) {
			return nil
		}
		row.Seats = make([]Seat, 0, len(rs.Seats))
		for k, ss := range rs.Seats {
			if b.full() {
				return nil
			}
			sp := fmt.Sprintf("%s.seats[%d]", rp, k)
			seat := Seat{Label: cleanText(b.fe, sp+".label", ss.Label, 1, maxLabelLen, false)}
			if seat.Label != "" && seatLabels[seat.Label] {
				b.fe.Add(sp+".label", fmt.Sprintf("seat %q appears twice in this block", seat.Label))
			}
			seatLabels[seat.Label] = true
			if ss.ID != nil && *ss.ID != "" {
				id, ok := ParseID(*ss.ID)
				switch {
				case !ok:
					b.fe.Add(sp+".id", "must be a UUID")
				case id == uuid.Nil:
					b.fe.Add(sp+".id", "must not be the nil UUID")
				case b.seatIDs[id] != "":
					b.fe.Add(sp+".id", "is the id of another seat ("+b.seatIDs[id]+"); seat ids must be unique")
				}
				seat.ID = id
			} else {
				seat.ID = uuid.New()
			}
			b.seatIDs[seat.ID] = sp
			seat.TierID = b.tier(sp+".tier_id", ss.TierID, def, true)
			row.Seats = append(row.Seats, seat)
		}
		rows = append(rows, row)
	}
	return rows
}

// RowLabel returns the label of the n-th row (from 0): A … Z, AA, AB, … (bijective base 26).
func RowLabel(n int) string {
	var b []byte
	for n++; n > 0; n = (n - 1) / 26 {
		b = append(b, byte('A'+(n-1)%26))
	}
	slices.Reverse(b)
	return string(b)
}

// rowIndex is the inverse of RowLabel for 1 to 3 letters.
func rowIndex(label string) (int, bool) {
	label = strings.ToUpper(strings.TrimSpace(label))
	if len(label) < 1 || len(label) > 3 {
		return 0, false
	}
	n := 0
	for _, c := range label {
		if c < 'A' || c > 'Z' {
			return 0, false
		}
		n = n*26 + int(c-'A'+1)
	}
	return n - 1, true
}

// SeatCount returns the number of seats.
func (l *Layout) SeatCount() int {
	n := 0
	for _, b := range l.Blocks {
		for _, r := range b.Rows {
			n += len(r.Seats)
		}
	}
	return n
}

// StandingCapacity returns the total capacity of the standing blocks.
func (l *Layout) StandingCapacity() int {
	n := 0
	for _, b := range l.Blocks {
		if b.Type == BlockStanding {
			n += b.Capacity
		}
	}
	return n
}

// Sellable reports whether anything can be sold: an unblocked seat or standing capacity.
func (l *Layout) Sellable() bool {
	return l.StandingCapacity() > 0 || l.SeatCount() > len(l.BlockedSeatIDs)
}

// UsesTier reports whether a seat or standing block uses the tier.
func (l *Layout) UsesTier(tier uuid.UUID) bool {
	for _, b := range l.Blocks {
		if b.TierID == tier {
			return true
		}
		for _, r := range b.Rows {
			for _, s := range r.Seats {
				if s.TierID == tier {
					return true
				}
			}
		}
	}
	return false
}

func (l *Layout) seatSet() map[uuid.UUID]bool {
	m := make(map[uuid.UUID]bool, l.SeatCount())
	for _, b := range l.Blocks {
		for _, r := range b.Rows {
			for _, s := range r.Seats {
				m[s.ID] = true
			}
		}
	}
	return m
}

// checkChangeOnSale returns a conflict when replacing old by next would take away what may
// already be sold or held: a seat (details.seat_ids), a standing block or some of its
// capacity (details.block_ids). Blocking or unblocking an existing seat after sales opened
// is an inventory change owned by the order service (it bumps the session's inventory
// version), so it is refused here too. Adding seats and blocks is fine.
func checkChangeOnSale(old, next *Layout) error {
	nextSeats := next.seatSet()
	var removed []string
	removedCount := 0
	for _, b := range old.Blocks {
		for _, r := range b.Rows {
			for _, s := range r.Seats {
				if !nextSeats[s.ID] {
					removedCount++
					if len(removed) < maxReportedSeatIDs {
						removed = append(removed, s.ID.String())
					}
				}
			}
		}
	}
	if removedCount > 0 {
		return apperr.New(apperr.Conflict, "the session is on sale: a layout change may add seats but must keep every existing seat; %d seat(s) would be removed", removedCount).
			WithDetails(map[string]any{"seat_ids": removed, "seat_count": removedCount})
	}
	var shrunk []string
	for _, ob := range old.Blocks {
		if ob.Type != BlockStanding {
			continue
		}
		i := slices.IndexFunc(next.Blocks, func(nb Block) bool { return nb.ID == ob.ID })
		if i < 0 || next.Blocks[i].Type != BlockStanding || next.Blocks[i].Capacity < ob.Capacity {
			shrunk = append(shrunk, ob.ID)
		}
	}
	if len(shrunk) > 0 {
		return apperr.New(apperr.Conflict, "the session is on sale: standing blocks must stay, with at least their capacity").
			WithDetails(map[string]any{"block_ids": shrunk})
	}
	oldSeats := old.seatSet()
	was := map[uuid.UUID]bool{}
	for _, id := range old.BlockedSeatIDs {
		was[id] = true
	}
	is := map[uuid.UUID]bool{}
	for _, id := range next.BlockedSeatIDs {
		is[id] = true
	}
	var changed []string
	for id := range oldSeats {
		if was[id] != is[id] && len(changed) < maxReportedSeatIDs {
			changed = append(changed, id.String())
		}
	}
	if len(changed) > 0 {
		slices.Sort(changed)
		return apperr.New(apperr.Conflict, "the session is on sale: blocking or unblocking existing seats goes through the order service").
			WithDetails(map[string]any{"seat_ids": changed})
	}
	return nil
}

// forEvent copies a template layout for a session of an event: every seat gets a fresh
// UUID (seat IDs never repeat across sessions), blocked seats follow their seats, and each
// seat or standing block keeps its tier when it is a tier of the event. Templates are
// shared by all of an organization's events and usually carry no tiers; then (or when the
// template names a tier of another event) the event's cheapest tier is used, and the
// organizer re-prices blocks with a layout PUT afterwards.
func (l *Layout) forEvent(tiers []*Tier) (*Layout, error) {
	valid := map[uuid.UUID]bool{}
	var cheapest *Tier
	for _, t := range tiers {
		valid[t.id] = true
		if cheapest == nil || t.priceMinor < cheapest.priceMinor {
			cheapest = t
		}
	}
	pick := func(id uuid.UUID) (uuid.UUID, error) {
		if valid[id] {
			return id, nil
		}
		if cheapest == nil {
			return uuid.Nil, apperr.New(apperr.Conflict, "the event has no tiers yet: add a tier before applying a seating template")
		}
		return cheapest.id, nil
	}
	renamed := map[uuid.UUID]uuid.UUID{}
	out := &Layout{Blocks: make([]Block, len(l.Blocks)), BlockedSeatIDs: make([]uuid.UUID, 0, len(l.BlockedSeatIDs))}
	for i, b := range l.Blocks {
		nb := b
		if b.Position != nil {
			p := *b.Position
			nb.Position = &p
		}
		if b.Type == BlockStanding {
			t, err := pick(b.TierID)
			if err != nil {
				return nil, err
			}
			nb.TierID = t
		}
		nb.Rows = make([]Row, len(b.Rows))
		for j, r := range b.Rows {
			seats := make([]Seat, len(r.Seats))
			for k, s := range r.Seats {
				t, err := pick(s.TierID)
				if err != nil {
					return nil, err
				}
				id := uuid.New()
				renamed[s.ID] = id
				seats[k] = Seat{ID: id, Label: s.Label, TierID: t}
			}
			nb.Rows[j] = Row{Label: r.Label, Seats: seats}
		}
		if len(nb.Rows) == 0 {
			nb.Rows = nil
		}
		out.Blocks[i] = nb
	}
	for _, id := range l.BlockedSeatIDs {
		if n, ok := renamed[id]; ok {
			out.BlockedSeatIDs = append(out.BlockedSeatIDs, n)
		}
	}
	return out, nil
}

// Normalize makes a layout read from storage safe to use: nil lists become empty.
func (l *Layout) Normalize() *Layout {
	if l.Blocks == nil {
		l.Blocks = []Block{}
	}
	if l.BlockedSeatIDs == nil {
		l.BlockedSeatIDs = []uuid.UUID{}
	}
	return l
}
