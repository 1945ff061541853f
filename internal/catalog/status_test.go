package catalog_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/catalog"
)

// approvedEvent returns an APPROVED event with one SCHEDULED session whose sales open in
// an hour.
func approvedEvent(t *testing.T) (*catalog.Event, *catalog.Session) {
	t.Helper()
	e, vip, _ := newEvent(t)
	in := physical(now.Add(72 * time.Hour))
	in.SalesStartTime = now.Add(time.Hour)
	spec := gridSpec(vip, 1, 2)
	in.Layout = &spec
	s, err := e.AddSession(uuid.New(), in, catalog.PlanFree, now)
	wantCode(t, err, "")
	wantCode(t, e.Submit(catalog.PlanFree, 0, now), "")
	wantCode(t, e.Approve(now), "")
	if s.Status() != catalog.SessionScheduled {
		t.Fatalf("session %s after approval before its sales start", s.Status())
	}
	return e, s
}

func change(status catalog.SessionStatus, reason catalog.StatusReason) catalog.StatusChange {
	return catalog.StatusChange{Status: status, Reason: reason}
}

func TestMoveSessionFollowsTheScheduler(t *testing.T) {
	t.Parallel()
	e, s := approvedEvent(t)
	later := now.Add(2 * time.Hour) // the scheduler's time; no clock is compared
	steps := []struct {
		c       catalog.StatusChange
		want    catalog.SessionStatus
		changed bool
	}{
		{change(catalog.SessionOnSale, catalog.ReasonSalesStart), catalog.SessionOnSale, true},
		{change(catalog.SessionOnSale, catalog.ReasonSalesStart), catalog.SessionOnSale, false}, // retry
		{change(catalog.SessionSoldOut, catalog.ReasonSoldOut), catalog.SessionSoldOut, true},
		{change(catalog.SessionOnSale, catalog.ReasonAvailable), catalog.SessionOnSale, true},
		{change(catalog.SessionSoldOut, catalog.ReasonSoldOut), catalog.SessionSoldOut, true},
		{change(catalog.SessionClosed, catalog.ReasonSalesEnd), catalog.SessionClosed, true},
		{change(catalog.SessionClosed, catalog.ReasonSalesEnd), catalog.SessionClosed, false},
	}
	for i, st := range steps {
		before := s.State().UpdatedAt
		at := later.Add(time.Duration(i) * time.Minute)
		got, changed, err := e.MoveSession(s.ID(), st.c, at)
		wantCode(t, err, "")
		if got.Status() != st.want || changed != st.changed {
			t.Fatalf("step %d (%s): status %s changed %v, want %s %v", i, st.c.Reason, got.Status(), changed, st.want, st.changed)
		}
		if upd := got.State().UpdatedAt; st.changed && !upd.Equal(at) || !st.changed && !upd.Equal(before) {
			t.Fatalf("step %d: updated_at %v (before %v, at %v)", i, upd, before, at)
		}
	}
}

func TestMoveSessionRefusals(t *testing.T) {
	t.Parallel()
	statusOf := func(err error) any { return details(t, err)["session_status"] }

	// Invalid changes are 400 with the field named.
	e, s := approvedEvent(t)
	for field, c := range map[string]catalog.StatusChange{
		"status":          change(catalog.SessionCancelled, catalog.ReasonSalesEnd),
		"reason":          change(catalog.SessionOnSale, "whenever"),
		"expected.status": {Status: catalog.SessionOnSale, Reason: catalog.ReasonSalesStart, ExpectedStatus: ptr(catalog.SessionStatus("LIVE"))},
	} {
		_, _, err := e.MoveSession(s.ID(), c, now)
		wantField(t, err, field)
	}
	_, _, err := e.MoveSession(s.ID(), change(catalog.SessionClosed, catalog.ReasonSoldOut), now)
	wantField(t, err, "reason") // sold_out leads to SOLD_OUT only
	_, _, err = e.MoveSession(uuid.New(), change(catalog.SessionOnSale, catalog.ReasonSalesStart), now)
	wantCode(t, err, apperr.NotFound)

	// Stale expectations: nothing changes.
	st := s.State()
	for name, c := range map[string]catalog.StatusChange{
		"sales start": {Status: catalog.SessionOnSale, Reason: catalog.ReasonSalesStart, ExpectedSalesStartTime: ptr(st.SalesStartTime.Add(time.Minute))},
		"sales end":   {Status: catalog.SessionClosed, Reason: catalog.ReasonSalesEnd, ExpectedSalesEndTime: ptr(st.SalesEndTime.Add(-time.Second))},
		"status":      {Status: catalog.SessionSoldOut, Reason: catalog.ReasonSoldOut, ExpectedStatus: ptr(catalog.SessionOnSale)},
	} {
		_, _, err := e.MoveSession(s.ID(), c, now)
		wantCode(t, err, apperr.Conflict)
		if d := details(t, err); d["reason"] != "stale" || d["session_status"] != catalog.SessionScheduled {
			t.Fatalf("%s: details %v", name, d)
		}
		if !reflect.DeepEqual(s.State(), st) {
			t.Fatalf("%s: a stale change changed the session", name)
		}
	}
	// Matching expectations pass (times compared as instants, in any zone).
	ams := time.FixedZone("CEST", 2*3600)
	_, changed, err := e.MoveSession(s.ID(), catalog.StatusChange{Status: catalog.SessionOnSale, Reason: catalog.ReasonSalesStart,
		ExpectedSalesStartTime: ptr(st.SalesStartTime.In(ams)), ExpectedSalesEndTime: ptr(st.SalesEndTime), ExpectedStatus: ptr(catalog.SessionScheduled)}, now)
	wantCode(t, err, "")
	if !changed {
		t.Fatal("matching expectations: not changed")
	}

	// Already ON_SALE: "available" is answered as it is, whatever status was expected.
	if _, changed, err := e.MoveSession(s.ID(), catalog.StatusChange{Status: catalog.SessionOnSale, Reason: catalog.ReasonAvailable,
		ExpectedStatus: ptr(catalog.SessionSoldOut)}, now); err != nil || changed {
		t.Fatalf("already ON_SALE: changed %v, %v", changed, err)
	}

	// Moves a reason does not make from the current status.
	_, _, err = e.MoveSession(s.ID(), change(catalog.SessionSoldOut, catalog.ReasonSoldOut), now)
	wantCode(t, err, "")
	_, _, err = e.MoveSession(s.ID(), change(catalog.SessionOnSale, catalog.ReasonSalesStart), now)
	wantCode(t, err, apperr.Conflict) // a sales-start job never reopens a sold-out session
	if statusOf(err) != catalog.SessionSoldOut {
		t.Fatalf("details %v", details(t, err))
	}
	_, err = e.CancelSession(s.ID(), now)
	wantCode(t, err, "")
	for _, c := range []catalog.StatusChange{
		change(catalog.SessionOnSale, catalog.ReasonAvailable),
		change(catalog.SessionSoldOut, catalog.ReasonSoldOut),
		change(catalog.SessionClosed, catalog.ReasonSalesEnd),
	} {
		_, _, err := e.MoveSession(s.ID(), c, now)
		wantCode(t, err, apperr.Conflict)
		if statusOf(err) != catalog.SessionCancelled {
			t.Fatalf("%s on a CANCELLED session: details %v", c.Reason, details(t, err))
		}
	}

	// A session of an event that is not APPROVED never goes on sale; it may close.
	d, vip, _ := newEvent(t)
	in := physical(now.Add(48 * time.Hour))
	spec := gridSpec(vip, 1, 1)
	in.Layout = &spec
	ds, err := d.AddSession(uuid.New(), in, catalog.PlanFree, now)
	wantCode(t, err, "")
	_, _, err = d.MoveSession(ds.ID(), change(catalog.SessionOnSale, catalog.ReasonSalesStart), now)
	wantCode(t, err, apperr.Conflict)
	if dt := details(t, err); dt["session_status"] != catalog.SessionScheduled || dt["event_status"] != catalog.EventDraft {
		t.Fatalf("details %v", dt)
	}
	_, _, err = d.MoveSession(ds.ID(), change(catalog.SessionSoldOut, catalog.ReasonSoldOut), now)
	wantCode(t, err, apperr.Conflict) // only from ON_SALE
	_, _, err = d.MoveSession(ds.ID(), change(catalog.SessionClosed, catalog.ReasonSalesEnd), now)
	wantCode(t, err, "")
}

func TestOwnerEmail(t *testing.T) {
	t.Parallel()
	owner := catalog.Actor{Subject: ownerID, Email: " owner@example.com ", Plan: catalog.PlanFree}
	o, err := catalog.NewOrganization(uuid.New(), catalog.OrgInput{Name: "Acme"}, owner, 0, now)
	wantCode(t, err, "")
	if o.OwnerEmail() != "owner@example.com" || o.State().OwnerEmail != "owner@example.com" {
		t.Fatalf("owner e-mail %q", o.OwnerEmail())
	}
	if o.NoteOwnerEmail(catalog.Actor{Subject: ownerID, Email: "new@example.com"}) || o.OwnerEmail() != "owner@example.com" {
		t.Fatal("a known owner e-mail was replaced")
	}

	// An organization created without one gets its owner's address, never anyone else's.
	legacy := catalog.RestoreOrganization(catalog.OrganizationState{ID: uuid.New(), Name: "Old", OwnerID: ownerID, CreatedAt: now, UpdatedAt: now})
	if legacy.NoteOwnerEmail(catalog.Actor{Subject: adminID, Email: "admin@example.com"}) ||
		legacy.NoteOwnerEmail(catalog.Actor{Subject: ownerID}) || legacy.OwnerEmail() != "" {
		t.Fatalf("owner e-mail %q from someone else or from no address", legacy.OwnerEmail())
	}
	if !legacy.NoteOwnerEmail(catalog.Actor{Subject: ownerID, Email: "owner@example.com"}) || legacy.OwnerEmail() != "owner@example.com" {
		t.Fatalf("owner e-mail %q", legacy.OwnerEmail())
	}
	if !legacy.State().UpdatedAt.Equal(now) {
		t.Fatal("recording the owner e-mail changed updated_at")
	}
}
