package readmodel

import (
	"math"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/ticketly/ticketly/internal/projection"
)

// Filter selects events for the public listing. Zero values mean "no condition".
type Filter struct {
	Query      string
	CategoryID string // the category or any of its children
	From, To   time.Time
	PriceMin   *int64
	PriceMax   *int64
	Near       *GeoCircle
	Page       int // from 1
	PageSize   int
}

// GeoCircle is a point and a radius in kilometres.
type GeoCircle struct{ Lat, Lng, RadiusKm float64 }

// Summary is one item of the public event listing (SPEC section 4).
type Summary struct {
	ID                 string       `json:"id"`
	Title              string       `json:"title"`
	OrganizationName   string       `json:"organization_name"`
	CategoryName       string       `json:"category_name"`
	StartingPriceMinor int64        `json:"starting_price_minor"`
	Currency           string       `json:"currency"`
	NextSession        *NextSession `json:"next_session"`
}

// NextSession is the listing's pointer to an event's next occurrence.
type NextSession struct {
	ID        string `json:"id"`
	StartTime string `json:"start_time"`
	VenueName string `json:"venue_name"`
}

// Page is a page of the listing.
type Page struct {
	Items    []Summary `json:"items"`
	Page     int       `json:"page"`
	PageSize int       `json:"page_size"`
	Total    int       `json:"total"`
}

func visible(d *projection.EventDoc) bool { return d != nil && d.Exists && d.Status == "APPROVED" }

// Events lists the visible events matching f, sorted by next session start (events with
// no upcoming session last), then title.
func (v *View) Events(f Filter) Page {
	v.mu.RLock()
	defer v.mu.RUnlock()
	now := v.now().UTC().Format(time.RFC3339)
	tokens := tokenize(f.Query)
	type hit struct {
		d    *projection.EventDoc
		sort string
	}
	var hits []hit
	for _, d := range v.events {
		if !visible(d) || !v.matchesLocked(d, f, tokens) {
			continue
		}
		key := "~" // no upcoming session: after every timestamp
		if s := nextSession(d, now); s != nil {
			key = s.StartTime
		}
		hits = append(hits, hit{d, key + "|" + strings.ToLower(d.Title) + "|" + d.ID})
	}
	slices.SortFunc(hits, func(a, b hit) int { return strings.Compare(a.sort, b.sort) })
	p := Page{Page: f.Page, PageSize: f.PageSize, Total: len(hits), Items: []Summary{}}
	start := (f.Page - 1) * f.PageSize
	for i := start; i < len(hits) && i < start+f.PageSize; i++ { // summaries for the page only
		p.Items = append(p.Items, v.summaryLocked(hits[i].d, now))
	}
	return p
}

// nextSession is the first session (they are kept sorted by start) not cancelled and not
// yet ended, or nil.
func nextSession(d *projection.EventDoc, now string) *projection.Session {
	for i := range d.Sessions {
		if s := &d.Sessions[i]; s.Status != "CANCELLED" && s.EndTime > now {
			return s
		}
	}
	return nil
}

func (v *View) summaryLocked(d *projection.EventDoc, now string) Summary {
	s := Summary{ID: d.ID, Title: d.Title}
	if o := v.orgs[d.OrganizationID]; o != nil && o.Exists {
		s.OrganizationName = o.Name
	}
	if c := v.cats[d.CategoryID]; c != nil && c.Exists {
		s.CategoryName = c.Name
	}
	if len(d.Tiers) > 0 { // tiers are kept sorted by price
		s.StartingPriceMinor, s.Currency = d.Tiers[0].PriceMinor, d.Tiers[0].Currency
	}
	if ss := nextSession(d, now); ss != nil {
		s.NextSession = &NextSession{ID: ss.ID, StartTime: ss.StartTime}
		if ss.Venue != nil {
			s.NextSession.VenueName = ss.Venue.Name
		}
	}
	return s
}

func (v *View) matchesLocked(d *projection.EventDoc, f Filter, tokens []string) bool {
	if f.CategoryID != "" {
		c := v.cats[d.CategoryID]
		if d.CategoryID != f.CategoryID && (c == nil || c.ParentID != f.CategoryID) {
			return false
		}
	}
	if f.PriceMin != nil || f.PriceMax != nil {
		if !slices.ContainsFunc(d.Tiers, func(t projection.Tier) bool {
			return (f.PriceMin == nil || t.PriceMinor >= *f.PriceMin) && (f.PriceMax == nil || t.PriceMinor <= *f.PriceMax)
		}) {
			return false
		}
	}
	// Date and place conditions must hold for one and the same session.
	if !f.From.IsZero() || !f.To.IsZero() || f.Near != nil {
		if !slices.ContainsFunc(d.Sessions, func(s projection.Session) bool { return sessionMatches(s, f) }) {
			return false
		}
	}
	if len(tokens) > 0 {
		text, org, cat := v.text[d.ID], "", ""
		if o := v.orgs[d.OrganizationID]; o != nil {
			org = strings.ToLower(o.Name)
		}
		if c := v.cats[d.CategoryID]; c != nil {
			cat = strings.ToLower(c.Name)
		}
		for _, t := range tokens {
			if !strings.Contains(text, t) && !strings.Contains(org, t) && !strings.Contains(cat, t) {
				return false
			}
		}
	}
	return true
}

func sessionMatches(s projection.Session, f Filter) bool {
	if s.Status == "CANCELLED" {
		return false
	}
	start, err := time.Parse(time.RFC3339, s.StartTime)
	if err != nil {
		return false
	}
	if (!f.From.IsZero() && start.Before(f.From)) || (!f.To.IsZero() && start.After(f.To)) {
		return false
	}
	if f.Near != nil {
		if s.Venue == nil || s.Venue.Latitude == nil || s.Venue.Longitude == nil {
			return false
		}
		if DistanceKm(f.Near.Lat, f.Near.Lng, *s.Venue.Latitude, *s.Venue.Longitude) > f.Near.RadiusKm {
			return false
		}
	}
	return true
}

// eventText is the lowercase searchable text of an event itself (organization and
// category names are matched at query time: they change on their own).
func eventText(d *projection.EventDoc) string {
	parts := []string{d.Title, d.Description, d.Overview}
	for _, s := range d.Sessions {
		if s.Venue != nil {
			parts = append(parts, s.Venue.Name, s.Venue.Address)
		}
	}
	return strings.ToLower(strings.Join(parts, " \x00 "))
}

func tokenize(q string) []string {
	return strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// DistanceKm is the great-circle distance between two points (haversine).
func DistanceKm(lat1, lng1, lat2, lng2 float64) float64 {
	const earthRadiusKm = 6371.0088
	rad := math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}
