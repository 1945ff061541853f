package ordering

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

// Organization roles (catalog.organization_members.roles).
const (
	RoleAdmin   = "ADMIN"
	RoleScanner = "SCANNER"
)

// MaxSeatsPerBlockRequest bounds one organizer block or unblock request.
const MaxSeatsPerBlockRequest = 1000

// blockGateTTL is how long the gate remembers an organizer block; the database keeps it
// until it is lifted (and teaches the gate again when a buyer gets past it).
const blockGateTTL = 24 * time.Hour

// authorize checks that the actor manages the organization (owner or ADMIN, or the realm's
// organization_admin), or, with scan, may also check tickets in (SCANNER).
func (s *Service) authorize(ctx context.Context, a Actor, orgID uuid.UUID, scan bool) error {
	if a.OrgAdmin {
		return nil
	}
	m, err := s.cat.Membership(ctx, orgID, a.ID)
	if err != nil {
		return fmt.Errorf("read membership: %w", err)
	}
	if m.Owner || m.Has(RoleAdmin) || (scan && m.Has(RoleScanner)) {
		return nil
	}
	if scan {
		return apperr.New(apperr.Forbidden, "only the organization's owner, ADMIN or SCANNER members may check tickets in")
	}
	return apperr.New(apperr.Forbidden, "only the organization's owner or ADMIN members may do this")
}

// RefundResult is a refund with the order after it and the tickets it voided.
type RefundResult struct {
	Refund        Refund
	Order         OrderView
	VoidedTickets []uuid.UUID
}

// RefundOrder is an organizer's refund of a paid order through the payment provider (see
// RefundRequest and Order.PlanRefund). The provider is called with the order locked, with
// an idempotency key derived from the refund's id, itself derived from the order's state
// and the request: a refund the provider made but this service did not record (a crash or
// failure before the commit) is handed back, not made again, when the request is
// repeated; two concurrent requests are applied one after the other, each against what
// the other left.
func (s *Service) RefundOrder(ctx context.Context, a Actor, id uuid.UUID, req RefundRequest) (RefundResult, error) {
	reason, err := CleanRefundReason(req.Reason)
	if err != nil {
		return RefundResult{}, err
	}
	o, err := s.repo.Order(ctx, id)
	if err != nil {
		return RefundResult{}, err
	}
	if err := s.authorize(ctx, a, o.OrganizationID(), false); err != nil {
		return RefundResult{}, err
	}
	var ref Refund
	o, err = s.repo.UpdateOrder(ctx, id, func(o *Order) error {
		plan, err := o.PlanRefund(req)
		if err != nil {
			return err
		}
		if o.PaymentIntentID() == "" {
			return apperr.New(apperr.Unprocessable, "order %s has no payment to refund", id)
		}
		rid, err := s.pay.Refund(ctx, o.PaymentIntentID(), plan.AmountMinor, plan.IdempotencyKey)
		if errors.Is(err, ErrPaymentRejected) {
			return apperr.Wrap(err, apperr.Unprocessable, "the payment provider refused the refund: %v", err)
		}
		if err != nil {
			return apperr.Wrap(err, apperr.Unavailable, "the payment provider is unavailable; nothing was refunded, retry later")
		}
		ref = Refund{ID: plan.RefundID, Reason: reason, StripeRefundID: rid, RequestedBy: a.ID}
		if err := o.ApplyRefund(s.now(), plan, ref); err != nil {
			return err
		}
		ref = *o.Changes().Refund
		return nil
	})
	if err != nil {
		return RefundResult{}, err
	}
	s.gateAfter(ctx, o)
	voided := o.Changes().VoidTickets
	if voided == nil {
		voided = []uuid.UUID{}
	}
	s.log.InfoContext(ctx, "order refunded", "order_id", id, "refund_id", ref.ID, "amount_minor", ref.AmountMinor,
		"voided_tickets", len(voided), "status", o.Status())
	return RefundResult{Refund: ref, Order: o.View(), VoidedTickets: voided}, nil
}

// BlockResult is the outcome of an organizer block or unblock.
type BlockResult struct {
	SessionID uuid.UUID
	SeatIDs   []uuid.UUID // the seats whose state changed
}

// parseSeatIDs validates the seat IDs of an organizer request against the session layout.
func parseSeatIDs(sess *SessionInfo, raw []string) ([]uuid.UUID, error) {
	fe := apperr.FieldErrors{}
	if len(raw) == 0 {
		fe.Add("seat_ids", "give at least one seat")
	}
	if len(raw) > MaxSeatsPerBlockRequest {
		fe.Add("seat_ids", fmt.Sprintf("at most %d seats per request", MaxSeatsPerBlockRequest))
		return nil, fe.Err()
	}
	seen := map[uuid.UUID]bool{}
	var ids []uuid.UUID
	for i, r := range raw {
		field := fmt.Sprintf("seat_ids[%d]", i)
		id, ok := ParseID(r)
		switch {
		case !ok:
			fe.Add(field, "must be a UUID")
		case seen[id]:
			fe.Add(field, "duplicate")
		case !sess.Seats[id].Sellable:
			fe.Add(field, "is not a sellable seat of this session")
		default:
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var inLayout []string
	for _, id := range ids {
		if sess.Blocked[id] {
			inLayout = append(inLayout, id.String())
		}
	}
	if len(inLayout) > 0 {
		return nil, apperr.New(apperr.Conflict, "%d seats are blocked in the session layout; change them through the layout", len(inLayout)).
			WithDetails(map[string]any{"seat_ids": inLayout, "reason": "blocked_in_layout"})
	}
	return ids, nil
}

func (s *Service) organizerSession(ctx context.Context, a Actor, sessionID uuid.UUID) (*SessionInfo, error) {
	sess, err := s.cat.Session(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, a, sess.OrganizationID, false); err != nil {
		return nil, err
	}
	if sess.EventStatus != "APPROVED" || (sess.Status != SessionOnSale && sess.Status != SessionSoldOut) {
		// The same vocabulary as a buyer's order (pricing.go): an event that is not approved
		// is NOT_PUBLISHED whatever its session's status says.
		status := sess.Status
		if sess.EventStatus != "APPROVED" {
			status = "NOT_PUBLISHED"
		}
		return nil, apperr.New(apperr.Conflict, "sales of session %s are not open (status %s); block seats in its layout instead", sessionID, status).
			WithDetails(map[string]any{"session_status": status})
	}
	return sess, nil
}

// BlockSeats makes seats of a session whose sales are open unsellable (BLOCKED). A seat
// held or sold cannot be blocked (409); seats already blocked stay blocked.
func (s *Service) BlockSeats(ctx context.Context, a Actor, sessionID uuid.UUID, raw []string) (BlockResult, error) {
	sess, err := s.organizerSession(ctx, a, sessionID)
	if err != nil {
		return BlockResult{}, err
	}
	ids, err := parseSeatIDs(sess, raw)
	if err != nil {
		return BlockResult{}, err
	}
	h := Hold{SessionID: sessionID, Owner: BlockOwner, SeatIDs: ids, TTL: blockGateTTL}
	gated, _, err := s.hold(ctx, h) // no marker: no twin
	if err != nil {
		return BlockResult{}, err
	}
	lines := make([]SeatLine, len(ids))
	for i, id := range ids {
		seat := sess.Seats[id]
		lines[i] = SeatLine{SeatID: id, BlockID: seat.BlockID, Label: seat.Label, TierID: seat.TierID, Status: AllocBlocked}
	}
	blocked, err := s.repo.BlockSeats(ctx, sess, lines, s.now())
	if err != nil {
		s.releaseGate(ctx, gated, h)
		return BlockResult{}, s.creationError(ctx, err, sessionID, ids)
	}
	return BlockResult{SessionID: sessionID, SeatIDs: blocked}, nil
}

// UnblockSeats makes organizer-blocked seats sellable again; seats not blocked are left as
// they are.
func (s *Service) UnblockSeats(ctx context.Context, a Actor, sessionID uuid.UUID, raw []string) (BlockResult, error) {
	sess, err := s.organizerSession(ctx, a, sessionID)
	if err != nil {
		return BlockResult{}, err
	}
	ids, err := parseSeatIDs(sess, raw)
	if err != nil {
		return BlockResult{}, err
	}
	released, err := s.repo.UnblockSeats(ctx, sess, ids, s.now())
	if err != nil {
		return BlockResult{}, err
	}
	s.releaseGate(ctx, true, Hold{SessionID: sessionID, Owner: BlockOwner, SeatIDs: released})
	return BlockResult{SessionID: sessionID, SeatIDs: released}, nil
}
