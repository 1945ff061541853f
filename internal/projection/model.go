package projection

// Model describes one read model: the topic that feeds it, the permanent consumer group of
// its projector, the collection that keeps it, and how a change finds and updates its
// document. Group names are versioned: a new projection logic gets a new group (and
// rebuilds from the earliest offset).
type Model[D any] struct {
	Name       string
	Topic      string
	Group      string
	Collection string
	Key        func(Change) (string, error)
	New        func(id string) *D
	Apply      func(*D, Change) (bool, error)
}

// Topics of the catalog read models (see debezium/connector.properties for the routing).
const (
	TopicEventAggregate = "ticketly.catalog.event_aggregate"
	TopicOrganizations  = "ticketly.catalog.organizations"
	TopicCategories     = "ticketly.catalog.categories"
)

// Events is the event-document read model.
var Events = Model[EventDoc]{
	Name: "events", Topic: TopicEventAggregate, Group: "projector.events.v1", Collection: "events",
	Key:   EventKey,
	New:   func(id string) *EventDoc { return &EventDoc{ID: id, Versions: map[string]int64{}} },
	Apply: ApplyEvent,
}

// Organizations is the organization read model.
var Organizations = Model[OrgDoc]{
	Name: "organizations", Topic: TopicOrganizations, Group: "projector.organizations.v2", Collection: "organizations",
	Key:   OrgKey,
	New:   func(id string) *OrgDoc { return &OrgDoc{ID: id, Versions: map[string]int64{}} },
	Apply: ApplyOrg,
}

// Categories is the category read model.
var Categories = Model[CategoryDoc]{
	Name: "categories", Topic: TopicCategories, Group: "projector.categories.v1", Collection: "categories",
	Key:   RowID,
	New:   func(id string) *CategoryDoc { return &CategoryDoc{ID: id, Versions: map[string]int64{}} },
	Apply: ApplyCategory,
}
