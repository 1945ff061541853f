package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/httpapi"
)

func (s *server) categoryRoutes(r chi.Router) {
	r.Get("/manage/categories", s.h(s.listCategories))
	r.Post("/categories", s.h(s.createCategory))
	r.Patch("/categories/{id}", s.h(s.editCategory))
	r.Delete("/categories/{id}", s.h(s.deleteCategory))
}

func (s *server) listCategories(w http.ResponseWriter, r *http.Request, _ catalog.Actor) error {
	cats, err := s.app.Categories(r.Context())
	if err != nil {
		return err
	}
	return ok(w, list[categoryView]{Items: mapAll(cats, viewCategory)})
}

type categoryRequest struct {
	Name     string  `json:"name"`
	ParentID *string `json:"parent_id"`
}

func (s *server) createCategory(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	var req categoryRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	f := newFields()
	parent := f.uuid("parent_id", req.ParentID)
	if err := f.Err(); err != nil {
		return err
	}
	c, err := s.app.CreateCategory(r.Context(), a, req.Name, parent)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, viewCategory(c))
	return nil
}

// categoryPatch: parent_id null moves the category to the top level.
type categoryPatch struct {
	Name     *string          `json:"name"`
	ParentID nullable[string] `json:"parent_id"`
}

func (s *server) editCategory(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var req categoryPatch
	if err := decode(w, r, &req); err != nil {
		return err
	}
	f := newFields()
	parent := catalog.Patch[uuid.UUID]{Set: req.ParentID.Set, Null: req.ParentID.Null}
	if req.ParentID.Set && !req.ParentID.Null {
		parent.Value = f.requiredUUID("parent_id", &req.ParentID.Value)
	}
	if err := f.Err(); err != nil {
		return err
	}
	c, err := s.app.EditCategory(r.Context(), a, id, req.Name, parent)
	if err != nil {
		return err
	}
	return ok(w, viewCategory(c))
}

func (s *server) deleteCategory(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteCategory(r.Context(), a, id); err != nil {
		return err
	}
	return noContent(w)
}
