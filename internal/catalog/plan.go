package catalog

import (
	"strings"

	"github.com/ticketly/ticketly/internal/apperr"
)

// Plan is a subscription tier, read from the Keycloak groups /Tiers/FREE|PRO|ENTERPRISE.
type Plan string

const (
	PlanFree       Plan = "FREE"
	PlanPro        Plan = "PRO"
	PlanEnterprise Plan = "ENTERPRISE"
)

// PlanFromGroups returns the highest tier among the group paths (ENTERPRISE > PRO > FREE);
// FREE when the caller is in none.
func PlanFromGroups(groups []string) Plan {
	best := PlanFree
	for _, g := range groups {
		switch strings.TrimPrefix(g, "/") {
		case "Tiers/ENTERPRISE":
			return PlanEnterprise
		case "Tiers/PRO":
			best = PlanPro
		}
	}
	return best
}

// Limit names a subscription-tier limit.
type Limit string

const (
	LimitOrganizations    Limit = "organizations_per_user"
	LimitLayouts          Limit = "layouts_per_organization"
	LimitActiveEvents     Limit = "active_events"
	LimitSessionsPerEvent Limit = "sessions_per_event"
)

var planLimits = map[Plan]map[Limit]int{
	PlanFree:       {LimitOrganizations: 3, LimitLayouts: 5, LimitActiveEvents: 1, LimitSessionsPerEvent: 5},
	PlanPro:        {LimitOrganizations: 10, LimitLayouts: 25, LimitActiveEvents: 10, LimitSessionsPerEvent: 52},
	PlanEnterprise: {LimitOrganizations: 100, LimitLayouts: 200, LimitActiveEvents: 1000, LimitSessionsPerEvent: 200},
}

var limitText = map[Limit]struct{ what, have string }{
	LimitOrganizations:    {"organizations per user", "you own"},
	LimitLayouts:          {"seating templates per organization", "this organization has"},
	LimitActiveEvents:     {"active events (approved or in review, with a session not yet ended)", "you have"},
	LimitSessionsPerEvent: {"sessions per event", "this event has"},
}

// Max returns the plan's maximum for l.
func (p Plan) Max(l Limit) int {
	if m, ok := planLimits[p]; ok {
		return m[l]
	}
	return planLimits[PlanFree][l]
}

// Allow returns nil when one more is allowed while current exist, else a forbidden error
// naming the limit, the plan and the numbers (details limit, plan, max, current).
func (p Plan) Allow(l Limit, current int) error {
	maxN := p.Max(l)
	if current < maxN {
		return nil
	}
	t := limitText[l]
	return apperr.New(apperr.Forbidden, "subscription limit reached: the %s plan allows at most %d %s and %s %d",
		p, maxN, t.what, t.have, current).
		WithDetails(map[string]any{"limit": string(l), "plan": string(p), "max": maxN, "current": current})
}
