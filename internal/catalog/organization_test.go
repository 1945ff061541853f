package catalog_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/catalog"
)

// Keycloak user ids of the tests.
const (
	ownerID   = "10000000-0000-4000-8000-0000000000a0"
	adminID   = "10000000-0000-4000-8000-0000000000a1"
	scannerID = "10000000-0000-4000-8000-0000000000a2"
)

func TestOrganizationAccess(t *testing.T) {
	t.Parallel()
	owner := catalog.Actor{Subject: ownerID, Plan: catalog.PlanFree}
	o, err := catalog.NewOrganization(uuid.New(), catalog.OrgInput{Name: "Acme", Website: "https://acme.example"}, owner, 0, now)
	wantCode(t, err, "")
	_, _, err = o.PutMember(adminID, []catalog.OrgRole{catalog.OrgRoleAdmin, catalog.OrgRoleScanner, catalog.OrgRoleAdmin}, now)
	wantCode(t, err, "")
	_, _, err = o.PutMember(scannerID, []catalog.OrgRole{catalog.OrgRoleScanner}, now)
	wantCode(t, err, "")
	for _, tc := range []struct {
		actor       catalog.Actor
		org, events catalog.Access
	}{
		{owner, catalog.AccessOwner, catalog.AccessOwner},
		{catalog.Actor{Subject: adminID}, catalog.AccessWrite, catalog.AccessWrite},
		{catalog.Actor{Subject: scannerID}, catalog.AccessRead, catalog.AccessRead},
		{catalog.Actor{Subject: "stranger"}, catalog.AccessNone, catalog.AccessNone},
		{catalog.Actor{Subject: "org-admin", Roles: []string{catalog.RoleOrganizationAdmin}}, catalog.AccessOwner, catalog.AccessOwner},
		{catalog.Actor{Subject: "event-admin", Roles: []string{catalog.RoleEventAdmin}}, catalog.AccessNone, catalog.AccessRead},
		{catalog.Actor{Subject: "cat-admin", Roles: []string{catalog.RoleCategoryAdmin}}, catalog.AccessNone, catalog.AccessNone},
	} {
		if got := o.AccessOf(tc.actor); got != tc.org {
			t.Errorf("%s: organization access %d, want %d", tc.actor.Subject, got, tc.org)
		}
		if got := o.EventAccessOf(tc.actor); got != tc.events {
			t.Errorf("%s: event access %d, want %d", tc.actor.Subject, got, tc.events)
		}
	}
	wantCode(t, catalog.Require(catalog.AccessRead, catalog.AccessWrite, o.ID()), apperr.Forbidden)
	if roles := o.MyRoles(catalog.Actor{Subject: adminID}); len(roles) != 2 {
		t.Fatalf("roles %v (duplicates must collapse)", roles)
	}

	_, _, err = o.PutMember(ownerID, []catalog.OrgRole{catalog.OrgRoleAdmin}, now)
	wantField(t, err, "user_id")
	_, _, err = o.PutMember(uuid.NewString(), nil, now)
	wantField(t, err, "roles")
	_, _, err = o.PutMember(uuid.NewString(), []catalog.OrgRole{"OWNER"}, now)
	wantField(t, err, "roles[0]")
	_, created, err := o.PutMember(scannerID, []catalog.OrgRole{catalog.OrgRoleAdmin}, now)
	wantCode(t, err, "")
	if created || o.AccessOf(catalog.Actor{Subject: scannerID}) != catalog.AccessWrite {
		t.Fatal("roles not replaced")
	}
	wantCode(t, o.RemoveMember("nobody"), apperr.NotFound)
	wantCode(t, o.CheckDelete(1), apperr.Conflict)
	wantCode(t, o.CheckDelete(0), "")
}

// A member is a Keycloak user: its id is a UUID, and nothing else (a dot, a '$', a name)
// becomes a member.
func TestMemberIDsAreKeycloakUserIDs(t *testing.T) {
	t.Parallel()
	o, err := catalog.NewOrganization(uuid.New(), catalog.OrgInput{Name: "Acme"}, catalog.Actor{Subject: ownerID, Plan: catalog.PlanFree}, 0, now)
	wantCode(t, err, "")
	id := uuid.NewString()
	for _, bad := range []string{"a.b", "$where", "", " ", "someone-else", id + ".x", " " + id, strings.ReplaceAll(id, "-", ""),
		"{" + id + "}", "urn:uuid:" + id, id[:35], id + "\x00"} {
		_, _, err := o.PutMember(bad, []catalog.OrgRole{catalog.OrgRoleAdmin}, now)
		wantField(t, err, "user_id")
	}
	if len(o.Members()) != 0 {
		t.Fatalf("refused ids became members: %+v", o.Members())
	}
	// Case does not make another user: ids are kept in Keycloak's lower case.
	m, created, err := o.PutMember(strings.ToUpper(id), []catalog.OrgRole{catalog.OrgRoleScanner}, now)
	wantCode(t, err, "")
	if !created || m.UserID != id {
		t.Fatalf("member %+v created=%v", m, created)
	}
	if _, created, _ := o.PutMember(id, []catalog.OrgRole{catalog.OrgRoleAdmin}, now); created || len(o.Members()) != 1 {
		t.Fatalf("same user added twice: %+v", o.Members())
	}
	// A member stored before ids were checked can still be removed.
	legacy := catalog.RestoreOrganization(catalog.OrganizationState{ID: uuid.New(), Name: "Old", OwnerID: ownerID,
		Members: []catalog.Member{{UserID: "a.b", Roles: []catalog.OrgRole{catalog.OrgRoleAdmin}}}})
	wantCode(t, legacy.RemoveMember("a.b"), "")
	wantCode(t, o.RemoveMember(strings.ToUpper(id)), "")
	if len(legacy.Members()) != 0 || len(o.Members()) != 0 {
		t.Fatal("members not removed")
	}
}

func TestOrganizationValidationAndLimit(t *testing.T) {
	t.Parallel()
	a := catalog.Actor{Subject: "me", Plan: catalog.PlanFree}
	_, err := catalog.NewOrganization(uuid.New(), catalog.OrgInput{Name: ""}, a, 0, now)
	wantField(t, err, "name")
	_, err = catalog.NewOrganization(uuid.New(), catalog.OrgInput{Name: "A", Website: "ftp://x"}, a, 0, now)
	wantField(t, err, "website")
	_, err = catalog.NewOrganization(uuid.New(), catalog.OrgInput{Name: "A"}, a, 3, now)
	wantCode(t, err, apperr.Forbidden)
	a.Plan = catalog.PlanPro
	_, err = catalog.NewOrganization(uuid.New(), catalog.OrgInput{Name: "A"}, a, 3, now)
	wantCode(t, err, "")
}

func TestCategoryTreeHasTwoLevels(t *testing.T) {
	t.Parallel()
	tree := catalog.NewCategoryTree(nil)
	music, err := tree.Add(uuid.New(), "Music", nil, now)
	wantCode(t, err, "")
	rockID := uuid.New()
	_, err = tree.Add(rockID, "Rock", ptr(music.ID()), now)
	wantCode(t, err, "")
	_, err = tree.Add(uuid.New(), "Punk", &rockID, now)
	wantField(t, err, "parent_id")
	_, err = tree.Add(uuid.New(), "Jazz", ptr(uuid.New()), now)
	wantField(t, err, "parent_id")
	_, err = tree.Add(uuid.New(), "ROCK", nil, now)
	wantCode(t, err, apperr.Conflict)
	sports, err := tree.Add(uuid.New(), "Sports", nil, now)
	wantCode(t, err, "")
	_, err = tree.Edit(music.ID(), nil, catalog.Of(sports.ID()), now) // Music has children
	wantField(t, err, "parent_id")
	_, err = tree.Edit(sports.ID(), nil, catalog.Of(sports.ID()), now)
	wantField(t, err, "parent_id")
	c, err := tree.Edit(rockID, ptr("Rock & Roll"), catalog.Clear[uuid.UUID](), now)
	wantCode(t, err, "")
	if c.State().ParentID != nil || c.State().Name != "Rock & Roll" {
		t.Fatalf("edit: %+v", c.State())
	}
	_, err = tree.Edit(rockID, nil, catalog.Of(music.ID()), now)
	wantCode(t, err, "")
	wantCode(t, tree.Remove(music.ID(), 0), apperr.Conflict) // has a child
	wantCode(t, tree.Remove(rockID, 2), apperr.Conflict)     // used by events
	wantCode(t, tree.Remove(rockID, 0), "")
	wantCode(t, tree.Remove(music.ID(), 0), "")
	wantCode(t, tree.Remove(music.ID(), 0), apperr.NotFound)
}
