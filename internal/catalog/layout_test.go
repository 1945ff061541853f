package catalog_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/catalog"
)

func TestRowLabel(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "A", 1: "B", 25: "Z", 26: "AA", 27: "AB", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA"} {
		if got := catalog.RowLabel(n); got != want {
			t.Errorf("RowLabel(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestGridGeneratesRowsAndSeats(t *testing.T) {
	t.Parallel()
	e, vip, _ := newEvent(t)
	l, err := e.BuildLayout(gridSpec(vip, 20, 50))
	wantCode(t, err, "")
	if l.SeatCount() != 1000 {
		t.Fatalf("%d seats", l.SeatCount())
	}
	rows := l.Blocks[0].Rows
	if rows[0].Label != "A" || rows[19].Label != "T" || rows[0].Seats[0].Label != "A1" || rows[19].Seats[49].Label != "T50" {
		t.Fatalf("labels %s %s %s %s", rows[0].Label, rows[19].Label, rows[0].Seats[0].Label, rows[19].Seats[49].Label)
	}
	ids := map[uuid.UUID]bool{}
	for _, r := range rows {
		for _, s := range r.Seats {
			if s.ID == uuid.Nil || ids[s.ID] || s.TierID != vip {
				t.Fatalf("seat %+v", s)
			}
			ids[s.ID] = true
		}
	}
	spec := gridSpec(vip, 3, 1)
	spec.Blocks[0].Grid.StartRowLabel = "z"
	l, err = e.BuildLayout(spec)
	wantCode(t, err, "")
	var got []string
	for _, r := range l.Blocks[0].Rows {
		got = append(got, r.Label)
	}
	if !slices.Equal(got, []string{"Z", "AA", "AB"}) {
		t.Fatalf("rows from Z: %v", got)
	}
}

func TestLayoutKeepsGivenSeatIDs(t *testing.T) {
	t.Parallel()
	e, vip, std := newEvent(t)
	given := uuid.New()
	l, err := e.BuildLayout(catalog.LayoutSpec{
		Blocks: []catalog.BlockSpec{
			{ID: "b1", Name: "Front", Type: "seated_grid", TierID: ptr(std.String()), Position: &catalog.Position{X: 10, Y: 20}, Rows: []catalog.RowSpec{
				{Label: "A", Seats: []catalog.SeatSpec{{ID: ptr(given.String()), Label: "A1", TierID: ptr(vip.String())}, {Label: "A2"}}},
			}},
			{ID: "ga", Name: "Standing", Type: "standing", Capacity: ptr(500), TierID: ptr(std.String())},
			{ID: "stage", Name: "Stage", Type: "non_sellable"},
		},
		BlockedSeatIDs: []string{given.String(), given.String()},
	})
	wantCode(t, err, "")
	seats := l.Blocks[0].Rows[0].Seats
	if seats[0].ID != given || seats[0].TierID != vip || seats[1].ID == uuid.Nil || seats[1].TierID != std {
		t.Fatalf("seats %+v", seats)
	}
	if l.Blocks[0].Position == nil || l.Blocks[0].Position.X != 10 {
		t.Fatal("position not kept")
	}
	if len(l.BlockedSeatIDs) != 1 || l.BlockedSeatIDs[0] != given {
		t.Fatalf("blocked %v", l.BlockedSeatIDs)
	}
	if l.StandingCapacity() != 500 || !l.Sellable() || !l.UsesTier(vip) || !l.UsesTier(std) {
		t.Fatal("summary wrong")
	}
}

func TestLayoutValidation(t *testing.T) {
	t.Parallel()
	e, vip, _ := newEvent(t)
	tier := ptr(vip.String())
	seat := func(id, label string) catalog.SeatSpec {
		s := catalog.SeatSpec{Label: label, TierID: tier}
		if id != "" {
			s.ID = &id
		}
		return s
	}
	dup := uuid.NewString()
	block := func(seats ...catalog.SeatSpec) catalog.BlockSpec {
		return catalog.BlockSpec{ID: "b", Name: "B", Type: "seated_grid", Rows: []catalog.RowSpec{{Label: "A", Seats: seats}}}
	}
	for name, tc := range map[string]struct {
		spec  catalog.LayoutSpec
		field string
	}{
		"duplicate block id": {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{
			{ID: "x", Name: "X", Type: "non_sellable"}, {ID: "x", Name: "Y", Type: "non_sellable"}}}, "blocks[1].id"},
		"empty block id":    {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{{Name: "X", Type: "non_sellable"}}}, "blocks[0].id"},
		"long block id":     {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{{ID: string(make([]byte, 65)), Name: "X", Type: "non_sellable"}}}, "blocks[0].id"},
		"unknown type":      {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{{ID: "x", Name: "X", Type: "balcony"}}}, "blocks[0].type"},
		"no seats":          {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{{ID: "x", Name: "X", Type: "seated_grid"}}}, "blocks[0].rows"},
		"empty row":         {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{block()}}, "blocks[0].rows[0].seats"},
		"duplicate seat id": {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{block(seat(dup, "A1"), seat(dup, "A2"))}}, "blocks[0].rows[0].seats[1].id"},
		"bad seat id":       {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{block(seat("nope", "A1"))}}, "blocks[0].rows[0].seats[0].id"},
		"duplicate label":   {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{block(seat("", "A1"), seat("", "A1"))}}, "blocks[0].rows[0].seats[1].label"},
		"tier of another event": {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{{ID: "b", Name: "B", Type: "seated_grid",
			Rows: []catalog.RowSpec{{Label: "A", Seats: []catalog.SeatSpec{{Label: "A1", TierID: ptr(uuid.NewString())}}}}}}}, "blocks[0].rows[0].seats[0].tier_id"},
		"missing tier": {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{{ID: "b", Name: "B", Type: "seated_grid",
			Rows: []catalog.RowSpec{{Label: "A", Seats: []catalog.SeatSpec{{Label: "A1"}}}}}}}, "blocks[0].rows[0].seats[0].tier_id"},
		"standing without capacity":  {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{{ID: "g", Name: "G", Type: "standing", TierID: tier}}}, "blocks[0].capacity"},
		"standing capacity 0":        {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{{ID: "g", Name: "G", Type: "standing", Capacity: ptr(0), TierID: tier}}}, "blocks[0].capacity"},
		"standing too big":           {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{{ID: "g", Name: "G", Type: "standing", Capacity: ptr(1_000_001), TierID: tier}}}, "blocks[0].capacity"},
		"standing without tier":      {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{{ID: "g", Name: "G", Type: "standing", Capacity: ptr(10)}}}, "blocks[0].tier_id"},
		"non_sellable with capacity": {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{{ID: "s", Name: "S", Type: "non_sellable", Capacity: ptr(5)}}}, "blocks[0]"},
		"rows and grid": {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{{ID: "b", Name: "B", Type: "seated_grid", Grid: &catalog.GridSpec{Rows: 1, Columns: 1, TierID: tier},
			Rows: []catalog.RowSpec{{Label: "A", Seats: []catalog.SeatSpec{seat("", "A1")}}}}}}, "blocks[0]"},
		"grid too wide":    {gridSpec(vip, 1, 1001), "blocks[0].grid.columns"},
		"too many seats":   {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{gridSpec(vip, 300, 300).Blocks[0], {ID: "b2", Name: "B2", Type: "seated_grid", Grid: &catalog.GridSpec{Rows: 200, Columns: 100, TierID: tier}}}}, "blocks[1].grid"},
		"bad start label":  {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{{ID: "b", Name: "B", Type: "seated_grid", Grid: &catalog.GridSpec{Rows: 1, Columns: 1, TierID: tier, StartRowLabel: "A1"}}}}, "blocks[0].grid.start_row_label"},
		"blocked unknown":  {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{block(seat("", "A1"))}, BlockedSeatIDs: []string{uuid.NewString()}}, "blocked_seat_ids[0]"},
		"blocked not uuid": {catalog.LayoutSpec{BlockedSeatIDs: []string{"A1"}}, "blocked_seat_ids[0]"},
		"control in name":  {catalog.LayoutSpec{Blocks: []catalog.BlockSpec{{ID: "s", Name: "S\u0000", Type: "non_sellable"}}}, "blocks[0].name"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.BuildLayout(tc.spec)
			wantField(t, err, tc.field)
		})
	}
}

func TestLayoutChangesWhileOnSale(t *testing.T) {
	t.Parallel()
	e, vip, _ := newEvent(t)
	in := physical(now.Add(48 * time.Hour))
	first := uuid.New()
	spec := catalog.LayoutSpec{Blocks: []catalog.BlockSpec{
		{ID: "b1", Name: "Stalls", Type: "seated_grid", TierID: ptr(vip.String()), Rows: []catalog.RowSpec{
			{Label: "A", Seats: []catalog.SeatSpec{{ID: ptr(first.String()), Label: "A1"}, {Label: "A2"}}}}},
		{ID: "ga", Name: "Standing", Type: "standing", Capacity: ptr(100), TierID: ptr(vip.String())},
	}}
	in.Layout = &spec
	s, err := e.AddSession(uuid.New(), in, catalog.PlanFree, now)
	wantCode(t, err, "")
	wantCode(t, e.Submit(catalog.PlanFree, 0, now), "")
	wantCode(t, e.Approve(now), "")
	if s.Status() != catalog.SessionOnSale {
		t.Fatalf("status %s", s.Status())
	}
	current := s.State().Layout
	second := current.Blocks[0].Rows[0].Seats[1].ID
	keep := func(extra ...catalog.SeatSpec) catalog.LayoutSpec {
		seats := append([]catalog.SeatSpec{{ID: ptr(first.String()), Label: "A1"}, {ID: ptr(second.String()), Label: "A2"}}, extra...)
		return catalog.LayoutSpec{Blocks: []catalog.BlockSpec{
			{ID: "b1", Name: "Stalls", Type: "seated_grid", TierID: ptr(vip.String()), Rows: []catalog.RowSpec{{Label: "A", Seats: seats}}},
			{ID: "ga", Name: "Standing", Type: "standing", Capacity: ptr(100), TierID: ptr(vip.String())},
		}}
	}
	set := func(spec catalog.LayoutSpec) error {
		l, err := e.BuildLayout(spec)
		wantCode(t, err, "")
		_, err = e.SetSessionLayout(s.ID(), l, now)
		return err
	}

	// Removing a seat: 409 naming it.
	removed := keep()
	removed.Blocks[0].Rows[0].Seats = removed.Blocks[0].Rows[0].Seats[:1]
	err = set(removed)
	wantCode(t, err, apperr.Conflict)
	if ids, _ := details(t, err)["seat_ids"].([]string); len(ids) != 1 || ids[0] != second.String() {
		t.Fatalf("details %v", details(t, err))
	}
	// Shrinking the standing area: 409 naming the block.
	shrunk := keep()
	shrunk.Blocks[1].Capacity = ptr(50)
	err = set(shrunk)
	wantCode(t, err, apperr.Conflict)
	if ids, _ := details(t, err)["block_ids"].([]string); len(ids) != 1 || ids[0] != "ga" {
		t.Fatalf("details %v", details(t, err))
	}
	// Blocking an existing seat after sales opened belongs to the order service.
	blocked := keep()
	blocked.BlockedSeatIDs = []string{first.String()}
	wantCode(t, set(blocked), apperr.Conflict)
	if s.State().Layout != current {
		t.Fatal("a refused change replaced the layout")
	}
	// Adding seats (even blocked ones) and growing the standing area is fine.
	added := keep(catalog.SeatSpec{Label: "A3"})
	added.Blocks[1].Capacity = ptr(150)
	l, err := e.BuildLayout(added)
	wantCode(t, err, "")
	newSeat := l.Blocks[0].Rows[0].Seats[2].ID
	added.Blocks[0].Rows[0].Seats[2].ID = ptr(newSeat.String())
	added.BlockedSeatIDs = []string{newSeat.String()}
	wantCode(t, set(added), "")
	if s.State().Layout.SeatCount() != 3 {
		t.Fatal("layout not replaced")
	}
}

func TestTemplateAppliesWithCheapestTier(t *testing.T) {
	t.Parallel()
	e, vip, std := newEvent(t)
	spec := catalog.LayoutSpec{Blocks: []catalog.BlockSpec{
		{ID: "b1", Name: "Stalls", Type: "seated_grid", Grid: &catalog.GridSpec{Rows: 2, Columns: 2}},
		{ID: "ga", Name: "Standing", Type: "standing", Capacity: ptr(10)},
		{ID: "box", Name: "Box", Type: "seated_grid", Rows: []catalog.RowSpec{{Label: "1", Seats: []catalog.SeatSpec{{Label: "1", TierID: ptr(vip.String())}}}}},
	}}
	tpl, err := catalog.NewSeatingTemplate(uuid.New(), e.OrganizationID(), "Hall", &spec, catalog.PlanFree, 0, now)
	wantCode(t, err, "")
	_, err = catalog.NewSeatingTemplate(uuid.New(), e.OrganizationID(), "Hall", &spec, catalog.PlanFree, 5, now)
	wantCode(t, err, apperr.Forbidden)
	_, err = catalog.NewSeatingTemplate(uuid.New(), e.OrganizationID(), "Empty", &catalog.LayoutSpec{}, catalog.PlanFree, 0, now)
	wantField(t, err, "layout.blocks")

	tl := tpl.State().Layout
	tl.BlockedSeatIDs = []uuid.UUID{tl.Blocks[0].Rows[0].Seats[0].ID}
	l, err := e.LayoutFromTemplate(tpl)
	wantCode(t, err, "")
	if got := l.Blocks[0].Rows[0].Seats[0]; got.TierID != std || got.ID == tl.Blocks[0].Rows[0].Seats[0].ID {
		t.Fatalf("seat %+v: want the cheapest tier and a fresh ID", got)
	}
	if l.Blocks[1].TierID != std || l.Blocks[2].Rows[0].Seats[0].TierID != vip {
		t.Fatal("tiers: standing should get the cheapest, a seat naming an event tier keeps it")
	}
	if len(l.BlockedSeatIDs) != 1 || l.BlockedSeatIDs[0] != l.Blocks[0].Rows[0].Seats[0].ID {
		t.Fatalf("blocked seats do not follow their seats: %v", l.BlockedSeatIDs)
	}

	bare, err := catalog.NewEvent(uuid.New(), anOrg(e.OrganizationID()), catalog.EventInput{Title: "No tiers"}, "me", now)
	wantCode(t, err, "")
	_, err = bare.LayoutFromTemplate(tpl)
	wantCode(t, err, apperr.Conflict)
	other, err := catalog.NewEvent(uuid.New(), anOrg(uuid.New()), catalog.EventInput{Title: "Other org"}, "me", now)
	wantCode(t, err, "")
	_, err = other.LayoutFromTemplate(tpl)
	wantField(t, err, "template_id")
}
