package catalog_test

import (
	"testing"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/catalog"
)

func TestPlanFromGroupsHighestWins(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		groups []string
		want   catalog.Plan
	}{
		{nil, catalog.PlanFree},
		{[]string{"/Staff"}, catalog.PlanFree},
		{[]string{"/Tiers/FREE"}, catalog.PlanFree},
		{[]string{"/Tiers/PRO"}, catalog.PlanPro},
		{[]string{"/Tiers/FREE", "/Tiers/PRO"}, catalog.PlanPro},
		{[]string{"/Tiers/ENTERPRISE", "/Tiers/FREE"}, catalog.PlanEnterprise},
		{[]string{"/Tiers/PRO", "/Tiers/ENTERPRISE"}, catalog.PlanEnterprise},
		{[]string{"Tiers/PRO"}, catalog.PlanPro},
		{[]string{"/Other/Tiers/ENTERPRISE"}, catalog.PlanFree},
	} {
		if got := catalog.PlanFromGroups(tc.groups); got != tc.want {
			t.Errorf("PlanFromGroups(%v) = %s, want %s", tc.groups, got, tc.want)
		}
	}
}

func TestPlanLimits(t *testing.T) {
	t.Parallel()
	want := map[catalog.Plan][4]int{ // orgs / layouts / active events / sessions per event
		catalog.PlanFree:       {3, 5, 1, 5},
		catalog.PlanPro:        {10, 25, 10, 52},
		catalog.PlanEnterprise: {100, 200, 1000, 200},
	}
	limits := []catalog.Limit{catalog.LimitOrganizations, catalog.LimitLayouts, catalog.LimitActiveEvents, catalog.LimitSessionsPerEvent}
	for plan, maxes := range want {
		for i, l := range limits {
			if got := plan.Max(l); got != maxes[i] {
				t.Errorf("%s %s = %d, want %d", plan, l, got, maxes[i])
			}
			if err := plan.Allow(l, maxes[i]-1); err != nil {
				t.Errorf("%s %s at %d: %v", plan, l, maxes[i]-1, err)
			}
			err := plan.Allow(l, maxes[i])
			wantCode(t, err, apperr.Forbidden)
			d := details(t, err)
			if d["limit"] != string(l) || d["plan"] != string(plan) || d["max"] != maxes[i] {
				t.Errorf("details %v", d)
			}
		}
	}
}
