//go:build chaos

package chaos_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/ticketly/ticketly/internal/projection"
)

// The fields of each read-model document that the write model's rows determine (the
// documents' other fields are their own bookkeeping: LSN guards, change counters, commit
// times).
var (
	eventFields = []string{"id", "exists", "organization_id", "category_id", "title", "description", "overview",
		"cover_images", "status", "created_at", "updated_at", "tiers", "sessions", "discounts"}
	orgFields      = []string{"id", "exists", "name", "website", "logo_url", "owner_id", "members"}
	categoryFields = []string{"id", "exists", "name", "parent_id"}
	seatFields     = []string{"session_id", "version", "seats", "standing"}
)

// mongoDiffs compares the MongoDB documents in sc with what PostgreSQL implies, field by
// field: events (tiers, sessions with venue and seat map, discounts), organizations with
// their members, categories, and each session's seat status.
func (e *env) mongoDiffs(ctx context.Context, sc scope, tr *truth) ([]string, error) {
	var out []string
	events := map[string]*projection.EventDoc{}
	var err error
	if sc.All {
		err = e.events.All(ctx, func(id string, d *projection.EventDoc) error { events[id] = d; return nil })
	} else {
		events, err = e.events.Get(ctx, sc.Events)
	}
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	for _, id := range union(sc.Events, keys(tr.Events), keys(events)) {
		want, got := tr.Events[id], events[id]
		switch {
		case want == nil && got != nil && got.Exists:
			out = append(out, "events/"+id+": deleted in PostgreSQL, still in MongoDB")
		case want != nil && got == nil:
			out = append(out, "events/"+id+": missing in MongoDB")
		case want != nil:
			for _, d := range diff(want, got, eventFields...) {
				out = append(out, "events/"+id+" "+d)
			}
		}
	}

	type docs = map[string]*map[string]any
	read := func(store interface {
		Get(context.Context, []string) (docs, error)
		All(context.Context, func(string, *map[string]any) error) error
	}, ids []string) (docs, error) {
		if !sc.All {
			return store.Get(ctx, ids)
		}
		all := docs{}
		err := store.All(ctx, func(id string, d *map[string]any) error { all[id] = d; return nil })
		return all, err
	}
	exists := func(d *map[string]any) bool { return d != nil && (*d)["exists"] == true }
	orgs, err := read(e.orgs, sc.Orgs)
	if err != nil {
		return nil, fmt.Errorf("read organizations: %w", err)
	}
	for _, id := range union(sc.Orgs, keys(tr.Orgs), keys(orgs)) {
		want, got := tr.Orgs[id], orgs[id]
		switch {
		case want == nil && exists(got):
			out = append(out, "organizations/"+id+": deleted in PostgreSQL, still in MongoDB")
		case want != nil && got == nil:
			out = append(out, "organizations/"+id+": missing in MongoDB")
		case want != nil:
			for _, d := range diff(want, onlyMemberFields(*got), orgFields...) {
				out = append(out, "organizations/"+id+" "+d)
			}
		}
	}
	cats, err := read(e.cats, sc.Cats)
	if err != nil {
		return nil, fmt.Errorf("read categories: %w", err)
	}
	for _, id := range union(sc.Cats, keys(tr.Cats), keys(cats)) {
		want, got := tr.Cats[id], cats[id]
		switch {
		case want == nil && exists(got):
			out = append(out, "categories/"+id+": deleted in PostgreSQL, still in MongoDB")
		case want != nil && got == nil:
			out = append(out, "categories/"+id+": missing in MongoDB")
		case want != nil:
			for _, d := range diff(want, *got, categoryFields...) {
				out = append(out, "categories/"+id+" "+d)
			}
		}
	}

	seats, err := read(e.seatDocs, sc.Sessions)
	if err != nil {
		return nil, fmt.Errorf("read seat status: %w", err)
	}
	for _, sid := range union(sc.Sessions, keys(tr.Seats), keys(seats)) {
		want, got := tr.Seats[sid], seats[sid]
		switch {
		case want == nil && got != nil && versionOf(*got) > 0:
			out = append(out, fmt.Sprintf("seat_status/%s: at version %d, but PostgreSQL has no inventory of the session", sid, versionOf(*got)))
			continue
		case want == nil:
			continue
		case got == nil:
			out = append(out, fmt.Sprintf("seat_status/%s: missing in MongoDB (inventory version %d)", sid, want.Version))
			continue
		}
		g := maps.Clone(*got)
		if gaps, _ := g["gaps"].(float64); gaps != 0 {
			out = append(out, fmt.Sprintf("seat_status/%s: %v versions never arrived (gaps)", sid, gaps))
		}
		if levels, ok := g["standing"].([]any); ok {
			levels = slices.Clone(levels)
			slices.SortFunc(levels, func(a, b any) int { return cmpStr(blockOf(a), blockOf(b)) })
			g["standing"] = levels
		}
		for _, d := range diff(want, g, seatFields...) {
			out = append(out, "seat_status/"+sid+" "+d)
		}
	}
	return out, nil
}

// onlyMemberFields keeps of each member its user id and roles (a member entry may carry the
// projector's bookkeeping too).
func onlyMemberFields(doc map[string]any) map[string]any {
	members, ok := doc["members"].([]any)
	if !ok {
		return doc
	}
	out := maps.Clone(doc)
	kept := make([]any, len(members))
	for i, m := range members {
		mm, _ := m.(map[string]any)
		kept[i] = map[string]any{"user_id": mm["user_id"], "roles": mm["roles"]}
	}
	out["members"] = kept
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// union returns the distinct ids of the lists, sorted.
func union(lists ...[]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lists {
		for _, id := range l {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	slices.Sort(out)
	return out
}

func blockOf(level any) string {
	m, _ := level.(map[string]any)
	s, _ := m["block_id"].(string)
	return s
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// restDiffs compares what an event-query replica serves (from its in-memory view) with
// what PostgreSQL implies: the public event document and each session's seat map.
func (e *env) restDiffs(ctx context.Context, base string, f *fixture, tr *truth) ([]string, error) {
	ev, o := tr.Events[f.EventID], tr.Orgs[f.OrgID]
	if ev == nil || o == nil {
		return nil, nil
	}
	var out []string
	r := e.api.do(ctx, http.MethodGet, base+"/api/v1/events/"+f.EventID, "", nil)
	if !r.ok() {
		return nil, fmt.Errorf("GET event: %s", r)
	}
	var got map[string]any
	if err := r.decode(&got); err != nil {
		return nil, err
	}
	type org struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Website string `json:"website"`
		LogoURL string `json:"logo_url"`
	}
	type cat struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Parent *cat   `json:"parent,omitempty"`
	}
	type session struct {
		ID             string            `json:"id"`
		StartTime      string            `json:"start_time"`
		EndTime        string            `json:"end_time"`
		SalesStartTime string            `json:"sales_start_time"`
		SalesEndTime   string            `json:"sales_end_time"`
		Status         string            `json:"status"`
		SessionType    string            `json:"session_type"`
		Venue          *projection.Venue `json:"venue"`
	}
	type discount struct {
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
	want := map[string]any{"id": ev.ID, "title": ev.Title, "description": ev.Description, "overview": ev.Overview,
		"cover_images": ev.CoverImages, "status": ev.Status, "tiers": ev.Tiers,
		"organization": org{ID: o.ID, Name: o.Name, Website: o.Website, LogoURL: o.LogoURL}}
	if c := tr.Cats[ev.CategoryID]; c != nil {
		wc := &cat{ID: c.ID, Name: c.Name}
		if p := tr.Cats[c.ParentID]; p != nil {
			wc.Parent = &cat{ID: p.ID, Name: p.Name}
		}
		want["category"] = wc
	}
	var sessions []session
	for _, s := range ev.Sessions {
		sessions = append(sessions, session{ID: s.ID, StartTime: s.StartTime, EndTime: s.EndTime, SalesStartTime: s.SalesStartTime,
			SalesEndTime: s.SalesEndTime, Status: s.Status, SessionType: s.SessionType, Venue: s.Venue})
	}
	want["sessions"] = sessions
	now := time.Now().UTC().Format(time.RFC3339)
	var discounts []discount
	for _, x := range ev.Discounts {
		if x.Public && (x.ActiveUntil == "" || x.ActiveUntil > now) {
			discounts = append(discounts, discount{Code: x.Code, Kind: x.Kind, Percent: x.Percent, AmountMinor: x.AmountMinor,
				MinSpendMinor: x.MinSpendMinor, MaxDiscountMinor: x.MaxDiscountMinor, Buy: x.Buy, Get: x.Get,
				ActiveFrom: x.ActiveFrom, ActiveUntil: x.ActiveUntil, TierIDs: x.TierIDs, SessionIDs: x.SessionIDs})
		}
	}
	want["discounts"] = discounts
	// Only the fields this comparison knows about are compared.
	sub := map[string]any{}
	for k := range want {
		sub[k] = got[k]
	}
	if ss, ok := sub["sessions"].([]any); ok {
		for _, s := range ss {
			if m, ok := s.(map[string]any); ok {
				delete(m, "event_id")
				delete(m, "seat_count")
				delete(m, "standing_capacity")
			}
		}
	}
	for _, d := range diff(want, sub) {
		out = append(out, base+" event "+d)
	}

	for _, s := range ev.Sessions {
		d, err := e.restSeatDiffs(ctx, base, s, tr)
		if err != nil {
			return nil, err
		}
		out = append(out, d...)
	}
	return out, nil
}

// restSeatDiffs compares GET /sessions/{id}/seats with the session's layout and live
// allocations: every seat's status, each standing area's availability, the version.
func (e *env) restSeatDiffs(ctx context.Context, base string, s projection.Session, tr *truth) ([]string, error) {
	r := e.api.do(ctx, http.MethodGet, base+"/api/v1/sessions/"+s.ID+"/seats", "", nil)
	if !r.ok() {
		return nil, fmt.Errorf("GET seats of %s: %s", s.ID, r)
	}
	var got struct {
		Status  string `json:"status"`
		Version int64  `json:"version"`
		Seats   []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"seats"`
		Standing []struct {
			BlockID   string `json:"block_id"`
			Capacity  int64  `json:"capacity"`
			Available int64  `json:"available"`
		} `json:"standing"`
	}
	if err := r.decode(&got); err != nil {
		return nil, err
	}
	var out []string
	prefix := base + " seats/" + s.ID + " "
	if got.Status != s.Status {
		out = append(out, fmt.Sprintf("%sstatus: want %s, got %s", prefix, s.Status, got.Status))
	}
	live := tr.Seats[s.ID]
	if live != nil && got.Version != live.Version {
		out = append(out, fmt.Sprintf("%sversion: want %d, got %d", prefix, live.Version, got.Version))
	}
	blocked := map[string]bool{}
	for _, id := range s.Layout.BlockedSeatIDs {
		blocked[id] = true
	}
	want := map[string]string{}
	for _, b := range s.Layout.Blocks {
		for _, row := range b.Rows {
			for _, seat := range row.Seats {
				st := "AVAILABLE"
				if blocked[seat.ID] {
					st = "BLOCKED"
				} else if live != nil && live.Seats[seat.ID] != "" {
					st = live.Seats[seat.ID]
				}
				want[seat.ID] = st
			}
		}
	}
	wrong := 0
	for _, seat := range got.Seats {
		if w, ok := want[seat.ID]; !ok {
			out = append(out, prefix+"seat "+seat.ID+" is not in the layout")
		} else if w != seat.Status {
			if wrong++; wrong <= 10 {
				out = append(out, fmt.Sprintf("%sseat %s: want %s, got %s", prefix, seat.ID, w, seat.Status))
			}
		}
		delete(want, seat.ID)
	}
	if wrong > 10 {
		out = append(out, fmt.Sprintf("%s… %d seats with a wrong status in all", prefix, wrong))
	}
	for id := range want {
		out = append(out, prefix+"seat "+id+" is missing")
	}
	for _, a := range got.Standing {
		avail := a.Capacity
		if inv, ok := tr.Standing[s.ID][a.BlockID]; ok {
			avail = inv.Capacity - inv.Taken
		}
		if a.Available != avail {
			out = append(out, fmt.Sprintf("%sstanding %s: want %d available, got %d", prefix, a.BlockID, avail, a.Available))
		}
	}
	return out, nil
}
