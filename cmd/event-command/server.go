package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/command"
	"github.com/ticketly/ticketly/internal/httpapi"
)

// layoutMaxBody is the body limit of routes that carry a seating layout (a 100,000-seat
// layout is best sent as grid generators; explicit rows of seats take more room).
const layoutMaxBody = 4 << 20

// application is what the HTTP layer needs from the use cases (command.Service).
type application interface {
	CreateOrganization(ctx context.Context, a catalog.Actor, in catalog.OrgInput) (*catalog.Organization, error)
	MyOrganizations(ctx context.Context, a catalog.Actor) ([]*catalog.Organization, error)
	AllOrganizations(ctx context.Context, a catalog.Actor, p command.Page) ([]*catalog.Organization, int, error)
	Organization(ctx context.Context, a catalog.Actor, id uuid.UUID) (*catalog.Organization, error)
	EditOrganization(ctx context.Context, a catalog.Actor, id uuid.UUID, in catalog.OrgEdit) (*catalog.Organization, error)
	DeleteOrganization(ctx context.Context, a catalog.Actor, id uuid.UUID) error
	MemberProfiles(ctx context.Context, a catalog.Actor, id uuid.UUID) ([]command.MemberProfile, error)
	AddMember(ctx context.Context, a catalog.Actor, id uuid.UUID, user string, roles []catalog.OrgRole) (command.MemberProfile, bool, error)
	SetMember(ctx context.Context, a catalog.Actor, id uuid.UUID, userID string, roles []catalog.OrgRole) (command.MemberProfile, bool, error)
	RemoveMember(ctx context.Context, a catalog.Actor, id uuid.UUID, userID string) error

	Categories(ctx context.Context) ([]*catalog.Category, error)
	CreateCategory(ctx context.Context, a catalog.Actor, name string, parent *uuid.UUID) (*catalog.Category, error)
	EditCategory(ctx context.Context, a catalog.Actor, id uuid.UUID, name *string, parent catalog.Patch[uuid.UUID]) (*catalog.Category, error)
	DeleteCategory(ctx context.Context, a catalog.Actor, id uuid.UUID) error

	CreateEvent(ctx context.Context, a catalog.Actor, orgID uuid.UUID, in catalog.EventInput) (*catalog.Event, error)
	ListEvents(ctx context.Context, a catalog.Actor, f command.EventFilter) ([]*catalog.Event, int, error)
	Event(ctx context.Context, a catalog.Actor, id uuid.UUID) (*catalog.Event, error)
	EditEvent(ctx context.Context, a catalog.Actor, id uuid.UUID, in catalog.EventEdit) (*catalog.Event, error)
	DeleteEvent(ctx context.Context, a catalog.Actor, id uuid.UUID) error
	SubmitEvent(ctx context.Context, a catalog.Actor, id uuid.UUID) (*catalog.Event, error)
	ApproveEvent(ctx context.Context, a catalog.Actor, id uuid.UUID) (*catalog.Event, error)
	RejectEvent(ctx context.Context, a catalog.Actor, id uuid.UUID, reason string) (*catalog.Event, error)

	AddTier(ctx context.Context, a catalog.Actor, eventID uuid.UUID, in catalog.TierInput) (*catalog.Tier, error)
	EditTier(ctx context.Context, a catalog.Actor, id uuid.UUID, in catalog.TierEdit) (*catalog.Tier, error)
	DeleteTier(ctx context.Context, a catalog.Actor, id uuid.UUID) error

	AddSession(ctx context.Context, a catalog.Actor, eventID uuid.UUID, in catalog.SessionInput, templateID *uuid.UUID) (*catalog.Session, error)
	Session(ctx context.Context, a catalog.Actor, id uuid.UUID) (*catalog.Session, error)
	EditSession(ctx context.Context, a catalog.Actor, id uuid.UUID, in catalog.SessionEdit) (*catalog.Session, error)
	CancelSession(ctx context.Context, a catalog.Actor, id uuid.UUID) (*catalog.Session, error)
	DeleteSession(ctx context.Context, a catalog.Actor, id uuid.UUID) error
	MoveSessionStatus(ctx context.Context, id uuid.UUID, c catalog.StatusChange) (*catalog.Session, bool, error)
	SetSessionLayout(ctx context.Context, a catalog.Actor, id uuid.UUID, spec *catalog.LayoutSpec, templateID *uuid.UUID) (*catalog.Session, error)

	CreateTemplate(ctx context.Context, a catalog.Actor, orgID uuid.UUID, name string, spec *catalog.LayoutSpec) (*catalog.SeatingTemplate, error)
	Templates(ctx context.Context, a catalog.Actor, orgID uuid.UUID) ([]*catalog.SeatingTemplate, error)
	Template(ctx context.Context, a catalog.Actor, id uuid.UUID) (*catalog.SeatingTemplate, error)
	ReplaceTemplate(ctx context.Context, a catalog.Actor, id uuid.UUID, name string, spec *catalog.LayoutSpec) (*catalog.SeatingTemplate, error)
	DeleteTemplate(ctx context.Context, a catalog.Actor, id uuid.UUID) error

	AddDiscount(ctx context.Context, a catalog.Actor, eventID uuid.UUID, in catalog.DiscountInput) (*catalog.Discount, error)
	Discounts(ctx context.Context, a catalog.Actor, eventID uuid.UUID) ([]*catalog.Discount, error)
	EditDiscount(ctx context.Context, a catalog.Actor, id uuid.UUID, p catalog.DiscountPatch) (*catalog.Discount, error)
	DeleteDiscount(ctx context.Context, a catalog.Actor, id uuid.UUID) error
}

var _ application = (*command.Service)(nil)

// server holds the HTTP handlers; one routes method per resource.
type server struct {
	log *slog.Logger
	app application
}

// routes is the service's HTTP surface: the operational endpoints, then /api/v1 and the
// services' /internal/v1 behind authn, which authenticates every request before anything
// else happens. Organizer and admin reads of events, sessions, discounts and categories live
// under /api/v1/manage: the one public entry point routes every GET of /api/v1/events,
// /sessions and /categories to event-query (SPEC section 10), so these reads need paths of
// their own; writes keep the resource paths.
func routes(base httpapi.Base, authn func(http.Handler) http.Handler, app application) chi.Router {
	r := httpapi.NewRouter(base)
	s := &server{log: base.Logger, app: app}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	r.Route("/api/v1", func(r chi.Router) {
		r.Use(authn)
		s.organizationRoutes(r)
		s.categoryRoutes(r)
		s.eventRoutes(r)
		s.tierRoutes(r)
		s.sessionRoutes(r)
		s.templateRoutes(r)
		s.discountRoutes(r)
	})
	r.Route("/internal/v1", func(r chi.Router) {
		r.Use(authn)
		s.internalRoutes(r)
	})
	return r
}

// actorOf turns a verified token's principal into the actor of a command.
func actorOf(p auth.Principal) catalog.Actor {
	return catalog.Actor{Subject: p.Subject, Email: p.Email, Roles: p.Roles, Plan: catalog.PlanFromGroups(p.Groups)}
}

// handler is an API handler: it gets the authenticated actor and returns an error to
// answer with.
type handler func(w http.ResponseWriter, r *http.Request, a catalog.Actor) error

func (s *server) h(fn handler) http.HandlerFunc {
	return httpapi.Authed(s.log, func(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
		return concealed(r, fn(w, r, actorOf(p)))
	})
}

// resourceKinds names a route's {id} by the route's first segment under /api/v1 (or
// /api/v1/manage), the way a not-found answer names it.
var resourceKinds = map[string]string{"events": "event", "sessions": "session", "tiers": "tier",
	"discounts": "discount", "seating-templates": "seating template", "organizations": "organization"}

// concealed turns the use cases' refusal of a private resource to a caller with no access
// (command.ErrConcealed) into exactly the answer for a missing one: 404 naming the
// requested resource.
func concealed(r *http.Request, err error) error {
	if !errors.Is(err, command.ErrConcealed) {
		return err
	}
	kind := "resource"
	if rc := chi.RouteContext(r.Context()); rc != nil {
		rest := strings.TrimPrefix(strings.TrimPrefix(rc.RoutePattern(), "/api/v1/"), "manage/")
		first, _, _ := strings.Cut(rest, "/")
		if k, ok := resourceKinds[first]; ok {
			kind = k
		}
	}
	id := chi.URLParam(r, "id")
	if u, ok := httpapi.ParseUUID(id); ok {
		id = u.String()
	}
	return apperr.New(apperr.NotFound, "%s %s not found", kind, id)
}

func decode(w http.ResponseWriter, r *http.Request, dst any) error {
	return httpapi.DecodeJSON(w, r, dst, httpapi.DefaultMaxBody)
}

// created answers 201 with v and the URL to read it again.
func created(w http.ResponseWriter, location string, v any) error {
	w.Header().Set("Location", location)
	httpapi.WriteJSON(w, http.StatusCreated, v)
	return nil
}

func ok(w http.ResponseWriter, v any) error {
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pathParam returns a URL parameter, unescaped, refusing invalid text (NUL, bad UTF-8).
func pathParam(r *http.Request, name string) (string, error) {
	return httpapi.PathText(r, name)
}

// fields collects problems with request fields that the HTTP layer parses (UUIDs, times).
type fields struct{ apperr.FieldErrors }

func newFields() fields { return fields{apperr.FieldErrors{}} }

func (f fields) uuid(name string, s *string) *uuid.UUID {
	if s == nil {
		return nil
	}
	id, ok := httpapi.ParseUUID(*s)
	if !ok {
		f.Add(name, "must be a UUID")
		return nil
	}
	return &id
}

func (f fields) requiredUUID(name string, s *string) uuid.UUID {
	if s == nil {
		f.Add(name, "is required")
		return uuid.Nil
	}
	if id := f.uuid(name, s); id != nil {
		return *id
	}
	return uuid.Nil
}

func (f fields) uuids(name string, ss []string) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(ss))
	for i, s := range ss {
		if id := f.uuid(fmt.Sprintf("%s[%d]", name, i), &s); id != nil {
			out = append(out, *id)
		}
	}
	return out
}

func (f fields) time(name string, s *string) *time.Time {
	if s == nil {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		f.Add(name, "must be an RFC 3339 time such as 2030-05-01T19:30:00Z")
		return nil
	}
	return &t
}

func (f fields) requiredTime(name string, s *string) time.Time {
	if s == nil {
		f.Add(name, "is required (an RFC 3339 time)")
		return time.Time{}
	}
	if t := f.time(name, s); t != nil {
		return *t
	}
	return time.Time{}
}

// nullable is a request field that tells absent (Set false), null (Null) and a value apart.
type nullable[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// UnmarshalJSONFrom is called by httpapi.DecodeJSON (JSON v2) when the field is present.
func (n *nullable[T]) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	n.Set = true
	if dec.PeekKind() == 'n' {
		n.Null = true
		_, err := dec.ReadToken()
		return err
	}
	return json.UnmarshalDecode(dec, &n.Value)
}

func (n nullable[T]) patch() catalog.Patch[T] {
	return catalog.Patch[T]{Set: n.Set, Null: n.Null, Value: n.Value}
}

// pageOf reads page (from 1) and page_size (1..max, default def) from the query string.
func pageOf(r *http.Request, def, maxSize int) (command.Page, error) {
	bad := apperr.FieldErrors{}
	q := r.URL.Query()
	p := command.Page{Number: int(httpapi.QueryInt(q, "page", 1, 1, 1_000_000, bad)),
		Size: int(httpapi.QueryInt(q, "page_size", int64(def), 1, int64(maxSize), bad))}
	return p, bad.Err()
}
