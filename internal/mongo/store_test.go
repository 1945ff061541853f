package mongo_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	drv "go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/ticketly/ticketly/internal/mongo"
	"github.com/ticketly/ticketly/internal/projection"
	"github.com/ticketly/ticketly/internal/svctest"
)

// keyedDoc is a document with a map keyed by data: the shape a read model must not have,
// which is why the store has to cope with it.
type keyedDoc struct {
	Name string         `json:"name"`
	Keys map[string]int `json:"keys"`
}

func testDB(t *testing.T, prefix string) *drv.Database {
	t.Helper()
	svctest.RequireStack(t, svctest.Documents)
	c, err := mongo.Connect("mongodb://127.0.0.1:27017/")
	if err != nil {
		t.Fatal(err)
	}
	db := c.Database(prefix + strings.ReplaceAll(uuid.NewString()[:8], "-", ""))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = db.Drop(ctx)
		_ = c.Disconnect(ctx)
	})
	return db
}

// A document the store refuses for its content (a field name the server rejects, a NUL
// byte in a key, over the size limit) is reported by id with a reason, and every other
// document of the same write is stored.
func TestPutReportsDocumentsRefusedForTheirContent(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	store := mongo.NewDocStore[keyedDoc](testDB(t, "test_store_"), "docs")
	docs := map[string]*keyedDoc{
		"dotted": {Name: "dotted", Keys: map[string]int{"a.b": 1}},
		"dollar": {Name: "dollar", Keys: map[string]int{"$x": 1}},
		"nul":    {Name: "nul", Keys: map[string]int{"a\x00b": 1}},
		"huge":   {Name: strings.Repeat("x", 16<<20), Keys: map[string]int{}},
	}
	var good []string
	for i := range 60 { // more than one bulk write
		id := "good-" + uuid.NewString()
		good = append(good, id)
		docs[id] = &keyedDoc{Name: id, Keys: map[string]int{"k" + string(rune('a'+i%26)): i}}
	}
	err := store.Put(ctx, docs)
	var rej *mongo.RejectedError
	if !errors.As(err, &rej) {
		t.Fatalf("put: %v, want a RejectedError (is the stack up? make run)", err)
	}
	if len(rej.Rejected()) != 4 {
		t.Fatalf("refused %v, want dotted, dollar, nul and huge", rej.Rejected())
	}
	for _, id := range []string{"dotted", "dollar", "nul", "huge"} {
		if rej.Rejected()[id] == "" {
			t.Fatalf("%s not reported: %v", id, rej.Rejected())
		}
	}
	got, err := store.Get(ctx, append(good, "dotted", "dollar", "nul", "huge"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(good) {
		t.Fatalf("stored %d documents, want the %d good ones", len(got), len(good))
	}
	for _, id := range good {
		if got[id] == nil || got[id].Name != id {
			t.Fatalf("good document %s: %+v", id, got[id])
		}
	}
}

// An organization document of the shape written before member versions moved into the
// member entries ("member:<user id>" keys) still loads, and authorizes as it did.
func TestOldOrganizationDocumentsLoad(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := testDB(t, "test_orgs_")
	admin, scanner := uuid.NewString(), uuid.NewString()
	old := map[string]any{"_id": "o1", "id": "o1", "exists": true, "name": "Acme", "website": "", "logo_url": "", "owner_id": "owner",
		"members":  []any{map[string]any{"user_id": admin, "roles": []string{"ADMIN"}}, map[string]any{"user_id": scanner, "roles": []string{"SCANNER"}}},
		"versions": map[string]any{"organization": int64(5), "member:" + admin: int64(7), "member:" + scanner: int64(8)}}
	if _, err := db.Collection("organizations").InsertOne(ctx, old); err != nil {
		t.Fatal(err)
	}
	store := mongo.NewDocStore[projection.OrgDoc](db, "organizations")
	got, err := store.Get(ctx, []string{"o1"})
	if err != nil || got["o1"] == nil {
		t.Fatalf("load old document: %v", err)
	}
	doc := got["o1"]
	if !doc.CanManage("owner") || !doc.CanManage(admin) || doc.CanManage(scanner) || doc.Versions["member:"+admin] != 7 {
		t.Fatalf("old document %+v", doc)
	}
}

// Replacing stored documents from several writers at once completes. FerretDB 1.24 holds a
// PostgreSQL connection for each replaced document of an update command until the command
// ends; bulk writes of 50 replacements from four writers asked its pool for about 200 at
// once and stalled the server for every client.
func TestConcurrentReplacementsDoNotStallTheServer(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	store := mongo.NewDocStore[keyedDoc](testDB(t, "test_replace_"), "docs")
	const writers, perWriter = 4, 60
	batches := make([]map[string]*keyedDoc, writers)
	all := map[string]*keyedDoc{}
	for w := range batches {
		batches[w] = map[string]*keyedDoc{}
		for i := range perWriter {
			id := uuid.NewString()
			batches[w][id] = &keyedDoc{Name: "v1", Keys: map[string]int{"i": i}}
			all[id] = batches[w][id]
		}
	}
	if err := store.Put(ctx, all); err != nil {
		t.Fatalf("first write: %v (is the stack up? make run)", err)
	}
	errs := make(chan error, writers)
	for _, batch := range batches {
		go func() {
			for _, d := range batch {
				d.Name = "v2"
			}
			errs <- store.Put(ctx, batch)
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatalf("replacing: %v (a timeout here means the wire server stalled; deploy/local/stack.sh restart mongo)", err)
		}
	}
	ids := make([]string, 0, len(all))
	for id := range all {
		ids = append(ids, id)
	}
	got, err := store.Get(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if got[id] == nil || got[id].Name != "v2" {
			t.Fatalf("document %s after the replacements: %+v, want v2", id, got[id])
		}
	}
}
