package catalog_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/catalog"
)

func TestEventStatusMachine(t *testing.T) {
	t.Parallel()
	S := func(s string) catalog.EventStatus { return catalog.EventStatus(s) }
	allowed := map[[2]string]bool{
		{"DRAFT", "PENDING"}: true, {"REJECTED", "PENDING"}: true,
		{"PENDING", "APPROVED"}: true, {"PENDING", "REJECTED"}: true, {"APPROVED", "COMPLETED"}: true,
	}
	all := []string{"DRAFT", "PENDING", "APPROVED", "REJECTED", "COMPLETED"}
	for _, from := range all {
		for _, to := range all {
			if got := S(from).CanBecome(S(to)); got != allowed[[2]string{from, to}] {
				t.Errorf("%s -> %s allowed = %v", from, to, got)
			}
		}
	}
}

func TestSessionStatusMachine(t *testing.T) {
	t.Parallel()
	S := func(s string) catalog.SessionStatus { return catalog.SessionStatus(s) }
	allowed := map[[2]string]bool{
		{"SCHEDULED", "ON_SALE"}: true, {"SCHEDULED", "CLOSED"}: true, {"SCHEDULED", "CANCELLED"}: true,
		{"ON_SALE", "SOLD_OUT"}: true, {"ON_SALE", "CLOSED"}: true, {"ON_SALE", "CANCELLED"}: true,
		{"SOLD_OUT", "ON_SALE"}: true, {"SOLD_OUT", "CLOSED"}: true, {"SOLD_OUT", "CANCELLED"}: true,
	}
	all := []string{"SCHEDULED", "ON_SALE", "SOLD_OUT", "CLOSED", "CANCELLED"}
	for _, from := range all {
		for _, to := range all {
			if got := S(from).CanBecome(S(to)); got != allowed[[2]string{from, to}] {
				t.Errorf("%s -> %s allowed = %v", from, to, got)
			}
		}
	}
}

func TestNewEventValidates(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		in    catalog.EventInput
		field string
	}{
		"empty title":       {catalog.EventInput{Title: "  "}, "title"},
		"NUL in title":      {catalog.EventInput{Title: "a\x00b"}, "title"},
		"long title":        {catalog.EventInput{Title: string(make([]byte, 201))}, "title"},
		"bad cover":         {catalog.EventInput{Title: "x", CoverImages: []string{"javascript:alert(1)"}}, "cover_images[0]"},
		"negative price":    {catalog.EventInput{Title: "x", Tiers: []catalog.TierInput{{Name: "A", PriceMinor: ptr[int64](-1), Currency: "EUR"}}}, "tiers[0].price_minor"},
		"missing price":     {catalog.EventInput{Title: "x", Tiers: []catalog.TierInput{{Name: "A", Currency: "EUR"}}}, "tiers[0].price_minor"},
		"bad currency":      {catalog.EventInput{Title: "x", Tiers: []catalog.TierInput{{Name: "A", PriceMinor: ptr[int64](1), Currency: "eur"}}}, "tiers[0].currency"},
		"unknown currency":  {catalog.EventInput{Title: "x", Tiers: []catalog.TierInput{{Name: "A", PriceMinor: ptr[int64](1), Currency: "ABC"}}}, "tiers[0].currency"},
		"bad colour":        {catalog.EventInput{Title: "x", Tiers: []catalog.TierInput{{Name: "A", Colour: "red", PriceMinor: ptr[int64](1), Currency: "EUR"}}}, "tiers[0].colour"},
		"mixed currencies":  {catalog.EventInput{Title: "x", Tiers: []catalog.TierInput{{Name: "A", PriceMinor: ptr[int64](1), Currency: "EUR"}, {Name: "B", PriceMinor: ptr[int64](1), Currency: "USD"}}}, "tiers[1].currency"},
		"duplicate tier":    {catalog.EventInput{Title: "x", Tiers: []catalog.TierInput{{Name: "A", PriceMinor: ptr[int64](1), Currency: "EUR"}, {Name: "a", PriceMinor: ptr[int64](1), Currency: "EUR"}}}, "tiers[1].name"},
		"price over bounds": {catalog.EventInput{Title: "x", Tiers: []catalog.TierInput{{Name: "A", PriceMinor: ptr(catalog.MaxAmountMinor + 1), Currency: "EUR"}}}, "tiers[0].price_minor"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := catalog.NewEvent(uuid.New(), anOrg(uuid.New()), tc.in, "me", now)
			wantField(t, err, tc.field)
		})
	}
}

func TestSubmitApproveRejectFlow(t *testing.T) {
	t.Parallel()
	e, vip, _ := newEvent(t)
	err := e.Submit(catalog.PlanFree, 0, now)
	wantCode(t, err, apperr.Conflict) // no session yet
	if details(t, err)["missing"] != "sessions" {
		t.Fatalf("details %v", details(t, err))
	}
	// A session with nothing to sell blocks the submission too.
	empty, err := e.AddSession(uuid.New(), physical(now.Add(48*time.Hour)), catalog.PlanFree, now)
	wantCode(t, err, "")
	wantCode(t, e.Submit(catalog.PlanFree, 0, now), apperr.Conflict)
	wantCode(t, e.RemoveSession(empty.ID()), "")

	open := physical(now.Add(48 * time.Hour)) // sales started an hour ago
	spec := gridSpec(vip, 2, 3)
	open.Layout = &spec
	s1, err := e.AddSession(uuid.New(), open, catalog.PlanFree, now)
	wantCode(t, err, "")
	later := physical(now.Add(72 * time.Hour))
	later.SalesStartTime = now.Add(time.Hour)
	later.Layout = &spec
	s2, err := e.AddSession(uuid.New(), later, catalog.PlanFree, now)
	wantCode(t, err, "")
	if s1.Status() != catalog.SessionScheduled {
		t.Fatalf("a session of a DRAFT event is %s", s1.Status())
	}

	wantCode(t, e.Approve(now), apperr.Conflict)                      // not PENDING
	wantCode(t, e.Submit(catalog.PlanFree, 1, now), apperr.Forbidden) // active-events limit
	if e.Status() != catalog.EventDraft || e.State().SubmittedAt != nil {
		t.Fatalf("status %s, submitted at %v after a refused submit", e.Status(), e.State().SubmittedAt)
	}
	wantCode(t, e.Submit(catalog.PlanFree, 0, now), "")
	err = e.Submit(catalog.PlanFree, 0, now)
	wantCode(t, err, apperr.Conflict)
	if details(t, err)["status"] != catalog.EventPending {
		t.Fatalf("details %v", details(t, err))
	}
	wantField(t, e.Reject(" ", now), "reason")
	wantCode(t, e.Reject("Needs a better description", now), "")
	if e.State().RejectionReason != "Needs a better description" {
		t.Fatal("rejection reason not kept")
	}
	resubmitted := now.Add(time.Hour)
	wantCode(t, e.Submit(catalog.PlanFree, 0, resubmitted), "")
	if e.State().RejectionReason != "" {
		t.Fatal("resubmission keeps the old rejection reason")
	}
	if at := e.State().SubmittedAt; at == nil || !at.Equal(resubmitted) {
		t.Fatalf("submitted at %v after resubmitting at %v", at, resubmitted)
	}
	wantCode(t, e.Approve(now), "")
	if s1.Status() != catalog.SessionOnSale || s2.Status() != catalog.SessionScheduled {
		t.Fatalf("after approval: open window %s, future window %s", s1.Status(), s2.Status())
	}
	// Editing an approved event keeps it approved.
	wantCode(t, e.Edit(catalog.EventEdit{Description: ptr("Now with fireworks")}, now), "")
	if e.Status() != catalog.EventApproved {
		t.Fatalf("status %s after edit", e.Status())
	}
	wantField(t, e.Edit(catalog.EventEdit{Title: ptr("")}, now), "title")
	// A session added to an approved event in its sales window is on sale at once.
	s3, err := e.AddSession(uuid.New(), open, catalog.PlanFree, now)
	wantCode(t, err, "")
	if s3.Status() != catalog.SessionOnSale {
		t.Fatalf("new session of an approved event: %s", s3.Status())
	}
	// Deleting needs every selling session cancelled.
	wantCode(t, e.CheckDelete(), apperr.Conflict)
	wantCode(t, e.RemoveSession(s1.ID()), apperr.Conflict)
	for _, s := range []*catalog.Session{s1, s3} {
		_, err := e.CancelSession(s.ID(), now)
		wantCode(t, err, "")
	}
	_, err = e.CancelSession(s1.ID(), now)
	wantCode(t, err, apperr.Conflict)
	wantCode(t, e.CheckDelete(), "")
}

func TestSessionsPerEventLimit(t *testing.T) {
	t.Parallel()
	e, _, _ := newEvent(t)
	for i := range 5 {
		_, err := e.AddSession(uuid.New(), physical(now.Add(time.Duration(24+i)*time.Hour)), catalog.PlanFree, now)
		wantCode(t, err, "")
	}
	_, err := e.AddSession(uuid.New(), physical(now.Add(48*time.Hour)), catalog.PlanFree, now)
	wantCode(t, err, apperr.Forbidden)
	_, err = e.AddSession(uuid.New(), physical(now.Add(48*time.Hour)), catalog.PlanPro, now)
	wantCode(t, err, "")
}

func TestSessionValidation(t *testing.T) {
	t.Parallel()
	e, _, _ := newEvent(t)
	start := now.Add(48 * time.Hour)
	for name, tc := range map[string]struct {
		mutate func(*catalog.SessionInput)
		field  string
	}{
		"end before start":       {func(s *catalog.SessionInput) { s.EndTime = s.StartTime }, "end_time"},
		"in the past":            {func(s *catalog.SessionInput) { s.StartTime, s.EndTime = now.Add(-3*time.Hour), now.Add(-time.Hour) }, "end_time"},
		"sales end before start": {func(s *catalog.SessionInput) { s.SalesEndTime = ptr(s.SalesStartTime) }, "sales_end_time"},
		"sales end after end":    {func(s *catalog.SessionInput) { s.SalesEndTime = ptr(s.EndTime.Add(time.Minute)) }, "sales_end_time"},
		"sales open after start": {func(s *catalog.SessionInput) { s.SalesStartTime = s.StartTime.Add(time.Minute) }, "sales_start_time"},
		"missing start":          {func(s *catalog.SessionInput) { s.StartTime = time.Time{} }, "start_time"},
		"physical without venue": {func(s *catalog.SessionInput) { s.Venue = nil }, "venue"},
		"latitude out of range":  {func(s *catalog.SessionInput) { s.Venue.Latitude = ptr(91.0) }, "venue.latitude"},
		"longitude out of range": {func(s *catalog.SessionInput) { s.Venue.Longitude = ptr(-180.5) }, "venue.longitude"},
		"missing latitude":       {func(s *catalog.SessionInput) { s.Venue.Latitude = nil }, "venue.latitude"},
		"physical with link":     {func(s *catalog.SessionInput) { s.OnlineLink = "https://x.example" }, "online_link"},
		"online without link":    {func(s *catalog.SessionInput) { s.Type, s.Venue = catalog.SessionOnline, nil }, "online_link"},
		"online with venue":      {func(s *catalog.SessionInput) { s.Type, s.OnlineLink = catalog.SessionOnline, "https://x.example" }, "venue"},
		"bad type":               {func(s *catalog.SessionInput) { s.Type = "HYBRID" }, "session_type"},
		"layout and template": {func(s *catalog.SessionInput) {
			s.Layout, s.Template = &catalog.LayoutSpec{}, &catalog.SeatingTemplate{}
		}, "template_id"},
		"layout with a bad block": {func(s *catalog.SessionInput) {
			s.Layout = &catalog.LayoutSpec{Blocks: []catalog.BlockSpec{{ID: "x", Name: "X", Type: "balcony"}}}
		}, "layout.blocks[0].type"},
	} {
		t.Run(name, func(t *testing.T) {
			in := physical(start)
			tc.mutate(&in)
			_, err := e.AddSession(uuid.New(), in, catalog.PlanEnterprise, now)
			wantField(t, err, tc.field)
		})
	}
	if n := len(e.Sessions()); n != 0 {
		t.Fatalf("%d sessions added by invalid input", n)
	}
}

func TestEditSessionMovesDefaultSalesEnd(t *testing.T) {
	t.Parallel()
	e, _, _ := newEvent(t)
	start := now.Add(48 * time.Hour)
	s, err := e.AddSession(uuid.New(), physical(start), catalog.PlanFree, now)
	wantCode(t, err, "")
	if !s.State().SalesEndTime.Equal(start) {
		t.Fatalf("sales end defaults to %v", s.State().SalesEndTime)
	}
	moved := start.Add(24 * time.Hour)
	_, err = e.EditSession(s.ID(), catalog.SessionEdit{StartTime: &moved, EndTime: ptr(moved.Add(2 * time.Hour))}, now)
	wantCode(t, err, "")
	if got := s.State().SalesEndTime; !got.Equal(moved) {
		t.Fatalf("sales end %v, want it to follow the start to %v", got, moved)
	}
	_, err = e.EditSession(s.ID(), catalog.SessionEdit{EndTime: ptr(moved.Add(-time.Hour))}, now)
	wantField(t, err, "end_time")
	_, err = e.CancelSession(s.ID(), now)
	wantCode(t, err, "")
	_, err = e.EditSession(s.ID(), catalog.SessionEdit{EndTime: ptr(moved.Add(5 * time.Hour))}, now)
	wantCode(t, err, apperr.Conflict)
}

func TestTierRules(t *testing.T) {
	t.Parallel()
	e, vip, std := newEvent(t)
	_, err := e.AddTier(uuid.New(), catalog.TierInput{Name: "Balcony", PriceMinor: ptr[int64](1000), Currency: "USD"}, now)
	wantField(t, err, "currency")
	_, err = e.AddTier(uuid.New(), catalog.TierInput{Name: "vip", PriceMinor: ptr[int64](1000), Currency: "EUR"}, now)
	wantCode(t, err, apperr.Conflict)
	_, err = e.EditTier(std, catalog.TierEdit{Currency: ptr("USD")}, now)
	wantField(t, err, "currency")
	tier, err := e.EditTier(std, catalog.TierEdit{PriceMinor: ptr[int64](3000)}, now)
	wantCode(t, err, "")
	if tier.State().PriceMinor != 3000 {
		t.Fatal("price not changed")
	}
	_, err = e.EditTier(std, catalog.TierEdit{PriceMinor: ptr[int64](-5)}, now)
	wantField(t, err, "price_minor")

	in := physical(now.Add(48 * time.Hour))
	spec := gridSpec(vip, 1, 2)
	in.Layout = &spec
	_, err = e.AddSession(uuid.New(), in, catalog.PlanFree, now)
	wantCode(t, err, "")
	err = e.RemoveTier(vip)
	wantCode(t, err, apperr.Conflict)
	if ids, _ := details(t, err)["session_ids"].([]string); len(ids) != 1 {
		t.Fatalf("details %v", details(t, err))
	}
	_, err = e.AddDiscount(uuid.New(), catalog.DiscountInput{Code: "STD", Kind: catalog.DiscountPercentage, Percent: ptr(10), TierIDs: []uuid.UUID{std}}, now)
	wantCode(t, err, "")
	wantCode(t, e.RemoveTier(std), apperr.Conflict) // named by a discount
	wantCode(t, e.RemoveTier(uuid.New()), apperr.NotFound)
}
