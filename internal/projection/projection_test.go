package projection_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/ticketly/ticketly/internal/projection"
)

const eventID = "22222222-2222-4222-8222-222222222222"

// envelope builds a Debezium JSON envelope the way the connector emits it.
func envelope(t *testing.T, table, op string, lsn int64, before, after map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"op": op, "before": before, "after": after,
		"source": map[string]any{"connector": "postgresql", "schema": "catalog", "table": table, "lsn": lsn, "ts_ms": 1700000000000 + lsn}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func eventRow(title, status string) map[string]any {
	return map[string]any{"id": eventID, "organization_id": "o1", "category_id": nil, "title": title,
		"description": "d", "overview": "", "cover_images": `["a.jpg"]`, "status": status,
		"rejection_reason": "", "created_by": "u", "created_at": "2026-01-01T10:00:00.123456Z", "updated_at": "2026-01-01T10:00:00Z"}
}

func tierRow(id string, price int) map[string]any {
	return map[string]any{"id": id, "event_id": eventID, "name": "T" + id, "colour": "#fff", "price_minor": price, "currency": "EUR"}
}

func sessionRow(id, status string) map[string]any {
	return map[string]any{"id": id, "event_id": eventID, "start_time": "2026-06-01T19:00:00Z", "end_time": "2026-06-01T22:00:00Z",
		"sales_start_time": "2026-05-01T00:00:00Z", "sales_end_time": "2026-06-01T19:00:00Z", "session_type": "PHYSICAL",
		"venue": `{"name":"Hall","address":"1 St","latitude":51.5,"longitude":-0.1}`, "online_link": "", "status": status,
		"layout": `{"blocks":[{"id":"b1","name":"Stalls","type":"seated_grid","rows":[{"label":"A","seats":[{"id":"s1","label":"A1","tier_id":"t1"}]}]}],"blocked_seat_ids":["s1"]}`}
}

// stream is a realistic history of one event aggregate.
func stream(t *testing.T) [][]byte {
	return [][]byte{
		envelope(t, "events", "c", 100, nil, eventRow("Jazz", "DRAFT")),
		envelope(t, "tiers", "c", 110, nil, tierRow("t1", 5000)),
		envelope(t, "tiers", "c", 111, nil, tierRow("t2", 2500)),
		envelope(t, "sessions", "c", 120, nil, sessionRow("s-1", "SCHEDULED")),
		envelope(t, "events", "u", 130, eventRow("Jazz", "DRAFT"), eventRow("Jazz", "APPROVED")),
		envelope(t, "sessions", "u", 131, sessionRow("s-1", "SCHEDULED"), sessionRow("s-1", "ON_SALE")),
		envelope(t, "tiers", "u", 140, tierRow("t1", 5000), tierRow("t1", 1000)),
		envelope(t, "tiers", "d", 150, tierRow("t2", 2500), nil),
		envelope(t, "events", "u", 160, eventRow("Jazz", "APPROVED"), eventRow("Jazz Night", "APPROVED")),
	}
}

func applyAll(t *testing.T, doc *projection.EventDoc, msgs [][]byte) int {
	t.Helper()
	applied := 0
	for _, m := range msgs {
		c, ok, err := projection.Decode(m)
		if err != nil || !ok {
			t.Fatalf("decode: %v %v", ok, err)
		}
		key, err := projection.EventKey(c)
		if err != nil || key != eventID {
			t.Fatalf("key %q: %v", key, err)
		}
		changed, err := projection.ApplyEvent(doc, c)
		if err != nil {
			t.Fatalf("apply: %v", err)
		}
		if changed {
			applied++
		}
	}
	return applied
}

func TestApplyBuildsTheDocument(t *testing.T) {
	doc := projection.Events.New(eventID)
	if n := applyAll(t, doc, stream(t)); n != 9 {
		t.Fatalf("applied %d changes, want 9", n)
	}
	if !doc.Exists || doc.Title != "Jazz Night" || doc.Status != "APPROVED" || doc.Revision != 9 {
		t.Fatalf("event fields %+v", doc)
	}
	if doc.CreatedAt != "2026-01-01T10:00:00Z" || !reflect.DeepEqual(doc.CoverImages, []string{"a.jpg"}) {
		t.Fatalf("decoded columns: %q %v", doc.CreatedAt, doc.CoverImages)
	}
	if len(doc.Tiers) != 1 || doc.Tiers[0].ID != "t1" || doc.Tiers[0].PriceMinor != 1000 {
		t.Fatalf("tiers %+v", doc.Tiers)
	}
	s := doc.Sessions[0]
	if len(doc.Sessions) != 1 || s.Status != "ON_SALE" || s.Venue == nil || s.Venue.Name != "Hall" || *s.Venue.Latitude != 51.5 ||
		len(s.Layout.Blocks) != 1 || s.Layout.Blocks[0].Rows[0].Seats[0].ID != "s1" || s.Layout.BlockedSeatIDs[0] != "s1" {
		t.Fatalf("session %+v", s)
	}
}

func TestReplayIsANoOp(t *testing.T) {
	once := projection.Events.New(eventID)
	applyAll(t, once, stream(t))
	twice := projection.Events.New(eventID)
	applyAll(t, twice, stream(t))
	if n := applyAll(t, twice, stream(t)); n != 0 {
		t.Fatalf("replaying the stream applied %d changes, want 0", n)
	}
	// A redelivered prefix after the fact changes nothing either (e.g. a restart before commit).
	if n := applyAll(t, twice, stream(t)[:4]); n != 0 {
		t.Fatalf("redelivered prefix applied %d changes", n)
	}
	if !reflect.DeepEqual(once, twice) {
		t.Fatalf("replay changed the document:\n%+v\n%+v", once, twice)
	}
}

func TestOlderChangeOfARowNeverWins(t *testing.T) {
	doc := projection.Events.New(eventID)
	msgs := stream(t)
	applyAll(t, doc, msgs)
	// Deleted tier t2: its creation delivered again must not bring it back.
	if n := applyAll(t, doc, [][]byte{msgs[2]}); n != 0 || len(doc.Tiers) != 1 {
		t.Fatalf("deleted tier resurrected: %+v", doc.Tiers)
	}
	// An older price of t1 arriving late is ignored.
	if n := applyAll(t, doc, [][]byte{msgs[1]}); n != 0 || doc.Tiers[0].PriceMinor != 1000 {
		t.Fatalf("stale price applied: %+v", doc.Tiers)
	}
}

func TestDeletedEventStaysDeleted(t *testing.T) {
	doc := projection.Events.New(eventID)
	applyAll(t, doc, stream(t))
	applyAll(t, doc, [][]byte{envelope(t, "events", "d", 200, eventRow("Jazz Night", "APPROVED"), nil)})
	if doc.Exists {
		t.Fatal("deleted event still exists")
	}
	if n := applyAll(t, doc, stream(t)); n != 0 || doc.Exists {
		t.Fatal("replay resurrected a deleted event")
	}
}

func TestPoisonChanges(t *testing.T) {
	cases := map[string][]byte{
		"not json":          []byte("{oops"),
		"unknown op":        []byte(`{"op":"x","after":{},"source":{"table":"events","lsn":1}}`),
		"update, no after":  []byte(`{"op":"u","before":{"id":"1"},"after":null,"source":{"table":"events","lsn":1}}`),
		"delete, no before": []byte(`{"op":"d","before":null,"after":null,"source":{"table":"events","lsn":1}}`),
		"no lsn":            []byte(`{"op":"c","after":{"id":"1"},"source":{"table":"events"}}`),
	}
	for name, msg := range cases {
		t.Run(name, func(t *testing.T) {
			if _, _, err := projection.Decode(msg); !errors.Is(err, projection.ErrPoison) {
				t.Fatalf("want poison, got %v", err)
			}
		})
	}
	// Decodable envelopes whose rows are wrong are poison at apply time.
	doc := projection.Events.New(eventID)
	for name, msg := range map[string][]byte{
		"bad layout": envelope(t, "sessions", "c", 5, nil, map[string]any{"id": "s", "event_id": eventID, "layout": "{nope"}),
		"bad time":   envelope(t, "sessions", "c", 6, nil, map[string]any{"id": "s", "event_id": eventID, "start_time": "yesterday"}),
		"wrong type": envelope(t, "tiers", "c", 7, nil, map[string]any{"id": "t", "event_id": eventID, "price_minor": "ten"}),
		"alien":      envelope(t, "probe", "c", 8, nil, map[string]any{"id": "p", "event_id": eventID}),
	} {
		c, ok, err := projection.Decode(msg)
		if err != nil || !ok {
			t.Fatalf("%s: decode %v", name, err)
		}
		if _, err := projection.ApplyEvent(doc, c); !errors.Is(err, projection.ErrPoison) {
			t.Fatalf("%s: want poison, got %v", name, err)
		}
	}
	if doc.Revision != 0 {
		t.Fatalf("poison changed the document: %+v", doc)
	}
	// Tombstones and truncates are skipped without error.
	if _, ok, err := projection.Decode(nil); ok || err != nil {
		t.Fatalf("tombstone: %v %v", ok, err)
	}
}

func TestDirectoryDocuments(t *testing.T) {
	org := &projection.OrgDoc{}
	for i, name := range []string{"Acme", "Acme Live"} {
		c, _, _ := projection.Decode(envelope(t, "organizations", "u", int64(10+i), nil, map[string]any{"id": "o1", "name": name}))
		if ok, err := projection.ApplyOrg(org, c); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	old, _, _ := projection.Decode(envelope(t, "organizations", "u", 10, nil, map[string]any{"id": "o1", "name": "Acme"}))
	if ok, _ := projection.ApplyOrg(org, old); ok || org.Name != "Acme Live" || !org.Exists {
		t.Fatalf("org %+v", org)
	}
	cat := &projection.CategoryDoc{}
	c, _, _ := projection.Decode(envelope(t, "categories", "c", 3, nil, map[string]any{"id": "c2", "name": "Jazz", "parent_id": "c1"}))
	if ok, err := projection.ApplyCategory(cat, c); !ok || err != nil || cat.ParentID != "c1" {
		t.Fatalf("category %+v %v", cat, err)
	}
}

func TestOrganizationMembers(t *testing.T) {
	org := &projection.OrgDoc{}
	apply := func(table, op string, lsn int64, row map[string]any) {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"op": op, "before": row, "after": row, "source": map[string]any{"table": table, "lsn": lsn, "ts_ms": 1}})
		c, ok, err := projection.Decode(b)
		if err != nil || !ok {
			t.Fatal(err)
		}
		if key, err := projection.OrgKey(c); err != nil || key != "o1" {
			t.Fatalf("key %q %v", key, err)
		}
		if _, err := projection.ApplyOrg(org, c); err != nil {
			t.Fatal(err)
		}
	}
	apply("organizations", "c", 1, map[string]any{"id": "o1", "name": "Acme", "owner_id": "owner"})
	apply("organization_members", "c", 2, map[string]any{"organization_id": "o1", "user_id": "ann", "roles": []string{"ADMIN"}})
	apply("organization_members", "c", 3, map[string]any{"organization_id": "o1", "user_id": "sam", "roles": []string{"SCANNER"}})
	if !org.CanManage("owner") || !org.CanManage("ann") || org.CanManage("sam") || org.CanManage("eve") {
		t.Fatalf("permissions %+v", org)
	}
	apply("organization_members", "d", 4, map[string]any{"organization_id": "o1", "user_id": "ann", "roles": []string{"ADMIN"}})
	apply("organization_members", "c", 2, map[string]any{"organization_id": "o1", "user_id": "ann", "roles": []string{"ADMIN"}}) // replay
	if org.CanManage("ann") || len(org.Members) != 1 || org.Name != "Acme" {
		t.Fatalf("after removal %+v", org)
	}
}

// A session update that leaves its large layout untouched arrives without it (replica
// identity is id + event id): the layout already in the document is kept.
func TestSessionUpdateWithoutLayoutKeepsIt(t *testing.T) {
	doc := projection.Events.New(eventID)
	applyAll(t, doc, stream(t)[:4])
	row := sessionRow("s-1", "ON_SALE")
	row["layout"] = "__debezium_unavailable_value"
	applyAll(t, doc, [][]byte{envelope(t, "sessions", "u", 300, map[string]any{"id": "s-1", "event_id": eventID}, row)})
	s := doc.Sessions[0]
	if s.Status != "ON_SALE" || len(s.Layout.Blocks) != 1 || s.Layout.Blocks[0].Rows[0].Seats[0].ID != "s1" {
		t.Fatalf("session after layout-less update %+v", s)
	}
	// A delete carries only the identity columns.
	applyAll(t, doc, [][]byte{envelope(t, "sessions", "d", 301, map[string]any{"id": "s-1", "event_id": eventID}, nil)})
	if len(doc.Sessions) != 0 {
		t.Fatalf("session not deleted: %+v", doc.Sessions)
	}
}
