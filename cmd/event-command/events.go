package main

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/command"
	"github.com/ticketly/ticketly/internal/httpapi"
)

func (s *server) eventRoutes(r chi.Router) {
	r.Post("/events", s.h(s.createEvent))
	r.Get("/manage/events", s.h(s.listEvents))
	r.Get("/manage/events/{id}", s.h(s.getEvent))
	r.Patch("/events/{id}", s.h(s.editEvent))
	r.Delete("/events/{id}", s.h(s.deleteEvent))
	r.Post("/events/{id}/submit", s.h(eventAction(func(ctx context.Context, a catalog.Actor, id uuid.UUID) (*catalog.Event, error) {
		return s.app.SubmitEvent(ctx, a, id)
	})))
	r.Post("/events/{id}/approve", s.h(eventAction(func(ctx context.Context, a catalog.Actor, id uuid.UUID) (*catalog.Event, error) {
		return s.app.ApproveEvent(ctx, a, id)
	})))
	r.Post("/events/{id}/reject", s.h(s.rejectEvent))
}

type tierRequest struct {
	Name       string `json:"name"`
	Colour     string `json:"colour"`
	PriceMinor *int64 `json:"price_minor"`
	Currency   string `json:"currency"`
}

func (t tierRequest) input() catalog.TierInput {
	return catalog.TierInput{Name: t.Name, Colour: t.Colour, PriceMinor: t.PriceMinor, Currency: t.Currency}
}

type eventRequest struct {
	OrganizationID *string       `json:"organization_id"`
	CategoryID     *string       `json:"category_id"`
	Title          string        `json:"title"`
	Description    string        `json:"description"`
	Overview       string        `json:"overview"`
	CoverImages    []string      `json:"cover_images"`
	Tiers          []tierRequest `json:"tiers"`
}

func (s *server) createEvent(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	var req eventRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	f := newFields()
	orgID := f.requiredUUID("organization_id", req.OrganizationID)
	in := catalog.EventInput{CategoryID: f.uuid("category_id", req.CategoryID), Title: req.Title, Description: req.Description,
		Overview: req.Overview, CoverImages: req.CoverImages}
	if err := f.Err(); err != nil {
		return err
	}
	for _, t := range req.Tiers {
		in.Tiers = append(in.Tiers, t.input())
	}
	e, err := s.app.CreateEvent(r.Context(), a, orgID, in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/manage/events/"+e.ID().String(), viewEvent(e))
}

func (s *server) listEvents(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	p, err := pageOf(r, 50, 200)
	if err != nil {
		return err
	}
	f := newFields()
	filter := command.EventFilter{Page: p}
	q := r.URL.Query()
	if v := q.Get("organization_id"); v != "" {
		filter.OrganizationID = f.uuid("organization_id", &v)
	}
	if v := q.Get("status"); v != "" {
		if !catalog.ValidEventStatus(v) {
			f.Add("status", "must be DRAFT, PENDING, APPROVED, REJECTED or COMPLETED")
		}
		st := catalog.EventStatus(v)
		filter.Status = &st
	}
	if err := f.Err(); err != nil {
		return err
	}
	events, total, err := s.app.ListEvents(r.Context(), a, filter)
	if err != nil {
		return err
	}
	return ok(w, page[eventSummaryView]{Items: mapAll(events, viewEventSummary), Page: p.Number, PageSize: p.Size, Total: total})
}

func (s *server) getEvent(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	e, err := s.app.Event(r.Context(), a, id)
	if err != nil {
		return err
	}
	return ok(w, viewEvent(e))
}

// eventPatch: absent or null fields are unchanged.
type eventPatch struct {
	Title       *string   `json:"title"`
	Description *string   `json:"description"`
	Overview    *string   `json:"overview"`
	CategoryID  *string   `json:"category_id"`
	CoverImages *[]string `json:"cover_images"`
}

func (s *server) editEvent(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var req eventPatch
	if err := decode(w, r, &req); err != nil {
		return err
	}
	f := newFields()
	in := catalog.EventEdit{Title: req.Title, Description: req.Description, Overview: req.Overview,
		CategoryID: f.uuid("category_id", req.CategoryID), CoverImages: req.CoverImages}
	if err := f.Err(); err != nil {
		return err
	}
	e, err := s.app.EditEvent(r.Context(), a, id, in)
	if err != nil {
		return err
	}
	return ok(w, viewEvent(e))
}

func (s *server) deleteEvent(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteEvent(r.Context(), a, id); err != nil {
		return err
	}
	return noContent(w)
}

// eventAction answers a body-less action on an event with the event.
func eventAction(fn func(context.Context, catalog.Actor, uuid.UUID) (*catalog.Event, error)) handler {
	return func(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
		id, err := httpapi.PathUUID(r, "id")
		if err != nil {
			return err
		}
		e, err := fn(r.Context(), a, id)
		if err != nil {
			return err
		}
		return ok(w, viewEvent(e))
	}
}

type rejectRequest struct {
	Reason *string `json:"reason"`
}

func (s *server) rejectEvent(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var req rejectRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.Reason == nil {
		return apperr.New(apperr.Invalid, "reason is required").WithDetails(map[string]any{"fields": map[string]any{"reason": "is required"}})
	}
	e, err := s.app.RejectEvent(r.Context(), a, id, *req.Reason)
	if err != nil {
		return err
	}
	return ok(w, viewEvent(e))
}
