package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/ticketly/ticketly/internal/ordering"
)

var _ ordering.CancellationStore = (*Orders)(nil)

// CancelledSession implements ordering.CancellationStore: the session's status straight
// from the catalog (the order service's read-only grant; no cache, so a cancellation is
// seen at once), or, for a session the catalog no longer has, the organization of its
// orders with an empty status.
func (r *Orders) CancelledSession(ctx context.Context, sessionID uuid.UUID) (ordering.CancelledSession, error) {
	var s ordering.CancelledSession
	err := r.pool.QueryRow(ctx, `
		SELECT s.status, e.organization_id FROM catalog.sessions s JOIN catalog.events e ON e.id = s.event_id WHERE s.id = $1
		UNION ALL
		(SELECT '', organization_id FROM ordering.orders WHERE session_id = $1 LIMIT 1)
		LIMIT 1`, sessionID).Scan(&s.Status, &s.OrganizationID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return ordering.CancelledSession{}, nil
	case err != nil:
		return ordering.CancelledSession{}, fmt.Errorf("read session %s: %w", sessionID, err)
	}
	s.Found = true
	return s, nil
}

// LiveOrders implements ordering.CancellationStore.
func (r *Orders) LiveOrders(ctx context.Context, sessionID uuid.UUID, limit int) ([]uuid.UUID, error) {
	rows, err := r.pool.Query(ctx, `
		SELECT id FROM ordering.orders
		WHERE session_id = $1 AND status IN ('PENDING_PAYMENT','PAID','PARTIALLY_REFUNDED')
		ORDER BY created_at, id LIMIT $2`, sessionID, limit)
	if err != nil {
		return nil, fmt.Errorf("live orders of session %s: %w", sessionID, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// CancellationCounts implements ordering.CancellationStore.
func (r *Orders) CancellationCounts(ctx context.Context, sessionID uuid.UUID) (ordering.CancellationCounts, error) {
	var c ordering.CancellationCounts
	err := r.pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE status IN ('PAID','PARTIALLY_REFUNDED','REFUNDED')),
		       count(*) FILTER (WHERE status = 'REFUNDED' AND status_reason = $2),
		       count(*) FILTER (WHERE status = 'CANCELLED' AND status_reason = $2),
		       count(*) FILTER (WHERE status IN ('PENDING_PAYMENT','PAID','PARTIALLY_REFUNDED'))
		FROM ordering.orders WHERE session_id = $1`, sessionID, ordering.SessionCancelledReason).
		Scan(&c.PaidOrders, &c.Refunded, &c.PendingCancelled, &c.Remaining)
	if err != nil {
		return c, fmt.Errorf("count orders of session %s: %w", sessionID, err)
	}
	return c, nil
}
