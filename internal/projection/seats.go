package projection

import (
	"encoding/json"
	"slices"
)

// SeatStatusDoc is the read-model document of one session's seat availability, fed by the
// order service's seat-change feed (ordering.seat_changes, keyed by session). Version is the
// session's dense inventory version: each change carries version+1 of the one before.
type SeatStatusDoc struct {
	SessionID string `json:"session_id"`
	Version   int64  `json:"version"`
	// Seats holds every seat that is not AVAILABLE: LOCKED, BOOKED or BLOCKED.
	Seats map[string]string `json:"seats"`
	// Standing is the availability of each general-admission block after the last change
	// that touched it (absent: nothing held or sold yet, so its full capacity). A list, not a
	// map: block ids are organizer-chosen strings and need not be valid document keys.
	Standing []StandingLevel `json:"standing"`
	// Gaps counts versions that never arrived (a change skipped a version); a healthy
	// stream keeps it at 0.
	Gaps         int64 `json:"gaps"`
	LastChangeMs int64 `json:"last_change_ms"`
}

// StandingAvailable returns a standing block's availability and whether any change set it.
func (doc *SeatStatusDoc) StandingAvailable(blockID string) (int64, bool) {
	for _, l := range doc.Standing {
		if l.BlockID == blockID {
			return l.Available, true
		}
	}
	return 0, false
}

// SeatChange is one version of a session's inventory: the seats whose status changed, and
// the standing areas' availability after it.
type SeatChange struct {
	SessionID string          `json:"session_id"`
	Version   int64           `json:"version"`
	Status    string          `json:"status"` // LOCKED, BOOKED, AVAILABLE, BLOCKED
	SeatIDs   []string        `json:"seat_ids"`
	Standing  []StandingLevel `json:"standing"`
	TsMs      int64           `json:"-"`
}

// StandingLevel is a standing area's availability.
type StandingLevel struct {
	BlockID   string `json:"block_id"`
	Available int64  `json:"available"`
}

// DecodeSeatChange reads a seat_changes row.
func DecodeSeatChange(c Change) (SeatChange, error) {
	if c.Table != "seat_changes" {
		return SeatChange{}, poison("table %s does not feed seat status", c.Table)
	}
	var r struct {
		SessionID string   `json:"session_id"`
		Version   int64    `json:"version"`
		Status    string   `json:"status"`
		SeatIDs   []string `json:"seat_ids"`
		Standing  *string  `json:"standing"`
	}
	if err := json.Unmarshal(c.Row(), &r); err != nil || r.SessionID == "" || r.Version <= 0 {
		return SeatChange{}, poison("seat_changes row: %v", err)
	}
	if !slices.Contains([]string{"LOCKED", "BOOKED", "AVAILABLE", "BLOCKED"}, r.Status) {
		return SeatChange{}, poison("seat_changes status %q", r.Status)
	}
	for _, id := range r.SeatIDs {
		if !keySafe(id) { // seat ids key the Seats map of the document
			return SeatChange{}, poison("seat_changes seat id %q is not a seat id", id)
		}
	}
	sc := SeatChange{SessionID: r.SessionID, Version: r.Version, Status: r.Status, SeatIDs: r.SeatIDs, TsMs: c.TsMs}
	if err := jsonColumn(r.Standing, &sc.Standing); err != nil {
		return SeatChange{}, poison("seat_changes.standing: %v", err)
	}
	if sc.SeatIDs == nil {
		sc.SeatIDs = []string{}
	}
	return sc, nil
}

// SessionKey returns the session a seat change belongs to.
func SessionKey(c Change) (string, error) {
	var r struct {
		SessionID string `json:"session_id"`
	}
	if err := json.Unmarshal(c.Row(), &r); err != nil || r.SessionID == "" {
		return "", poison("%s row without session_id: %v", c.Table, err)
	}
	return r.SessionID, nil
}

// ApplySeatChange applies one version of a session's inventory. Versions at or below the
// document's are replays and are skipped; a version beyond the next one is applied (seat
// statuses in a change are absolute) and the gap is counted.
func ApplySeatChange(doc *SeatStatusDoc, c Change) (bool, error) {
	if c.Op == OpDelete {
		return false, nil // the feed is append-only; a deleted row changes no seat
	}
	sc, err := DecodeSeatChange(c)
	if err != nil {
		return false, err
	}
	return doc.ApplyChange(sc), nil
}

// ApplyChange applies a decoded seat change (see ApplySeatChange).
func (doc *SeatStatusDoc) ApplyChange(sc SeatChange) bool {
	if sc.Version <= doc.Version {
		return false
	}
	if sc.Version > doc.Version+1 {
		doc.Gaps += sc.Version - doc.Version - 1
	}
	if doc.Seats == nil {
		doc.Seats = map[string]string{}
	}
	doc.SessionID = sc.SessionID
	for _, id := range sc.SeatIDs {
		if sc.Status == "AVAILABLE" {
			delete(doc.Seats, id)
		} else {
			doc.Seats[id] = sc.Status
		}
	}
	for _, s := range sc.Standing {
		i := slices.IndexFunc(doc.Standing, func(l StandingLevel) bool { return l.BlockID == s.BlockID })
		if i < 0 {
			doc.Standing = append(doc.Standing, s)
		} else {
			doc.Standing[i] = s
		}
	}
	doc.Version = sc.Version
	if sc.TsMs > doc.LastChangeMs {
		doc.LastChangeMs = sc.TsMs
	}
	return true
}

// TopicSeatChanges is the order service's seat-change feed.
const TopicSeatChanges = "ticketly.ordering.seat_changes"

// SeatStatus is the per-session seat-availability read model.
var SeatStatus = Model[SeatStatusDoc]{
	Name: "seat_status", Topic: TopicSeatChanges, Group: "projector.seat_status.v1", Collection: "seat_status",
	Key: SessionKey,
	New: func(id string) *SeatStatusDoc {
		return &SeatStatusDoc{SessionID: id, Seats: map[string]string{}, Standing: []StandingLevel{}}
	},
	Apply: ApplySeatChange,
}
