package projection_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/ticketly/ticketly/internal/projection"
)

func seatChange(t *testing.T, version int64, status string, seats []string, standing string) projection.Change {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"op": "c", "after": map[string]any{"session_id": "s1", "version": version,
		"status": status, "seat_ids": seats, "standing": standing}, "source": map[string]any{"table": "seat_changes", "lsn": 1000 + version, "ts_ms": 5}})
	c, ok, err := projection.Decode(b)
	if err != nil || !ok {
		t.Fatal(err)
	}
	return c
}

func TestSeatStatusFollowsVersions(t *testing.T) {
	doc := projection.SeatStatus.New("s1")
	steps := []struct {
		c       projection.Change
		applied bool
	}{
		{seatChange(t, 1, "LOCKED", []string{"a", "b"}, `[{"block_id":"ga","available":98}]`), true},
		{seatChange(t, 2, "BOOKED", []string{"a"}, `[]`), true},
		{seatChange(t, 1, "LOCKED", []string{"a", "b"}, `[]`), false}, // replay
		{seatChange(t, 3, "AVAILABLE", []string{"b"}, `[{"block_id":"ga","available":100}]`), true},
		{seatChange(t, 5, "BLOCKED", []string{"c"}, `[]`), true}, // version 4 never came
	}
	for i, s := range steps {
		applied, err := projection.ApplySeatChange(doc, s.c)
		if err != nil || applied != s.applied {
			t.Fatalf("step %d: applied=%v err=%v", i, applied, err)
		}
	}
	if doc.Version != 5 || doc.Gaps != 1 || len(doc.Seats) != 2 || doc.Seats["a"] != "BOOKED" || doc.Seats["c"] != "BLOCKED" {
		t.Fatalf("doc %+v", doc)
	}
	if a, ok := doc.StandingAvailable("ga"); !ok || a != 100 {
		t.Fatalf("standing %v %v", a, ok)
	}
	if _, err := projection.ApplySeatChange(doc, seatChange(t, 6, "SOLD", nil, "")); !errors.Is(err, projection.ErrPoison) {
		t.Fatalf("unknown status: %v", err)
	}
}
