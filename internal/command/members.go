package command

import (
	"context"
	"strings"
	"unicode"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/catalog"
)

// User is a realm user as a member is shown: the Keycloak user id (the `sub` of their
// tokens), user name, first and last name and e-mail address ("" when the user has none).
type User struct {
	ID        string
	Username  string
	FirstName string
	LastName  string
	Email     string
}

// DisplayName is how the user is named in lists: first and last name, else the user name.
func (u User) DisplayName() string {
	if n := strings.TrimSpace(strings.TrimSpace(u.FirstName) + " " + strings.TrimSpace(u.LastName)); n != "" {
		return n
	}
	return u.Username
}

// Users looks realm users up (Keycloak's Admin REST API). Errors carry apperr codes:
// not_found for no such user, unavailable when the directory cannot be asked.
type Users interface {
	// Find returns the person whose user name or e-mail address is nameOrEmail (any case);
	// service accounts are not people and are not found.
	Find(ctx context.Context, nameOrEmail string) (User, error)
	// ByID returns the user with the id, or a not_found error.
	ByID(ctx context.Context, id string) (User, error)
	// Known returns the users with these ids that it can find; ids of users that do not
	// exist are left out. When the directory cannot be asked it returns what it knows with
	// the error, so a list can still be shown.
	Known(ctx context.Context, ids []string) (map[string]User, error)
}

// MemberProfile is a member with the user's names and e-mail address; User is nil when they
// are not known (the user was deleted from the realm, or the realm could not be asked).
type MemberProfile struct {
	catalog.Member
	User *User
}

// maxUserLen is Keycloak's limit on user names and e-mail addresses.
const maxUserLen = 255

// Members lists an organization's members (ids and roles).
func (s *Service) Members(ctx context.Context, a catalog.Actor, id uuid.UUID) ([]catalog.Member, error) {
	o, err := s.Organization(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return o.Members(), nil
}

// MemberProfiles lists an organization's members with their user names and e-mail
// addresses. A member whose user the realm does not know, or every member while the realm
// cannot be asked, is listed with its id only: the list never fails because of the user
// directory.
func (s *Service) MemberProfiles(ctx context.Context, a catalog.Actor, id uuid.UUID) ([]MemberProfile, error) {
	ms, err := s.Members(ctx, a, id)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	known, _ := s.users.Known(ctx, ids) // the adapter logs why the directory failed
	out := make([]MemberProfile, len(ms))
	for i, m := range ms {
		out[i] = MemberProfile{Member: m}
		if u, ok := known[m.UserID]; ok {
			out[i].User = &u
		}
	}
	return out, nil
}

// AddMember gives the realm user whose user name or e-mail address is user exactly roles,
// adding them when new (created reports that). Owner, ADMIN members and organization_admin
// only; a user the realm does not know is not_found and nothing is stored.
func (s *Service) AddMember(ctx context.Context, a catalog.Actor, id uuid.UUID, user string, roles []catalog.OrgRole) (MemberProfile, bool, error) {
	fe := apperr.FieldErrors{}
	user = strings.TrimSpace(user)
	switch {
	case user == "":
		fe.Add("user", "must be a user name or e-mail address")
	case len(user) > maxUserLen:
		fe.Add("user", "must be at most 255 characters")
	case strings.ContainsFunc(user, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		fe.Add("user", "must be a user name or e-mail address, without spaces")
	}
	catalog.CheckMemberRoles(fe, roles)
	if err := fe.Err(); err != nil {
		return MemberProfile{}, false, err
	}
	return s.putMember(ctx, a, id, roles, "user", func() (User, error) { return s.users.Find(ctx, user) })
}

// PutMember is SetMember without the user's profile.
func (s *Service) PutMember(ctx context.Context, a catalog.Actor, id uuid.UUID, userID string, roles []catalog.OrgRole) (catalog.Member, bool, error) {
	m, created, err := s.SetMember(ctx, a, id, userID, roles)
	return m.Member, created, err
}

// SetMember gives the realm user userID exactly roles, adding them when new (created
// reports that). A user id the realm does not know is not_found and nothing is stored.
func (s *Service) SetMember(ctx context.Context, a catalog.Actor, id uuid.UUID, userID string, roles []catalog.OrgRole) (MemberProfile, bool, error) {
	fe := apperr.FieldErrors{}
	catalog.CheckMemberRoles(fe, roles)
	if err := fe.Err(); err != nil {
		return MemberProfile{}, false, err
	}
	return s.putMember(ctx, a, id, roles, "user_id", func() (User, error) { return s.users.ByID(ctx, userID) })
}

// putMember checks the actor may manage the organization's members before the user
// directory is asked (who is in the realm is not told to strangers), looks the user up and
// stores the membership. field names the request's user field in errors.
func (s *Service) putMember(ctx context.Context, a catalog.Actor, id uuid.UUID, roles []catalog.OrgRole, field string,
	lookup func() (User, error)) (MemberProfile, bool, error) {
	o, err := s.orgs.Get(ctx, id)
	if err != nil {
		return MemberProfile{}, false, err
	}
	if err := requireAccess(o.AccessOf(a), catalog.AccessWrite, id, false); err != nil {
		return MemberProfile{}, false, err
	}
	u, err := lookup()
	if err != nil {
		return MemberProfile{}, false, err
	}
	var (
		m       catalog.Member
		created bool
	)
	err = s.orgs.Update(ctx, id, func(o *catalog.Organization) error {
		if err := requireAccess(o.AccessOf(a), catalog.AccessWrite, id, false); err != nil {
			return err
		}
		if u.ID == o.OwnerID() {
			return apperr.New(apperr.Invalid, "the owner already holds every right and cannot be a member").
				WithDetails(map[string]any{"fields": map[string]any{field: "is the organization's owner"}})
		}
		var err error
		m, created, err = o.PutMember(u.ID, roles, s.now())
		return err
	})
	if err != nil {
		return MemberProfile{}, false, err
	}
	return MemberProfile{Member: m, User: &u}, created, nil
}
