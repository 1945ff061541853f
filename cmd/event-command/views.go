package main

import (
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/catalog"
)

// Views are the JSON bodies of responses: snake_case, times in UTC (RFC 3339), money in
// minor units. Text fields are always strings ("" when unset); optional references and
// objects are null.

type orgView struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	Website   string    `json:"website"`
	LogoURL   string    `json:"logo_url"`
	OwnerID   string    `json:"owner_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func viewOrg(o *catalog.Organization) orgView {
	s := o.State()
	return orgView{ID: s.ID, Name: s.Name, Website: s.Website, LogoURL: s.LogoURL, OwnerID: s.OwnerID,
		CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
}

type myOrgView struct {
	orgView
	MyRoles []catalog.OrgRole `json:"my_roles"`
}

type memberView struct {
	UserID    string            `json:"user_id"`
	Roles     []catalog.OrgRole `json:"roles"`
	CreatedAt time.Time         `json:"created_at"`
}

func viewMember(m catalog.Member) memberView {
	return memberView{UserID: m.UserID, Roles: m.Roles, CreatedAt: m.CreatedAt.UTC()}
}

type categoryView struct {
	ID       uuid.UUID  `json:"id"`
	Name     string     `json:"name"`
	ParentID *uuid.UUID `json:"parent_id"`
}

func viewCategory(c *catalog.Category) categoryView {
	s := c.State()
	return categoryView{ID: s.ID, Name: s.Name, ParentID: s.ParentID}
}

type tierView struct {
	ID         uuid.UUID `json:"id"`
	EventID    uuid.UUID `json:"event_id"`
	Name       string    `json:"name"`
	Colour     string    `json:"colour"`
	PriceMinor int64     `json:"price_minor"`
	Currency   string    `json:"currency"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func viewTier(t *catalog.Tier) tierView {
	s := t.State()
	return tierView{ID: s.ID, EventID: s.EventID, Name: s.Name, Colour: s.Colour, PriceMinor: s.PriceMinor,
		Currency: s.Currency, CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
}

type venueView struct {
	Name      string  `json:"name"`
	Address   string  `json:"address"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

type sessionView struct {
	ID             uuid.UUID             `json:"id"`
	EventID        uuid.UUID             `json:"event_id"`
	StartTime      time.Time             `json:"start_time"`
	EndTime        time.Time             `json:"end_time"`
	SalesStartTime time.Time             `json:"sales_start_time"`
	SalesEndTime   time.Time             `json:"sales_end_time"`
	SessionType    catalog.SessionType   `json:"session_type"`
	Venue          *venueView            `json:"venue"`
	OnlineLink     string                `json:"online_link"`
	Status         catalog.SessionStatus `json:"status"`
	Layout         *catalog.Layout       `json:"layout"`
	CreatedAt      time.Time             `json:"created_at"`
	UpdatedAt      time.Time             `json:"updated_at"`
}

func viewSession(x *catalog.Session) sessionView {
	s := x.State()
	v := sessionView{ID: s.ID, EventID: s.EventID, StartTime: s.StartTime.UTC(), EndTime: s.EndTime.UTC(),
		SalesStartTime: s.SalesStartTime.UTC(), SalesEndTime: s.SalesEndTime.UTC(), SessionType: s.Type,
		OnlineLink: s.OnlineLink, Status: s.Status, Layout: s.Layout, CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
	if s.Venue != nil {
		v.Venue = &venueView{Name: s.Venue.Name, Address: s.Venue.Address, Latitude: s.Venue.Latitude, Longitude: s.Venue.Longitude}
	}
	return v
}

type discountView struct {
	ID               uuid.UUID            `json:"id"`
	EventID          uuid.UUID            `json:"event_id"`
	Code             string               `json:"code"`
	Kind             catalog.DiscountKind `json:"kind"`
	Percent          *int                 `json:"percent"`
	AmountMinor      *int64               `json:"amount_minor"`
	MinSpendMinor    int64                `json:"min_spend_minor"`
	MaxDiscountMinor *int64               `json:"max_discount_minor"`
	Buy              *int                 `json:"buy"`
	Get              *int                 `json:"get"`
	UsageLimit       *int                 `json:"usage_limit"`
	ActiveFrom       *time.Time           `json:"active_from"`
	ActiveUntil      *time.Time           `json:"active_until"`
	Public           bool                 `json:"public"`
	TierIDs          []uuid.UUID          `json:"tier_ids"`
	SessionIDs       []uuid.UUID          `json:"session_ids"`
	CreatedAt        time.Time            `json:"created_at"`
	UpdatedAt        time.Time            `json:"updated_at"`
}

func viewDiscount(d *catalog.Discount) discountView {
	s := d.State()
	return discountView{ID: s.ID, EventID: s.EventID, Code: s.Code, Kind: s.Kind, Percent: s.Percent,
		AmountMinor: s.AmountMinor, MinSpendMinor: s.MinSpendMinor, MaxDiscountMinor: s.MaxDiscountMinor, Buy: s.Buy,
		Get: s.Get, UsageLimit: s.UsageLimit, ActiveFrom: utc(s.ActiveFrom), ActiveUntil: utc(s.ActiveUntil),
		Public: s.Public, TierIDs: s.TierIDs, SessionIDs: s.SessionIDs, CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// eventSummaryView is an event without its children (lists).
type eventSummaryView struct {
	ID               uuid.UUID           `json:"id"`
	OrganizationID   uuid.UUID           `json:"organization_id"`
	OrganizationName string              `json:"organization_name"`
	CategoryID       *uuid.UUID          `json:"category_id"`
	Title            string              `json:"title"`
	Description      string              `json:"description"`
	Overview         string              `json:"overview"`
	CoverImages      []string            `json:"cover_images"`
	Status           catalog.EventStatus `json:"status"`
	RejectionReason  string              `json:"rejection_reason"`
	CreatedBy        string              `json:"created_by"`
	CreatedAt        time.Time           `json:"created_at"`
	UpdatedAt        time.Time           `json:"updated_at"`
	SubmittedAt      *time.Time          `json:"submitted_at"`
}

func viewEventSummary(e *catalog.Event) eventSummaryView {
	s := e.State()
	return eventSummaryView{ID: s.ID, OrganizationID: s.OrganizationID, OrganizationName: s.OrganizationName, CategoryID: s.CategoryID,
		Title: s.Title, Description: s.Description, Overview: s.Overview, CoverImages: s.CoverImages, Status: s.Status,
		RejectionReason: s.RejectionReason, CreatedBy: s.CreatedBy, CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(),
		SubmittedAt: utc(s.SubmittedAt)}
}

type eventView struct {
	eventSummaryView
	Tiers     []tierView     `json:"tiers"`
	Sessions  []sessionView  `json:"sessions"`
	Discounts []discountView `json:"discounts"`
}

func viewEvent(e *catalog.Event) eventView {
	v := eventView{eventSummaryView: viewEventSummary(e), Tiers: []tierView{}, Sessions: []sessionView{}, Discounts: []discountView{}}
	for _, t := range e.Tiers() {
		v.Tiers = append(v.Tiers, viewTier(t))
	}
	for _, s := range e.Sessions() {
		v.Sessions = append(v.Sessions, viewSession(s))
	}
	for _, d := range e.Discounts() {
		v.Discounts = append(v.Discounts, viewDiscount(d))
	}
	return v
}

type templateView struct {
	ID             uuid.UUID       `json:"id"`
	OrganizationID uuid.UUID       `json:"organization_id"`
	Name           string          `json:"name"`
	Layout         *catalog.Layout `json:"layout,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

func viewTemplate(t *catalog.SeatingTemplate) templateView {
	s := t.State()
	return templateView{ID: s.ID, OrganizationID: s.OrganizationID, Name: s.Name, Layout: s.Layout,
		CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
}

// list is the body of a list response.
type list[T any] struct {
	Items []T `json:"items"`
}

// page is the body of a paginated list response.
type page[T any] struct {
	Items    []T `json:"items"`
	Page     int `json:"page"`
	PageSize int `json:"page_size"`
	Total    int `json:"total"`
}

func mapAll[A, B any](in []A, f func(A) B) []B {
	out := make([]B, 0, len(in))
	for _, a := range in {
		out = append(out, f(a))
	}
	return out
}
