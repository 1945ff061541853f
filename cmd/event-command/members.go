package main

import (
	"net/http"
	"time"

	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/command"
	"github.com/ticketly/ticketly/internal/httpapi"
)

// memberProfileView is a member as every members route answers it: name (first and last
// name, else the user name), username and email are null when the realm does not know the
// user (any more) or could not be asked.
type memberProfileView struct {
	UserID    string            `json:"user_id"`
	Name      *string           `json:"name"`
	Username  *string           `json:"username"`
	Email     *string           `json:"email"`
	Roles     []catalog.OrgRole `json:"roles"`
	CreatedAt time.Time         `json:"created_at"`
}

func viewMemberProfile(m command.MemberProfile) memberProfileView {
	v := memberProfileView{UserID: m.UserID, Roles: m.Roles, CreatedAt: m.CreatedAt.UTC()}
	if v.Roles == nil {
		v.Roles = []catalog.OrgRole{}
	}
	if m.User != nil {
		name := m.User.DisplayName()
		v.Name, v.Username = &name, &m.User.Username
		if m.User.Email != "" {
			v.Email = &m.User.Email
		}
	}
	return v
}

func (s *server) listMembers(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	ms, err := s.app.MemberProfiles(r.Context(), a, id)
	if err != nil {
		return err
	}
	return ok(w, list[memberProfileView]{Items: mapAll(ms, viewMemberProfile)})
}

// addMemberRequest names the user by user name or e-mail address.
type addMemberRequest struct {
	User  string            `json:"user"`
	Roles []catalog.OrgRole `json:"roles"`
}

// addMember answers 201 for a new member, 200 when the user was a member already (their
// roles are replaced).
func (s *server) addMember(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var req addMemberRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	m, isNew, err := s.app.AddMember(r.Context(), a, id, req.User, req.Roles)
	if err != nil {
		return err
	}
	return answerMember(w, m, isNew)
}

type memberRequest struct {
	Roles []catalog.OrgRole `json:"roles"`
}

func (s *server) putMember(w http.ResponseWriter, r *http.Request, a catalog.Actor) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	// A member is a Keycloak user: its id is a UUID, refused before anything is read or
	// written (the domain checks it too).
	userID, err := httpapi.PathUUID(r, "user_id")
	if err != nil {
		return err
	}
	var req memberRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	m, isNew, err := s.app.SetMember(r.Context(), a, id, userID.String(), req.Roles)
	if err != nil {
		return err
	}
	return answerMember(w, m, isNew)
}

// answerMember answers 201 for a new member (no Location: a member is read in the list),
// else 200.
func answerMember(w http.ResponseWriter, m command.MemberProfile, isNew bool) error {
	if isNew {
		httpapi.WriteJSON(w, http.StatusCreated, viewMemberProfile(m))
		return nil
	}
	return ok(w, viewMemberProfile(m))
}
