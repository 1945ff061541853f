package catalog

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

// OrgRole is a member's role in an organization.
type OrgRole string

const (
	OrgRoleAdmin   OrgRole = "ADMIN"   // manages the organization and its events
	OrgRoleScanner OrgRole = "SCANNER" // checks tickets in; may read, never write
	// OrgRoleOwner is reported in a caller's roles for the organization's owner; it is not
	// a member role.
	OrgRoleOwner OrgRole = "OWNER"
)

// Access is what an actor may do with an organization and what belongs to it.
type Access int

const (
	AccessNone  Access = iota
	AccessRead         // SCANNER members (and event_admin, for events)
	AccessWrite        // ADMIN members
	AccessOwner        // the owner and organization_admin: also delete the organization
)

// Member is a user's membership of an organization.
type Member struct {
	UserID    string
	Roles     []OrgRole
	CreatedAt time.Time
}

// OrgInput is what an organization is created with.
type OrgInput struct {
	Name    string
	Website string
	LogoURL string
}

// OrgEdit is a partial update; nil fields are unchanged (an empty string clears website
// and logo_url).
type OrgEdit struct {
	Name    *string
	Website *string
	LogoURL *string
}

// Organization is the aggregate of an organizer: its profile and members.
type Organization struct {
	id        uuid.UUID
	name      string
	website   string
	logoURL   string
	ownerID   string
	createdAt time.Time
	updatedAt time.Time
	members   []Member

	// ownerEmail is the owner's address from their token, for mail about the
	// organization's events; never shown in an API response or the read model.
	ownerEmail string
}

// OrganizationState is an organization's stored state.
type OrganizationState struct {
	ID        uuid.UUID
	Name      string
	Website   string
	LogoURL   string
	OwnerID   string
	CreatedAt time.Time
	UpdatedAt time.Time
	Members   []Member

	// OwnerEmail is the owner's e-mail address ("" until known).
	OwnerEmail string
}

// NewOrganization validates in and returns an organization owned by the actor. owned is how
// many organizations the actor owns already (the plan limits it).
func NewOrganization(id uuid.UUID, in OrgInput, owner Actor, owned int, now time.Time) (*Organization, error) {
	fe := apperr.FieldErrors{}
	o := &Organization{
		id:      id,
		name:    cleanText(fe, "name", in.Name, 1, maxNameLen, false),
		website: cleanURL(fe, "website", in.Website, false),
		logoURL: cleanURL(fe, "logo_url", in.LogoURL, false),
		ownerID: owner.Subject,
	}
	o.ownerEmail = strings.TrimSpace(owner.Email)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if err := owner.Plan.Allow(LimitOrganizations, owned); err != nil {
		return nil, err
	}
	o.createdAt, o.updatedAt = normTime(now), normTime(now)
	return o, nil
}

// RestoreOrganization rebuilds an organization from stored state.
func RestoreOrganization(s OrganizationState) *Organization {
	return &Organization{id: s.ID, name: s.Name, website: s.Website, logoURL: s.LogoURL, ownerID: s.OwnerID,
		ownerEmail: s.OwnerEmail, createdAt: s.CreatedAt.UTC(), updatedAt: s.UpdatedAt.UTC(), members: slices.Clone(s.Members)}
}

// State returns a copy of the organization's fields.
func (o *Organization) State() OrganizationState {
	ms := make([]Member, len(o.members))
	for i, m := range o.members {
		ms[i] = Member{UserID: m.UserID, Roles: slices.Clone(m.Roles), CreatedAt: m.CreatedAt}
	}
	return OrganizationState{ID: o.id, Name: o.name, Website: o.website, LogoURL: o.logoURL, OwnerID: o.ownerID,
		OwnerEmail: o.ownerEmail, CreatedAt: o.createdAt, UpdatedAt: o.updatedAt, Members: ms}
}

// ID returns the organization's ID.
func (o *Organization) ID() uuid.UUID { return o.id }

// OwnerID returns the owner's Keycloak subject.
func (o *Organization) OwnerID() string { return o.ownerID }

// OwnerEmail returns the owner's e-mail address ("" when not known: organizations created
// before it was recorded, until their owner submits an event).
func (o *Organization) OwnerEmail() string { return o.ownerEmail }

// NoteOwnerEmail records the e-mail address of a's token when a is the owner and no
// address is known yet; it reports whether it did. The profile's updated_at is unchanged.
func (o *Organization) NoteOwnerEmail(a Actor) bool {
	email := strings.TrimSpace(a.Email)
	if a.Subject != o.ownerID || o.ownerEmail != "" || email == "" {
		return false
	}
	o.ownerEmail = email
	return true
}

// Members returns a copy of the members.
func (o *Organization) Members() []Member { return o.State().Members }

func (o *Organization) member(userID string) (int, bool) {
	i := slices.IndexFunc(o.members, func(m Member) bool { return m.UserID == userID })
	return i, i >= 0
}

// AccessOf returns what a may do with the organization: the owner and organization_admin
// everything, ADMIN members write, SCANNER members read.
func (o *Organization) AccessOf(a Actor) Access {
	if a.Subject == o.ownerID || a.HasRole(RoleOrganizationAdmin) {
		return AccessOwner
	}
	if i, ok := o.member(a.Subject); ok {
		if slices.Contains(o.members[i].Roles, OrgRoleAdmin) {
			return AccessWrite
		}
		return AccessRead
	}
	return AccessNone
}

// EventAccessOf returns what a may do with the organization's events: as with the
// organization, and event_admin may read every event (approving is a separate role check).
func (o *Organization) EventAccessOf(a Actor) Access {
	acc := o.AccessOf(a)
	if acc < AccessRead && a.HasRole(RoleEventAdmin) {
		acc = AccessRead
	}
	return acc
}

var accessWords = map[Access]string{
	AccessRead:  "a member of",
	AccessWrite: "the owner or an ADMIN of",
	AccessOwner: "the owner of",
}

// Require returns a forbidden error unless have reaches need.
func Require(have, need Access, orgID uuid.UUID) error {
	if have >= need {
		return nil
	}
	return apperr.New(apperr.Forbidden, "you must be %s organization %s", accessWords[need], orgID)
}

// MyRoles returns the actor's roles in the organization: OWNER for the owner, then the
// member roles.
func (o *Organization) MyRoles(a Actor) []OrgRole {
	var roles []OrgRole
	if a.Subject == o.ownerID {
		roles = append(roles, OrgRoleOwner)
	}
	if i, ok := o.member(a.Subject); ok {
		roles = append(roles, o.members[i].Roles...)
	}
	return roles
}

// Edit applies a partial update.
func (o *Organization) Edit(in OrgEdit, now time.Time) error {
	fe := apperr.FieldErrors{}
	name, website, logo := o.name, o.website, o.logoURL
	if in.Name != nil {
		name = cleanText(fe, "name", *in.Name, 1, maxNameLen, false)
	}
	if in.Website != nil {
		website = cleanURL(fe, "website", *in.Website, false)
	}
	if in.LogoURL != nil {
		logo = cleanURL(fe, "logo_url", *in.LogoURL, false)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if name == o.name && website == o.website && logo == o.logoURL {
		return nil
	}
	o.name, o.website, o.logoURL, o.updatedAt = name, website, logo, normTime(now)
	return nil
}

// userIDForm is what a refused member id is told to look like.
const userIDForm = "must be a Keycloak user id: a UUID such as 10000000-0000-4000-8000-000000000001"

// parseUserID returns s as a Keycloak user id (a UUID in its 36-character form, any case),
// in lower case, and whether it is one.
func parseUserID(s string) (string, bool) {
	u, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return "", false
	}
	return u.String(), true
}

// CheckMemberRoles records in fe what is wrong with a member's roles (none, or one that is
// not ADMIN or SCANNER) and returns them without repeats, sorted.
func CheckMemberRoles(fe apperr.FieldErrors, roles []OrgRole) []OrgRole {
	var clean []OrgRole
	if len(roles) == 0 {
		fe.Add("roles", "must list at least one of ADMIN, SCANNER")
	}
	for i, r := range roles {
		if r != OrgRoleAdmin && r != OrgRoleScanner {
			fe.Add(fmt.Sprintf("roles[%d]", i), "must be ADMIN or SCANNER")
			continue
		}
		if !slices.Contains(clean, r) {
			clean = append(clean, r)
		}
	}
	slices.Sort(clean)
	return clean
}

// PutMember gives userID exactly roles, adding the member when new (created reports that).
// A member is a Keycloak user, so userID must be a user id (a UUID).
func (o *Organization) PutMember(userID string, roles []OrgRole, now time.Time) (m Member, created bool, err error) {
	fe := apperr.FieldErrors{}
	if id, ok := parseUserID(userID); ok {
		userID = id
	} else {
		fe.Add("user_id", userIDForm)
	}
	clean := CheckMemberRoles(fe, roles)
	if err := fe.Err(); err != nil {
		return Member{}, false, err
	}
	if userID == o.ownerID {
		return Member{}, false, apperr.New(apperr.Invalid, "the owner already holds every right and cannot be a member").
			WithDetails(map[string]any{"fields": map[string]any{"user_id": "is the organization's owner"}})
	}
	if i, ok := o.member(userID); ok {
		o.members[i].Roles = clean
		return o.members[i], false, nil
	}
	m = Member{UserID: userID, Roles: clean, CreatedAt: normTime(now)}
	o.members = append(o.members, m)
	return m, true, nil
}

// RemoveMember removes userID from the members. Any member id is accepted, so that a
// member added before ids were checked can still be removed.
func (o *Organization) RemoveMember(userID string) error {
	if id, ok := parseUserID(userID); ok {
		userID = id
	}
	i, ok := o.member(userID)
	if !ok {
		return apperr.New(apperr.NotFound, "user %q is not a member of organization %s", userID, o.id)
	}
	o.members = slices.Delete(o.members, i, i+1)
	return nil
}

// CheckDelete refuses deleting an organization that still has events.
func (o *Organization) CheckDelete(events int) error {
	if events > 0 {
		return apperr.New(apperr.Conflict, "organization %s still has %d event(s); delete them first", o.id, events).
			WithDetails(map[string]any{"events": events})
	}
	return nil
}
