package mongo_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/ticketly/ticketly/internal/mongo"
	"github.com/ticketly/ticketly/internal/projection"
	"github.com/ticketly/ticketly/internal/svctest"
)

func seatMap(seats int) projection.Layout {
	row := projection.Row{Label: "A"}
	for i := 0; i < seats; i++ {
		row.Seats = append(row.Seats, projection.Seat{ID: uuid.NewString(), Label: "A", TierID: "t"})
	}
	return projection.Layout{Blocks: []projection.Block{{ID: "b", Name: "B", Type: "seated_grid", Rows: []projection.Row{row}}}}
}

// Event documents round-trip whole, while their seat maps live one per session and go
// away with their session.
func TestEventStoreKeepsSeatMapsApart(t *testing.T) {
	svctest.RequireStack(t, svctest.Documents)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := mongo.Connect("mongodb://127.0.0.1:27017/")
	if err != nil {
		t.Fatal(err)
	}
	db := c.Database("test_events_" + strings.ReplaceAll(uuid.NewString()[:8], "-", ""))
	t.Cleanup(func() { _ = db.Drop(context.Background()); _ = c.Disconnect(context.Background()) })
	store := mongo.NewEventStore(db, "events")
	id := uuid.NewString()
	doc := &projection.EventDoc{ID: id, Exists: true, Title: "Big night", Tiers: []projection.Tier{}, Discounts: []projection.Discount{},
		CoverImages: []string{}, Versions: map[string]int64{"event": 3}, Revision: 3,
		Sessions: []projection.Session{{ID: "s1", Status: "ON_SALE", Layout: seatMap(500)}, {ID: "s2", Status: "SCHEDULED", Layout: seatMap(20)}}}
	if err := store.Put(ctx, map[string]*projection.EventDoc{id: doc}); err != nil {
		t.Fatalf("put: %v (is the stack up? make run)", err)
	}
	got, err := store.Get(ctx, []string{id})
	if err != nil || !reflect.DeepEqual(got[id], doc) {
		t.Fatalf("round trip: %v\n%+v\n%+v", err, got[id], doc)
	}
	raw, err := db.Collection("events").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	if err != nil || strings.Contains(raw.String(), doc.Sessions[0].Layout.Blocks[0].Rows[0].Seats[0].ID) {
		t.Fatalf("the event document holds the seat map (%v)", err)
	}
	// Drop a session and retitle: its seat map goes, the other stays.
	doc.Title, doc.Sessions = "Bigger night", doc.Sessions[:1]
	if err := store.Put(ctx, map[string]*projection.EventDoc{id: doc}); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Collection("events_layouts").CountDocuments(ctx, bson.D{}); n != 1 {
		t.Fatalf("%d seat maps stored, want 1", n)
	}
	var all []*projection.EventDoc
	if err := store.All(ctx, func(_ string, d *projection.EventDoc) error { all = append(all, d); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || !reflect.DeepEqual(all[0], doc) {
		t.Fatalf("all: %+v", all)
	}
}
