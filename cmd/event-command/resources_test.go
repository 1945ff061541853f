package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/svctest"
)

func TestCategories(t *testing.T) {
	t.Parallel()
	a := startAPI(t)
	name := unique("test-cat")
	var parent, child categoryView
	a.must(http.StatusCreated, "admin", "POST", "/api/v1/categories", map[string]any{"name": name}, &parent)
	t.Cleanup(func() { a.do("admin", "DELETE", "/api/v1/categories/"+parent.ID.String(), nil) })
	a.must(http.StatusCreated, "admin", "POST", "/api/v1/categories", map[string]any{"name": name + "-child", "parent_id": parent.ID}, &child)
	t.Cleanup(func() { a.do("admin", "DELETE", "/api/v1/categories/"+child.ID.String(), nil) })
	if child.ParentID == nil || *child.ParentID != parent.ID {
		t.Fatalf("child %+v", child)
	}
	// Two levels only; names unique case-insensitively; only category_admin writes.
	e := wantError(t, a.do("admin", "POST", "/api/v1/categories", map[string]any{"name": name + "-grandchild", "parent_id": child.ID}), http.StatusBadRequest, "invalid")
	if _, ok := e.Error.Details["fields"].(map[string]any)["parent_id"]; !ok {
		t.Fatalf("details %v", e.Error.Details)
	}
	wantError(t, a.do("admin", "POST", "/api/v1/categories", map[string]any{"name": strings.ToUpper(name)}), http.StatusConflict, "conflict")
	wantError(t, a.do("admin", "PATCH", "/api/v1/categories/"+parent.ID.String(), map[string]any{"parent_id": child.ID}), http.StatusBadRequest, "invalid")
	wantError(t, a.do("organizer", "POST", "/api/v1/categories", map[string]any{"name": name + "-x"}), http.StatusForbidden, "forbidden")

	var list list[categoryView]
	a.must(http.StatusOK, "buyer", "GET", "/api/v1/manage/categories", nil, &list)
	if !slices.ContainsFunc(list.Items, func(c categoryView) bool { return c.ID == child.ID && c.ParentID != nil }) {
		t.Fatal("category list misses the child")
	}

	// In use by an event, or with children: 409.
	org := newOrg(t, a, "organizer")
	body := eventBody(org.ID)
	body["category_id"] = child.ID
	var ev eventView
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/events", body, &ev)
	wantError(t, a.do("admin", "DELETE", "/api/v1/categories/"+parent.ID.String(), nil), http.StatusConflict, "conflict")
	wantError(t, a.do("admin", "DELETE", "/api/v1/categories/"+child.ID.String(), nil), http.StatusConflict, "conflict")
	// Moving the child to the top level (parent_id null) and renaming it.
	var moved categoryView
	a.must(http.StatusOK, "admin", "PATCH", "/api/v1/categories/"+child.ID.String(), map[string]any{"parent_id": nil, "name": name + "-moved"}, &moved)
	if moved.ParentID != nil || moved.Name != name+"-moved" {
		t.Fatalf("moved %+v", moved)
	}
	a.must(http.StatusNoContent, "organizer", "DELETE", "/api/v1/events/"+ev.ID.String(), nil, nil)
	a.must(http.StatusNoContent, "admin", "DELETE", "/api/v1/categories/"+child.ID.String(), nil, nil)
	a.must(http.StatusNoContent, "admin", "DELETE", "/api/v1/categories/"+parent.ID.String(), nil, nil)
	wantError(t, a.do("admin", "DELETE", "/api/v1/categories/"+parent.ID.String(), nil), http.StatusNotFound, "not_found")
}

func TestMembersAndRoles(t *testing.T) {
	t.Parallel()
	a := startAPI(t)
	f := newFixture(t, a)
	orgPath := "/api/v1/organizations/" + f.org.ID.String()
	scanner := svctest.Subject(t, "scanner")

	wantError(t, a.do("scanner", "GET", orgPath, nil), http.StatusNotFound, "not_found")
	var m memberView
	a.must(http.StatusCreated, "organizer", "PUT", orgPath+"/members/"+scanner, map[string]any{"roles": []string{"SCANNER"}}, &m)
	if m.UserID != scanner || !slices.Equal(m.Roles, []catalog.OrgRole{catalog.OrgRoleScanner}) {
		t.Fatalf("member %+v", m)
	}
	// A SCANNER reads but does not write.
	a.must(http.StatusOK, "scanner", "GET", orgPath, nil, nil)
	a.must(http.StatusOK, "scanner", "GET", "/api/v1/manage/events/"+f.event.ID.String(), nil, nil)
	wantError(t, a.do("scanner", "PATCH", "/api/v1/events/"+f.event.ID.String(), map[string]any{"title": "x"}), http.StatusForbidden, "forbidden")
	var mine list[myOrgView]
	a.must(http.StatusOK, "scanner", "GET", "/api/v1/organizations/mine", nil, &mine)
	if i := slices.IndexFunc(mine.Items, func(o myOrgView) bool { return o.ID == f.org.ID }); i < 0 || !slices.Equal(mine.Items[i].MyRoles, []catalog.OrgRole{catalog.OrgRoleScanner}) {
		t.Fatalf("scanner's organizations: %+v", mine.Items)
	}
	// Promoted to ADMIN they write, and manage members.
	a.must(http.StatusOK, "organizer", "PUT", orgPath+"/members/"+scanner, map[string]any{"roles": []string{"ADMIN", "SCANNER"}}, nil)
	var ev eventView
	a.must(http.StatusOK, "scanner", "PATCH", "/api/v1/events/"+f.event.ID.String(), map[string]any{"title": "Edited by an admin member"}, &ev)
	a.must(http.StatusCreated, "scanner", "PUT", orgPath+"/members/"+svctest.Subject(t, "buyer11"), map[string]any{"roles": []string{"SCANNER"}}, nil)
	// But only the owner (or organization_admin) deletes the organization.
	wantError(t, a.do("scanner", "DELETE", orgPath, nil), http.StatusForbidden, "forbidden")
	var members list[memberView]
	a.must(http.StatusOK, "organizer", "GET", orgPath+"/members", nil, &members)
	if len(members.Items) != 2 {
		t.Fatalf("members %+v", members.Items)
	}
	// The owner cannot be a member; a member may leave on their own.
	wantError(t, a.do("organizer", "PUT", orgPath+"/members/"+f.org.OwnerID, map[string]any{"roles": []string{"ADMIN"}}), http.StatusBadRequest, "invalid")
	a.must(http.StatusNoContent, "scanner", "DELETE", orgPath+"/members/"+scanner, nil, nil)
	wantError(t, a.do("scanner", "GET", orgPath, nil), http.StatusNotFound, "not_found")
	wantError(t, a.do("organizer", "DELETE", orgPath+"/members/"+scanner, nil), http.StatusNotFound, "not_found")
	// organization_admin manages any organization.
	var renamed orgView
	a.must(http.StatusOK, "admin", "PATCH", orgPath, map[string]any{"name": "Renamed by admin", "logo_url": "https://img.example.com/logo.png"}, &renamed)
	if renamed.Name != "Renamed by admin" || renamed.LogoURL == "" || !renamed.UpdatedAt.After(f.org.UpdatedAt) {
		t.Fatalf("renamed %+v", renamed)
	}
	var all page[orgView]
	a.must(http.StatusOK, "admin", "GET", "/api/v1/organizations?page_size=1", nil, &all)
	if all.Total < 1 || len(all.Items) != 1 {
		t.Fatalf("admin list %+v", all)
	}
}

func TestTemplatesApplyToSessions(t *testing.T) {
	t.Parallel()
	a := startAPI(t)
	f := newFixture(t, a)
	var tpl templateView
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/organizations/"+f.org.ID.String()+"/seating-templates", map[string]any{
		"name": "Main hall", "layout": map[string]any{"blocks": []any{
			map[string]any{"id": "stalls", "name": "Stalls", "type": "seated_grid", "grid": map[string]any{"rows": 3, "columns": 4}},
			map[string]any{"id": "ga", "name": "Floor", "type": "standing", "capacity": 50},
			map[string]any{"id": "stage", "name": "Stage", "type": "non_sellable", "position": map[string]any{"x": 5, "y": 0}},
		}}}, &tpl)
	if tpl.Layout.SeatCount() != 12 || tpl.Layout.Blocks[0].Rows[0].Seats[0].TierID != uuid.Nil {
		t.Fatalf("template layout: %d seats", tpl.Layout.SeatCount())
	}
	var list list[templateView]
	a.must(http.StatusOK, "organizer", "GET", "/api/v1/organizations/"+f.org.ID.String()+"/seating-templates", nil, &list)
	if len(list.Items) != 2 || list.Items[0].Layout != nil {
		t.Fatalf("template list %+v (layouts are left out)", list.Items)
	}

	// A session made from the template: fresh seat IDs, the cheapest tier (Standard).
	body := sessionBody(time.Now().Add(50*24*time.Hour), time.Now().Add(24*time.Hour), nil)
	body["template_id"] = tpl.ID
	var s sessionView
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/events/"+f.event.ID.String()+"/sessions", body, &s)
	seat := s.Layout.Blocks[0].Rows[0].Seats[0]
	if seat.TierID != f.std.ID || seat.ID == tpl.Layout.Blocks[0].Rows[0].Seats[0].ID || s.Layout.Blocks[1].TierID != f.std.ID {
		t.Fatalf("applied template: seat %+v, standing tier %s", seat, s.Layout.Blocks[1].TierID)
	}
	// Re-pricing a block keeps the seat IDs; a layout PUT can also apply a template.
	blocks := s.Layout.Blocks
	for i := range blocks[0].Rows[0].Seats {
		blocks[0].Rows[0].Seats[i].TierID = f.vip.ID
	}
	var s2 sessionView
	a.must(http.StatusOK, "organizer", "PUT", "/api/v1/sessions/"+s.ID.String()+"/layout", map[string]any{"blocks": blocks}, &s2)
	if s2.Layout.Blocks[0].Rows[0].Seats[0].ID != seat.ID || s2.Layout.Blocks[0].Rows[0].Seats[0].TierID != f.vip.ID {
		t.Fatal("re-pricing changed seat IDs or kept the old tier")
	}
	a.must(http.StatusOK, "organizer", "PUT", "/api/v1/sessions/"+f.session.ID.String()+"/layout", map[string]any{"template_id": tpl.ID}, nil)
	wantError(t, a.do("organizer", "PUT", "/api/v1/sessions/"+f.session.ID.String()+"/layout", map[string]any{"template_id": uuid.New()}), http.StatusBadRequest, "invalid")

	// A template of another organization cannot be applied.
	other := newOrg(t, a, "organizer")
	var foreign templateView
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/organizations/"+other.ID.String()+"/seating-templates", templateBody(nil), &foreign)
	wantError(t, a.do("organizer", "PUT", "/api/v1/sessions/"+f.session.ID.String()+"/layout", map[string]any{"template_id": foreign.ID}), http.StatusBadRequest, "invalid")

	// Replace and delete; sessions keep their copies.
	var replaced templateView
	a.must(http.StatusOK, "organizer", "PUT", "/api/v1/seating-templates/"+tpl.ID.String(), templateBody(nil), &replaced)
	if replaced.Name != "Matrix hall" || replaced.Layout.SeatCount() != 4 {
		t.Fatalf("replaced %+v", replaced)
	}
	a.must(http.StatusNoContent, "organizer", "DELETE", "/api/v1/seating-templates/"+tpl.ID.String(), nil, nil)
	wantError(t, a.do("organizer", "GET", "/api/v1/seating-templates/"+tpl.ID.String(), nil), http.StatusNotFound, "not_found")
	var kept sessionView
	a.must(http.StatusOK, "organizer", "GET", "/api/v1/manage/sessions/"+s.ID.String(), nil, &kept)
	if kept.Layout.SeatCount() != 12 {
		t.Fatal("deleting the template changed a session's layout")
	}
}

func TestDiscounts(t *testing.T) {
	t.Parallel()
	a := startAPI(t)
	f := newFixture(t, a)
	path := "/api/v1/events/" + f.event.ID.String() + "/discounts"
	var flat, bogo discountView
	a.must(http.StatusCreated, "organizer", "POST", path, map[string]any{"code": "flat-5", "kind": "FLAT_OFF", "amount_minor": 500, "min_spend_minor": 2000,
		"usage_limit": 100, "active_from": "2030-01-01T10:00:00+02:00", "active_until": "2030-02-01T00:00:00Z", "tier_ids": []uuid.UUID{f.vip.ID}}, &flat)
	if flat.Code != "FLAT-5" || flat.ActiveFrom.Location() != time.UTC || flat.ActiveFrom.Hour() != 8 || flat.Public {
		t.Fatalf("flat %+v", flat)
	}
	a.must(http.StatusCreated, "organizer", "POST", path, map[string]any{"code": "B1G1", "kind": "BUY_N_GET_N_FREE", "buy": 1, "get": 1, "public": true,
		"session_ids": []uuid.UUID{f.session.ID}}, &bogo)
	wantError(t, a.do("organizer", "POST", path, map[string]any{"code": "b1g1", "kind": "PERCENTAGE", "percent": 5}), http.StatusConflict, "conflict")

	// Patch: null clears usage_limit; changing the kind needs the new kind's parameters.
	var patched discountView
	a.must(http.StatusOK, "organizer", "PATCH", "/api/v1/discounts/"+flat.ID.String(), map[string]any{"usage_limit": nil, "public": true}, &patched)
	if patched.UsageLimit != nil || !patched.Public || *patched.AmountMinor != 500 {
		t.Fatalf("patched %+v", patched)
	}
	wantError(t, a.do("organizer", "PATCH", "/api/v1/discounts/"+flat.ID.String(), map[string]any{"kind": "PERCENTAGE"}), http.StatusBadRequest, "invalid")
	a.must(http.StatusOK, "organizer", "PATCH", "/api/v1/discounts/"+flat.ID.String(), map[string]any{"kind": "PERCENTAGE", "percent": 20, "max_discount_minor": 1000}, &patched)
	if patched.Kind != catalog.DiscountPercentage || patched.AmountMinor != nil || patched.MinSpendMinor != 0 || *patched.Percent != 20 {
		t.Fatalf("kind change %+v", patched)
	}
	wantError(t, a.do("organizer", "PATCH", "/api/v1/discounts/"+flat.ID.String(), map[string]any{"code": "B1G1"}), http.StatusConflict, "conflict")

	// A tier or session named by a discount cannot be deleted.
	wantError(t, a.do("organizer", "DELETE", "/api/v1/tiers/"+f.vip.ID.String(), nil), http.StatusConflict, "conflict")
	wantError(t, a.do("organizer", "DELETE", "/api/v1/sessions/"+f.session.ID.String(), nil), http.StatusConflict, "conflict")

	var all list[discountView]
	a.must(http.StatusOK, "organizer", "GET", "/api/v1/manage/events/"+f.event.ID.String()+"/discounts", nil, &all)
	if len(all.Items) != 3 {
		t.Fatalf("%d discounts", len(all.Items))
	}
	a.must(http.StatusNoContent, "organizer", "DELETE", "/api/v1/discounts/"+bogo.ID.String(), nil, nil)
	a.must(http.StatusNoContent, "organizer", "DELETE", "/api/v1/sessions/"+f.session.ID.String(), nil, nil)
	wantError(t, a.do("organizer", "DELETE", "/api/v1/discounts/"+bogo.ID.String(), nil), http.StatusNotFound, "not_found")
}

func TestTiersAndSessions(t *testing.T) {
	t.Parallel()
	a := startAPI(t)
	db := testDB(t)
	f := newFixture(t, a)
	// A tier used by a layout cannot go; an unused one can.
	e := wantError(t, a.do("organizer", "DELETE", "/api/v1/tiers/"+f.vip.ID.String(), nil), http.StatusConflict, "conflict")
	if ids, _ := e.Error.Details["session_ids"].([]any); len(ids) != 1 {
		t.Fatalf("details %v", e.Error.Details)
	}
	var extra tierView
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/events/"+f.event.ID.String()+"/tiers", map[string]any{"name": "Extra", "price_minor": 0, "currency": "EUR"}, &extra)
	wantError(t, a.do("organizer", "POST", "/api/v1/events/"+f.event.ID.String()+"/tiers", map[string]any{"name": "extra", "price_minor": 1, "currency": "EUR"}), http.StatusConflict, "conflict")
	a.must(http.StatusNoContent, "organizer", "DELETE", "/api/v1/tiers/"+extra.ID.String(), nil, nil)

	// Session PATCH: moving the start moves the default sales end; validation per field.
	newStart := f.session.StartTime.Add(48 * time.Hour)
	var s sessionView
	a.must(http.StatusOK, "organizer", "PATCH", "/api/v1/sessions/"+f.session.ID.String(), map[string]any{
		"start_time": newStart.Format(time.RFC3339), "end_time": newStart.Add(2 * time.Hour).Format(time.RFC3339)}, &s)
	if !s.SalesEndTime.Equal(newStart) || !s.StartTime.Equal(newStart) {
		t.Fatalf("after PATCH: start %v sales end %v", s.StartTime, s.SalesEndTime)
	}
	e = wantError(t, a.do("organizer", "PATCH", "/api/v1/sessions/"+f.session.ID.String(), map[string]any{"sales_end_time": newStart.Add(5 * time.Hour).Format(time.RFC3339)}), http.StatusBadRequest, "invalid")
	if _, ok := e.Error.Details["fields"].(map[string]any)["sales_end_time"]; !ok {
		t.Fatalf("details %v", e.Error.Details)
	}
	// An online session needs a link and no venue.
	online := map[string]any{"start_time": newStart.Format(time.RFC3339), "end_time": newStart.Add(time.Hour).Format(time.RFC3339),
		"sales_start_time": time.Now().Format(time.RFC3339), "session_type": "ONLINE"}
	wantError(t, a.do("organizer", "POST", "/api/v1/events/"+f.event.ID.String()+"/sessions", online), http.StatusBadRequest, "invalid")
	online["online_link"] = "https://stream.example.com/live"
	online["layout"] = map[string]any{"blocks": []any{map[string]any{"id": "viewers", "name": "Viewers", "type": "standing", "capacity": 10000, "tier_id": f.std.ID}}}
	var os sessionView
	a.must(http.StatusCreated, "organizer", "POST", "/api/v1/events/"+f.event.ID.String()+"/sessions", online, &os)
	if os.Venue != nil || os.OnlineLink == "" || os.Layout.StandingCapacity() != 10000 {
		t.Fatalf("online session %+v", os)
	}
	// Cancel, then delete; a cancelled session cannot be edited.
	a.must(http.StatusOK, "organizer", "POST", "/api/v1/sessions/"+os.ID.String()+"/cancel", nil, nil)
	wantError(t, a.do("organizer", "PATCH", "/api/v1/sessions/"+os.ID.String(), map[string]any{"online_link": "https://x.example.com"}), http.StatusConflict, "conflict")
	a.must(http.StatusNoContent, "organizer", "DELETE", "/api/v1/sessions/"+os.ID.String(), nil, nil)
	var n int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM catalog.sessions WHERE id = $1`, os.ID).Scan(&n); err != nil || n != 0 {
		t.Fatalf("deleted session still stored (%d, %v)", n, err)
	}
}

// TestLargeLayouts: explicit rows of seats up to the 4 MiB layout body limit, the 100,000
// seat ceiling (with the grid generator) and one seat over it.
func TestLargeLayouts(t *testing.T) {
	t.Parallel()
	a := startAPI(t)
	f := newFixture(t, a)
	rows := make([]map[string]any, 0, 150)
	for r := range 150 {
		seats := make([]map[string]any, 100)
		for c := range seats {
			seats[c] = map[string]any{"label": fmt.Sprintf("%s%d", catalog.RowLabel(r), c+1), "tier_id": f.std.ID}
		}
		rows = append(rows, map[string]any{"label": catalog.RowLabel(r), "seats": seats})
	}
	body := map[string]any{"blocks": []any{map[string]any{"id": "arena", "name": "Arena", "type": "seated_grid", "rows": rows}}}
	var s sessionView
	a.must(http.StatusOK, "organizer", "PUT", "/api/v1/sessions/"+f.session.ID.String()+"/layout", body, &s) // ~1.2 MB: over 1 MiB, under 4 MiB
	if s.Layout.SeatCount() != 15000 {
		t.Fatalf("%d seats", s.Layout.SeatCount())
	}
	grid := func(rows int) map[string]any {
		return map[string]any{"blocks": []any{
			map[string]any{"id": "a", "name": "A", "type": "seated_grid", "grid": map[string]any{"rows": 100, "columns": 1000, "tier_id": f.std.ID}},
			map[string]any{"id": "b", "name": "B", "type": "seated_grid", "grid": map[string]any{"rows": rows, "columns": 1, "tier_id": f.std.ID}},
		}}
	}
	e := wantError(t, a.do("organizer", "PUT", "/api/v1/sessions/"+f.session.ID.String()+"/layout", grid(1)), http.StatusBadRequest, "invalid")
	if !strings.Contains(fmt.Sprint(e.Error.Details), "100000") {
		t.Fatalf("details %v", e.Error.Details)
	}
	big := grid(1)
	big["blocks"] = big["blocks"].([]any)[:1]
	a.must(http.StatusOK, "organizer", "PUT", "/api/v1/sessions/"+f.session.ID.String()+"/layout", big, &s)
	if s.Layout.SeatCount() != 100000 {
		t.Fatalf("%d seats", s.Layout.SeatCount())
	}
}
