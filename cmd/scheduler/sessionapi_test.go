package main

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/scheduling"
)

// The scheduler's client of event-command's internal status API, against the running
// event-command with the scheduler's own service token: a job whose expected values no
// longer hold is stale (dropped, never retried), a move the session's status machine
// refuses is forbidden, an unknown session is not found, and a current job changes the
// status.
func TestSessionAPIAgainstEventCommand(t *testing.T) {
	e := startEngine(t, 0, nil)
	c, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	api := newSessionAPI(commandURL, serviceClient(t.Context(), c.Jobs.TokenURL, c.Client.ID, c.Client.Secret))
	eventID, tier, _ := e.eventFixture("Engine status API " + uuid.NewString()[:8])
	now := time.Now().UTC().Truncate(time.Second)
	salesStart := now.Add(time.Hour)
	sid := e.addSession(eventID, tier, now.Add(72*time.Hour), salesStart, now.Add(70*time.Hour), 1)
	id := uuid.MustParse(sid)
	open := scheduling.StatusChange{Status: scheduling.StatusOnSale, Reason: scheduling.ReasonSalesStart, ExpectedSalesStart: salesStart}

	if err := api.SetStatus(t.Context(), id, open); !errors.Is(err, scheduling.ErrForbidden) {
		t.Errorf("opening the session of an event not approved: %v, want ErrForbidden", err)
	}
	e.approve(eventID)
	moved := open
	moved.ExpectedSalesStart = salesStart.Add(-time.Minute)
	if err := api.SetStatus(t.Context(), id, moved); !errors.Is(err, scheduling.ErrStale) {
		t.Errorf("opening with a sales start that moved: %v, want ErrStale", err)
	}
	if err := api.SetStatus(t.Context(), uuid.New(), open); !errors.Is(err, scheduling.ErrNotFound) {
		t.Errorf("opening an unknown session: %v, want ErrNotFound", err)
	}
	if err := api.SetStatus(t.Context(), id, open); err != nil {
		t.Fatalf("opening at its sales start: %v", err)
	}
	var status string
	if err := e.db.QueryRow(t.Context(), `SELECT status FROM catalog.sessions WHERE id = $1`, sid).Scan(&status); err != nil || status != "ON_SALE" {
		t.Errorf("session %s (%v), want ON_SALE", status, err)
	}
	soldOut := scheduling.StatusChange{Status: scheduling.StatusSoldOut, Reason: scheduling.ReasonSoldOut, ExpectedStatus: scheduling.StatusSoldOut}
	if err := api.SetStatus(t.Context(), id, soldOut); !errors.Is(err, scheduling.ErrStale) {
		t.Errorf("SOLD_OUT expecting a status the session does not have: %v, want ErrStale", err)
	}
}
