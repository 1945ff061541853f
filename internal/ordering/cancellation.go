package ordering

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

// SessionCancelledReason is the reason recorded on the refunds and on the status of the
// orders a session's cancellation ends; the scheduler's mail planner keys on it.
const SessionCancelledReason = "session cancelled"

// SystemRequester is who automatic refunds are requested by (ordering.refunds.requested_by).
const SystemRequester = "system"

// DefaultCancelBatch bounds the orders one CancelSessionOrders call processes.
const DefaultCancelBatch = 50

// cancelBudget bounds the time one CancelSessionOrders call spends starting new orders, so
// a slow payment provider never makes the caller (the scheduler's 20 s client) give up
// on a call that did work: what is left is for the next call.
const cancelBudget = 8 * time.Second

// SessionCancellationStatus is the catalog status of a session whose orders are cancelled.
const SessionCancellationStatus = "CANCELLED"

// CancelledSession is a session as the cancellation use cases see it.
type CancelledSession struct {
	// Status is the session's catalog status, read from the catalog (never a cache); ""
	// when the session no longer exists there (deleted with its event).
	Status         string
	OrganizationID uuid.UUID
	// Found is false when neither the catalog nor any order knows the session.
	Found bool
}

// CancellationCounts are the figures of a session's cancellation.
type CancellationCounts struct {
	// PaidOrders counts the session's orders that were paid (PAID, PARTIALLY_REFUNDED or
	// REFUNDED now).
	PaidOrders int
	// Refunded counts the orders refunded because the session was cancelled.
	Refunded int
	// PendingCancelled counts the unpaid orders cancelled because the session was.
	PendingCancelled int
	// Remaining counts the orders still live (PENDING_PAYMENT, PAID, PARTIALLY_REFUNDED).
	Remaining int
}

// CancellationStore is what a session's cancellation needs from storage besides the
// Repository (whose UpdateOrder changes each order).
type CancellationStore interface {
	// CancelledSession reads a session's status and organization from the catalog; for a
	// session no longer there, the organization of its orders (Status "").
	CancelledSession(ctx context.Context, sessionID uuid.UUID) (CancelledSession, error)
	// LiveOrders returns up to limit ids of the session's PENDING_PAYMENT, PAID and
	// PARTIALLY_REFUNDED orders, oldest first.
	LiveOrders(ctx context.Context, sessionID uuid.UUID, limit int) ([]uuid.UUID, error)
	// CancellationCounts counts the session's orders for the progress view.
	CancellationCounts(ctx context.Context, sessionID uuid.UUID) (CancellationCounts, error)
}

// Cancellations adds the cancellation of a session's orders to a Service: paid orders are
// refunded in full through the payment provider, their tickets voided and seats released;
// unpaid orders are cancelled and their holds released. Every step is keyed by order and
// idempotent, so a call that dies half way is simply made again.
type Cancellations struct {
	*Service
	store CancellationStore
	batch int
}

// NewCancellations wires the cancellation use cases to a Service and their store; batch
// bounds the orders one call processes (DefaultCancelBatch when < 1).
func NewCancellations(s *Service, store CancellationStore, batch int) *Cancellations {
	if batch < 1 {
		batch = DefaultCancelBatch
	}
	return &Cancellations{Service: s, store: store, batch: batch}
}

// CancelOrdersResult is what one CancelSessionOrders call did.
type CancelOrdersResult struct {
	SessionID uuid.UUID `json:"session_id"`
	// Refunded and Cancelled count the orders this call refunded and cancelled.
	Refunded  int `json:"refunded"`
	Cancelled int `json:"cancelled"`
	// Failed counts the orders this call could not end (the payment provider refused or
	// was away); they stay live and are tried again by the next call.
	Failed int `json:"failed"`
	// Remaining counts the session's orders still live after the call.
	Remaining int `json:"remaining"`
}

// CancelSessionOrders ends up to one batch of a cancelled session's live orders (the
// internal API behind the scheduler's session.cancel_orders job). A session that is not
// cancelled is a conflict; one the catalog no longer has (deleted with its event) has its
// orders ended like a cancelled one's; one nobody knows has nothing to end (all zero), so
// the deletion of a session that never sold anything is done at once.
func (c *Cancellations) CancelSessionOrders(ctx context.Context, sessionID uuid.UUID) (CancelOrdersResult, error) {
	res := CancelOrdersResult{SessionID: sessionID}
	sess, err := c.store.CancelledSession(ctx, sessionID)
	switch {
	case err != nil:
		return res, fmt.Errorf("read session %s: %w", sessionID, err)
	case !sess.Found:
		return res, nil
	case sess.Status != "" && sess.Status != SessionCancellationStatus:
		return res, apperr.New(apperr.Conflict, "session %s is %s, not cancelled: its orders stay", sessionID, sess.Status)
	}
	ids, err := c.store.LiveOrders(ctx, sessionID, c.batch)
	if err != nil {
		return res, fmt.Errorf("list live orders of session %s: %w", sessionID, err)
	}
	started := time.Now()
	for _, id := range ids {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		if time.Since(started) > cancelBudget {
			break
		}
		out, err := c.endOrder(ctx, id)
		switch {
		case err != nil:
			res.Failed++
			c.log.WarnContext(ctx, "could not end an order of a cancelled session; tried again later",
				"session_id", sessionID, "order_id", id, "err", err)
		case out == Refunded:
			res.Refunded++
		case out == Cancelled:
			res.Cancelled++
		}
	}
	counts, err := c.store.CancellationCounts(ctx, sessionID)
	if err != nil {
		return res, fmt.Errorf("count orders of session %s: %w", sessionID, err)
	}
	res.Remaining = counts.Remaining
	c.log.InfoContext(ctx, "orders of a cancelled session ended", "session_id", sessionID,
		"refunded", res.Refunded, "cancelled", res.Cancelled, "failed", res.Failed, "remaining", res.Remaining)
	return res, nil
}

// endOrder refunds (paid) or cancels (unpaid) one order of a cancelled session and answers
// the status it gave it ("" when the order had already ended: nothing to do).
func (c *Cancellations) endOrder(ctx context.Context, id uuid.UUID) (Status, error) {
	var out Status
	o, err := c.repo.UpdateOrder(ctx, id, func(o *Order) error {
		out = ""
		now := c.now()
		switch o.Status() {
		case PendingPayment:
			out = Cancelled
			return o.Cancel(now, SessionCancelledReason)
		case Paid, PartiallyRefunded:
		default:
			return nil
		}
		left := o.TotalMinor() - o.RefundedMinor()
		rid := ""
		if left > 0 {
			if o.PaymentIntentID() == "" {
				return apperr.New(apperr.Unprocessable, "order %s has no payment to refund", id)
			}
			// Called with the order locked, like the organizer's refund; the key is derived from
			// the order and what it had refunded before, so a retry after a lost answer (or a
			// crash before the commit) gets the same refund back instead of a second one.
			key := fmt.Sprintf("order:%s:session-cancelled:%d", id, o.RefundedMinor())
			var err error
			if rid, err = c.pay.Refund(ctx, o.PaymentIntentID(), left, key); err != nil {
				return fmt.Errorf("refund order %s: %w", id, err)
			}
		}
		out = Refunded
		return o.RefundForCancelledSession(now, left, Refund{ID: uuid.New(), Reason: SessionCancelledReason,
			StripeRefundID: rid, RequestedBy: SystemRequester})
	})
	if err != nil {
		return "", err
	}
	if out == Cancelled {
		// The unpaid order's holds leave the gate and its intent is cancelled; a refunded
		// order's seats are not put back on sale there: the session is cancelled.
		c.gateAfter(ctx, o)
		c.cancelIntent(ctx, o.PaymentIntentID())
	}
	return out, nil
}

// RefundForCancelledSession ends a PAID or PARTIALLY_REFUNDED order of a cancelled session:
// amount (what was not refunded yet) is recorded as refund r, the order becomes REFUNDED
// with status_reason "session cancelled", every ticket is voided and every seat, standing
// unit and the discount use are released, those of checked-in tickets too (the session
// will not take place). A free order (nothing to refund) records no
// refund.
func (o *Order) RefundForCancelledSession(now time.Time, amount int64, r Refund) error {
	if left := o.s.TotalMinor - o.s.RefundedMinor; amount != left {
		return apperr.New(apperr.Conflict, "order %s has %d left to refund, not %d", o.s.ID, left, amount)
	}
	if err := o.ApplyRefund(now, RefundPlan{AmountMinor: amount, Full: true, ReleaseCheckedIn: true}, r); err != nil {
		return err
	}
	if o.s.Status != Refunded {
		return apperr.New(apperr.Conflict, "order %s is %s after its full refund", o.s.ID, o.s.Status)
	}
	o.s.StatusReason = SessionCancelledReason
	if amount == 0 {
		o.ch.Refund = nil // no money moved: a refund row must carry a positive amount
	}
	return nil
}

// CancellationStatus is the state of a session's cancellation.
type CancellationStatus string

// Cancellation states.
const (
	CancellationInProgress CancellationStatus = "IN_PROGRESS"
	CancellationDone       CancellationStatus = "DONE"
)

// CancellationProgress is GET /api/v1/sales/cancellations/{session_id}.
type CancellationProgress struct {
	SessionID        string             `json:"session_id"`
	Status           CancellationStatus `json:"status"`
	PaidOrders       int                `json:"paid_orders"`
	Refunded         int                `json:"refunded"`
	PendingCancelled int                `json:"pending_cancelled"`
	Remaining        int                `json:"remaining"`
}

// ErrSessionNotCancelled is the conflict of a progress view of a session that is not
// cancelled.
var ErrSessionNotCancelled = errors.New("session is not cancelled")

// Progress shows how far a cancelled session's orders have been ended, to the organizer of
// its event (owner or ADMIN) or an organization_admin: 404 for an unknown session, 403 for
// anyone else, 409 while the session is not cancelled.
func (c *Cancellations) Progress(ctx context.Context, a Actor, sessionID uuid.UUID) (CancellationProgress, error) {
	if _, err := c.authorizeScope(ctx, a, SalesScope{SessionID: sessionID}); err != nil {
		return CancellationProgress{}, err
	}
	sess, err := c.store.CancelledSession(ctx, sessionID)
	if err != nil {
		return CancellationProgress{}, fmt.Errorf("read session %s: %w", sessionID, err)
	}
	if sess.Status != "" && sess.Status != SessionCancellationStatus {
		return CancellationProgress{}, apperr.Wrap(ErrSessionNotCancelled, apperr.Conflict, "session %s is %s, not cancelled", sessionID, sess.Status)
	}
	n, err := c.store.CancellationCounts(ctx, sessionID)
	if err != nil {
		return CancellationProgress{}, fmt.Errorf("count orders of session %s: %w", sessionID, err)
	}
	p := CancellationProgress{SessionID: sessionID.String(), Status: CancellationDone, PaidOrders: n.PaidOrders,
		Refunded: n.Refunded, PendingCancelled: n.PendingCancelled, Remaining: n.Remaining}
	if n.Remaining > 0 {
		p.Status = CancellationInProgress
	}
	return p, nil
}
