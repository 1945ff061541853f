package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func TestParseFlags(t *testing.T) {
	t.Setenv("FERRETDB_POSTGRESQL_URL", "postgres://u:p@127.0.0.1:5499/db")
	o, err := parseFlags([]string{"-listen-addr", "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if o.listenAddr != "127.0.0.1:0" || o.postgreSQLURL != "postgres://u:p@127.0.0.1:5499/db" ||
		o.debugAddr != "127.0.0.1:27018" || o.handler != "postgresql" {
		t.Fatalf("options = %+v", o)
	}
	if _, err := parseFlags([]string{"-handler", "mysql"}); err == nil {
		t.Fatal("unknown handler accepted")
	}
	if got := redact("postgres://ferretdb:secret@127.0.0.1:5432/ferretdb"); got != "postgres://ferretdb:xxxxx@127.0.0.1:5432/ferretdb" {
		t.Fatalf("redact = %q", got)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestReadyzWithoutServer(t *testing.T) {
	// Nothing listens on port 1: readyz must fail fast, livez must still answer.
	h := debugHandler("mongodb://127.0.0.1:1/", "test", discardLogger())
	for path, want := range map[string]int{"/debug/readyz": http.StatusServiceUnavailable, "/debug/livez": http.StatusOK, "/debug/metrics": http.StatusOK} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("%s: status %d, want %d", path, rec.Code, want)
		}
	}
}

// TestSmoke exercises a running FerretDB (env FERRETDB_SMOKE_URL, e.g.
// mongodb://127.0.0.1:27017/) with the operations the read model relies on; it is skipped
// without that variable. FERRETDB_SMOKE_DEBUG_URL (e.g. http://127.0.0.1:27018) also
// checks the readiness endpoint.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs a running FerretDB; skipped under -short")
	}
	smokeURL := os.Getenv("FERRETDB_SMOKE_URL")
	if smokeURL == "" {
		t.Skip("FERRETDB_SMOKE_URL not set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	if debugURL := os.Getenv("FERRETDB_SMOKE_DEBUG_URL"); debugURL != "" {
		resp, err := http.Get(debugURL + "/debug/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("readyz: status %d", resp.StatusCode)
		}
	}

	client, err := mongo.Connect(options.Client().ApplyURI(smokeURL).SetTimeout(20 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(context.Background()) }()
	if err := client.Ping(ctx, nil); err != nil {
		t.Fatalf("ping: %v", err)
	}

	var info bson.M
	if err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		t.Fatalf("buildInfo: %v", err)
	}
	t.Logf("server: MongoDB %v, FerretDB %v", info["version"], info["ferretdbVersion"])

	db := client.Database("ticketly_smoke")
	if err := db.Drop(ctx); err != nil {
		t.Fatalf("drop: %v", err)
	}
	defer func() { _ = db.Drop(context.Background()) }()
	coll := db.Collection("events")

	name, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "slug", Value: 1}},
		Options: options.Index().SetUnique(true).SetName("slug_unique"),
	})
	if err != nil || name != "slug_unique" {
		t.Fatalf("create unique index: %q %v", name, err)
	}

	docs := []any{
		bson.D{{Key: "_id", Value: "e1"}, {Key: "slug", Value: "rock-night"}, {Key: "city", Value: "Paris"}, {Key: "price", Value: 30}},
		bson.D{{Key: "_id", Value: "e2"}, {Key: "slug", Value: "jazz-evening"}, {Key: "city", Value: "Paris"}, {Key: "price", Value: 20}},
		bson.D{{Key: "_id", Value: "e3"}, {Key: "slug", Value: "opera"}, {Key: "city", Value: "Lyon"}, {Key: "price", Value: 50}},
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatalf("insert: %v", err)
	}

	_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "e4"}, {Key: "slug", Value: "opera"}})
	if !mongo.IsDuplicateKeyError(err) {
		t.Fatalf("duplicate slug: got %v, want a duplicate key error", err)
	}

	var one bson.M
	if err := coll.FindOne(ctx, bson.D{{Key: "slug", Value: "opera"}}).Decode(&one); err != nil || one["city"] != "Lyon" {
		t.Fatalf("find one: %v %v", one, err)
	}
	if err := coll.FindOne(ctx, bson.D{{Key: "slug", Value: "none"}}).Err(); !errors.Is(err, mongo.ErrNoDocuments) {
		t.Fatalf("find missing: %v", err)
	}

	cur, err := coll.Find(ctx, bson.D{{Key: "city", Value: "Paris"}}, options.Find().SetSort(bson.D{{Key: "price", Value: 1}}))
	if err != nil {
		t.Fatalf("find: %v", err)
	}
	var paris []bson.M
	if err := cur.All(ctx, &paris); err != nil {
		t.Fatal(err)
	}
	if len(paris) != 2 || paris[0]["_id"] != "e2" || paris[1]["_id"] != "e1" {
		t.Fatalf("find sorted: %v", paris)
	}

	res, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: "e1"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "price", Value: 35}}}})
	if err != nil || res.ModifiedCount != 1 {
		t.Fatalf("update: %+v %v", res, err)
	}
	n, err := coll.CountDocuments(ctx, bson.D{{Key: "price", Value: bson.D{{Key: "$gte", Value: 35}}}})
	if err != nil || n != 2 {
		t.Fatalf("count: %d %v", n, err)
	}
}
