package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/ticketly/ticketly/internal/scheduling"
)

// sessionAPI is event-command's internal session status API, called with a
// client-credentials token of the scheduler's Keycloak client (cached and renewed by
// oauth2 before it expires).
type sessionAPI struct {
	base   string
	client *http.Client
}

// serviceClient is an HTTP client that sends the scheduler's client-credentials token
// (fetched, cached and renewed by oauth2) with every request; the internal APIs of
// event-command and order share it.
func serviceClient(ctx context.Context, tokenURL, clientID, secret string) *http.Client {
	cc := clientcredentials.Config{ClientID: clientID, ClientSecret: secret, TokenURL: tokenURL}
	base := &http.Client{Timeout: 15 * time.Second}
	c := cc.Client(context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, base))
	c.Timeout = 20 * time.Second
	return c
}

func newSessionAPI(baseURL string, client *http.Client) *sessionAPI {
	return &sessionAPI{base: baseURL, client: client}
}

type statusBody struct {
	Status   string         `json:"status"`
	Reason   string         `json:"reason"`
	Expected map[string]any `json:"expected,omitempty"`
}

// SetStatus implements scheduling.SessionAPI.
func (a *sessionAPI) SetStatus(ctx context.Context, id uuid.UUID, c scheduling.StatusChange) error {
	body := statusBody{Status: c.Status, Reason: c.Reason, Expected: map[string]any{}}
	if !c.ExpectedSalesStart.IsZero() {
		body.Expected["sales_start_time"] = c.ExpectedSalesStart.UTC().Format(time.RFC3339Nano)
	}
	if !c.ExpectedSalesEnd.IsZero() {
		body.Expected["sales_end_time"] = c.ExpectedSalesEnd.UTC().Format(time.RFC3339Nano)
	}
	if c.ExpectedStatus != "" {
		body.Expected["status"] = c.ExpectedStatus
	}
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+"/internal/v1/sessions/"+id.String()+"/status", bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("session status API: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusNotFound:
		return scheduling.ErrNotFound
	case resp.StatusCode == http.StatusConflict:
		var e struct {
			Error struct {
				Details map[string]any `json:"details"`
			} `json:"error"`
			Details map[string]any `json:"details"`
		}
		_ = json.Unmarshal(msg, &e)
		details := e.Error.Details
		if details == nil {
			details = e.Details
		}
		if details["reason"] == "stale" {
			return fmt.Errorf("%w: %s", scheduling.ErrStale, bytes.TrimSpace(msg))
		}
		return fmt.Errorf("%w: %s", scheduling.ErrForbidden, bytes.TrimSpace(msg))
	}
	return fmt.Errorf("session status API answered %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
}
