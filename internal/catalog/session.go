package catalog

import (
	"math"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

// SessionType says where a session happens.
type SessionType string

const (
	SessionPhysical SessionType = "PHYSICAL"
	SessionOnline   SessionType = "ONLINE"
)

// SessionStatus is a session's sales status.
type SessionStatus string

const (
	SessionScheduled SessionStatus = "SCHEDULED"
	SessionOnSale    SessionStatus = "ON_SALE"
	SessionSoldOut   SessionStatus = "SOLD_OUT"
	SessionClosed    SessionStatus = "CLOSED"
	SessionCancelled SessionStatus = "CANCELLED"
)

// sessionMoves is the session status machine:
// SCHEDULED → ON_SALE → SOLD_OUT ↔ ON_SALE → CLOSED, and CANCELLED from any open status.
// A SCHEDULED session may also close without ever opening (its sales window passed before
// its event was approved).
var sessionMoves = map[SessionStatus][]SessionStatus{
	SessionScheduled: {SessionOnSale, SessionClosed, SessionCancelled},
	SessionOnSale:    {SessionSoldOut, SessionClosed, SessionCancelled},
	SessionSoldOut:   {SessionOnSale, SessionClosed, SessionCancelled},
}

// CanBecome reports whether the status machine allows s → next.
func (s SessionStatus) CanBecome(next SessionStatus) bool {
	return slices.Contains(sessionMoves[s], next)
}

// ValidSessionStatus reports whether s names a session status.
func ValidSessionStatus(s string) bool {
	switch SessionStatus(s) {
	case SessionScheduled, SessionOnSale, SessionSoldOut, SessionClosed, SessionCancelled:
		return true
	}
	return false
}

// Selling reports whether the session's seats may be on sale or sold (ON_SALE, SOLD_OUT).
func (s SessionStatus) Selling() bool { return s == SessionOnSale || s == SessionSoldOut }

// Final reports whether the session can no longer change (CLOSED, CANCELLED).
func (s SessionStatus) Final() bool { return s == SessionClosed || s == SessionCancelled }

// Venue is where a physical session happens.
type Venue struct {
	Name      string
	Address   string
	Latitude  float64
	Longitude float64
}

// VenueInput is a venue as sent; coordinates are required (nil: missing).
type VenueInput struct {
	Name      string
	Address   string
	Latitude  *float64
	Longitude *float64
}

// SessionInput creates a session. SalesEndTime defaults to StartTime. Layout and Template
// are alternatives (neither: an empty layout).
type SessionInput struct {
	StartTime      time.Time
	EndTime        time.Time
	SalesStartTime time.Time
	SalesEndTime   *time.Time
	Type           SessionType
	Venue          *VenueInput
	OnlineLink     string
	Layout         *LayoutSpec
	Template       *SeatingTemplate
}

// SessionEdit is a partial update; nil fields are unchanged. The session type is fixed.
type SessionEdit struct {
	StartTime      *time.Time
	EndTime        *time.Time
	SalesStartTime *time.Time
	SalesEndTime   *time.Time
	Venue          *VenueInput
	OnlineLink     *string
}

// Session is one occurrence of an event, with its seating layout.
type Session struct {
	id         uuid.UUID
	eventID    uuid.UUID
	start      time.Time
	end        time.Time
	salesStart time.Time
	salesEnd   time.Time
	typ        SessionType
	venue      *Venue
	onlineLink string
	status     SessionStatus
	layout     *Layout // nil: not loaded
	createdAt  time.Time
	updatedAt  time.Time
}

// SessionState is a session's stored state. Layout nil means it was not loaded.
type SessionState struct {
	ID             uuid.UUID
	EventID        uuid.UUID
	StartTime      time.Time
	EndTime        time.Time
	SalesStartTime time.Time
	SalesEndTime   time.Time
	Type           SessionType
	Venue          *Venue
	OnlineLink     string
	Status         SessionStatus
	Layout         *Layout
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// RestoreSession rebuilds a session from stored state.
func RestoreSession(s SessionState) *Session {
	return &Session{id: s.ID, eventID: s.EventID, start: s.StartTime.UTC(), end: s.EndTime.UTC(),
		salesStart: s.SalesStartTime.UTC(), salesEnd: s.SalesEndTime.UTC(), typ: s.Type, venue: clonePtr(s.Venue),
		onlineLink: s.OnlineLink, status: s.Status, layout: s.Layout, createdAt: s.CreatedAt.UTC(), updatedAt: s.UpdatedAt.UTC()}
}

// State returns the session's fields; Layout is shared, not copied (layouts are values).
func (s *Session) State() SessionState {
	return SessionState{ID: s.id, EventID: s.eventID, StartTime: s.start, EndTime: s.end, SalesStartTime: s.salesStart,
		SalesEndTime: s.salesEnd, Type: s.typ, Venue: clonePtr(s.venue), OnlineLink: s.onlineLink, Status: s.status,
		Layout: s.layout, CreatedAt: s.createdAt, UpdatedAt: s.updatedAt}
}

// ID returns the session's ID.
func (s *Session) ID() uuid.UUID { return s.id }

// Status returns the session's status.
func (s *Session) Status() SessionStatus { return s.status }

// salesOpen reports whether now is inside the sales window [sales start, sales end).
func (s *Session) salesOpen(now time.Time) bool {
	return !now.Before(s.salesStart) && now.Before(s.salesEnd)
}

// openIfDue puts a SCHEDULED session of an approved event on sale when its sales window
// is open; reports whether it did.
func (s *Session) openIfDue(eventStatus EventStatus, now time.Time) bool {
	if eventStatus == EventApproved && s.status == SessionScheduled && s.salesOpen(now) {
		s.status, s.updatedAt = SessionOnSale, normTime(now)
		return true
	}
	return false
}

// move changes the status along the status machine.
func (s *Session) move(next SessionStatus, now time.Time) error {
	if !s.status.CanBecome(next) {
		return statusConflict(s.status, "session is %s and cannot become %s", s.status, next)
	}
	s.status, s.updatedAt = next, normTime(now)
	return nil
}

// checkSessionTimes records problems with a session's times.
func checkSessionTimes(fe apperr.FieldErrors, start, end, salesStart, salesEnd time.Time, salesEndDefaulted bool, now time.Time) {
	for _, f := range []struct {
		name string
		t    time.Time
	}{{"start_time", start}, {"end_time", end}, {"sales_start_time", salesStart}} {
		if f.t.IsZero() {
			fe.Add(f.name, "is required (an RFC 3339 time)")
		}
	}
	if len(fe) > 0 {
		return
	}
	if !end.After(start) {
		fe.Add("end_time", "must be after start_time")
	} else if !end.After(now) {
		fe.Add("end_time", "must be in the future")
	}
	switch {
	case !salesEnd.After(salesStart) && salesEndDefaulted:
		fe.Add("sales_start_time", "must be before sales_end_time, which defaults to start_time")
	case !salesEnd.After(salesStart):
		fe.Add("sales_end_time", "must be after sales_start_time")
	case salesEnd.After(end):
		fe.Add("sales_end_time", "must not be after end_time")
	}
}

// cleanPlace validates venue and online link for the session type.
func cleanPlace(fe apperr.FieldErrors, typ SessionType, v *VenueInput, link string) (*Venue, string) {
	switch typ {
	case SessionPhysical:
		if link != "" {
			fe.Add("online_link", "is only for ONLINE sessions")
		}
		if v == nil {
			fe.Add("venue", "is required for a PHYSICAL session")
			return nil, ""
		}
		out := &Venue{
			Name:    cleanText(fe, "venue.name", v.Name, 1, maxNameLen, false),
			Address: cleanText(fe, "venue.address", v.Address, 1, 500, false),
		}
		switch {
		case v.Latitude == nil:
			fe.Add("venue.latitude", "is required")
		case math.IsNaN(*v.Latitude) || *v.Latitude < -90 || *v.Latitude > 90:
			fe.Add("venue.latitude", "must be between -90 and 90")
		default:
			out.Latitude = *v.Latitude
		}
		switch {
		case v.Longitude == nil:
			fe.Add("venue.longitude", "is required")
		case math.IsNaN(*v.Longitude) || *v.Longitude < -180 || *v.Longitude > 180:
			fe.Add("venue.longitude", "must be between -180 and 180")
		default:
			out.Longitude = *v.Longitude
		}
		return out, ""
	case SessionOnline:
		if v != nil {
			fe.Add("venue", "is only for PHYSICAL sessions")
		}
		return nil, cleanURL(fe, "online_link", link, true)
	default:
		fe.Add("session_type", "must be PHYSICAL or ONLINE")
		return nil, ""
	}
}
