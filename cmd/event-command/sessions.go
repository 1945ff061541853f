package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/httpapi"
)

func (s *server) sessionRoutes(r chi.Router) {
	r.Post("/events/{id}/sessions", s.h(s.addSession))
	r.Get("/manage/sessions/{id}", s.h(s.getSession))
	r.Patch("/sessions/{id}", s.h(s.editSession))
	r.Delete("/sessions/{id}", s.h(s.deleteSession))
	r.Post("/sessions/{id}/cancel", s.h(s.cancelSession))
	r.Put("/sessions/{id}/layout", s.h(s.putLayout))
}

type venueRequest struct {
	Name      string   `json:"name"`
	Address   string   `json:"address"`
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
}

func (v *venueRequest) input() *catalog.VenueInput {
	if v == nil {
		return nil
	}
	return &catalog.VenueInput{Name: v.Name, Address: v.Address, Latitude: v.Latitude, Longitude: v.Longitude}
}

type sessionRequest struct {
	StartTime      *string             `json:"start_time"`
	EndTime        *string             `json:"end_time"`
	SalesStartTime *string             `json:"sales_start_time"`
	SalesEndTime   *string             `json:"sales_end_time"`
	SessionType    string              `json:"session_type"`
	Venue          *venueRequest       `json:"venue"`
	OnlineLink     string              `json:"online_link"`
	Layout         *catalog.LayoutSpec `json:"layout"`
	TemplateID     *string             `json:"template_id"`
}

func (s *server) addSession(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var req sessionRequest
	if err := httpapi.DecodeJSON(w, r, &req, layoutMaxBody); err != nil {
		return err
	}
	f := newFields()
	in := catalog.SessionInput{
		StartTime:      f.requiredTime("start_time", req.StartTime),
		EndTime:        f.requiredTime("end_time", req.EndTime),
		SalesStartTime: f.requiredTime("sales_start_time", req.SalesStartTime),
		SalesEndTime:   f.time("sales_end_time", req.SalesEndTime),
		Type:           catalog.SessionType(req.SessionType),
		Venue:          req.Venue.input(),
		OnlineLink:     req.OnlineLink,
		Layout:         req.Layout,
	}
	templateID := f.uuid("template_id", req.TemplateID)
	if err := f.Err(); err != nil {
		return err
	}
	sess, err := s.app.AddSession(r.Context(), a, id, in, templateID)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/manage/sessions/"+sess.ID().String(), viewSession(sess))
}

func (s *server) getSession(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	sess, err := s.app.Session(r.Context(), a, id)
	if err != nil {
		return err
	}
	return ok(w, viewSession(sess))
}

// sessionPatch: absent or null fields are unchanged; a venue replaces the whole venue.
type sessionPatch struct {
	StartTime      *string       `json:"start_time"`
	EndTime        *string       `json:"end_time"`
	SalesStartTime *string       `json:"sales_start_time"`
	SalesEndTime   *string       `json:"sales_end_time"`
	Venue          *venueRequest `json:"venue"`
	OnlineLink     *string       `json:"online_link"`
}

func (s *server) editSession(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var req sessionPatch
	if err := decode(w, r, &req); err != nil {
		return err
	}
	f := newFields()
	in := catalog.SessionEdit{
		StartTime:      f.time("start_time", req.StartTime),
		EndTime:        f.time("end_time", req.EndTime),
		SalesStartTime: f.time("sales_start_time", req.SalesStartTime),
		SalesEndTime:   f.time("sales_end_time", req.SalesEndTime),
		Venue:          req.Venue.input(),
		OnlineLink:     req.OnlineLink,
	}
	if err := f.Err(); err != nil {
		return err
	}
	sess, err := s.app.EditSession(r.Context(), a, id, in)
	if err != nil {
		return err
	}
	return ok(w, viewSession(sess))
}

func (s *server) deleteSession(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteSession(r.Context(), a, id); err != nil {
		return err
	}
	return noContent(w)
}

func (s *server) cancelSession(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	sess, err := s.app.CancelSession(r.Context(), a, id)
	if err != nil {
		return err
	}
	return ok(w, viewSession(sess))
}

// layoutRequest is a layout, or a template to copy one from.
type layoutRequest struct {
	Blocks         *[]catalog.BlockSpec `json:"blocks"`
	BlockedSeatIDs []string             `json:"blocked_seat_ids"`
	TemplateID     *string              `json:"template_id"`
}

func (s *server) putLayout(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var req layoutRequest
	if err := httpapi.DecodeJSON(w, r, &req, layoutMaxBody); err != nil {
		return err
	}
	f := newFields()
	templateID := f.uuid("template_id", req.TemplateID)
	var spec *catalog.LayoutSpec
	switch {
	case req.TemplateID != nil && (req.Blocks != nil || req.BlockedSeatIDs != nil):
		f.Add("template_id", "give blocks (and blocked_seat_ids) or template_id, not both")
	case req.TemplateID == nil && req.Blocks == nil:
		f.Add("blocks", "is required (or give template_id)")
	case req.Blocks != nil:
		spec = &catalog.LayoutSpec{Blocks: *req.Blocks, BlockedSeatIDs: req.BlockedSeatIDs}
	}
	if err := f.Err(); err != nil {
		return err
	}
	sess, err := s.app.SetSessionLayout(r.Context(), a, id, spec, templateID)
	if err != nil {
		return err
	}
	return ok(w, viewSession(sess))
}
