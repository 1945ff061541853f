package catalog

import "slices"

// Realm roles that widen what an actor may do.
const (
	RoleEventAdmin        = "event_admin"        // reads, approves and rejects any event
	RoleCategoryAdmin     = "category_admin"     // writes categories
	RoleOrganizationAdmin = "organization_admin" // sees and manages every organization
)

// Actor is who performs a command: the Keycloak subject, e-mail address, realm roles and
// plan.
type Actor struct {
	Subject string
	Email   string // the token's email claim ("" when absent)
	Roles   []string
	Plan    Plan
}

// HasRole reports whether the actor holds the realm role.
func (a Actor) HasRole(role string) bool { return slices.Contains(a.Roles, role) }
