package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/httpapi"
)

func (s *server) templateRoutes(r chi.Router) {
	r.Post("/organizations/{id}/seating-templates", s.h(s.createTemplate))
	r.Get("/organizations/{id}/seating-templates", s.h(s.listTemplates))
	r.Get("/seating-templates/{id}", s.h(s.getTemplate))
	r.Put("/seating-templates/{id}", s.h(s.replaceTemplate))
	r.Delete("/seating-templates/{id}", s.h(s.deleteTemplate))
}

type templateRequest struct {
	Name   string              `json:"name"`
	Layout *catalog.LayoutSpec `json:"layout"`
}

func (s *server) createTemplate(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	orgID, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var req templateRequest
	if err := httpapi.DecodeJSON(w, r, &req, layoutMaxBody); err != nil {
		return err
	}
	t, err := s.app.CreateTemplate(r.Context(), a, orgID, req.Name, req.Layout)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/seating-templates/"+t.ID().String(), viewTemplate(t))
}

func (s *server) listTemplates(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	orgID, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	ts, err := s.app.Templates(r.Context(), a, orgID)
	if err != nil {
		return err
	}
	return ok(w, list[templateView]{Items: mapAll(ts, viewTemplate)})
}

func (s *server) getTemplate(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.app.Template(r.Context(), a, id)
	if err != nil {
		return err
	}
	return ok(w, viewTemplate(t))
}

func (s *server) replaceTemplate(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var req templateRequest
	if err := httpapi.DecodeJSON(w, r, &req, layoutMaxBody); err != nil {
		return err
	}
	t, err := s.app.ReplaceTemplate(r.Context(), a, id, req.Name, req.Layout)
	if err != nil {
		return err
	}
	return ok(w, viewTemplate(t))
}

func (s *server) deleteTemplate(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteTemplate(r.Context(), a, id); err != nil {
		return err
	}
	return noContent(w)
}
