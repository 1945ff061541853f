package catalog_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/catalog"
)

var now = time.Date(2030, 3, 1, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// wantCode fails unless err carries code (nil code: no error).
func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("want %s error, got none", code)
	}
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("want %s error, got %s: %v", code, got, err)
	}
}

// details returns the details of an application error.
func details(t *testing.T, err error) map[string]any {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("not an application error: %v", err)
	}
	return ae.Details
}

// wantField fails unless err is invalid with a problem reported for field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	wantCode(t, err, apperr.Invalid)
	fields, _ := details(t, err)["fields"].(map[string]any)
	if _, ok := fields[field]; !ok {
		t.Fatalf("want a problem with %q, got %v", field, fields)
	}
}

// anOrg is an organization with id.
func anOrg(id uuid.UUID) *catalog.Organization {
	return catalog.RestoreOrganization(catalog.OrganizationState{ID: id, Name: "Test org"})
}

// newEvent returns a DRAFT event with two EUR tiers (VIP 5000, Standard 2500).
func newEvent(t *testing.T) (*catalog.Event, uuid.UUID, uuid.UUID) {
	t.Helper()
	e, err := catalog.NewEvent(uuid.New(), anOrg(uuid.New()), catalog.EventInput{
		Title: "Concert",
		Tiers: []catalog.TierInput{
			{Name: "VIP", PriceMinor: ptr[int64](5000), Currency: "EUR"},
			{Name: "Standard", PriceMinor: ptr[int64](2500), Currency: "EUR"},
		},
	}, "organizer", now)
	if err != nil {
		t.Fatal(err)
	}
	return e, e.Tiers()[0].ID(), e.Tiers()[1].ID()
}

func physical(start time.Time) catalog.SessionInput {
	return catalog.SessionInput{
		StartTime: start, EndTime: start.Add(3 * time.Hour), SalesStartTime: now.Add(-time.Hour),
		Type:  catalog.SessionPhysical,
		Venue: &catalog.VenueInput{Name: "Hall", Address: "Main St 1", Latitude: ptr(52.37), Longitude: ptr(4.89)},
	}
}

func gridSpec(tier uuid.UUID, rows, cols int) catalog.LayoutSpec {
	return catalog.LayoutSpec{Blocks: []catalog.BlockSpec{
		{ID: "b1", Name: "Stalls", Type: "seated_grid", Grid: &catalog.GridSpec{Rows: rows, Columns: cols, TierID: ptr(tier.String())}},
	}}
}
