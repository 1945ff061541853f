package projection

import (
	"encoding/json"
	"slices"
	"strings"
)

// OrgDoc is the read-model document of an organization with its members (topic
// ticketly.catalog.organizations, keyed by organization id). Owner and members are for
// authorizing organizer streams on the query side; they are never served publicly.
//
// A user id is data, never a field name of the stored document: each membership row keeps
// the LSN of its last change in its own entry (Members, or Removed once deleted).
type OrgDoc struct {
	ID      string   `json:"id"`
	Exists  bool     `json:"exists"`
	Name    string   `json:"name"`
	Website string   `json:"website"`
	LogoURL string   `json:"logo_url"`
	OwnerID string   `json:"owner_id"`
	Members []Member `json:"members"`
	// Removed remembers the members whose row was deleted, with the LSN of the deletion,
	// so a replayed older change cannot bring them back.
	Removed []RemovedMember `json:"removed_members"`
	// Versions holds the LSN of the organization row ("organization"). Documents written
	// before member versions moved into the member entries also hold "member:<user id>"
	// keys; they are read as the members' versions and dropped at the next change.
	Versions map[string]int64 `json:"versions"`
}

// Member is a user's roles in an organization (ADMIN, SCANNER).
type Member struct {
	UserID string   `json:"user_id"`
	Roles  []string `json:"roles"`
	// Version is the LSN of the last change applied to this membership row (0 in
	// documents written before it was kept here; see OrgDoc.Versions).
	Version int64 `json:"version,omitempty"`
}

// RemovedMember is a deleted membership row and the LSN of its deletion.
type RemovedMember struct {
	UserID  string `json:"user_id"`
	Version int64  `json:"version"`
}

// legacyMemberKey is the prefix of the member versions of documents of the old shape.
const legacyMemberKey = "member:"

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
	doc.migrateMemberVersions()
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
		if c.LSN <= doc.memberVersion(r.UserID) {
			return false, nil
		}
		doc.ID = r.OrganizationID
		// New slices, never changed in place: a reader may still hold the old document.
		members := slices.DeleteFunc(slices.Clone(doc.Members), func(m Member) bool { return m.UserID == r.UserID })
		removed := slices.DeleteFunc(slices.Clone(doc.Removed), func(m RemovedMember) bool { return m.UserID == r.UserID })
		if c.Op == OpDelete {
			removed = append(removed, RemovedMember{UserID: r.UserID, Version: c.LSN})
			slices.SortFunc(removed, func(a, b RemovedMember) int { return strings.Compare(a.UserID, b.UserID) })
		} else {
			members = append(members, Member{UserID: r.UserID, Roles: r.Roles, Version: c.LSN})
			slices.SortFunc(members, func(a, b Member) int { return strings.Compare(a.UserID, b.UserID) })
		}
		doc.Members, doc.Removed = members, removed
		return true, nil
	default:
		return false, poison("table %s does not feed organization documents", c.Table)
	}
}

// memberVersion returns the LSN of the last change applied to user's membership row (of a
// document whose member versions were migrated).
func (o *OrgDoc) memberVersion(user string) int64 {
	var v int64
	if i := slices.IndexFunc(o.Members, func(m Member) bool { return m.UserID == user }); i >= 0 {
		v = max(v, o.Members[i].Version)
	}
	if i := slices.IndexFunc(o.Removed, func(m RemovedMember) bool { return m.UserID == user }); i >= 0 {
		v = max(v, o.Removed[i].Version)
	}
	return v
}

// migrateMemberVersions moves the member versions of a document of the old shape (keys
// "member:<user id>" in Versions) into the member entries, and those of deleted members into
// Removed, so the document written next has no user id in a field name. The guards stay
// exact: every version is kept, only its place changes.
func (o *OrgDoc) migrateMemberVersions() {
	var legacy []string
	for k := range o.Versions {
		if strings.HasPrefix(k, legacyMemberKey) {
			legacy = append(legacy, k)
		}
	}
	if len(legacy) == 0 {
		return
	}
	slices.Sort(legacy)
	versions := make(map[string]int64, len(o.Versions)-len(legacy))
	for k, v := range o.Versions {
		if !strings.HasPrefix(k, legacyMemberKey) {
			versions[k] = v
		}
	}
	members, removed := slices.Clone(o.Members), slices.Clone(o.Removed)
	for _, k := range legacy {
		user, v := strings.TrimPrefix(k, legacyMemberKey), o.Versions[k]
		if i := slices.IndexFunc(members, func(m Member) bool { return m.UserID == user }); i >= 0 {
			members[i].Version = max(members[i].Version, v)
		} else if i := slices.IndexFunc(removed, func(m RemovedMember) bool { return m.UserID == user }); i >= 0 {
			removed[i].Version = max(removed[i].Version, v)
		} else {
			removed = append(removed, RemovedMember{UserID: user, Version: v})
		}
	}
	slices.SortFunc(removed, func(a, b RemovedMember) int { return strings.Compare(a.UserID, b.UserID) })
	o.Versions, o.Members, o.Removed = versions, members, removed
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
