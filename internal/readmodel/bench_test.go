package readmodel_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ticketly/ticketly/internal/projection"
	"github.com/ticketly/ticketly/internal/readmodel"
)

// A catalog of 2,000 approved events, each with a tier and three sessions.
func benchView(b *testing.B) *readmodel.View {
	f := &fixture{t: &testing.T{}, v: readmodel.New(func() time.Time { return now })}
	f.change(projection.TopicOrganizations, "organizations", map[string]any{"id": "o1", "name": "Acme Live"})
	f.change(projection.TopicCategories, "categories", map[string]any{"id": "music", "name": "Music"})
	for i := 0; i < 2000; i++ {
		f.event(fmt.Sprintf("e%d", i), fmt.Sprintf("Concert %d jazz", i), "APPROVED", "music", int64(1000+i), venue("Hall", 51.5, -0.12), i%30+1, i%30+2, i%30+3)
	}
	return f.v
}

func BenchmarkListingSearch(b *testing.B) {
	v := benchView(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := v.Events(readmodel.Filter{Query: "jazz 1999", Page: 1, PageSize: 20})
		if p.Total == 0 {
			b.Fatal("no hit")
		}
	}
}

func BenchmarkSeatMap(b *testing.B) {
	v := benchView(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := v.Seats("e7-s0"); !ok {
			b.Fatal("no session")
		}
	}
}
