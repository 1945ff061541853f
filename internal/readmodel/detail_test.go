package readmodel_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/ticketly/ticketly/internal/projection"
	"github.com/ticketly/ticketly/internal/readmodel"
)

// nilSlices returns the path of every nil slice reachable in v: each would be null on the
// wire where the API promises a list.
func nilSlices(path string, v reflect.Value) []string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return nilSlices(path, v.Elem())
	case reflect.Slice:
		if v.IsNil() {
			return []string{path}
		}
		var out []string
		for i := range v.Len() {
			out = append(out, nilSlices(path+"[]", v.Index(i))...)
		}
		return out
	case reflect.Struct:
		var out []string
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				out = append(out, nilSlices(path+"."+f.Name, v.Field(i))...)
			}
		}
		return out
	case reflect.Map:
		var out []string
		for _, k := range v.MapKeys() {
			out = append(out, nilSlices(path+"[k]", v.MapIndex(k))...)
		}
		return out
	}
	return nil
}

// Every document event-query renders, built from stored documents whose lists are all
// null (as MongoDB loads a list stored as null), has [] for every list at every depth.
func TestNoRenderedListIsNull(t *testing.T) {
	v := readmodel.New(func() time.Time { return now })
	v.PutOrg(&projection.OrgDoc{ID: "o1", Exists: true, Name: "Acme Live"})
	start := now.Add(48 * time.Hour).Format(time.RFC3339)
	v.PutEvent(&projection.EventDoc{ID: "e1", Exists: true, OrganizationID: "o1", Title: "Bare", Status: "APPROVED",
		Sessions: []projection.Session{{ID: "s1", StartTime: start, EndTime: start, SessionType: "PHYSICAL", Status: "ON_SALE",
			Venue:  &projection.Venue{Name: "Hall"},
			Layout: projection.Layout{Blocks: []projection.Block{{ID: "b", Type: "seated_grid", Rows: []projection.Row{{Label: "A"}}}, {ID: "ga", Type: "standing", Capacity: 5}}}}},
		Discounts: []projection.Discount{{ID: "d1", Code: "ALL", Kind: "PERCENTAGE", Public: true}}})
	e, ok := v.EventDetail("e1")
	s, ok2 := v.Session("s1")
	m, ok3 := v.Seats("s1")
	if !ok || !ok2 || !ok3 {
		t.Fatal("event, session or seat map not served")
	}
	docs := map[string]any{"event": e, "session": s, "seats": m, "events": v.Events(readmodel.Filter{Page: 1, PageSize: 20}),
		"no events": v.Events(readmodel.Filter{Query: "nothing matches", Page: 1, PageSize: 20}),
		"trending":  v.Trending(1, 20), "categories": v.Categories()}
	for name, d := range docs {
		if bad := nilSlices(name, reflect.ValueOf(d)); len(bad) > 0 {
			t.Errorf("null lists: %v", bad)
		}
	}
}
