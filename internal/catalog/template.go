package catalog

import (
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

// SeatingTemplate is a reusable layout of an organization (a venue's seat map). Tiers are
// optional in a template: tiers belong to events, and applying the template to a session
// fills them in (see Layout.forEvent).
type SeatingTemplate struct {
	id        uuid.UUID
	orgID     uuid.UUID
	name      string
	layout    *Layout
	createdAt time.Time
	updatedAt time.Time
}

// SeatingTemplateState is a template's stored state. Layout nil means it was not loaded.
type SeatingTemplateState struct {
	ID             uuid.UUID
	OrganizationID uuid.UUID
	Name           string
	Layout         *Layout
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func cleanTemplate(name string, spec *LayoutSpec) (string, *Layout, error) {
	fe := apperr.FieldErrors{}
	name = cleanText(fe, "name", name, 1, maxNameLen, false)
	var l *Layout
	switch {
	case spec == nil:
		fe.Add("layout", "is required")
	case len(spec.Blocks) == 0:
		fe.Add("layout.blocks", "must have at least one block")
	default:
		l = buildLayout(fe, *spec, "layout.", layoutRules{})
	}
	return name, l, fe.Err()
}

// NewSeatingTemplate validates and returns a template of an organization that has
// existing templates already (the plan limits them).
func NewSeatingTemplate(id, orgID uuid.UUID, name string, spec *LayoutSpec, plan Plan, existing int, now time.Time) (*SeatingTemplate, error) {
	if err := plan.Allow(LimitLayouts, existing); err != nil {
		return nil, err
	}
	name, l, err := cleanTemplate(name, spec)
	if err != nil {
		return nil, err
	}
	return &SeatingTemplate{id: id, orgID: orgID, name: name, layout: l, createdAt: normTime(now), updatedAt: normTime(now)}, nil
}

// RestoreSeatingTemplate rebuilds a template from stored state.
func RestoreSeatingTemplate(s SeatingTemplateState) *SeatingTemplate {
	return &SeatingTemplate{id: s.ID, orgID: s.OrganizationID, name: s.Name, layout: s.Layout,
		createdAt: s.CreatedAt.UTC(), updatedAt: s.UpdatedAt.UTC()}
}

// State returns the template's fields; Layout is shared, not copied (layouts are values).
func (t *SeatingTemplate) State() SeatingTemplateState {
	return SeatingTemplateState{ID: t.id, OrganizationID: t.orgID, Name: t.name, Layout: t.layout,
		CreatedAt: t.createdAt, UpdatedAt: t.updatedAt}
}

// ID returns the template's ID.
func (t *SeatingTemplate) ID() uuid.UUID { return t.id }

// OrganizationID returns the ID of the organization that owns the template.
func (t *SeatingTemplate) OrganizationID() uuid.UUID { return t.orgID }

// Replace replaces the template's name and layout.
func (t *SeatingTemplate) Replace(name string, spec *LayoutSpec, now time.Time) error {
	name, l, err := cleanTemplate(name, spec)
	if err != nil {
		return err
	}
	t.name, t.layout, t.updatedAt = name, l, normTime(now)
	return nil
}
