package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/httpapi"
)

func (s *server) organizationRoutes(r chi.Router) {
	r.Post("/organizations", s.h(s.createOrganization))
	r.Get("/organizations", s.h(s.listOrganizations))
	r.Get("/organizations/mine", s.h(s.myOrganizations))
	r.Get("/organizations/{id}", s.h(s.getOrganization))
	r.Patch("/organizations/{id}", s.h(s.editOrganization))
	r.Delete("/organizations/{id}", s.h(s.deleteOrganization))
	r.Get("/organizations/{id}/members", s.h(s.listMembers))
	r.Post("/organizations/{id}/members", s.h(s.addMember))
	r.Put("/organizations/{id}/members/{user_id}", s.h(s.putMember))
	r.Delete("/organizations/{id}/members/{user_id}", s.h(s.removeMember))
}

type orgRequest struct {
	Name    string `json:"name"`
	Website string `json:"website"`
	LogoURL string `json:"logo_url"`
}

func (s *server) createOrganization(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	var req orgRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	o, err := s.app.CreateOrganization(r.Context(), a, catalog.OrgInput{Name: req.Name, Website: req.Website, LogoURL: req.LogoURL})
	if err != nil {
		return err
	}
	return created(w, "/api/v1/organizations/"+o.ID().String(), viewOrg(o))
}

func (s *server) listOrganizations(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	p, err := pageOf(r, 50, 200)
	if err != nil {
		return err
	}
	orgs, total, err := s.app.AllOrganizations(r.Context(), a, p)
	if err != nil {
		return err
	}
	return ok(w, page[orgView]{Items: mapAll(orgs, viewOrg), Page: p.Number, PageSize: p.Size, Total: total})
}

func (s *server) myOrganizations(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	orgs, err := s.app.MyOrganizations(r.Context(), a)
	if err != nil {
		return err
	}
	return ok(w, list[myOrgView]{Items: mapAll(orgs, func(o *catalog.Organization) myOrgView {
		roles := o.MyRoles(a)
		if roles == nil {
			roles = []catalog.OrgRole{}
		}
		return myOrgView{orgView: viewOrg(o), MyRoles: roles}
	})})
}

func (s *server) getOrganization(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	o, err := s.app.Organization(r.Context(), a, id)
	if err != nil {
		return err
	}
	return ok(w, viewOrg(o))
}

type orgPatch struct {
	Name    *string `json:"name"`
	Website *string `json:"website"`
	LogoURL *string `json:"logo_url"`
}

func (s *server) editOrganization(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var req orgPatch
	if err := decode(w, r, &req); err != nil {
		return err
	}
	o, err := s.app.EditOrganization(r.Context(), a, id, catalog.OrgEdit{Name: req.Name, Website: req.Website, LogoURL: req.LogoURL})
	if err != nil {
		return err
	}
	return ok(w, viewOrg(o))
}

func (s *server) deleteOrganization(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteOrganization(r.Context(), a, id); err != nil {
		return err
	}
	return noContent(w)
}

func (s *server) removeMember(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	// Any id: a member added before ids were checked can still be removed.
	userID, err := pathParam(r, "user_id")
	if err != nil {
		return err
	}
	if err := s.app.RemoveMember(r.Context(), a, id, userID); err != nil {
		return err
	}
	return noContent(w)
}
