package projection

import "encoding/json"

// OrgDoc is the read-model document of an organization (topic
// ticketly.catalog.organizations, keyed by id).
type OrgDoc struct {
	ID       string           `json:"id"`
	Exists   bool             `json:"exists"`
	Name     string           `json:"name"`
	Website  string           `json:"website"`
	LogoURL  string           `json:"logo_url"`
	Versions map[string]int64 `json:"versions"`
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

// ApplyOrg applies a change of catalog.organizations.
func ApplyOrg(doc *OrgDoc, c Change) (bool, error) {
	var r struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Website string `json:"website"`
		LogoURL string `json:"logo_url"`
	}
	if c.Table != "organizations" {
		return false, poison("table %s does not feed organization documents", c.Table)
	}
	if err := json.Unmarshal(c.Row(), &r); err != nil || r.ID == "" {
		return false, poison("organizations row: %v", err)
	}
	if doc.Versions == nil {
		doc.Versions = map[string]int64{}
	}
	if !guard(doc.Versions, "organization", c.LSN) {
		return false, nil
	}
	*doc = OrgDoc{ID: r.ID, Exists: c.Op != OpDelete, Name: r.Name, Website: r.Website, LogoURL: r.LogoURL, Versions: doc.Versions}
	return true, nil
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
