package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/httpapi"
)

func (s *server) tierRoutes(r chi.Router) {
	r.Post("/events/{id}/tiers", s.h(s.addTier))
	r.Patch("/tiers/{id}", s.h(s.editTier))
	r.Delete("/tiers/{id}", s.h(s.deleteTier))
}

func (s *server) addTier(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var req tierRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	t, err := s.app.AddTier(r.Context(), a, id, req.input())
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, viewTier(t))
	return nil
}

// tierPatch: absent or null fields are unchanged.
type tierPatch struct {
	Name       *string `json:"name"`
	Colour     *string `json:"colour"`
	PriceMinor *int64  `json:"price_minor"`
	Currency   *string `json:"currency"`
}

func (s *server) editTier(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var req tierPatch
	if err := decode(w, r, &req); err != nil {
		return err
	}
	t, err := s.app.EditTier(r.Context(), a, id, catalog.TierEdit{Name: req.Name, Colour: req.Colour, PriceMinor: req.PriceMinor, Currency: req.Currency})
	if err != nil {
		return err
	}
	return ok(w, viewTier(t))
}

func (s *server) deleteTier(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteTier(r.Context(), a, id); err != nil {
		return err
	}
	return noContent(w)
}
