package main

import (
	"context"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/kafka"
	"github.com/ticketly/ticketly/internal/projection"
	"github.com/ticketly/ticketly/internal/svctest"
)

// A member is a Keycloak user: an id that is not a UUID (a dot, a '$': what once stopped the
// organization read model) is refused with 400 naming user_id, before anything is written,
// so it never reaches the change stream either.
func TestMemberIDsMustBeKeycloakUserIDs(t *testing.T) {
	t.Parallel()
	svctest.RequireStack(t, svctest.Postgres, svctest.Kafka, svctest.Debezium, svctest.Keycloak)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	a := startAPI(t)
	db := testDB(t)
	org := newOrg(t, a, "organizer")
	orgPath := "/api/v1/organizations/" + org.ID.String()

	// Where the organizations topic ends now: everything this test causes comes after.
	cl, err := kafka.NewClient(kafka.Local("127.0.0.1:9092"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, projection.TopicOrganizations)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		t.Fatalf("end offsets of %s: %v", projection.TopicOrganizations, err)
	}

	before := fingerprint(t, db, org.ID)
	bad := []string{"a.b", "%24where", "$where", "a%2Eb", "someone-else", strings.ToUpper("x") + uuid.NewString()[1:],
		strings.ReplaceAll(uuid.NewString(), "-", ""), "%7B" + uuid.NewString() + "%7D"}
	for _, id := range bad {
		for _, who := range []string{"organizer", "buyer"} {
			e := wantError(t, a.do(who, "PUT", orgPath+"/members/"+id, map[string]any{"roles": []string{"ADMIN"}}), http.StatusBadRequest, "invalid")
			if fields, _ := e.Error.Details["fields"].(map[string]any); fields["user_id"] == nil {
				t.Fatalf("member id %q as %s: no user_id detail in %+v", id, who, e.Error)
			}
		}
	}
	if after := fingerprint(t, db, org.ID); after != before {
		t.Fatal("a refused member id changed the organization's rows")
	}

	// A valid member (a realm user: unknown ids are refused) marks the end: once its change
	// is on the topic, every change this test caused is, and none of them may carry a
	// refused id.
	marker := svctest.Subject(t, "buyer42")
	a.must(http.StatusCreated, "organizer", "PUT", orgPath+"/members/"+marker, map[string]any{"roles": []string{"SCANNER"}}, nil)
	starts := map[string]map[int32]kgo.Offset{projection.TopicOrganizations: {}}
	ends.Each(func(lo kadm.ListedOffset) {
		starts[lo.Topic][lo.Partition] = kgo.NewOffset().At(lo.Offset)
	})
	consumer, err := kafka.NewClient(kafka.Local("127.0.0.1:9092"), kgo.ConsumePartitions(starts))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	var ours []projection.Change
	for seen := false; !seen; {
		fs := consumer.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatal("the valid member's change never reached the topic (is Debezium running?)")
		}
		fs.EachRecord(func(r *kgo.Record) {
			ch, ok, err := projection.Decode(r.Value)
			if err != nil || !ok {
				return
			}
			if key, err := projection.OrgKey(ch); err != nil || key != org.ID.String() {
				return
			}
			ours = append(ours, ch)
			seen = seen || strings.Contains(string(ch.Row()), marker)
		})
	}
	for _, ch := range ours {
		if ch.Table == "organization_members" && !strings.Contains(string(ch.Row()), marker) {
			t.Fatalf("a member change other than the valid one reached the topic: %s", ch.Row())
		}
	}
}

// memberJSON is a member as the API answers it, name, username and email nullable.
type memberJSON struct {
	UserID    string            `json:"user_id"`
	Name      *string           `json:"name"`
	Username  *string           `json:"username"`
	Email     *string           `json:"email"`
	Roles     []catalog.OrgRole `json:"roles"`
	CreatedAt time.Time         `json:"created_at"`
}

func wantMember(t *testing.T, m memberJSON, id, name, username, email string, roles ...catalog.OrgRole) {
	t.Helper()
	if m.UserID != id || deref(m.Name) != name || deref(m.Username) != username || deref(m.Email) != email ||
		!slices.Equal(m.Roles, roles) || m.CreatedAt.IsZero() {
		t.Fatalf("member %+v (name %v, username %v, email %v), want %s %q %s %s %v", m, deref(m.Name), deref(m.Username), deref(m.Email),
			id, name, username, email, roles)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

// TestMembersByUserNameOrEmail: members are realm users named by e-mail address or user
// name (looked up in Keycloak); an unknown user is 404 and a bad body 400 naming the field,
// with nothing stored; only the owner and ADMIN members add; the list shows user names and
// e-mail addresses with the users' names.
func TestMembersByUserNameOrEmail(t *testing.T) {
	t.Parallel()
	svctest.RequireStack(t, svctest.Postgres, svctest.Keycloak)
	a := startAPI(t)
	db := testDB(t)
	org := newOrg(t, a, "organizer")
	orgPath := "/api/v1/organizations/" + org.ID.String()
	scanner, buyer7 := svctest.Subject(t, "scanner"), svctest.Subject(t, "buyer7")
	const scannerMail = "scanner@ticketly.example.com"

	// Refused before anything is stored: unknown users, bad bodies, the owner.
	before := fingerprint(t, db, org.ID)
	for _, who := range []string{"nobody-" + uuid.NewString() + "@nowhere.example", "nobody-" + uuid.NewString()[:8], "service-account-svc-order"} {
		wantError(t, a.do("organizer", "POST", orgPath+"/members", map[string]any{"user": who, "roles": []string{"SCANNER"}}), http.StatusNotFound, "not_found")
	}
	wantError(t, a.do("organizer", "PUT", orgPath+"/members/"+uuid.NewString(), map[string]any{"roles": []string{"SCANNER"}}), http.StatusNotFound, "not_found")
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"no user", map[string]any{"roles": []string{"SCANNER"}}, "user"},
		{"empty user", map[string]any{"user": "  ", "roles": []string{"SCANNER"}}, "user"},
		{"user with a space", map[string]any{"user": "sam scanner", "roles": []string{"SCANNER"}}, "user"},
		{"user too long", map[string]any{"user": strings.Repeat("a", 256), "roles": []string{"SCANNER"}}, "user"},
		{"user as number", map[string]any{"user": 5, "roles": []string{"SCANNER"}}, "user"},
		{"no roles", map[string]any{"user": "scanner"}, "roles"},
		{"unknown role", map[string]any{"user": "scanner", "roles": []string{"OWNER"}}, "roles[0]"},
		{"unknown field", map[string]any{"user": "scanner", "roles": []string{"SCANNER"}, "user_id": scanner}, ""},
		{"the owner", map[string]any{"user": "organizer@ticketly.example.com", "roles": []string{"ADMIN"}}, "user"},
	} {
		e := wantError(t, a.do("organizer", "POST", orgPath+"/members", tc.body), http.StatusBadRequest, "invalid")
		if fields, _ := e.Error.Details["fields"].(map[string]any); tc.field != "" && fields[tc.field] == nil {
			t.Errorf("%s: no %s in %+v", tc.name, tc.field, e.Error)
		}
	}
	// Strangers are told the organization does not exist; nothing is looked up for them.
	newOrg(t, a, "buyer") // the buyer organizes too, elsewhere
	wantError(t, a.do("buyer", "POST", orgPath+"/members", map[string]any{"user": "buyer", "roles": []string{"ADMIN"}}), http.StatusNotFound, "not_found")
	if after := fingerprint(t, db, org.ID); after != before {
		t.Fatal("a refused member changed the organization's rows")
	}

	// By e-mail address, then the same user by user name (any case): roles replaced.
	var m memberJSON
	a.must(http.StatusCreated, "organizer", "POST", orgPath+"/members", map[string]any{"user": scannerMail, "roles": []string{"SCANNER"}}, &m)
	wantMember(t, m, scanner, "Sam Scanner", "scanner", scannerMail, catalog.OrgRoleScanner)
	a.must(http.StatusOK, "organizer", "POST", orgPath+"/members", map[string]any{"user": "Scanner", "roles": []string{"ADMIN", "SCANNER", "ADMIN"}}, &m)
	wantMember(t, m, scanner, "Sam Scanner", "scanner", scannerMail, catalog.OrgRoleAdmin, catalog.OrgRoleScanner)

	// An ADMIN member adds members; a SCANNER member does not.
	a.must(http.StatusCreated, "scanner", "POST", orgPath+"/members", map[string]any{"user": "buyer7", "roles": []string{"SCANNER"}}, &m)
	wantMember(t, m, buyer7, "Buyer 7", "buyer7", "buyer7@ticketly.example.com", catalog.OrgRoleScanner)
	a.must(http.StatusOK, "organizer", "PUT", orgPath+"/members/"+scanner, map[string]any{"roles": []string{"SCANNER"}}, &m)
	wantMember(t, m, scanner, "Sam Scanner", "scanner", scannerMail, catalog.OrgRoleScanner)
	wantError(t, a.do("scanner", "POST", orgPath+"/members", map[string]any{"user": "buyer8", "roles": []string{"SCANNER"}}), http.StatusForbidden, "forbidden")

	var ms list[memberJSON]
	a.must(http.StatusOK, "scanner", "GET", orgPath+"/members", nil, &ms)
	slices.SortFunc(ms.Items, func(x, y memberJSON) int { return strings.Compare(deref(x.Username), deref(y.Username)) })
	if len(ms.Items) != 2 {
		t.Fatalf("members %+v", ms.Items)
	}
	wantMember(t, ms.Items[0], buyer7, "Buyer 7", "buyer7", "buyer7@ticketly.example.com", catalog.OrgRoleScanner)
	wantMember(t, ms.Items[1], scanner, "Sam Scanner", "scanner", scannerMail, catalog.OrgRoleScanner)
}

// TestMembersWhileKeycloakIsDown: adding a member needs Keycloak (503, nothing stored); the
// list still answers, with the ids and null names.
func TestMembersWhileKeycloakIsDown(t *testing.T) {
	t.Parallel()
	svctest.RequireStack(t, svctest.Postgres, svctest.Keycloak)
	a := startAPI(t)
	db := testDB(t)
	org := newOrg(t, a, "organizer")
	orgPath := "/api/v1/organizations/" + org.ID.String()
	scanner := svctest.Subject(t, "scanner")
	a.must(http.StatusCreated, "organizer", "POST", orgPath+"/members", map[string]any{"user": "scanner", "roles": []string{"SCANNER"}}, nil)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	down := &api{t: t, url: svctest.Start(t, run, map[string]string{"KEYCLOAK_ADMIN_URL": "http://" + closed + "/admin/realms/ticketly"}).URL}

	before := fingerprint(t, db, org.ID)
	wantError(t, down.do("organizer", "POST", orgPath+"/members", map[string]any{"user": "buyer9", "roles": []string{"SCANNER"}}), http.StatusServiceUnavailable, "unavailable")
	wantError(t, down.do("organizer", "PUT", orgPath+"/members/"+svctest.Subject(t, "buyer9"), map[string]any{"roles": []string{"SCANNER"}}), http.StatusServiceUnavailable, "unavailable")
	if after := fingerprint(t, db, org.ID); after != before {
		t.Fatal("a member was stored while Keycloak could not be asked")
	}
	var ms list[memberJSON]
	down.must(http.StatusOK, "organizer", "GET", orgPath+"/members", nil, &ms)
	if len(ms.Items) != 1 || ms.Items[0].UserID != scanner || ms.Items[0].Name != nil || ms.Items[0].Username != nil || ms.Items[0].Email != nil {
		t.Fatalf("members while Keycloak is down: %+v, want the scanner's id with null names", ms.Items)
	}
}
