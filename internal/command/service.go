package command

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/catalog"
)

// Service runs event-command's use cases. Who may do what is decided here, from the
// stored organization and the actor's realm roles, never from IDs the client sends.
type Service struct {
	orgs      Organizations
	cats      Categories
	events    Events
	templates Templates
	users     Users
	now       func() time.Time
}

// NewService returns a Service over the repositories and the realm's users (members are
// looked up there); now is the clock (time.Now).
func NewService(orgs Organizations, cats Categories, events Events, templates Templates, users Users, now func() time.Time) *Service {
	return &Service{orgs: orgs, cats: cats, events: events, templates: templates, users: users, now: now}
}

// referenceError turns a not_found error about an ID the client sent in a body into a
// field-level invalid error; other errors pass unchanged.
func referenceError(err error, field, problem string) error {
	if apperr.CodeOf(err) == apperr.NotFound {
		return apperr.New(apperr.Invalid, "%s: %s", field, problem).
			WithDetails(map[string]any{"fields": map[string]any{field: problem}})
	}
	return err
}

// ErrConcealed is the cause of a not_found answer to a caller with no access at all to a
// resource whose existence is private to its organization (another organization's draft
// event, its sessions, tiers and discounts, its seating templates): "not yours" and "does
// not exist" get one answer. The HTTP layer names the requested resource in it exactly as
// it names a missing one.
var ErrConcealed = errors.New("no access to a private resource")

// requireAccess is catalog.Require, except that a caller with no access at all to a
// resource that is not public is told it does not exist; a caller who may see it but not
// do this (or a public resource) still gets forbidden.
func requireAccess(have, need catalog.Access, orgID uuid.UUID, public bool) error {
	if have == catalog.AccessNone && !public {
		return apperr.Wrap(ErrConcealed, apperr.NotFound, "not found")
	}
	return catalog.Require(have, need, orgID)
}

// public reports whether an event is public: listed and shown by event-query.
func public(e *catalog.Event) bool { return e.Status() == catalog.EventApproved }

func requireRole(a catalog.Actor, role, what string) error {
	if !a.HasRole(role) {
		return apperr.New(apperr.Forbidden, "%s needs the realm role %s", what, role)
	}
	return nil
}

// ---- Organizations ----

// CreateOrganization creates an organization owned by the actor.
func (s *Service) CreateOrganization(ctx context.Context, a catalog.Actor, in catalog.OrgInput) (*catalog.Organization, error) {
	var org *catalog.Organization
	err := s.orgs.Create(ctx, a.Subject, func(owned int) (*catalog.Organization, error) {
		var err error
		org, err = catalog.NewOrganization(uuid.New(), in, a, owned, s.now())
		return org, err
	})
	return org, err
}

// MyOrganizations lists the organizations the actor owns or is a member of.
func (s *Service) MyOrganizations(ctx context.Context, a catalog.Actor) ([]*catalog.Organization, error) {
	return s.orgs.ListForUser(ctx, a.Subject)
}

// AllOrganizations lists every organization (organization_admin only).
func (s *Service) AllOrganizations(ctx context.Context, a catalog.Actor, p Page) ([]*catalog.Organization, int, error) {
	if err := requireRole(a, catalog.RoleOrganizationAdmin, "listing every organization"); err != nil {
		return nil, 0, err
	}
	return s.orgs.List(ctx, p)
}

// Organization returns an organization the actor may read.
func (s *Service) Organization(ctx context.Context, a catalog.Actor, id uuid.UUID) (*catalog.Organization, error) {
	o, err := s.orgs.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := requireAccess(o.AccessOf(a), catalog.AccessRead, id, false); err != nil {
		return nil, err
	}
	return o, nil
}

// EditOrganization applies a partial update (owner, ADMIN, organization_admin).
func (s *Service) EditOrganization(ctx context.Context, a catalog.Actor, id uuid.UUID, in catalog.OrgEdit) (*catalog.Organization, error) {
	var org *catalog.Organization
	err := s.orgs.Update(ctx, id, func(o *catalog.Organization) error {
		if err := requireAccess(o.AccessOf(a), catalog.AccessWrite, id, false); err != nil {
			return err
		}
		org = o
		return o.Edit(in, s.now())
	})
	return org, err
}

// DeleteOrganization deletes an organization without events (owner, organization_admin).
func (s *Service) DeleteOrganization(ctx context.Context, a catalog.Actor, id uuid.UUID) error {
	return s.orgs.Delete(ctx, id, func(o *catalog.Organization, events int) error {
		if err := requireAccess(o.AccessOf(a), catalog.AccessOwner, id, false); err != nil {
			return err
		}
		return o.CheckDelete(events)
	})
}

// RemoveMember removes a member; any member may also leave by removing themselves.
func (s *Service) RemoveMember(ctx context.Context, a catalog.Actor, id uuid.UUID, userID string) error {
	return s.orgs.Update(ctx, id, func(o *catalog.Organization) error {
		if userID != a.Subject {
			if err := requireAccess(o.AccessOf(a), catalog.AccessWrite, id, false); err != nil {
				return err
			}
		}
		return o.RemoveMember(userID)
	})
}

// ---- Categories ----

// Categories lists every category.
func (s *Service) Categories(ctx context.Context) ([]*catalog.Category, error) {
	return s.cats.List(ctx)
}

// CreateCategory adds a category (category_admin).
func (s *Service) CreateCategory(ctx context.Context, a catalog.Actor, name string, parent *uuid.UUID) (*catalog.Category, error) {
	if err := requireRole(a, catalog.RoleCategoryAdmin, "changing categories"); err != nil {
		return nil, err
	}
	var c *catalog.Category
	err := s.cats.Change(ctx, func(t *catalog.CategoryTree) error {
		var err error
		c, err = t.Add(uuid.New(), name, parent, s.now())
		return err
	})
	return c, err
}

// EditCategory renames or moves a category (category_admin).
func (s *Service) EditCategory(ctx context.Context, a catalog.Actor, id uuid.UUID, name *string, parent catalog.Patch[uuid.UUID]) (*catalog.Category, error) {
	if err := requireRole(a, catalog.RoleCategoryAdmin, "changing categories"); err != nil {
		return nil, err
	}
	var c *catalog.Category
	err := s.cats.Change(ctx, func(t *catalog.CategoryTree) error {
		var err error
		c, err = t.Edit(id, name, parent, s.now())
		return err
	})
	return c, err
}

// DeleteCategory deletes a category without sub-categories or events (category_admin).
func (s *Service) DeleteCategory(ctx context.Context, a catalog.Actor, id uuid.UUID) error {
	if err := requireRole(a, catalog.RoleCategoryAdmin, "changing categories"); err != nil {
		return err
	}
	return s.cats.Remove(ctx, id, func(t *catalog.CategoryTree, eventsUsing int) error {
		return t.Remove(id, eventsUsing)
	})
}

// ---- Events ----

var allLayouts = LayoutLoad{All: true}

// CreateEvent creates a DRAFT event (owner or ADMIN of the organization).
func (s *Service) CreateEvent(ctx context.Context, a catalog.Actor, orgID uuid.UUID, in catalog.EventInput) (*catalog.Event, error) {
	var ev *catalog.Event
	err := s.events.Create(ctx, orgID, func(tx EventTx) (*catalog.Event, error) {
		if err := requireAccess(tx.Organization().AccessOf(a), catalog.AccessWrite, orgID, false); err != nil {
			return nil, err
		}
		if err := s.checkCategory(ctx, tx, in.CategoryID); err != nil {
			return nil, err
		}
		var err error
		ev, err = catalog.NewEvent(uuid.New(), tx.Organization(), in, a.Subject, s.now())
		return ev, err
	})
	return ev, referenceError(err, "organization_id", "no such organization")
}

func (s *Service) checkCategory(ctx context.Context, tx EventTx, id *uuid.UUID) error {
	if id == nil {
		return nil
	}
	ok, err := tx.CategoryExists(ctx, *id)
	if err != nil {
		return err
	}
	if !ok {
		return referenceError(apperr.New(apperr.NotFound, "category"), "category_id", "no such category")
	}
	return nil
}

// ListEvents lists events: of every organization for event_admin and organization_admin,
// else of the organizations the actor owns or is a member of.
func (s *Service) ListEvents(ctx context.Context, a catalog.Actor, f EventFilter) ([]*catalog.Event, int, error) {
	all := a.HasRole(catalog.RoleEventAdmin) || a.HasRole(catalog.RoleOrganizationAdmin)
	if f.OrganizationID != nil && !all {
		if _, err := s.Organization(ctx, a, *f.OrganizationID); err != nil {
			return nil, 0, referenceError(err, "organization_id", "no such organization")
		}
	}
	if !all {
		f.VisibleTo = a.Subject
	}
	return s.events.List(ctx, f)
}

// Event returns an event with its tiers, sessions (with layouts) and discounts.
func (s *Service) Event(ctx context.Context, a catalog.Actor, id uuid.UUID) (*catalog.Event, error) {
	e, o, err := s.events.Get(ctx, id, allLayouts)
	if err != nil {
		return nil, err
	}
	if err := requireAccess(o.EventAccessOf(a), catalog.AccessRead, o.ID(), public(e)); err != nil {
		return nil, err
	}
	return e, nil
}

// updateEvent runs fn on the event after checking the actor may write it.
func (s *Service) updateEvent(ctx context.Context, a catalog.Actor, id uuid.UUID, load LayoutLoad, fn func(tx EventTx, e *catalog.Event) error) (*catalog.Event, error) {
	var ev *catalog.Event
	err := s.events.Update(ctx, id, load, func(tx EventTx, e *catalog.Event) error {
		if err := requireAccess(tx.Organization().EventAccessOf(a), catalog.AccessWrite, e.OrganizationID(), public(e)); err != nil {
			return err
		}
		ev = e
		return fn(tx, e)
	})
	return ev, err
}

// EditEvent applies a partial update of the descriptive fields.
func (s *Service) EditEvent(ctx context.Context, a catalog.Actor, id uuid.UUID, in catalog.EventEdit) (*catalog.Event, error) {
	return s.updateEvent(ctx, a, id, allLayouts, func(tx EventTx, e *catalog.Event) error {
		if err := s.checkCategory(ctx, tx, in.CategoryID); err != nil {
			return err
		}
		return e.Edit(in, s.now())
	})
}

// DeleteEvent deletes an event with its tiers, sessions and discounts.
func (s *Service) DeleteEvent(ctx context.Context, a catalog.Actor, id uuid.UUID) error {
	return s.events.Delete(ctx, id, func(tx EventTx, e *catalog.Event) error {
		if err := requireAccess(tx.Organization().EventAccessOf(a), catalog.AccessWrite, e.OrganizationID(), public(e)); err != nil {
			return err
		}
		return e.CheckDelete()
	})
}

// SubmitEvent sends an event for review, within the actor's active-events limit. When the
// owner submits and their organization has no owner e-mail yet (organizations created
// before it was recorded), the address of their token is stored with the submission.
func (s *Service) SubmitEvent(ctx context.Context, a catalog.Actor, id uuid.UUID) (*catalog.Event, error) {
	return s.updateEvent(ctx, a, id, allLayouts, func(tx EventTx, e *catalog.Event) error {
		now := s.now()
		if !e.Status().CanBecome(catalog.EventPending) {
			return e.Submit(a.Plan, 0, now) // answers the status conflict
		}
		active, err := tx.ActiveEvents(ctx, a.Subject, e.OrganizationID(), e.ID(), now)
		if err != nil {
			return err
		}
		if err := e.Submit(a.Plan, active, now); err != nil {
			return err
		}
		if tx.Organization().NoteOwnerEmail(a) {
			return tx.SaveOwnerEmail(ctx)
		}
		return nil
	})
}

// reviewEvent runs an event_admin decision.
func (s *Service) reviewEvent(ctx context.Context, a catalog.Actor, id uuid.UUID, what string, fn func(e *catalog.Event) error) (*catalog.Event, error) {
	if err := requireRole(a, catalog.RoleEventAdmin, what); err != nil {
		return nil, err
	}
	var ev *catalog.Event
	err := s.events.Update(ctx, id, allLayouts, func(_ EventTx, e *catalog.Event) error {
		ev = e
		return fn(e)
	})
	return ev, err
}

// ApproveEvent publishes a PENDING event and opens the sessions whose sales have started.
func (s *Service) ApproveEvent(ctx context.Context, a catalog.Actor, id uuid.UUID) (*catalog.Event, error) {
	return s.reviewEvent(ctx, a, id, "approving events", func(e *catalog.Event) error { return e.Approve(s.now()) })
}

// RejectEvent sends a PENDING event back with a reason.
func (s *Service) RejectEvent(ctx context.Context, a catalog.Actor, id uuid.UUID, reason string) (*catalog.Event, error) {
	return s.reviewEvent(ctx, a, id, "rejecting events", func(e *catalog.Event) error { return e.Reject(reason, s.now()) })
}

// ---- Tiers ----

func (s *Service) eventOf(ctx context.Context, kind ChildKind, id uuid.UUID) (uuid.UUID, error) {
	return s.events.EventOf(ctx, kind, id)
}

// AddTier adds a tier to an event.
func (s *Service) AddTier(ctx context.Context, a catalog.Actor, eventID uuid.UUID, in catalog.TierInput) (*catalog.Tier, error) {
	var t *catalog.Tier
	_, err := s.updateEvent(ctx, a, eventID, LayoutLoad{}, func(_ EventTx, e *catalog.Event) error {
		var err error
		t, err = e.AddTier(uuid.New(), in, s.now())
		return err
	})
	return t, err
}

// EditTier applies a partial update to a tier; a new price applies to new orders only.
func (s *Service) EditTier(ctx context.Context, a catalog.Actor, id uuid.UUID, in catalog.TierEdit) (*catalog.Tier, error) {
	eventID, err := s.eventOf(ctx, ChildTier, id)
	if err != nil {
		return nil, err
	}
	var t *catalog.Tier
	_, err = s.updateEvent(ctx, a, eventID, LayoutLoad{}, func(_ EventTx, e *catalog.Event) error {
		var err error
		t, err = e.EditTier(id, in, s.now())
		return err
	})
	return t, err
}

// DeleteTier deletes a tier no layout or discount uses.
func (s *Service) DeleteTier(ctx context.Context, a catalog.Actor, id uuid.UUID) error {
	eventID, err := s.eventOf(ctx, ChildTier, id)
	if err != nil {
		return err
	}
	_, err = s.updateEvent(ctx, a, eventID, allLayouts, func(_ EventTx, e *catalog.Event) error {
		return e.RemoveTier(id)
	})
	return err
}

// ---- Sessions ----

// template reads a seating template named in a request body for event e; another
// organization's template is answered like a missing one.
func template(ctx context.Context, tx EventTx, e *catalog.Event, id uuid.UUID) (*catalog.SeatingTemplate, error) {
	t, err := tx.Template(ctx, id)
	if err == nil && t.OrganizationID() != e.OrganizationID() {
		err = apperr.New(apperr.NotFound, "seating template %s not found", id)
	}
	if err != nil {
		return nil, referenceError(err, "template_id", "no such seating template")
	}
	return t, nil
}

// AddSession adds a session, with a layout given inline or copied from a template.
func (s *Service) AddSession(ctx context.Context, a catalog.Actor, eventID uuid.UUID, in catalog.SessionInput, templateID *uuid.UUID) (*catalog.Session, error) {
	var sess *catalog.Session
	_, err := s.updateEvent(ctx, a, eventID, LayoutLoad{}, func(tx EventTx, e *catalog.Event) error {
		if templateID != nil {
			t, err := template(ctx, tx, e, *templateID)
			if err != nil {
				return err
			}
			in.Template = t
		}
		var err error
		sess, err = e.AddSession(uuid.New(), in, a.Plan, s.now())
		return err
	})
	return sess, err
}

// Session returns a session with its layout.
func (s *Service) Session(ctx context.Context, a catalog.Actor, id uuid.UUID) (*catalog.Session, error) {
	eventID, err := s.eventOf(ctx, ChildSession, id)
	if err != nil {
		return nil, err
	}
	e, o, err := s.events.Get(ctx, eventID, LayoutLoad{Session: id})
	if err != nil {
		return nil, err
	}
	if err := requireAccess(o.EventAccessOf(a), catalog.AccessRead, o.ID(), public(e)); err != nil {
		return nil, err
	}
	sess := e.Session(id)
	if sess == nil {
		return nil, apperr.New(apperr.NotFound, "session %s not found", id)
	}
	return sess, nil
}

// updateSession runs fn on the event of a session, with that session's layout loaded.
func (s *Service) updateSession(ctx context.Context, a catalog.Actor, id uuid.UUID, fn func(tx EventTx, e *catalog.Event) (*catalog.Session, error)) (*catalog.Session, error) {
	eventID, err := s.eventOf(ctx, ChildSession, id)
	if err != nil {
		return nil, err
	}
	var sess *catalog.Session
	_, err = s.updateEvent(ctx, a, eventID, LayoutLoad{Session: id}, func(tx EventTx, e *catalog.Event) error {
		var err error
		sess, err = fn(tx, e)
		return err
	})
	return sess, err
}

// EditSession applies a partial update of a session's times, venue and link.
func (s *Service) EditSession(ctx context.Context, a catalog.Actor, id uuid.UUID, in catalog.SessionEdit) (*catalog.Session, error) {
	return s.updateSession(ctx, a, id, func(_ EventTx, e *catalog.Event) (*catalog.Session, error) {
		return e.EditSession(id, in, s.now())
	})
}

// CancelSession cancels a session.
func (s *Service) CancelSession(ctx context.Context, a catalog.Actor, id uuid.UUID) (*catalog.Session, error) {
	return s.updateSession(ctx, a, id, func(_ EventTx, e *catalog.Event) (*catalog.Session, error) {
		return e.CancelSession(id, s.now())
	})
}

// MoveSessionStatus applies a status change of the scheduler (catalog.Event.MoveSession).
// It is for the internal API: the caller has been checked to be a service with the
// internal-api scope, so no organization access applies. changed is false when the session
// already had the status (nothing was written).
func (s *Service) MoveSessionStatus(ctx context.Context, id uuid.UUID, c catalog.StatusChange) (sess *catalog.Session, changed bool, err error) {
	if err := c.Validate(); err != nil {
		return nil, false, err
	}
	eventID, err := s.eventOf(ctx, ChildSession, id)
	if err != nil {
		return nil, false, err
	}
	err = s.events.Update(ctx, eventID, LayoutLoad{Session: id}, func(_ EventTx, e *catalog.Event) error {
		var err error
		sess, changed, err = e.MoveSession(id, c, s.now())
		return err
	})
	return sess, changed, err
}

// DeleteSession deletes a session that is not on sale or sold out.
func (s *Service) DeleteSession(ctx context.Context, a catalog.Actor, id uuid.UUID) error {
	_, err := s.updateSession(ctx, a, id, func(_ EventTx, e *catalog.Event) (*catalog.Session, error) {
		return nil, e.RemoveSession(id)
	})
	return err
}

// SetSessionLayout replaces a session's layout with spec or with a copy of a template.
func (s *Service) SetSessionLayout(ctx context.Context, a catalog.Actor, id uuid.UUID, spec *catalog.LayoutSpec, templateID *uuid.UUID) (*catalog.Session, error) {
	return s.updateSession(ctx, a, id, func(tx EventTx, e *catalog.Event) (*catalog.Session, error) {
		var (
			l   *catalog.Layout
			err error
		)
		if templateID != nil {
			t, err := template(ctx, tx, e, *templateID)
			if err != nil {
				return nil, err
			}
			l, err = e.LayoutFromTemplate(t)
			if err != nil {
				return nil, err
			}
		} else if l, err = e.BuildLayout(*spec); err != nil {
			return nil, err
		}
		return e.SetSessionLayout(id, l, s.now())
	})
}

// ---- Seating templates ----

// CreateTemplate adds a seating template to an organization, within the plan's limit.
func (s *Service) CreateTemplate(ctx context.Context, a catalog.Actor, orgID uuid.UUID, name string, spec *catalog.LayoutSpec) (*catalog.SeatingTemplate, error) {
	var tpl *catalog.SeatingTemplate
	err := s.templates.Create(ctx, orgID, func(o *catalog.Organization, existing int) (*catalog.SeatingTemplate, error) {
		if err := requireAccess(o.AccessOf(a), catalog.AccessWrite, orgID, false); err != nil {
			return nil, err
		}
		var err error
		tpl, err = catalog.NewSeatingTemplate(uuid.New(), orgID, name, spec, a.Plan, existing, s.now())
		return tpl, err
	})
	return tpl, err
}

// Templates lists an organization's templates (without layouts).
func (s *Service) Templates(ctx context.Context, a catalog.Actor, orgID uuid.UUID) ([]*catalog.SeatingTemplate, error) {
	if _, err := s.Organization(ctx, a, orgID); err != nil {
		return nil, err
	}
	return s.templates.List(ctx, orgID)
}

// Template returns a template with its layout.
func (s *Service) Template(ctx context.Context, a catalog.Actor, id uuid.UUID) (*catalog.SeatingTemplate, error) {
	t, o, err := s.templates.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := requireAccess(o.AccessOf(a), catalog.AccessRead, o.ID(), false); err != nil {
		return nil, err
	}
	return t, nil
}

// ReplaceTemplate replaces a template's name and layout.
func (s *Service) ReplaceTemplate(ctx context.Context, a catalog.Actor, id uuid.UUID, name string, spec *catalog.LayoutSpec) (*catalog.SeatingTemplate, error) {
	var tpl *catalog.SeatingTemplate
	err := s.templates.Update(ctx, id, func(o *catalog.Organization, t *catalog.SeatingTemplate) error {
		if err := requireAccess(o.AccessOf(a), catalog.AccessWrite, o.ID(), false); err != nil {
			return err
		}
		tpl = t
		return t.Replace(name, spec, s.now())
	})
	return tpl, err
}

// DeleteTemplate deletes a template; sessions keep the copies they were given.
func (s *Service) DeleteTemplate(ctx context.Context, a catalog.Actor, id uuid.UUID) error {
	return s.templates.Delete(ctx, id, func(o *catalog.Organization, _ *catalog.SeatingTemplate) error {
		return requireAccess(o.AccessOf(a), catalog.AccessWrite, o.ID(), false)
	})
}

// ---- Discounts ----

// AddDiscount adds a discount code to an event.
func (s *Service) AddDiscount(ctx context.Context, a catalog.Actor, eventID uuid.UUID, in catalog.DiscountInput) (*catalog.Discount, error) {
	var d *catalog.Discount
	_, err := s.updateEvent(ctx, a, eventID, LayoutLoad{}, func(_ EventTx, e *catalog.Event) error {
		var err error
		d, err = e.AddDiscount(uuid.New(), in, s.now())
		return err
	})
	return d, err
}

// Discounts lists an event's discounts, private ones included.
func (s *Service) Discounts(ctx context.Context, a catalog.Actor, eventID uuid.UUID) ([]*catalog.Discount, error) {
	e, o, err := s.events.Get(ctx, eventID, LayoutLoad{})
	if err != nil {
		return nil, err
	}
	if err := requireAccess(o.EventAccessOf(a), catalog.AccessRead, o.ID(), public(e)); err != nil {
		return nil, err
	}
	return e.Discounts(), nil
}

// EditDiscount applies a partial update to a discount.
func (s *Service) EditDiscount(ctx context.Context, a catalog.Actor, id uuid.UUID, p catalog.DiscountPatch) (*catalog.Discount, error) {
	eventID, err := s.eventOf(ctx, ChildDiscount, id)
	if err != nil {
		return nil, err
	}
	var d *catalog.Discount
	_, err = s.updateEvent(ctx, a, eventID, LayoutLoad{}, func(_ EventTx, e *catalog.Event) error {
		var err error
		d, err = e.EditDiscount(id, p, s.now())
		return err
	})
	return d, err
}

// DeleteDiscount deletes a discount.
func (s *Service) DeleteDiscount(ctx context.Context, a catalog.Actor, id uuid.UUID) error {
	eventID, err := s.eventOf(ctx, ChildDiscount, id)
	if err != nil {
		return err
	}
	_, err = s.updateEvent(ctx, a, eventID, LayoutLoad{}, func(_ EventTx, e *catalog.Event) error {
		return e.RemoveDiscount(id)
	})
	return err
}
