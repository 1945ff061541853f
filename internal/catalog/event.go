package catalog

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

// EventStatus is where an event is in review.
type EventStatus string

const (
	EventDraft     EventStatus = "DRAFT"
	EventPending   EventStatus = "PENDING"
	EventApproved  EventStatus = "APPROVED"
	EventRejected  EventStatus = "REJECTED"
	EventCompleted EventStatus = "COMPLETED"
)

// eventMoves is the event status machine: DRAFT → PENDING → APPROVED | REJECTED(reason);
// REJECTED → PENDING (resubmitted); APPROVED → COMPLETED.
var eventMoves = map[EventStatus][]EventStatus{
	EventDraft:    {EventPending},
	EventRejected: {EventPending},
	EventPending:  {EventApproved, EventRejected},
	EventApproved: {EventCompleted},
}

// CanBecome reports whether the status machine allows s → next.
func (s EventStatus) CanBecome(next EventStatus) bool { return slices.Contains(eventMoves[s], next) }

// ValidEventStatus reports whether s names a status.
func ValidEventStatus(s string) bool {
	switch EventStatus(s) {
	case EventDraft, EventPending, EventApproved, EventRejected, EventCompleted:
		return true
	}
	return false
}

// EventInput creates an event.
type EventInput struct {
	CategoryID  *uuid.UUID
	Title       string
	Description string
	Overview    string
	CoverImages []string
	Tiers       []TierInput
}

// EventEdit is a partial update; nil fields are unchanged.
type EventEdit struct {
	Title       *string
	Description *string
	Overview    *string
	CategoryID  *uuid.UUID
	CoverImages *[]string
}

// Event is the aggregate of an organizer's event: its tiers, sessions (with layouts) and
// discounts. Everything about one event changes under one lock, in one transaction.
type Event struct {
	id              uuid.UUID
	orgID           uuid.UUID
	categoryID      *uuid.UUID
	title           string
	description     string
	overview        string
	coverImages     []string
	status          EventStatus
	rejectionReason string
	createdBy       string
	createdAt       time.Time
	updatedAt       time.Time
	submittedAt     *time.Time
	orgName         string

	tiers     []*Tier
	sessions  []*Session
	discounts []*Discount
}

// EventState is an event's own stored state (its children have their own).
type EventState struct {
	ID              uuid.UUID
	OrganizationID  uuid.UUID
	CategoryID      *uuid.UUID
	Title           string
	Description     string
	Overview        string
	CoverImages     []string
	Status          EventStatus
	RejectionReason string
	CreatedBy       string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	SubmittedAt     *time.Time // the last submission for review; nil while never submitted
	// OrganizationName is the organization's name as read with the event, for answers; it
	// is the organization's to change and is never stored with the event.
	OrganizationName string
}

// NewEvent validates in and returns a DRAFT event of org with its first tiers.
func NewEvent(id uuid.UUID, org *Organization, in EventInput, createdBy string, now time.Time) (*Event, error) {
	fe := apperr.FieldErrors{}
	e := &Event{
		id:          id,
		orgID:       org.id,
		orgName:     org.name,
		categoryID:  clonePtr(in.CategoryID),
		title:       cleanText(fe, "title", in.Title, 1, maxNameLen, false),
		description: cleanText(fe, "description", in.Description, 0, maxDescriptionLen, true),
		overview:    cleanText(fe, "overview", in.Overview, 0, maxOverviewLen, true),
		coverImages: cleanCoverImages(fe, in.CoverImages),
		status:      EventDraft,
		createdBy:   createdBy,
		createdAt:   normTime(now),
		updatedAt:   normTime(now),
		tiers:       []*Tier{},
		sessions:    []*Session{},
		discounts:   []*Discount{},
	}
	if len(in.Tiers) > maxTiersPerEvent {
		fe.Add("tiers", fmt.Sprintf("must have at most %d tiers", maxTiersPerEvent))
	}
	for i, ti := range in.Tiers {
		// Tiers are listed by creation time; a microsecond apart keeps the order they were
		// given in.
		t := newTier(fe, fmt.Sprintf("tiers[%d].", i), uuid.New(), id, ti, now.Add(time.Duration(i)*time.Microsecond))
		if len(e.tiers) > 0 && t.currency != e.tiers[0].currency && ValidCurrency(t.currency) {
			fe.Add(fmt.Sprintf("tiers[%d].currency", i), fmt.Sprintf("must be %s like the other tiers: all tiers of an event share one currency", e.tiers[0].currency))
		}
		if e.tierNamed(t.name, uuid.Nil) != nil {
			fe.Add(fmt.Sprintf("tiers[%d].name", i), "another tier has this name")
		}
		e.tiers = append(e.tiers, t)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return e, nil
}

// RestoreEvent rebuilds an event and its children from stored state.
func RestoreEvent(s EventState, tiers []*Tier, sessions []*Session, discounts []*Discount) *Event {
	return &Event{id: s.ID, orgID: s.OrganizationID, categoryID: clonePtr(s.CategoryID), title: s.Title,
		description: s.Description, overview: s.Overview, coverImages: slices.Clone(s.CoverImages), status: s.Status,
		rejectionReason: s.RejectionReason, createdBy: s.CreatedBy, createdAt: s.CreatedAt.UTC(), updatedAt: s.UpdatedAt.UTC(),
		submittedAt: utcPtr(s.SubmittedAt), orgName: s.OrganizationName, tiers: tiers, sessions: sessions, discounts: discounts}
}

// State returns a copy of the event's own fields.
func (e *Event) State() EventState {
	imgs := slices.Clone(e.coverImages)
	if imgs == nil {
		imgs = []string{}
	}
	return EventState{ID: e.id, OrganizationID: e.orgID, CategoryID: clonePtr(e.categoryID), Title: e.title,
		Description: e.description, Overview: e.overview, CoverImages: imgs, Status: e.status,
		RejectionReason: e.rejectionReason, CreatedBy: e.createdBy, CreatedAt: e.createdAt, UpdatedAt: e.updatedAt,
		SubmittedAt: clonePtr(e.submittedAt), OrganizationName: e.orgName}
}

// ID returns the event's ID.
func (e *Event) ID() uuid.UUID { return e.id }

// OrganizationID returns the ID of the organization the event belongs to.
func (e *Event) OrganizationID() uuid.UUID { return e.orgID }

// Status returns the event's status.
func (e *Event) Status() EventStatus { return e.status }

// Tiers returns the tiers in creation order.
func (e *Event) Tiers() []*Tier { return slices.Clone(e.tiers) }

// Sessions returns the sessions.
func (e *Event) Sessions() []*Session { return slices.Clone(e.sessions) }

// Discounts returns the discounts.
func (e *Event) Discounts() []*Discount { return slices.Clone(e.discounts) }

// Tier returns the tier with id, or nil.
func (e *Event) Tier(id uuid.UUID) *Tier { return e.tier(id) }

// Session returns the session with id, or nil.
func (e *Event) Session(id uuid.UUID) *Session { return e.session(id) }

// Discount returns the discount with id, or nil.
func (e *Event) Discount(id uuid.UUID) *Discount { return e.discount(id) }

func (e *Event) tier(id uuid.UUID) *Tier {
	for _, t := range e.tiers {
		if t.id == id {
			return t
		}
	}
	return nil
}

func (e *Event) tierNamed(name string, except uuid.UUID) *Tier {
	for _, t := range e.tiers {
		if t.id != except && strings.EqualFold(t.name, name) {
			return t
		}
	}
	return nil
}

func (e *Event) session(id uuid.UUID) *Session {
	for _, s := range e.sessions {
		if s.id == id {
			return s
		}
	}
	return nil
}

func (e *Event) discount(id uuid.UUID) *Discount {
	for _, d := range e.discounts {
		if d.id == id {
			return d
		}
	}
	return nil
}

func cleanCoverImages(fe apperr.FieldErrors, urls []string) []string {
	if len(urls) > maxCoverImages {
		fe.Add("cover_images", fmt.Sprintf("must have at most %d images", maxCoverImages))
		return nil
	}
	out := make([]string, 0, len(urls))
	for i, u := range urls {
		u = cleanURL(fe, fmt.Sprintf("cover_images[%d]", i), u, true)
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

// requireChangeable refuses changes to a COMPLETED event: its history is final.
func (e *Event) requireChangeable() error {
	if e.status == EventCompleted {
		return statusConflict(e.status, "event is COMPLETED and can no longer be changed")
	}
	return nil
}

// Edit applies a partial update of the descriptive fields. An APPROVED event stays
// APPROVED: edits are public at once, without a new review.
func (e *Event) Edit(in EventEdit, now time.Time) error {
	if err := e.requireChangeable(); err != nil {
		return err
	}
	fe := apperr.FieldErrors{}
	next := *e
	if in.Title != nil {
		next.title = cleanText(fe, "title", *in.Title, 1, maxNameLen, false)
	}
	if in.Description != nil {
		next.description = cleanText(fe, "description", *in.Description, 0, maxDescriptionLen, true)
	}
	if in.Overview != nil {
		next.overview = cleanText(fe, "overview", *in.Overview, 0, maxOverviewLen, true)
	}
	if in.CategoryID != nil {
		next.categoryID = clonePtr(in.CategoryID)
	}
	if in.CoverImages != nil {
		next.coverImages = cleanCoverImages(fe, *in.CoverImages)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if next.title == e.title && next.description == e.description && next.overview == e.overview &&
		equalPtr(next.categoryID, e.categoryID) && slices.Equal(next.coverImages, e.coverImages) {
		return nil
	}
	e.title, e.description, e.overview, e.categoryID, e.coverImages = next.title, next.description, next.overview, next.categoryID, next.coverImages
	e.updatedAt = normTime(now)
	return nil
}

func (e *Event) move(next EventStatus, now time.Time, action string) error {
	if !e.status.CanBecome(next) {
		var from []string
		for s, tos := range eventMoves {
			if slices.Contains(tos, next) {
				from = append(from, string(s))
			}
		}
		slices.Sort(from)
		return statusConflict(e.status, "event is %s; only %s events can be %s", e.status, strings.Join(from, " or "), action)
	}
	e.status, e.updatedAt = next, normTime(now)
	return nil
}

func (e *Event) liveSessions() []*Session {
	var out []*Session
	for _, s := range e.sessions {
		if !s.status.Final() {
			out = append(out, s)
		}
	}
	return out
}

// Submit sends a DRAFT or REJECTED event for review (PENDING). The event needs a tier and
// a session, every open session something to sell, and the submitter's plan room for one
// more active event (activeEvents: how many they have now, this one excluded).
func (e *Event) Submit(plan Plan, activeEvents int, now time.Time) error {
	if !e.status.CanBecome(EventPending) {
		return e.move(EventPending, now, "submitted for review")
	}
	if len(e.tiers) == 0 {
		return apperr.New(apperr.Conflict, "add at least one tier before submitting the event").
			WithDetails(map[string]any{"status": e.status, "missing": "tiers"})
	}
	live := e.liveSessions()
	if len(live) == 0 {
		return apperr.New(apperr.Conflict, "add at least one session before submitting the event").
			WithDetails(map[string]any{"status": e.status, "missing": "sessions"})
	}
	var empty []string
	for _, s := range live {
		if s.layout == nil {
			return apperr.New(apperr.Internal, "submit event %s: layouts not loaded", e.id)
		}
		if !s.layout.Sellable() {
			empty = append(empty, s.id.String())
		}
	}
	if len(empty) > 0 {
		return apperr.New(apperr.Conflict, "every session needs seats or a standing block to sell before the event is submitted").
			WithDetails(map[string]any{"status": e.status, "session_ids": empty})
	}
	if err := plan.Allow(LimitActiveEvents, activeEvents); err != nil {
		return err
	}
	e.rejectionReason, e.submittedAt = "", normTimePtr(&now)
	return e.move(EventPending, now, "submitted for review")
}

// Approve publishes a PENDING event. Every SCHEDULED session whose sales window is open
// goes on sale at once; the scheduler opens the others when their time comes.
func (e *Event) Approve(now time.Time) error {
	if err := e.move(EventApproved, now, "approved"); err != nil {
		return err
	}
	for _, s := range e.sessions {
		s.openIfDue(e.status, now)
	}
	return nil
}

// Reject sends a PENDING event back to its organizer with a reason.
func (e *Event) Reject(reason string, now time.Time) error {
	fe := apperr.FieldErrors{}
	reason = cleanText(fe, "reason", reason, 1, maxReasonLen, true)
	if err := fe.Err(); err != nil {
		return err
	}
	if err := e.move(EventRejected, now, "rejected"); err != nil {
		return err
	}
	e.rejectionReason = reason
	return nil
}

// Complete marks an APPROVED event COMPLETED once every session is CLOSED or CANCELLED.
func (e *Event) Complete(now time.Time) error {
	if live := e.liveSessions(); len(live) > 0 {
		return apperr.New(apperr.Conflict, "event %s still has %d open session(s)", e.id, len(live))
	}
	return e.move(EventCompleted, now, "completed")
}

// CheckDelete refuses deleting an event while a session is on sale or sold out.
func (e *Event) CheckDelete() error {
	var selling []string
	for _, s := range e.sessions {
		if s.status.Selling() {
			selling = append(selling, s.id.String())
		}
	}
	if len(selling) > 0 {
		return apperr.New(apperr.Conflict, "event has sessions on sale or sold out; cancel them before deleting the event").
			WithDetails(map[string]any{"session_ids": selling})
	}
	return nil
}

// AddTier adds a price level; all tiers of an event share one currency.
func (e *Event) AddTier(id uuid.UUID, in TierInput, now time.Time) (*Tier, error) {
	if err := e.requireChangeable(); err != nil {
		return nil, err
	}
	fe := apperr.FieldErrors{}
	t := newTier(fe, "", id, e.id, in, now)
	if len(e.tiers) > 0 && t.currency != e.tiers[0].currency && len(fe) == 0 {
		fe.Add("currency", fmt.Sprintf("must be %s like the other tiers: all tiers of an event share one currency", e.tiers[0].currency))
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if e.tierNamed(t.name, id) != nil {
		return nil, apperr.New(apperr.Conflict, "the event has a tier named %q already", t.name)
	}
	if len(e.tiers) >= maxTiersPerEvent {
		return nil, apperr.New(apperr.Conflict, "an event has at most %d tiers", maxTiersPerEvent)
	}
	e.tiers = append(e.tiers, t)
	return t, nil
}

// EditTier applies a partial update. A new price applies to orders made from now on.
func (e *Event) EditTier(id uuid.UUID, in TierEdit, now time.Time) (*Tier, error) {
	t := e.tier(id)
	if t == nil {
		return nil, apperr.New(apperr.NotFound, "tier %s not found", id)
	}
	if err := e.requireChangeable(); err != nil {
		return nil, err
	}
	fe := apperr.FieldErrors{}
	next := *t
	if in.Name != nil {
		next.name = cleanTierName(fe, "name", *in.Name)
	}
	if in.Colour != nil {
		next.colour = cleanColour(fe, "colour", *in.Colour)
	}
	if in.PriceMinor != nil {
		next.priceMinor = checkPrice(fe, "price_minor", in.PriceMinor)
	}
	if in.Currency != nil {
		next.currency = cleanCurrency(fe, "currency", *in.Currency)
		if len(e.tiers) > 1 && next.currency != t.currency && len(fe) == 0 {
			fe.Add("currency", fmt.Sprintf("must stay %s: all tiers of an event share one currency", t.currency))
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if e.tierNamed(next.name, id) != nil {
		return nil, apperr.New(apperr.Conflict, "the event has a tier named %q already", next.name)
	}
	if next != *t {
		next.updatedAt = normTime(now)
		*t = next
	}
	return t, nil
}

// RemoveTier deletes a tier no layout seat, standing block or discount uses. The layouts
// of every session must be loaded.
func (e *Event) RemoveTier(id uuid.UUID) error {
	i := slices.IndexFunc(e.tiers, func(t *Tier) bool { return t.id == id })
	if i < 0 {
		return apperr.New(apperr.NotFound, "tier %s not found", id)
	}
	if err := e.requireChangeable(); err != nil {
		return err
	}
	var sessions []string
	for _, s := range e.sessions {
		if s.layout == nil {
			return apperr.New(apperr.Internal, "remove tier %s: layouts not loaded", id)
		}
		if s.layout.UsesTier(id) {
			sessions = append(sessions, s.id.String())
		}
	}
	if len(sessions) > 0 {
		return apperr.New(apperr.Conflict, "tier is used by the layout of %d session(s); move its seats and blocks to another tier first", len(sessions)).
			WithDetails(map[string]any{"session_ids": sessions})
	}
	var codes []string
	for _, d := range e.discounts {
		if slices.Contains(d.in.TierIDs, id) {
			codes = append(codes, d.in.Code)
		}
	}
	if len(codes) > 0 {
		return apperr.New(apperr.Conflict, "tier is named by discount(s) %s; edit them first", strings.Join(codes, ", ")).
			WithDetails(map[string]any{"discount_codes": codes})
	}
	e.tiers = slices.Delete(e.tiers, i, i+1)
	return nil
}

func (e *Event) layoutRules() layoutRules {
	set := make(map[uuid.UUID]bool, len(e.tiers))
	for _, t := range e.tiers {
		set[t.id] = true
	}
	return layoutRules{tiers: set, requireTier: true}
}

// BuildLayout validates a layout for a session of this event (every seat and standing
// block names one of its tiers).
func (e *Event) BuildLayout(spec LayoutSpec) (*Layout, error) {
	fe := apperr.FieldErrors{}
	l := buildLayout(fe, spec, "", e.layoutRules())
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return l, nil
}

// LayoutFromTemplate copies a template's layout for a session of this event.
func (e *Event) LayoutFromTemplate(t *SeatingTemplate) (*Layout, error) {
	if t.orgID != e.orgID {
		return nil, apperr.New(apperr.Invalid, "seating template %s belongs to another organization", t.id).
			WithDetails(map[string]any{"fields": map[string]any{"template_id": "is not a template of this event's organization"}})
	}
	return t.layout.forEvent(e.tiers)
}

// AddSession adds a session. It starts SCHEDULED, or ON_SALE at once when the event is
// APPROVED and its sales window is open. The plan limits sessions per event.
func (e *Event) AddSession(id uuid.UUID, in SessionInput, plan Plan, now time.Time) (*Session, error) {
	if err := e.requireChangeable(); err != nil {
		return nil, err
	}
	if err := plan.Allow(LimitSessionsPerEvent, len(e.sessions)); err != nil {
		return nil, err
	}
	fe := apperr.FieldErrors{}
	s := &Session{id: id, eventID: e.id, typ: in.Type, status: SessionScheduled,
		start: normTime(in.StartTime), end: normTime(in.EndTime), salesStart: normTime(in.SalesStartTime),
		createdAt: normTime(now), updatedAt: normTime(now)}
	s.salesEnd = s.start
	if in.SalesEndTime != nil {
		s.salesEnd = normTime(*in.SalesEndTime)
	}
	checkSessionTimes(fe, s.start, s.end, s.salesStart, s.salesEnd, in.SalesEndTime == nil, now)
	s.venue, s.onlineLink = cleanPlace(fe, in.Type, in.Venue, in.OnlineLink)
	switch {
	case in.Layout != nil && in.Template != nil:
		fe.Add("template_id", "give layout or template_id, not both")
	case in.Layout != nil:
		s.layout = buildLayout(fe, *in.Layout, "layout.", e.layoutRules())
	case in.Template == nil:
		s.layout = EmptyLayout()
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if in.Template != nil {
		l, err := e.LayoutFromTemplate(in.Template)
		if err != nil {
			return nil, err
		}
		s.layout = l
	}
	s.openIfDue(e.status, now)
	e.sessions = append(e.sessions, s)
	return s, nil
}

func (e *Event) changeableSession(id uuid.UUID) (*Session, error) {
	s := e.session(id)
	if s == nil {
		return nil, apperr.New(apperr.NotFound, "session %s not found", id)
	}
	if err := e.requireChangeable(); err != nil {
		return nil, err
	}
	if s.status.Final() {
		return nil, statusConflict(s.status, "session is %s and can no longer be changed", s.status)
	}
	return s, nil
}

// EditSession applies a partial update of times, venue and online link. When the start
// moves and the sales end was the default (the old start), the sales end moves with it.
func (e *Event) EditSession(id uuid.UUID, in SessionEdit, now time.Time) (*Session, error) {
	s, err := e.changeableSession(id)
	if err != nil {
		return nil, err
	}
	next := *s
	if in.StartTime != nil {
		next.start = normTime(*in.StartTime)
		if in.SalesEndTime == nil && s.salesEnd.Equal(s.start) {
			next.salesEnd = next.start
		}
	}
	if in.EndTime != nil {
		next.end = normTime(*in.EndTime)
	}
	if in.SalesStartTime != nil {
		next.salesStart = normTime(*in.SalesStartTime)
	}
	if in.SalesEndTime != nil {
		next.salesEnd = normTime(*in.SalesEndTime)
	}
	fe := apperr.FieldErrors{}
	timesChanged := !next.start.Equal(s.start) || !next.end.Equal(s.end) || !next.salesStart.Equal(s.salesStart) || !next.salesEnd.Equal(s.salesEnd)
	if timesChanged {
		checkSessionTimes(fe, next.start, next.end, next.salesStart, next.salesEnd, false, now)
	}
	if in.Venue != nil || in.OnlineLink != nil {
		v := venueInput(s.venue)
		if in.Venue != nil {
			v = in.Venue
		}
		link := s.onlineLink
		if in.OnlineLink != nil {
			link = *in.OnlineLink
		}
		next.venue, next.onlineLink = cleanPlace(fe, s.typ, v, link)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if timesChanged || !equalPtr(next.venue, s.venue) || next.onlineLink != s.onlineLink {
		next.updatedAt = normTime(now)
		*s = next
	}
	s.openIfDue(e.status, now)
	return s, nil
}

func venueInput(v *Venue) *VenueInput {
	if v == nil {
		return nil
	}
	return &VenueInput{Name: v.Name, Address: v.Address, Latitude: &v.Latitude, Longitude: &v.Longitude}
}

// CancelSession cancels a session that is not CLOSED or CANCELLED already. It stays
// visible with its status; refunds are the order service's business.
func (e *Event) CancelSession(id uuid.UUID, now time.Time) (*Session, error) {
	s := e.session(id)
	if s == nil {
		return nil, apperr.New(apperr.NotFound, "session %s not found", id)
	}
	if err := s.move(SessionCancelled, now); err != nil {
		return nil, err
	}
	return s, nil
}

// StatusReason is why the scheduler moves a session: each reason is one transition.
type StatusReason string

const (
	ReasonSalesStart StatusReason = "sales_start" // SCHEDULED → ON_SALE (event APPROVED)
	ReasonSalesEnd   StatusReason = "sales_end"   // SCHEDULED, ON_SALE or SOLD_OUT → CLOSED
	ReasonSoldOut    StatusReason = "sold_out"    // ON_SALE → SOLD_OUT
	ReasonAvailable  StatusReason = "available"   // SOLD_OUT → ON_SALE
)

// reasonMoves gives, per reason, the status it leads to and the statuses it leads from.
var reasonMoves = map[StatusReason]struct {
	to   SessionStatus
	from []SessionStatus
}{
	ReasonSalesStart: {SessionOnSale, []SessionStatus{SessionScheduled}},
	ReasonSalesEnd:   {SessionClosed, []SessionStatus{SessionScheduled, SessionOnSale, SessionSoldOut}},
	ReasonSoldOut:    {SessionSoldOut, []SessionStatus{SessionOnSale}},
	ReasonAvailable:  {SessionOnSale, []SessionStatus{SessionSoldOut}},
}

// StatusChange is a session status transition asked for by the scheduler. The Expected
// fields are optional preconditions: the values the scheduler planned its job from.
type StatusChange struct {
	Status                 SessionStatus
	Reason                 StatusReason
	ExpectedSalesStartTime *time.Time
	ExpectedSalesEndTime   *time.Time
	ExpectedStatus         *SessionStatus
}

// Validate checks the change itself: a status the scheduler may set, a reason that leads
// to it, a valid expected status.
func (c StatusChange) Validate() error {
	fe := apperr.FieldErrors{}
	if c.Status != SessionOnSale && c.Status != SessionSoldOut && c.Status != SessionClosed {
		fe.Add("status", "must be ON_SALE, SOLD_OUT or CLOSED")
	}
	move, ok := reasonMoves[c.Reason]
	switch {
	case !ok:
		fe.Add("reason", "must be sales_start, sales_end, sold_out or available")
	case len(fe) == 0 && move.to != c.Status:
		fe.Add("reason", fmt.Sprintf("%s moves a session to %s, not %s", c.Reason, move.to, c.Status))
	}
	if c.ExpectedStatus != nil && !ValidSessionStatus(string(*c.ExpectedStatus)) {
		fe.Add("expected.status", "must be SCHEDULED, ON_SALE, SOLD_OUT, CLOSED or CANCELLED")
	}
	return fe.Err()
}

// staleConflict answers a status change planned from values the session no longer has.
func staleConflict(s *Session, format string, args ...any) error {
	return apperr.New(apperr.Conflict, format, args...).
		WithDetails(map[string]any{"reason": "stale", "status": s.status, "session_status": s.status})
}

// MoveSession applies a status change of the scheduler (the caller decides the time: no
// clock is compared here). In order: a session whose sales times differ from the expected
// ones is a stale job (conflict, details.reason "stale"); a session already in the wanted
// status is answered as it is (changed false: nothing to write, whatever expected status
// was sent, so a retried request succeeds); a current status other than the expected one
// is stale too; then the reason's transition must start from the current status (and, to
// go on sale, the event must be APPROVED), else a conflict with details.session_status.
func (e *Event) MoveSession(id uuid.UUID, c StatusChange, now time.Time) (s *Session, changed bool, err error) {
	s = e.session(id)
	if s == nil {
		return nil, false, apperr.New(apperr.NotFound, "session %s not found", id)
	}
	if err := c.Validate(); err != nil {
		return nil, false, err
	}
	move := reasonMoves[c.Reason]
	if t := c.ExpectedSalesStartTime; t != nil && !normTime(*t).Equal(s.salesStart) {
		return nil, false, staleConflict(s, "session %s sales start at %s, not %s", id, s.salesStart.Format(time.RFC3339Nano), t.UTC().Format(time.RFC3339Nano))
	}
	if t := c.ExpectedSalesEndTime; t != nil && !normTime(*t).Equal(s.salesEnd) {
		return nil, false, staleConflict(s, "session %s sales end at %s, not %s", id, s.salesEnd.Format(time.RFC3339Nano), t.UTC().Format(time.RFC3339Nano))
	}
	if s.status == c.Status {
		return s, false, nil
	}
	if c.ExpectedStatus != nil && *c.ExpectedStatus != s.status {
		return nil, false, staleConflict(s, "session %s is %s, not %s", id, s.status, *c.ExpectedStatus)
	}
	conflict := func(format string, args ...any) error {
		return apperr.New(apperr.Conflict, format, args...).
			WithDetails(map[string]any{"status": s.status, "session_status": s.status, "event_status": e.status})
	}
	if !slices.Contains(move.from, s.status) || !s.status.CanBecome(c.Status) {
		return nil, false, conflict("session is %s; %s moves a session to %s only from %s", s.status, c.Reason, c.Status, joinStatuses(move.from))
	}
	if c.Status == SessionOnSale && e.status != EventApproved {
		return nil, false, conflict("event is %s; only sessions of APPROVED events go on sale", e.status)
	}
	if err := s.move(c.Status, now); err != nil {
		return nil, false, err
	}
	return s, true, nil
}

func joinStatuses(ss []SessionStatus) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return strings.Join(out, " or ")
}

// RemoveSession deletes a session that is not on sale or sold out and no discount names.
func (e *Event) RemoveSession(id uuid.UUID) error {
	i := slices.IndexFunc(e.sessions, func(s *Session) bool { return s.id == id })
	if i < 0 {
		return apperr.New(apperr.NotFound, "session %s not found", id)
	}
	if err := e.requireChangeable(); err != nil {
		return err
	}
	if s := e.sessions[i]; s.status.Selling() {
		return statusConflict(s.status, "session is %s; cancel it before deleting it", s.status)
	}
	var codes []string
	for _, d := range e.discounts {
		if slices.Contains(d.in.SessionIDs, id) {
			codes = append(codes, d.in.Code)
		}
	}
	if len(codes) > 0 {
		return apperr.New(apperr.Conflict, "session is named by discount(s) %s; edit them first", strings.Join(codes, ", ")).
			WithDetails(map[string]any{"discount_codes": codes})
	}
	e.sessions = slices.Delete(e.sessions, i, i+1)
	return nil
}

// SetSessionLayout replaces a session's layout (its current layout must be loaded). Once
// the session is on sale or sold out, the new layout must keep every existing seat and
// standing block (it may add more).
func (e *Event) SetSessionLayout(id uuid.UUID, l *Layout, now time.Time) (*Session, error) {
	s, err := e.changeableSession(id)
	if err != nil {
		return nil, err
	}
	if s.layout == nil {
		return nil, apperr.New(apperr.Internal, "set layout of session %s: layout not loaded", id)
	}
	if s.status.Selling() {
		if err := checkChangeOnSale(s.layout, l); err != nil {
			return nil, err
		}
	}
	s.layout, s.updatedAt = l, normTime(now)
	return s, nil
}
