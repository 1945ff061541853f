package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/scheduling"
)

// orderAPI is the order service's internal API, called with the scheduler's service token
// (the client shared with sessionAPI).
type orderAPI struct {
	base   string
	client *http.Client
}

func newOrderAPI(baseURL string, client *http.Client) *orderAPI {
	return &orderAPI{base: baseURL, client: client}
}

// CancelOrders implements scheduling.OrderAPI: POST /internal/v1/sessions/{id}/cancel-orders.
func (a *orderAPI) CancelOrders(ctx context.Context, id uuid.UUID) (scheduling.CancelOrdersResult, error) {
	var res scheduling.CancelOrdersResult
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+"/internal/v1/sessions/"+id.String()+"/cancel-orders", nil)
	if err != nil {
		return res, err
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return res, fmt.Errorf("order cancel-orders API: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch resp.StatusCode {
	case http.StatusOK:
		if err := json.Unmarshal(body, &res); err != nil {
			return res, fmt.Errorf("order cancel-orders API: undecodable answer: %w", err)
		}
		return res, nil
	case http.StatusConflict:
		return res, fmt.Errorf("%w: %s", scheduling.ErrNotCancelled, bytes.TrimSpace(body))
	}
	return res, fmt.Errorf("order cancel-orders API answered %d: %s", resp.StatusCode, bytes.TrimSpace(body))
}
