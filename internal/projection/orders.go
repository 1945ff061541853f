package projection

import "encoding/json"

// TopicOrders is the order service's orders table, keyed by session.
const TopicOrders = "ticketly.ordering.orders"

// Checkout is an order's status change as organizers see it live: no buyer data.
type Checkout struct {
	OrderID        string `json:"order_id"`
	EventID        string `json:"event_id"`
	SessionID      string `json:"session_id"`
	Status         string `json:"status"`
	PreviousStatus string `json:"previous_status,omitempty"`
	TotalMinor     int64  `json:"total_minor"`
	RefundedMinor  int64  `json:"refunded_minor"`
	Currency       string `json:"currency"`
	CreatedAt      string `json:"created_at"`
	PaidAt         string `json:"paid_at,omitempty"`
	TsMs           int64  `json:"-"`
}

// DecodeCheckout reads an orders row change; ok is false when the status did not change.
func DecodeCheckout(c Change) (Checkout, bool, error) {
	if c.Table != "orders" || c.Op == OpDelete {
		return Checkout{}, false, nil
	}
	type row struct {
		ID            string  `json:"id"`
		EventID       string  `json:"event_id"`
		SessionID     string  `json:"session_id"`
		Status        string  `json:"status"`
		TotalMinor    int64   `json:"total_minor"`
		RefundedMinor int64   `json:"refunded_minor"`
		Currency      string  `json:"currency"`
		CreatedAt     string  `json:"created_at"`
		PaidAt        *string `json:"paid_at"`
	}
	var after row
	if err := json.Unmarshal(c.After, &after); err != nil || after.ID == "" || after.EventID == "" {
		return Checkout{}, false, poison("orders row: %v", err)
	}
	var before row
	if !isNull(c.Before) {
		_ = json.Unmarshal(c.Before, &before)
	}
	if before.Status == after.Status && before.RefundedMinor == after.RefundedMinor {
		return Checkout{}, false, nil
	}
	out := Checkout{OrderID: after.ID, EventID: after.EventID, SessionID: after.SessionID, Status: after.Status,
		PreviousStatus: before.Status, TotalMinor: after.TotalMinor, RefundedMinor: after.RefundedMinor,
		Currency: after.Currency, TsMs: c.TsMs}
	out.CreatedAt, _ = timeColumn(after.CreatedAt)
	if after.PaidAt != nil {
		out.PaidAt, _ = timeColumn(*after.PaidAt)
	}
	return out, true, nil
}
