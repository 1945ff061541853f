package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

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
	cl, err := kafka.NewClient([]string{"127.0.0.1:9092"})
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

	// A valid member marks the end: once its change is on the topic, every change this test
	// caused is, and none of them may carry a refused id.
	marker := uuid.NewString()
	a.must(http.StatusCreated, "organizer", "PUT", orgPath+"/members/"+marker, map[string]any{"roles": []string{"SCANNER"}}, nil)
	starts := map[string]map[int32]kgo.Offset{projection.TopicOrganizations: {}}
	ends.Each(func(lo kadm.ListedOffset) {
		starts[lo.Topic][lo.Partition] = kgo.NewOffset().At(lo.Offset)
	})
	consumer, err := kafka.NewClient([]string{"127.0.0.1:9092"}, kgo.ConsumePartitions(starts))
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
