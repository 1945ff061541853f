package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/ordering"
)

// checkInStateColumns follow ticketColumns: the order and the session (catalog.sessions,
// read-only grant) as the door sees them.
const checkInStateColumns = `, o.status, o.refunded_minor > 0, o.buyer_email, o.buyer_name, COALESCE(s.status, '')`

func scanCheckInState(row pgx.Row) (ordering.CheckInState, error) {
	var st ordering.CheckInState
	t, err := scanTicket(row, &st.OrderStatus, &st.OrderRefunded, &st.BuyerEmail, &st.BuyerName, &st.SessionStatus)
	st.Ticket = t
	return st, err
}

// CheckIn checks a ticket in at a session in one statement: the conditional UPDATE admits
// it only when it is that session's, VALID, not checked in, of a paid order, and the
// session (read from the catalog, never cached) is not cancelled. Of two doors scanning the
// same ticket at once, the second waits for the first's row lock, re-evaluates the
// condition on the updated row and admits nothing.
func (r *Orders) CheckIn(ctx context.Context, ticketID, sessionID uuid.UUID, by string, now time.Time) (ordering.CheckInState, bool, error) {
	st, err := scanCheckInState(r.pool.QueryRow(ctx, `
		WITH done AS (
			UPDATE ordering.tickets t SET checked_in_at = $3, checked_in_by = $4
			WHERE t.id = $1 AND t.session_id = $2 AND t.checked_in_at IS NULL AND t.status = 'VALID'
			  AND EXISTS (SELECT 1 FROM ordering.orders o WHERE o.id = t.order_id AND o.status IN ('PAID','PARTIALLY_REFUNDED'))
			  AND EXISTS (SELECT 1 FROM catalog.sessions s WHERE s.id = t.session_id AND s.status <> '`+ordering.SessionCancelled+`')
			RETURNING t.*
		)
		SELECT `+ticketColumns+checkInStateColumns+`
		FROM done t JOIN ordering.orders o ON o.id = t.order_id LEFT JOIN catalog.sessions s ON s.id = t.session_id`,
		ticketID, sessionID, now.UTC().Truncate(time.Microsecond), by))
	if err == nil {
		return st, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return ordering.CheckInState{}, false, fmt.Errorf("check ticket %s in: %w", ticketID, err)
	}
	st, err = r.TicketCheckIn(ctx, ticketID)
	return st, false, err
}

// TicketCheckIn returns a ticket's state at the door.
func (r *Orders) TicketCheckIn(ctx context.Context, ticketID uuid.UUID) (ordering.CheckInState, error) {
	st, err := scanCheckInState(r.pool.QueryRow(ctx, `SELECT `+ticketColumns+checkInStateColumns+`
		FROM ordering.tickets t JOIN ordering.orders o ON o.id = t.order_id LEFT JOIN catalog.sessions s ON s.id = t.session_id
		WHERE t.id = $1`, ticketID))
	if errors.Is(err, pgx.ErrNoRows) {
		return ordering.CheckInState{}, apperr.New(apperr.NotFound, "ticket %s not found", ticketID)
	}
	if err != nil {
		return ordering.CheckInState{}, fmt.Errorf("read ticket %s: %w", ticketID, err)
	}
	return st, nil
}

// UndoCheckIn clears a ticket's check-in; the row is locked first, so of two undos only one
// reports it, with the time it cleared.
func (r *Orders) UndoCheckIn(ctx context.Context, ticketID uuid.UUID) (time.Time, bool, error) {
	var prev time.Time
	err := r.pool.QueryRow(ctx, `
		WITH prev AS (
			SELECT id, checked_in_at FROM ordering.tickets WHERE id = $1 AND checked_in_at IS NOT NULL FOR UPDATE
		)
		UPDATE ordering.tickets t SET checked_in_at = NULL, checked_in_by = NULL
		FROM prev WHERE t.id = prev.id
		RETURNING prev.checked_in_at`, ticketID).Scan(&prev)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("undo check-in of ticket %s: %w", ticketID, err)
	}
	return prev.UTC(), true, nil
}

// SessionTickets returns a session's catalog status and its tickets' states, read in one
// snapshot (a read-only repeatable-read transaction) so the list is consistent.
func (r *Orders) SessionTickets(ctx context.Context, sessionID uuid.UUID) (string, []ordering.CheckInState, error) {
	var (
		status string
		out    []ordering.CheckInState
	)
	err := pgx.BeginTxFunc(ctx, r.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT COALESCE((SELECT status FROM catalog.sessions WHERE id = $1), '')`, sessionID).Scan(&status)
		if err != nil {
			return fmt.Errorf("read session %s: %w", sessionID, err)
		}
		rows, err := tx.Query(ctx, `
			SELECT t.id, t.order_id, t.session_id, t.status, t.checked_in_at, o.status, o.refunded_minor > 0
			FROM ordering.tickets t JOIN ordering.orders o ON o.id = t.order_id
			WHERE t.session_id = $1 ORDER BY t.id`, sessionID)
		if err != nil {
			return fmt.Errorf("read tickets of session %s: %w", sessionID, err)
		}
		defer rows.Close()
		for rows.Next() {
			var st ordering.CheckInState
			t := &st.Ticket
			if err := rows.Scan(&t.ID, &t.OrderID, &t.SessionID, &t.Status, &t.CheckedInAt, &st.OrderStatus, &st.OrderRefunded); err != nil {
				return fmt.Errorf("read ticket of session %s: %w", sessionID, err)
			}
			out = append(out, st)
		}
		return rows.Err()
	})
	if err != nil {
		return "", nil, err
	}
	return status, out, nil
}
