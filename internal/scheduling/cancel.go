package scheduling

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// KindCancelOrders ends the orders of a cancelled (or deleted) session through the order
// service's internal API: session.cancel_orders:<sid>, due at once, repeated until none is
// left.
const KindCancelOrders Kind = "session.cancel_orders"

// SessionCancelledReason is the reason the order service records on the refunds and the
// order statuses a session's cancellation causes (ordering.SessionCancelledReason).
const SessionCancelledReason = "session cancelled"

// Errors of OrderAPI.CancelOrders.
var (
	// ErrNotCancelled: the session is not cancelled (its orders stay).
	ErrNotCancelled = errors.New("session is not cancelled")
)

// CancelOrdersResult is what one call of the order service's cancel-orders API did.
type CancelOrdersResult struct {
	SessionID uuid.UUID `json:"session_id"`
	Refunded  int       `json:"refunded"`
	Cancelled int       `json:"cancelled"`
	Failed    int       `json:"failed"`
	Remaining int       `json:"remaining"`
}

// OrderAPI is the order service's internal API.
type OrderAPI interface {
	// CancelOrders ends one batch of a cancelled session's live orders (paid ones refunded,
	// unpaid ones cancelled); idempotent.
	CancelOrders(ctx context.Context, sessionID uuid.UUID) (CancelOrdersResult, error)
}

// CancelOrdersPayload is the payload of a session.cancel_orders job.
type CancelOrdersPayload struct {
	SessionID uuid.UUID `json:"session_id"`
}

// PlanCancelOrders plans the cancellation of a session's orders, due now: a finished job
// runs again (the sweep found live orders left), a pending one keeps its due time (its
// backoff).
func PlanCancelOrders(sessionID uuid.UUID, now time.Time) Plan {
	p, _ := json.Marshal(CancelOrdersPayload{SessionID: sessionID})
	return Plan{Key: SessionKey(KindCancelOrders, sessionID), Kind: KindCancelOrders, Payload: p, DueAt: now, State: Pending, Mode: Ensure}
}

// cancelOrders runs one batch; while orders are left it comes back at once when the batch
// got somewhere, and with the usual backoff when it did not (the payment provider refused
// or was away: those orders stay live and are tried again).
func (h *Handlers) cancelOrders(ctx context.Context, j Job, now time.Time) Result {
	var p CancelOrdersPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.SessionID == uuid.Nil {
		return Result{State: Failed, Reason: fmt.Sprintf("bad payload: %v", err)}
	}
	if h.Orders == nil {
		return Result{Err: errors.New("no order service configured")}
	}
	res, err := h.Orders.CancelOrders(ctx, p.SessionID)
	switch {
	case errors.Is(err, ErrNotCancelled):
		return Result{State: Dropped, Reason: "the session is not cancelled"}
	case err != nil:
		return Result{Err: err}
	}
	did := fmt.Sprintf("refunded %d, cancelled %d, failed %d, remaining %d", res.Refunded, res.Cancelled, res.Failed, res.Remaining)
	h.Metrics.cancelledOrders(res.Refunded, res.Cancelled, res.Failed)
	switch {
	case res.Remaining == 0:
		return Result{State: Done, Reason: did}
	case res.Refunded+res.Cancelled > 0:
		return Result{Next: now, Reason: did}
	}
	return Result{Err: fmt.Errorf("orders of cancelled session %s could not be ended: %s", p.SessionID, did)}
}
