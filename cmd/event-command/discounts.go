package main

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/httpapi"
)

func (s *server) discountRoutes(r chi.Router) {
	r.Post("/events/{id}/discounts", s.h(s.addDiscount))
	r.Get("/manage/events/{id}/discounts", s.h(s.listDiscounts))
	r.Patch("/discounts/{id}", s.h(s.editDiscount))
	r.Delete("/discounts/{id}", s.h(s.deleteDiscount))
}

type discountRequest struct {
	Code             string   `json:"code"`
	Kind             string   `json:"kind"`
	Percent          *int     `json:"percent"`
	AmountMinor      *int64   `json:"amount_minor"`
	MinSpendMinor    *int64   `json:"min_spend_minor"`
	MaxDiscountMinor *int64   `json:"max_discount_minor"`
	Buy              *int     `json:"buy"`
	Get              *int     `json:"get"`
	UsageLimit       *int     `json:"usage_limit"`
	ActiveFrom       *string  `json:"active_from"`
	ActiveUntil      *string  `json:"active_until"`
	Public           bool     `json:"public"`
	TierIDs          []string `json:"tier_ids"`
	SessionIDs       []string `json:"session_ids"`
}

func (s *server) addDiscount(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var req discountRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	f := newFields()
	in := catalog.DiscountInput{
		Code: req.Code, Kind: catalog.DiscountKind(req.Kind), Percent: req.Percent, AmountMinor: req.AmountMinor,
		MinSpendMinor: req.MinSpendMinor, MaxDiscountMinor: req.MaxDiscountMinor, Buy: req.Buy, Get: req.Get,
		UsageLimit: req.UsageLimit, ActiveFrom: f.time("active_from", req.ActiveFrom), ActiveUntil: f.time("active_until", req.ActiveUntil),
		Public: req.Public, TierIDs: f.uuids("tier_ids", req.TierIDs), SessionIDs: f.uuids("session_ids", req.SessionIDs),
	}
	if err := f.Err(); err != nil {
		return err
	}
	d, err := s.app.AddDiscount(r.Context(), a, id, in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, viewDiscount(d))
	return nil
}

func (s *server) listDiscounts(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	ds, err := s.app.Discounts(r.Context(), a, id)
	if err != nil {
		return err
	}
	return ok(w, list[discountView]{Items: mapAll(ds, viewDiscount)})
}

// discountPatch: absent fields are unchanged; null clears the optional parameters
// (percent, amount_minor, min_spend_minor, max_discount_minor, buy, get, usage_limit,
// active_from, active_until) and is the same as absent for the others.
type discountPatch struct {
	Code             *string          `json:"code"`
	Kind             *string          `json:"kind"`
	Percent          nullable[int]    `json:"percent"`
	AmountMinor      nullable[int64]  `json:"amount_minor"`
	MinSpendMinor    nullable[int64]  `json:"min_spend_minor"`
	MaxDiscountMinor nullable[int64]  `json:"max_discount_minor"`
	Buy              nullable[int]    `json:"buy"`
	Get              nullable[int]    `json:"get"`
	UsageLimit       nullable[int]    `json:"usage_limit"`
	ActiveFrom       nullable[string] `json:"active_from"`
	ActiveUntil      nullable[string] `json:"active_until"`
	Public           *bool            `json:"public"`
	TierIDs          *[]string        `json:"tier_ids"`
	SessionIDs       *[]string        `json:"session_ids"`
}

func (f fields) timePatch(name string, n nullable[string]) catalog.Patch[time.Time] {
	p := catalog.Patch[time.Time]{Set: n.Set, Null: n.Null}
	if n.Set && !n.Null {
		if t := f.time(name, &n.Value); t != nil {
			p.Value = *t
		}
	}
	return p
}

func (f fields) uuidsPatch(name string, ss *[]string) *[]uuid.UUID {
	if ss == nil {
		return nil
	}
	ids := f.uuids(name, *ss)
	return &ids
}

func (s *server) editDiscount(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var req discountPatch
	if err := decode(w, r, &req); err != nil {
		return err
	}
	f := newFields()
	p := catalog.DiscountPatch{
		Code: req.Code, Percent: req.Percent.patch(), AmountMinor: req.AmountMinor.patch(), MinSpendMinor: req.MinSpendMinor.patch(),
		MaxDiscountMinor: req.MaxDiscountMinor.patch(), Buy: req.Buy.patch(), Get: req.Get.patch(), UsageLimit: req.UsageLimit.patch(),
		ActiveFrom: f.timePatch("active_from", req.ActiveFrom), ActiveUntil: f.timePatch("active_until", req.ActiveUntil),
		Public: req.Public, TierIDs: f.uuidsPatch("tier_ids", req.TierIDs), SessionIDs: f.uuidsPatch("session_ids", req.SessionIDs),
	}
	if req.Kind != nil {
		k := catalog.DiscountKind(*req.Kind)
		p.Kind = &k
	}
	if err := f.Err(); err != nil {
		return err
	}
	d, err := s.app.EditDiscount(r.Context(), a, id, p)
	if err != nil {
		return err
	}
	return ok(w, viewDiscount(d))
}

func (s *server) deleteDiscount(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteDiscount(r.Context(), a, id); err != nil {
		return err
	}
	return noContent(w)
}
