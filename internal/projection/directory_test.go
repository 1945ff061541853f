package projection_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ticketly/ticketly/internal/projection"
)

func orgChange(t *testing.T, table, op string, lsn int64, row map[string]any) projection.Change {
	t.Helper()
	var before, after map[string]any
	if op == "d" {
		before = row
	} else {
		after = row
	}
	c, ok, err := projection.Decode(envelope(t, table, op, lsn, before, after))
	if err != nil || !ok {
		t.Fatalf("decode: %v %v", ok, err)
	}
	return c
}

func member(user string, roles ...string) map[string]any {
	return map[string]any{"organization_id": "o1", "user_id": user, "roles": roles}
}

// fieldNames lists every object key of the document's stored (JSON) form, nested ones as
// "parent.key".
func fieldNames(t *testing.T, doc any) []string {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var names []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				names = append(names, prefix+k)
				walk(prefix+k+".", e)
			}
		case []any:
			for _, e := range x {
				walk(prefix, e)
			}
		}
	}
	walk("", v)
	return names
}

// A user id is data in a member entry, never a field name: ids a document store refuses as
// field names (a dot, a leading '$') are members like any other.
func TestMemberIDsNeverBecomeFieldNames(t *testing.T) {
	doc := projection.Organizations.New("o1")
	users := []string{"a.b", "$where", "10000000-0000-4000-8000-000000000001"}
	for i, u := range users {
		if ok, err := projection.ApplyOrg(doc, orgChange(t, "organization_members", "c", int64(10+i), member(u, "ADMIN"))); !ok || err != nil {
			t.Fatalf("apply %s: %v %v", u, ok, err)
		}
	}
	if ok, err := projection.ApplyOrg(doc, orgChange(t, "organization_members", "d", 20, member("a.b", "ADMIN"))); !ok || err != nil {
		t.Fatalf("remove: %v %v", ok, err)
	}
	for _, name := range fieldNames(t, doc) {
		for _, u := range users {
			if strings.Contains(name, u) {
				t.Fatalf("field name %q holds user id %q", name, u)
			}
		}
	}
	if doc.CanManage("a.b") || !doc.CanManage("$where") || len(doc.Members) != 2 {
		t.Fatalf("members %+v", doc.Members)
	}
	// Replays are no-ops, and the removed member is not brought back by its older creation.
	for i, u := range users {
		if ok, _ := projection.ApplyOrg(doc, orgChange(t, "organization_members", "c", int64(10+i), member(u, "SCANNER"))); ok {
			t.Fatalf("replay of %s applied", u)
		}
	}
	if doc.CanManage("a.b") || !doc.CanManage("$where") {
		t.Fatalf("replay changed members %+v", doc.Members)
	}
	// A newer change of the removed member applies.
	if ok, _ := projection.ApplyOrg(doc, orgChange(t, "organization_members", "c", 30, member("a.b", "ADMIN"))); !ok || !doc.CanManage("a.b") {
		t.Fatalf("re-added member %+v", doc)
	}
	if len(doc.Removed) != 0 {
		t.Fatalf("re-added member still listed as removed: %+v", doc.Removed)
	}
}

// oldOrgDoc is an organization document as stored before member versions moved into the
// member entries: every membership row had a "member:<user id>" version key, removed
// members only that key.
const oldOrgDoc = `{"id":"o1","exists":true,"name":"Acme","website":"","logo_url":"","owner_id":"owner",
	"members":[{"user_id":"ann","roles":["ADMIN"]},{"user_id":"sam","roles":["SCANNER"]}],
	"versions":{"organization":5,"member:ann":7,"member:sam":8,"member:bob":9}}`

func loadOld(t *testing.T) *projection.OrgDoc {
	t.Helper()
	doc := projection.Organizations.New("o1")
	if err := json.Unmarshal([]byte(oldOrgDoc), doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestOldOrganizationDocumentsKeepTheirGuards(t *testing.T) {
	doc := loadOld(t)
	if !doc.CanManage("owner") || !doc.CanManage("ann") || doc.CanManage("sam") || doc.CanManage("bob") {
		t.Fatalf("old document authorizes %+v", doc)
	}
	// Every change at or below the versions of the old document is a replay: bob (removed
	// at 9) is not resurrected, ann's older roles do not come back.
	for _, c := range []projection.Change{
		orgChange(t, "organization_members", "c", 9, member("bob", "ADMIN")),
		orgChange(t, "organization_members", "u", 6, member("ann", "SCANNER")),
		orgChange(t, "organization_members", "d", 8, member("sam", "SCANNER")),
		orgChange(t, "organizations", "u", 5, map[string]any{"id": "o1", "name": "Old name", "owner_id": "owner"}),
	} {
		if ok, err := projection.ApplyOrg(doc, c); ok || err != nil {
			t.Fatalf("replay of %s at %d applied (%v)", c.Table, c.LSN, err)
		}
	}
	if !doc.CanManage("ann") || doc.CanManage("bob") || len(doc.Members) != 2 || doc.Name != "Acme" {
		t.Fatalf("after replays %+v", doc)
	}
	// A new change applies, and the document then holds no user id in a field name, with
	// the same guards: bob's removal is remembered at 9, ann at 7.
	if ok, err := projection.ApplyOrg(doc, orgChange(t, "organization_members", "u", 40, member("sam", "ADMIN"))); !ok || err != nil {
		t.Fatalf("new change: %v %v", ok, err)
	}
	if !reflect.DeepEqual(doc.Versions, map[string]int64{"organization": 5}) {
		t.Fatalf("versions after migration %v", doc.Versions)
	}
	if !reflect.DeepEqual(doc.Removed, []projection.RemovedMember{{UserID: "bob", Version: 9}}) {
		t.Fatalf("removed %+v", doc.Removed)
	}
	if i := 0; doc.Members[i].UserID != "ann" || doc.Members[i].Version != 7 || doc.Members[1].Version != 40 || !doc.CanManage("sam") {
		t.Fatalf("members %+v", doc.Members)
	}
	for _, name := range fieldNames(t, doc) {
		if strings.Contains(name, "member:") {
			t.Fatalf("field %q left after migration", name)
		}
	}
	// Stored and loaded again in the new shape, it keeps the guards.
	b, _ := json.Marshal(doc)
	again := projection.Organizations.New("o1")
	if err := json.Unmarshal(b, again); err != nil {
		t.Fatal(err)
	}
	if ok, _ := projection.ApplyOrg(again, orgChange(t, "organization_members", "c", 9, member("bob", "ADMIN"))); ok {
		t.Fatal("removed member resurrected after a round trip")
	}
	if ok, _ := projection.ApplyOrg(again, orgChange(t, "organization_members", "c", 41, member("bob", "SCANNER"))); !ok || len(again.Members) != 3 {
		t.Fatalf("newer change after a round trip: %+v", again)
	}
}

// ApplyOrg builds new member lists: a reader holding the previous document (the query
// side's view hands documents to readers) never sees it change.
func TestApplyOrgLeavesThePreviousDocumentAlone(t *testing.T) {
	doc := loadOld(t)
	prev := *doc
	prevMembers := append([]projection.Member(nil), doc.Members...)
	projection.ApplyOrg(doc, orgChange(t, "organization_members", "d", 50, member("ann", "ADMIN")))
	projection.ApplyOrg(doc, orgChange(t, "organization_members", "c", 51, member("zed", "ADMIN")))
	if !reflect.DeepEqual(prev.Members, prevMembers) || prev.Removed != nil {
		t.Fatalf("previous document changed: %+v", prev)
	}
}

// Row ids that become part of field names (tier, session and discount versions; seat ids
// of the seat-status map) are UUIDs in the database: anything a document store could not
// take as a field name is poison and leaves no trace.
func TestIDsThatCannotBeKeysArePoison(t *testing.T) {
	doc := projection.Events.New(eventID)
	applyAll(t, doc, stream(t)[:1])
	before, _ := json.Marshal(doc)
	for _, id := range []string{"a.b", "$x", "a\x00b", "", strings.Repeat("x", 65)} {
		for _, table := range []string{"tiers", "sessions", "discounts"} {
			row := map[string]any{"id": id, "event_id": eventID}
			if table == "tiers" {
				row = tierRow(id, 100)
			}
			c, ok, err := projection.Decode(envelope(t, table, "c", 500, nil, row))
			if err != nil || !ok {
				t.Fatal(err)
			}
			if _, err := projection.ApplyEvent(doc, c); !errors.Is(err, projection.ErrPoison) {
				t.Fatalf("%s id %q: want poison, got %v", table, id, err)
			}
		}
		if _, err := projection.ApplySeatChange(projection.SeatStatus.New("s1"), seatChange(t, 1, "LOCKED", []string{"ok", id}, "")); !errors.Is(err, projection.ErrPoison) {
			t.Fatalf("seat id %q: want poison, got %v", id, err)
		}
	}
	// An events row with a malformed column is poison before its version is recorded.
	bad := eventRow("Jazz", "APPROVED")
	bad["cover_images"] = "{nope"
	if _, err := projection.ApplyEvent(doc, mustDecode(t, envelope(t, "events", "u", 600, nil, bad))); !errors.Is(err, projection.ErrPoison) {
		t.Fatalf("bad cover images: %v", err)
	}
	if after, _ := json.Marshal(doc); string(after) != string(before) {
		t.Fatalf("poison changed the document:\n%s\n%s", before, after)
	}
}

func mustDecode(t *testing.T, b []byte) projection.Change {
	t.Helper()
	c, ok, err := projection.Decode(b)
	if err != nil || !ok {
		t.Fatalf("decode: %v %v", ok, err)
	}
	return c
}
