//go:build chaos

package chaos_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ticketly/ticketly/internal/projection"
)

// fixture is the suite's own catalog, created through the public command API as the
// development realm's organizer and admin: an organization, a two-level category, and an
// approved event with two ON_SALE sessions (one for the steady traffic, one for the
// order-kill wave) and a public discount. Nothing of the demo data is touched.
type fixture struct {
	Run                    string // short id of this run, in every name
	OrgID                  string
	ParentCatID, CatID     string
	EventID                string
	TierVIP, TierStd       string
	SessionA, SessionW     string
	SeatsA, SeatsW         []string // sellable seats of each session
	Standing               string   // standing block of session A
	StandingCapacity       int
	ScannerSub, OrganizerS string
}

const (
	organizer = "organizer"
	admin     = "admin"
	scanner   = "scanner"
)

func (e *env) createFixture(t *testing.T) *fixture {
	t.Helper()
	a, s := e.api, e.s
	f := &fixture{Run: uuid.NewString()[:8], Standing: "floor", StandingCapacity: 300}
	f.ScannerSub, f.OrganizerS = e.users.subject(scanner), e.users.subject(organizer)
	org, adm := e.users.token(organizer), e.users.token(admin)
	cmd := s.CommandURL + "/api/v1"

	var out struct {
		ID string `json:"id"`
	}
	a.must(t, http.MethodPost, cmd+"/organizations", org, map[string]any{"name": "Chaos " + f.Run,
		"website": "https://chaos.example/" + f.Run}, &out)
	f.OrgID = out.ID
	t.Cleanup(func() { e.removeFixture(t, f) })
	a.must(t, http.MethodPost, cmd+"/categories", adm, map[string]any{"name": "Chaos " + f.Run}, &out)
	f.ParentCatID = out.ID
	a.must(t, http.MethodPost, cmd+"/categories", adm, map[string]any{"name": "Chaos " + f.Run + " sub", "parent_id": f.ParentCatID}, &out)
	f.CatID = out.ID
	a.must(t, http.MethodPut, cmd+"/organizations/"+f.OrgID+"/members/"+f.ScannerSub, org, map[string]any{"roles": []string{"SCANNER"}}, nil)

	var ev struct {
		ID    string `json:"id"`
		Tiers []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"tiers"`
	}
	a.must(t, http.MethodPost, cmd+"/events", org, map[string]any{"organization_id": f.OrgID, "category_id": f.CatID,
		"title": "Chaos " + f.Run, "description": "chaos suite fixture", "overview": "ov-0",
		"cover_images": []string{"https://chaos.example/" + f.Run + "/cover.png"},
		"tiers": []map[string]any{{"name": "VIP", "colour": "#aa0000", "price_minor": 9000, "currency": "EUR"},
			{"name": "Std", "colour": "#0000aa", "price_minor": 3000, "currency": "EUR"}}}, &ev)
	f.EventID = ev.ID
	for _, tr := range ev.Tiers {
		if tr.Name == "VIP" {
			f.TierVIP = tr.ID
		} else {
			f.TierStd = tr.ID
		}
	}

	mainRows := 8
	if s.Full {
		mainRows = 18
	}
	f.SessionA, f.SeatsA = e.addSession(t, f, 72*time.Hour, []map[string]any{
		{"id": "stage", "name": "Stage", "type": "non_sellable"},
		{"id": "vip", "name": "VIP", "type": "seated_grid", "grid": map[string]any{"rows": 2, "columns": 25, "tier_id": f.TierVIP, "start_row_label": "A"}},
		{"id": "main", "name": "Main", "type": "seated_grid", "grid": map[string]any{"rows": mainRows, "columns": 25, "tier_id": f.TierStd, "start_row_label": "C"}},
		{"id": f.Standing, "name": "Floor", "type": "standing", "capacity": f.StandingCapacity, "tier_id": f.TierStd},
	})
	f.SessionW, f.SeatsW = e.addSession(t, f, 96*time.Hour, []map[string]any{
		{"id": "wave", "name": "Wave", "type": "seated_grid", "grid": map[string]any{"rows": max(1, s.WaveSeats/20), "columns": 20, "tier_id": f.TierStd, "start_row_label": "A"}},
	})
	a.must(t, http.MethodPost, cmd+"/events/"+f.EventID+"/discounts", org, map[string]any{"code": "CHAOS10", "kind": "PERCENTAGE",
		"percent": 10, "public": true}, nil)
	a.must(t, http.MethodPost, cmd+"/events/"+f.EventID+"/submit", org, nil, nil)
	a.must(t, http.MethodPost, cmd+"/events/"+f.EventID+"/approve", adm, nil, nil)

	// Ready once event-query serves both sessions on sale.
	deadline := time.Now().Add(2 * time.Minute)
	for _, sid := range []string{f.SessionA, f.SessionW} {
		for {
			var seats struct {
				Status string `json:"status"`
			}
			r := a.do(context.Background(), http.MethodGet, s.QueryURL+"/api/v1/sessions/"+sid+"/seats", "", nil)
			if r.ok() && r.decode(&seats) == nil && seats.Status == "ON_SALE" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("event-query does not serve session %s on sale: %s", sid, r)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	e.log("fixture: organization %s, event %s, traffic session %s (%d seats, %d standing), wave session %s (%d seats)",
		f.OrgID, f.EventID, f.SessionA, len(f.SeatsA), f.StandingCapacity, f.SessionW, len(f.SeatsW))
	return f
}

// addSession adds an ON_SALE session (sales opened an hour ago) starting in `in`.
func (e *env) addSession(t *testing.T, f *fixture, in time.Duration, blocks []map[string]any) (string, []string) {
	t.Helper()
	start := time.Now().UTC().Add(in).Truncate(time.Minute)
	var s struct {
		ID     string            `json:"id"`
		Layout projection.Layout `json:"layout"`
	}
	e.api.must(t, http.MethodPost, e.s.CommandURL+"/api/v1/events/"+f.EventID+"/sessions", e.users.token(organizer), map[string]any{
		"start_time": start, "end_time": start.Add(3 * time.Hour),
		"sales_start_time": time.Now().UTC().Add(-time.Hour).Truncate(time.Second), "sales_end_time": start.Add(-time.Hour),
		"session_type": "PHYSICAL",
		"venue":        map[string]any{"name": "Chaos Hall", "address": "1 Fault Lane", "latitude": 52.1, "longitude": 5.1},
		"layout":       map[string]any{"blocks": blocks}}, &s)
	var seats []string
	for _, b := range s.Layout.Blocks {
		for _, r := range b.Rows {
			for _, seat := range r.Seats {
				seats = append(seats, seat.ID)
			}
		}
	}
	if len(seats) == 0 {
		t.Fatalf("session %s has no seats", s.ID)
	}
	return s.ID, seats
}

// removeFixture deletes the suite's catalog rows (as the other integration tests do, in the
// write model: an approved event with future sessions cannot be deleted through the API),
// so repeated runs never reach the organizer's plan limits. The deletions travel through
// CDC like any change. Orders stay: they are the order service's history.
func (e *env) removeFixture(t *testing.T, f *fixture) {
	if e.s.Keep {
		e.log("CHAOS_KEEP=1: keeping organization %s, event %s, categories %s/%s", f.OrgID, f.EventID, f.ParentCatID, f.CatID)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := pgxpool.New(ctx, e.s.PGURL)
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	defer db.Close()
	for _, q := range []struct {
		sql string
		arg string
	}{
		{`DELETE FROM catalog.events WHERE organization_id = $1`, f.OrgID},
		{`DELETE FROM catalog.organizations WHERE id = $1`, f.OrgID},
		{`DELETE FROM catalog.categories WHERE id = $1`, f.CatID},
		{`DELETE FROM catalog.categories WHERE id = $1`, f.ParentCatID},
	} {
		if q.arg == "" {
			continue
		}
		err := retry(ctx, func() error {
			_, err := db.Exec(ctx, q.sql, q.arg)
			var pe *pgconn.PgError
			if errors.As(err, &pe) {
				return stop{err}
			}
			return err
		})
		if err != nil {
			// Not a failure of the suite: another user of the stack may have attached rows of
			// its own (a category under ours, say).
			e.log("cleanup: %s (%s): %v", q.sql, q.arg, err)
		}
	}
}

// stop ends a retry at once with its error.
type stop struct{ err error }

func (s stop) Error() string { return s.err.Error() }

// retry runs fn until it succeeds or ctx ends (PostgreSQL may be restarting).
func retry(ctx context.Context, fn func() error) error {
	for {
		err := fn()
		if err == nil {
			return nil
		}
		var s stop
		if errors.As(err, &s) {
			return s.err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(300 * time.Millisecond):
		}
	}
}
