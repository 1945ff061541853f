package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/svctest"
)

// statuses returns the status of the snapshot the client got, and the data of its status
// events, in order.
func (c *sseClient) statuses() (snapshot string, events []string, ids []string) {
	_, _, evs := c.snapshot()
	for _, e := range evs {
		switch e.Name {
		case "snapshot":
			var s struct{ Status string }
			_ = json.Unmarshal([]byte(e.Data), &s)
			snapshot = s.Status
		case "status":
			events, ids = append(events, e.Data), append(ids, e.ID)
		}
	}
	return snapshot, events, ids
}

// A session's status change made through event-command reaches its stream as a `status`
// event without an id, and the snapshot of a new connection carries it.
func TestSessionStatusOnStream(t *testing.T) {
	command := svctest.StartBinary(t, svctest.Build(t, "./cmd/event-command"), nil)
	command.WaitReady(t, 60*time.Second)
	cmd := apiClient{t, command.URL}
	query := svctest.Start(t, run, isolated())
	waitReady(t, query.URL)

	ev := publish(t, cmd, "E2E Status "+uuid.NewString()[:8], -time.Hour)
	cmd.must("admin", "POST", "/api/v1/events/"+ev.event+"/approve", nil, nil)
	eventually(t, 10*time.Second, "session on sale", func() error {
		var s struct{ Status string }
		code, body := apiClient{t, query.URL}.do("", "GET", "/api/v1/sessions/"+ev.session, nil)
		if code != http.StatusOK || json.Unmarshal(body, &s) != nil || s.Status != "ON_SALE" {
			return fmt.Errorf("session: %d %s", code, body)
		}
		return nil
	})
	c := follow(t, query.URL, ev.session, "")
	eventually(t, 10*time.Second, "snapshot with ON_SALE", func() error {
		if snap, _, _ := c.statuses(); snap != "ON_SALE" {
			return fmt.Errorf("snapshot status %q", snap)
		}
		return nil
	})

	cmd.must("organizer", "POST", "/api/v1/sessions/"+ev.session+"/cancel", nil, nil)
	eventually(t, 10*time.Second, "status event CANCELLED", func() error {
		_, events, ids := c.statuses()
		if len(events) != 1 || events[0] != `{"status":"CANCELLED","version":0}` || ids[0] != "" {
			return fmt.Errorf("status events %v ids %q", events, ids)
		}
		return nil
	})
	fresh := follow(t, query.URL, ev.session, "")
	eventually(t, 10*time.Second, "new connection's snapshot CANCELLED", func() error {
		if snap, events, _ := fresh.statuses(); snap != "CANCELLED" || len(events) != 0 {
			return fmt.Errorf("snapshot status %q, status events %v", snap, events)
		}
		return nil
	})
}
