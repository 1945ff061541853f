package projection

import (
	"encoding/json"
	"slices"
	"strings"
)

// OrgDoc is the read-model document of an organization with its members (topic
// ticketly.catalog.organizations, keyed by organization id). Owner and members are for
// authorizing organizer streams on the query side; they are never served publicly.
type OrgDoc struct {
	ID       string           `json:"id"`
	Exists   bool             `json:"exists"`
	Name     string           `json:"name"`
	Website  string           `json:"website"`
	LogoURL  string           `json:"logo_url"`
	OwnerID  string           `json:"owner_id"`
	Members  []Member         `json:"members"`
	Versions map[string]int64 `json:"versions"`
}

// Member is a user's roles in an organization (ADMIN, SCANNER).
type Member struct {
	UserID string   `json:"user_id"`
	Roles  []string `json:"roles"`
}

// CanManage reports whether user is the owner or an ADMIN member.
func (o *OrgDoc) CanManage(user string) bool {
	if o.OwnerID == user {
		return true
	}
	for _, m := range o.Members {
		if m.UserID == user && slices.Contains(m.Roles, "ADMIN") {
			return true
		}
	}
	return false
}

// OrgKey returns the organization a change of organizations or organization_members feeds.
func OrgKey(c Change) (string, error) {
	var r struct {
		ID             string `json:"id"`
		OrganizationID string `json:"organization_id"`
	}
	if err := json.Unmarshal(c.Row(), &r); err != nil {
		return "", poison("%s row: %v", c.Table, err)
	}
	key := r.ID
	if c.Table == "organization_members" {
		key = r.OrganizationID
	}
	if key == "" {
		return "", poison("%s row without organization id", c.Table)
	}
	return key, nil
}

// CategoryDoc is the read-model document of a category (topic ticketly.catalog.categories).
type CategoryDoc struct {
	ID       string           `json:"id"`
	Exists   bool             `json:"exists"`
	Name     string           `json:"name"`
	ParentID string           `json:"parent_id,omitempty"`
	Versions map[string]int64 `json:"versions"`
}

// RowID returns the primary key of the changed row.
func RowID(c Change) (string, error) {
	var r struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(c.Row(), &r); err != nil || r.ID == "" {
		return "", poison("%s row without id: %v", c.Table, err)
	}
	return r.ID, nil
}

// ApplyOrg applies a change of catalog.organizations or catalog.organization_members.
func ApplyOrg(doc *OrgDoc, c Change) (bool, error) {
	if doc.Versions == nil {
		doc.Versions = map[string]int64{}
	}
	switch c.Table {
	case "organizations":
		var r struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Website string `json:"website"`
			LogoURL string `json:"logo_url"`
			OwnerID string `json:"owner_id"`
		}
		if err := json.Unmarshal(c.Row(), &r); err != nil || r.ID == "" {
			return false, poison("organizations row: %v", err)
		}
		if !guard(doc.Versions, "organization", c.LSN) {
			return false, nil
		}
		doc.ID, doc.Exists, doc.Name, doc.Website, doc.LogoURL, doc.OwnerID = r.ID, c.Op != OpDelete, r.Name, r.Website, r.LogoURL, r.OwnerID
		return true, nil
	case "organization_members":
		var r struct {
			OrganizationID string   `json:"organization_id"`
			UserID         string   `json:"user_id"`
			Roles          []string `json:"roles"`
		}
		if err := json.Unmarshal(c.Row(), &r); err != nil || r.OrganizationID == "" || r.UserID == "" {
			return false, poison("organization_members row: %v", err)
		}
		if !guard(doc.Versions, "member:"+r.UserID, c.LSN) {
			return false, nil
		}
		doc.ID = r.OrganizationID
		doc.Members = slices.DeleteFunc(doc.Members, func(m Member) bool { return m.UserID == r.UserID })
		if c.Op != OpDelete {
			doc.Members = append(doc.Members, Member{UserID: r.UserID, Roles: r.Roles})
			slices.SortFunc(doc.Members, func(a, b Member) int { return strings.Compare(a.UserID, b.UserID) })
		}
		return true, nil
	default:
		return false, poison("table %s does not feed organization documents", c.Table)
	}
}

// ApplyCategory applies a change of catalog.categories.
func ApplyCategory(doc *CategoryDoc, c Change) (bool, error) {
	var r struct {
		ID       string  `json:"id"`
		Name     string  `json:"name"`
		ParentID *string `json:"parent_id"`
	}
	if c.Table != "categories" {
		return false, poison("table %s does not feed category documents", c.Table)
	}
	if err := json.Unmarshal(c.Row(), &r); err != nil || r.ID == "" {
		return false, poison("categories row: %v", err)
	}
	if doc.Versions == nil {
		doc.Versions = map[string]int64{}
	}
	if !guard(doc.Versions, "category", c.LSN) {
		return false, nil
	}
	parent := ""
	if r.ParentID != nil {
		parent = *r.ParentID
	}
	*doc = CategoryDoc{ID: r.ID, Exists: c.Op != OpDelete, Name: r.Name, ParentID: parent, Versions: doc.Versions}
	return true, nil
}
