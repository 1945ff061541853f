package main

import (
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/readmodel"
	"github.com/ticketly/ticketly/internal/sse"
)

// api serves the public read endpoints from the replica's in-memory view.
type api struct {
	view      *readmodel.View
	hub       *sse.Hub
	checkouts *sse.Broadcast
	verifier  *auth.Verifier
	log       *slog.Logger
}

func (a *api) routes(r chi.Router) {
	r.Get("/api/v1/events", a.listEvents)
	r.Get("/api/v1/events/trending", a.listTrending) // the literal route wins over {id}
	r.Get("/api/v1/events/{id}", a.getEvent)
	r.Get("/api/v1/categories", a.listCategories)
	r.Get("/api/v1/sessions/{id}", a.getSession)
	r.Get("/api/v1/sessions/{id}/seats", a.getSeats)
	r.Get("/api/v1/sessions/{id}/stream", a.streamSession)
	r.Get("/api/v1/events/{id}/checkouts/stream", a.streamCheckouts)
}

// streamCheckouts is an organizer's live stream of the checkouts of their event: every
// order status change, without buyer data. The token comes in the Authorization header,
// or as ?access_token= for browsers' EventSource, which cannot set headers.
func (a *api) streamCheckouts(w http.ResponseWriter, r *http.Request) {
	raw, err := auth.BearerToken(r)
	if t := r.URL.Query().Get("access_token"); err != nil && t != "" {
		raw, err = t, nil
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	p, err := a.verifier.Verify(r.Context(), raw)
	if err == nil {
		err = auth.Deferred(r.Context()) // an unknown query parameter, refused once the caller is known
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	allowed, found := a.view.CanManageEvent(id, p.Subject)
	if !found {
		a.fail(w, r, apperr.New(apperr.NotFound, "event %s not found", id))
		return
	}
	if !allowed && !p.HasRole("event_admin") && !p.HasRole("organization_admin") {
		a.fail(w, r, apperr.New(apperr.Forbidden, "only the event's organizer may watch its checkouts"))
		return
	}
	a.checkouts.Serve(w, r, id)
}

// streamSession is the live seat stream of SPEC section 3 (SSE). An unknown session is a
// JSON 404 before any stream starts: a browser's EventSource gives up on error statuses.
func (a *api) streamSession(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.hub.ServeSession(w, r, id, func(w http.ResponseWriter, r *http.Request) {
		a.fail(w, r, apperr.New(apperr.NotFound, "session %s not found", id))
	})
}

func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpapi.WriteError(w, r, a.log, err)
}

// reply writes v with a short public cache lifetime: reads are served from memory and a
// change reaches them within a second or so.
func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Cache-Control", "public, max-age=1")
	httpapi.WriteJSON(w, http.StatusOK, v)
}

func pathID(r *http.Request) (string, error) {
	id, err := httpapi.PathUUID(r, "id")
	return id.String(), err
}

func (a *api) listEvents(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	reply(w, a.view.Events(f))
}

func (a *api) listTrending(w http.ResponseWriter, r *http.Request) {
	bad := apperr.FieldErrors{}
	q := r.URL.Query()
	page := int(httpapi.QueryInt(q, "page", 1, 1, 1_000_000, bad))
	size := int(httpapi.QueryInt(q, "page_size", 20, 1, 100, bad))
	if err := bad.Err(); err != nil {
		a.fail(w, r, err)
		return
	}
	reply(w, a.view.Trending(page, size))
}

func (a *api) getEvent(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	e, ok := a.view.EventDetail(id)
	if !ok {
		a.fail(w, r, apperr.New(apperr.NotFound, "event %s not found", id))
		return
	}
	reply(w, e)
}

func (a *api) listCategories(w http.ResponseWriter, _ *http.Request) {
	reply(w, map[string]any{"items": a.view.Categories()})
}

func (a *api) getSession(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	s, ok := a.view.Session(id)
	if !ok {
		a.fail(w, r, apperr.New(apperr.NotFound, "session %s not found", id))
		return
	}
	reply(w, s)
}

func (a *api) getSeats(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	m, ok := a.view.Seats(id)
	if !ok {
		a.fail(w, r, apperr.New(apperr.NotFound, "session %s not found", id))
		return
	}
	reply(w, m)
}

// parseFilter reads the listing's query parameters, reporting every bad one.
func parseFilter(q url.Values) (readmodel.Filter, error) {
	bad := apperr.FieldErrors{}
	f := readmodel.Filter{Query: strings.TrimSpace(httpapi.QueryText(q, "q", bad)), Page: 1, PageSize: 20}
	if len(f.Query) > 200 {
		bad.Add("q", "must be at most 200 characters")
	}
	money := func(name string) *int64 { // an optional bound in minor units
		if q.Get(name) == "" {
			return nil
		}
		n := httpapi.QueryInt(q, name, -1, 0, math.MaxInt64, bad)
		if n < 0 {
			return nil
		}
		return &n
	}
	f.Page = int(httpapi.QueryInt(q, "page", 1, 1, 1_000_000, bad))
	f.PageSize = int(httpapi.QueryInt(q, "page_size", 20, 1, 100, bad))
	f.PriceMin, f.PriceMax = money("price_min"), money("price_max")
	if f.PriceMin != nil && f.PriceMax != nil && *f.PriceMin > *f.PriceMax {
		bad.Add("price_max", "must not be below price_min")
	}
	if c := q.Get("category"); c != "" {
		if u, ok := httpapi.ParseUUID(c); !ok {
			bad.Add("category", "must be a category id (UUID)")
		} else {
			f.CategoryID = u.String()
		}
	}
	timeParam := func(name string) time.Time {
		s := q.Get(name)
		if s == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			bad.Add(name, "must be an RFC 3339 time, e.g. 2026-12-31T20:00:00Z")
		}
		return t
	}
	f.From, f.To = timeParam("from"), timeParam("to")
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		bad.Add("to", "must not be before from")
	}
	floatParam := func(name string, min, max float64) (float64, bool) {
		s := q.Get(name)
		if s == "" {
			return 0, false
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || v < min || v > max {
			bad.Add(name, "must be a number from "+strconv.FormatFloat(min, 'f', -1, 64)+" to "+strconv.FormatFloat(max, 'f', -1, 64))
			return 0, false
		}
		return v, true
	}
	lat, hasLat := floatParam("lat", -90, 90)
	lng, hasLng := floatParam("lng", -180, 180)
	radius, hasRadius := floatParam("radius_km", 0, 20040)
	switch {
	case hasLat && hasLng && hasRadius:
		f.Near = &readmodel.GeoCircle{Lat: lat, Lng: lng, RadiusKm: radius}
	case hasLat || hasLng || hasRadius || q.Get("lat") != "" || q.Get("lng") != "" || q.Get("radius_km") != "":
		bad.Add("radius_km", "lat, lng and radius_km go together")
	}
	return f, bad.Err()
}
