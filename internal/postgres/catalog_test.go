package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/command"
	"github.com/ticketly/ticketly/internal/postgres"
)

// These tests run against the local stack's PostgreSQL (schema catalog, migrated here) and
// isolate themselves with fresh UUIDs and owner names.

func catalogStore(t *testing.T) (*postgres.Catalog, *pgxpool.Pool) {
	t.Helper()
	pool := testPool(t, "DATABASE_URL", "postgres://ticketly_command:ticketly_command@127.0.0.1:5432/ticketly?search_path=catalog", "catalog", 8)
	return postgres.NewCatalog(pool), pool
}

func p[T any](v T) *T { return &v }

// seed stores an organization and an event with two tiers and one session with a layout.
func seed(t *testing.T, c *postgres.Catalog) (*catalog.Organization, uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	owner := catalog.Actor{Subject: "pg-test-" + uuid.NewString(), Plan: catalog.PlanFree}
	var org *catalog.Organization
	if err := c.Organizations.Create(ctx, owner.Subject, func(owned int) (*catalog.Organization, error) {
		var err error
		org, err = catalog.NewOrganization(uuid.New(), catalog.OrgInput{Name: "PG test"}, owner, owned, time.Now())
		return org, err
	}); err != nil {
		t.Fatal(err)
	}
	var eventID uuid.UUID
	if err := c.Events.Create(ctx, org.ID(), func(tx command.EventTx) (*catalog.Event, error) {
		e, err := catalog.NewEvent(uuid.New(), tx.Organization(), catalog.EventInput{Title: "PG event", Tiers: []catalog.TierInput{
			{Name: "A", PriceMinor: p[int64](100), Currency: "EUR"}, {Name: "B", PriceMinor: p[int64](200), Currency: "EUR"}}}, owner.Subject, time.Now())
		if err != nil {
			return nil, err
		}
		in := catalog.SessionInput{StartTime: time.Now().Add(48 * time.Hour), EndTime: time.Now().Add(50 * time.Hour),
			SalesStartTime: time.Now().Add(time.Hour), Type: catalog.SessionOnline, OnlineLink: "https://live.example.com",
			Layout: &catalog.LayoutSpec{Blocks: []catalog.BlockSpec{{ID: "v", Name: "Viewers", Type: "standing", Capacity: p(10), TierID: p(e.Tiers()[0].ID().String())}}}}
		if _, err := e.AddSession(uuid.New(), in, catalog.PlanFree, time.Now()); err != nil {
			return nil, err
		}
		eventID = e.ID()
		return e, nil
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Events.Delete(ctx, eventID, func(command.EventTx, *catalog.Event) error { return nil })
		_ = c.Organizations.Delete(ctx, org.ID(), func(*catalog.Organization, int) error { return nil })
	})
	return org, eventID
}

func xmin(t *testing.T, pool *pgxpool.Pool, table string, id uuid.UUID) string {
	t.Helper()
	var x string
	if err := pool.QueryRow(context.Background(), `SELECT xmin::text FROM catalog.`+table+` WHERE id = $1`, id).Scan(&x); err != nil {
		t.Fatalf("xmin of %s %s: %v", table, id, err)
	}
	return x
}

func TestCatalogEventRoundTrip(t *testing.T) {
	t.Parallel()
	c, _ := catalogStore(t)
	org, id := seed(t, c)
	e, o, err := c.Events.Get(context.Background(), id, command.LayoutLoad{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if o.ID() != org.ID() || len(e.Tiers()) != 2 || len(e.Sessions()) != 1 || e.Status() != catalog.EventDraft {
		t.Fatalf("loaded %+v with %d tiers, %d sessions", e.State(), len(e.Tiers()), len(e.Sessions()))
	}
	if st := e.State(); st.OrganizationName != "PG test" || st.SubmittedAt != nil {
		t.Fatalf("loaded organization name %q, submitted at %v", st.OrganizationName, st.SubmittedAt)
	}
	s := e.Sessions()[0].State()
	if s.Layout == nil || s.Layout.StandingCapacity() != 10 || s.OnlineLink != "https://live.example.com" || s.Venue != nil {
		t.Fatalf("session %+v", s)
	}
	if e.Tiers()[0].State().Name != "A" {
		t.Fatal("tiers not in creation order")
	}
	_, _, err = c.Events.Get(context.Background(), uuid.New(), command.LayoutLoad{})
	if apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("missing event: %v", err)
	}
}

// TestCatalogWritesOnlyWhatChanged: an update rewrites exactly the rows the closure
// changed (CDC sees nothing else), and a layout that was not loaded is never written.
func TestCatalogWritesOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	c, pool := catalogStore(t)
	_, id := seed(t, c)
	ctx := context.Background()
	e, _, _ := c.Events.Get(ctx, id, command.LayoutLoad{})
	tierA, tierB, sess := e.Tiers()[0].ID(), e.Tiers()[1].ID(), e.Sessions()[0].ID()
	before := map[string]string{"events": xmin(t, pool, "events", id), "a": xmin(t, pool, "tiers", tierA), "b": xmin(t, pool, "tiers", tierB), "s": xmin(t, pool, "sessions", sess)}

	if err := c.Events.Update(ctx, id, command.LayoutLoad{}, func(_ command.EventTx, e *catalog.Event) error {
		_, err := e.EditTier(tierB, catalog.TierEdit{PriceMinor: p[int64](250)}, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if xmin(t, pool, "tiers", tierB) == before["b"] {
		t.Fatal("the changed tier was not written")
	}
	for k, table := range map[string]string{"events": "events", "a": "tiers", "s": "sessions"} {
		rid := map[string]uuid.UUID{"events": id, "a": tierA, "s": sess}[k]
		if xmin(t, pool, table, rid) != before[k] {
			t.Errorf("%s %s was rewritten though nothing changed", table, rid)
		}
	}

	// Cancelling a session without loading its layout keeps the layout intact.
	if err := c.Events.Update(ctx, id, command.LayoutLoad{}, func(_ command.EventTx, e *catalog.Event) error {
		_, err := e.CancelSession(sess, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	e, _, _ = c.Events.Get(ctx, id, command.LayoutLoad{Session: sess})
	if s := e.Session(sess).State(); s.Status != catalog.SessionCancelled || s.Layout == nil || s.Layout.StandingCapacity() != 10 {
		t.Fatalf("after cancel: %s, layout %+v", s.Status, s.Layout)
	}
	// A failing closure writes nothing.
	x := xmin(t, pool, "events", id)
	boom := errors.New("boom")
	err := c.Events.Update(ctx, id, command.LayoutLoad{}, func(_ command.EventTx, e *catalog.Event) error {
		if err := e.Edit(catalog.EventEdit{Title: p("Changed")}, time.Now()); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || xmin(t, pool, "events", id) != x {
		t.Fatalf("failed closure: %v; event rewritten: %v", err, xmin(t, pool, "events", id) != x)
	}
}

// TestCatalogUpdatesSerialise: concurrent sessions added to one event respect the plan's
// sessions-per-event limit, because every writer of an event locks its row first.
func TestCatalogUpdatesSerialise(t *testing.T) {
	t.Parallel()
	c, _ := catalogStore(t)
	_, id := seed(t, c) // one session already; FREE allows five
	ctx := context.Background()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		ok, deny int
	)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.Events.Update(ctx, id, command.LayoutLoad{}, func(_ command.EventTx, e *catalog.Event) error {
				start := time.Now().Add(time.Duration(72+i) * time.Hour)
				_, err := e.AddSession(uuid.New(), catalog.SessionInput{StartTime: start, EndTime: start.Add(time.Hour),
					SalesStartTime: time.Now(), Type: catalog.SessionOnline, OnlineLink: "https://live.example.com"}, catalog.PlanFree, time.Now())
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			switch apperr.CodeOf(err) {
			case apperr.Forbidden:
				deny++
			default:
				if err != nil {
					t.Errorf("add session: %v", err)
				}
				ok++
			}
		}()
	}
	wg.Wait()
	if ok != 4 || deny != 4 {
		t.Fatalf("%d added, %d refused; want 4 and 4", ok, deny)
	}
}

func TestCatalogMembersAndCategories(t *testing.T) {
	t.Parallel()
	c, _ := catalogStore(t)
	org, _ := seed(t, c)
	ctx := context.Background()
	m1, m2 := uuid.NewString(), uuid.NewString() // members are Keycloak user ids
	if err := c.Organizations.Update(ctx, org.ID(), func(o *catalog.Organization) error {
		if _, _, err := o.PutMember(m1, []catalog.OrgRole{catalog.OrgRoleScanner}, time.Now()); err != nil {
			return err
		}
		_, _, err := o.PutMember(m2, []catalog.OrgRole{catalog.OrgRoleAdmin}, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Organizations.Update(ctx, org.ID(), func(o *catalog.Organization) error {
		if _, _, err := o.PutMember(m1, []catalog.OrgRole{catalog.OrgRoleAdmin, catalog.OrgRoleScanner}, time.Now()); err != nil {
			return err
		}
		return o.RemoveMember(m2)
	}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Organizations.Get(ctx, org.ID())
	if err != nil {
		t.Fatal(err)
	}
	ms := got.Members()
	if len(ms) != 1 || ms[0].UserID != m1 || len(ms[0].Roles) != 2 {
		t.Fatalf("members %+v", ms)
	}
	mine, err := c.Organizations.ListForUser(ctx, m1)
	if err != nil || len(mine) != 1 || mine[0].ID() != org.ID() {
		t.Fatalf("organizations of m1: %v %v", mine, err)
	}

	name := "pg-cat-" + uuid.NewString()
	var parent, child *catalog.Category
	if err := c.Categories.Change(ctx, func(tr *catalog.CategoryTree) error {
		var err error
		if parent, err = tr.Add(uuid.New(), name, nil, time.Now()); err != nil {
			return err
		}
		child, err = tr.Add(uuid.New(), name+"-child", p(parent.ID()), time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	err = c.Categories.Change(ctx, func(tr *catalog.CategoryTree) error {
		_, err := tr.Add(uuid.New(), name, nil, time.Now())
		return err
	})
	if apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("duplicate name: %v", err)
	}
	for _, id := range []uuid.UUID{child.ID(), parent.ID()} {
		if err := c.Categories.Remove(ctx, id, func(tr *catalog.CategoryTree, n int) error { return tr.Remove(id, n) }); err != nil {
			t.Fatal(err)
		}
	}
}
