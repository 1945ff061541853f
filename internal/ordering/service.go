package ordering

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

// Config tunes the use cases.
type Config struct {
	// HoldTTL is how long an unpaid order holds its seats (expires_at = created + HoldTTL).
	HoldTTL time.Duration
	// GateSlack is added to HoldTTL for the admission gate's own expiry, so the gate never
	// lets a seat go before the database sweep has released it.
	GateSlack time.Duration
	// ProvisionalHold is how long the gate keeps a request's holds until the database has
	// its order (then they are extended to HoldTTL+GateSlack). It bounds how long the seats
	// of a request whose process died between the gate and the commit stay frozen.
	ProvisionalHold time.Duration
	Limits          Limits
	// DuplicateWait bounds how long a request waits for a concurrent request with the same
	// Idempotency-Key to finish before answering.
	DuplicateWait time.Duration
	// IdempotencyRetention is how long Idempotency-Keys are remembered (at least 24 h).
	IdempotencyRetention time.Duration
	// SweepBatch bounds the orders one sweep expires.
	SweepBatch int
}

// DefaultConfig is the configuration of SPEC sections 2 and 3.
var DefaultConfig = Config{HoldTTL: 10 * time.Minute, GateSlack: 30 * time.Second, ProvisionalHold: 5 * time.Second, Limits: DefaultLimits,
	DuplicateWait: 5 * time.Second, IdempotencyRetention: 48 * time.Hour, SweepBatch: 500}

// Service holds the order use cases.
type Service struct {
	cat    Catalog
	repo   Repository
	holds  Holds
	pay    Payments
	signer TicketSigner
	cfg    Config
	now    func() time.Time
	log    *slog.Logger
	obs    Observer
	sales  Sales          // organizer views; nil until UseSales
	bg     sync.WaitGroup // best-effort follow-ups (payment intent cancellation)
}

// Observer is told what the use cases did, for metrics.
type Observer interface {
	// Placed counts a created order (its places are held until it is paid or ends).
	Placed(o *Order)
	// Paid counts an order that became PAID: its places sold and its total earned.
	Paid(o *Order)
	// Refused counts a placement answered 409; stage is "gate" (Redis said no, nothing was
	// written) or "database" (the constraints said no after the gate let it through).
	Refused(stage string)
	// GateUnavailable counts holds decided by the database alone because Redis failed.
	GateUnavailable()
	// Expired counts orders expired by the sweep.
	Expired(n int)
	// PaymentEvent counts applied payment events by outcome.
	PaymentEvent(outcome PaymentOutcome)
}

type noObserver struct{}

func (noObserver) Placed(*Order)               {}
func (noObserver) Paid(*Order)                 {}
func (noObserver) Refused(string)              {}
func (noObserver) GateUnavailable()            {}
func (noObserver) Expired(int)                 {}
func (noObserver) PaymentEvent(PaymentOutcome) {}

// Observe sets the observer told about outcomes (metrics).
func (s *Service) Observe(o Observer) { s.obs = o }

// NewService wires the use cases to their ports.
func NewService(cat Catalog, repo Repository, holds Holds, pay Payments, signer TicketSigner, cfg Config,
	now func() time.Time, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{cat: cat, repo: repo, holds: holds, pay: pay, signer: signer, cfg: cfg, now: now, log: log, obs: noObserver{}}
}

// Wait waits for the best-effort follow-ups still running (used at shutdown).
func (s *Service) Wait() { s.bg.Wait() }

// Actor is an authenticated caller of organizer and scanner use cases.
type Actor struct {
	ID       string
	OrgAdmin bool // realm role organization_admin: manages every organization
}

func takenError(seats []uuid.UUID, short []StandingAvail) error {
	d := map[string]any{}
	msg := "the requested seats are no longer available"
	if len(seats) > 0 {
		ids := make([]string, len(seats))
		for i, id := range seats {
			ids[i] = id.String()
		}
		d["seat_ids"] = ids
		msg = fmt.Sprintf("%d of the requested seats are already taken (held or sold)", len(seats))
	}
	if len(short) > 0 {
		d["standing"] = short
		if len(seats) == 0 {
			msg = "not enough standing places left"
		}
	}
	return apperr.New(apperr.Conflict, "%s", msg).WithDetails(d)
}

// creationError turns a failed CreateOrder into the answer: database guards are 409s.
func (s *Service) creationError(ctx context.Context, err error, sessionID uuid.UUID, seatIDs []uuid.UUID) error {
	var short *StandingShortError
	switch {
	case errors.Is(err, ErrSeatTaken):
		holders, lerr := s.repo.LiveSeats(ctx, sessionID, seatIDs)
		if lerr != nil {
			s.log.WarnContext(ctx, "read live seats after a conflict", "err", lerr)
			return takenError(seatIDs, nil)
		}
		// The gate did not know these (it was flushed or failed over): teach it again so the
		// next buyers are turned away before the database.
		if rerr := s.holds.Restore(ctx, sessionID, holders, s.cfg.HoldTTL+s.cfg.GateSlack); rerr != nil {
			s.log.WarnContext(ctx, "restore seat holds in the gate", "err", rerr)
		}
		taken := make([]uuid.UUID, 0, len(holders))
		for _, h := range holders {
			taken = append(taken, h.SeatID)
		}
		if len(taken) == 0 {
			taken = seatIDs
		}
		return takenError(taken, nil)
	case errors.As(err, &short):
		return takenError(nil, []StandingAvail{short.StandingAvail})
	case errors.Is(err, ErrDiscountUsedUp):
		return apperr.New(apperr.Conflict, "the discount code has reached its usage limit").
			WithDetails(map[string]any{"fields": map[string]any{discountField: "usage limit reached"}})
	}
	return fmt.Errorf("create order: %w", err)
}

func (s *Service) releaseGate(ctx context.Context, gated bool, h Hold) {
	if !gated {
		return
	}
	if err := s.holds.Release(context.WithoutCancel(ctx), h); err != nil {
		s.log.WarnContext(ctx, "release holds in the gate", "session_id", h.SessionID, "owner", h.Owner, "err", err)
	}
}

func (s *Service) sellGate(ctx context.Context, h Hold) {
	if err := s.holds.Sell(context.WithoutCancel(ctx), h); err != nil {
		s.log.WarnContext(ctx, "clear sold holds in the gate", "session_id", h.SessionID, "owner", h.Owner, "err", err)
	}
}

// orderHold is the gate's view of an order's live lines.
func (s *Service) orderHold(o *Order) Hold {
	st := o.State()
	h := Hold{SessionID: st.SessionID, Owner: st.ID.String(), Marker: ""}
	for _, l := range st.Seats {
		h.SeatIDs = append(h.SeatIDs, l.SeatID)
	}
	for _, l := range st.Standing {
		h.Standing = append(h.Standing, StandingHold{BlockID: l.BlockID})
	}
	return h
}

// gateAfter brings the gate in line with an order change that was just committed.
func (s *Service) gateAfter(ctx context.Context, o *Order) {
	ch := o.Changes()
	h := Hold{SessionID: o.SessionID(), Owner: o.ID().String()}
	switch ch.SeatStatus {
	case AllocSold:
		h.SeatIDs = ch.SeatIDs
		for _, sc := range ch.Standing {
			h.Standing = append(h.Standing, StandingHold{BlockID: sc.BlockID})
		}
		s.sellGate(ctx, h)
	case AllocReleased:
		h.SeatIDs = ch.SeatIDs
		for _, sc := range ch.Standing {
			q := int(-sc.TakenDelta)
			if sc.Status == AllocReleased {
				q = 0 // everything the order has
			}
			h.Standing = append(h.Standing, StandingHold{BlockID: sc.BlockID, Quantity: q})
		}
		s.releaseGate(ctx, true, h)
	}
}

// cancelIntent cancels a payment intent in the background (best effort): a payment that
// still succeeds is refunded when its webhook arrives.
// ctx is the request's: its values (the request id) go with the log line, not its end.
func (s *Service) cancelIntent(ctx context.Context, id string) {
	if id == "" {
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		if err := s.pay.CancelIntent(ctx, id); err != nil {
			s.log.InfoContext(ctx, "cancel payment intent (best effort)", "payment_intent_id", id, "err", err)
		}
	}()
}

func (s *Service) issue(t *Ticket) error {
	qr, err := s.signer.Sign(t.ID, t.SessionID, t.IssuedAt)
	if err != nil {
		return err
	}
	t.QR = qr
	return nil
}

// marker names a buyer's request in the gate without revealing the key.
func marker(buyerID, key string) string {
	sum := sha256.Sum256([]byte(buyerID + "\x00" + key))
	return hex.EncodeToString(sum[:16])
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal %T: %v", v, err))
	}
	return b
}

func notFound(what string, id uuid.UUID) error {
	return apperr.New(apperr.NotFound, "%s %s not found", what, id)
}

// Order is GET /api/v1/orders/{id}: the buyer's own order only (another's is not found).
func (s *Service) Order(ctx context.Context, buyerID string, id uuid.UUID) (OrderView, error) {
	o, err := s.repo.Order(ctx, id)
	if err != nil {
		return OrderView{}, err
	}
	if o.BuyerID() != buyerID {
		return OrderView{}, notFound("order", id)
	}
	return o.View(), nil
}

// Orders is GET /api/v1/orders: the buyer's orders, newest first.
func (s *Service) Orders(ctx context.Context, buyerID string, page, pageSize int) ([]OrderView, int, error) {
	os, total, err := s.repo.OrdersOf(ctx, buyerID, pageSize, (page-1)*pageSize)
	if err != nil {
		return nil, 0, err
	}
	views := make([]OrderView, len(os))
	for i, o := range os {
		views[i] = o.View()
	}
	return views, total, nil
}

// Cancel is the buyer's cancellation of their PENDING_PAYMENT order (idempotent).
func (s *Service) Cancel(ctx context.Context, buyerID string, id uuid.UUID) (OrderView, error) {
	changed := false
	o, err := s.repo.UpdateOrder(ctx, id, func(o *Order) error {
		if o.BuyerID() != buyerID {
			return notFound("order", id)
		}
		if o.Status() == Cancelled {
			return nil
		}
		changed = true
		return o.Cancel(s.now(), "cancelled by the buyer")
	})
	if err != nil {
		return OrderView{}, err
	}
	if changed {
		s.gateAfter(ctx, o)
		s.cancelIntent(ctx, o.PaymentIntentID())
	}
	return o.View(), nil
}

// Tickets is GET /api/v1/orders/{id}/tickets (the buyer's own order only).
func (s *Service) Tickets(ctx context.Context, buyerID string, id uuid.UUID) ([]TicketView, error) {
	o, err := s.repo.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.BuyerID() != buyerID {
		return nil, notFound("order", id)
	}
	ts, err := s.repo.Tickets(ctx, id)
	if err != nil {
		return nil, err
	}
	views := make([]TicketView, len(ts))
	for i, t := range ts {
		views[i] = t.View()
	}
	return views, nil
}

// PaymentOutcome says what a payment event did.
type PaymentOutcome string

const (
	OutcomePaid      PaymentOutcome = "paid"
	OutcomeCancelled PaymentOutcome = "cancelled"
	OutcomeRefunded  PaymentOutcome = "refunded"
	OutcomeDuplicate PaymentOutcome = "duplicate"
	OutcomeIgnored   PaymentOutcome = "ignored"
	OutcomeUnknown   PaymentOutcome = "unknown_order"
	// OutcomeMismatch: a succeeded payment whose amount or currency is not the order's; the
	// order was not paid (see Order.RecordPaymentMismatch).
	OutcomeMismatch PaymentOutcome = "amount_mismatch"
)

// HandlePaymentEvent applies a verified payment event exactly once. Redeliveries and
// reordered events converge: a failure after a success changes nothing, a success after the
// order expired or was cancelled is refunded (inside the transaction that records the
// event, so a failed refund is retried by the provider's redelivery, and the refund's
// idempotency key keeps it single).
func (s *Service) HandlePaymentEvent(ctx context.Context, ev PaymentEvent) (PaymentOutcome, error) {
	switch ev.Type {
	case EventPaymentSucceeded, EventPaymentFailed, EventPaymentCanceled:
	default:
		return OutcomeIgnored, nil
	}
	outcome := OutcomeIgnored
	o, err := s.repo.ApplyPaymentEvent(ctx, ev, func(o *Order) error {
		now := s.now()
		if ev.Type != EventPaymentSucceeded {
			if o.PaymentFailed(now, ev.PaymentIntentID, ev.FailureMessage) {
				outcome = OutcomeCancelled
			}
			return nil
		}
		switch o.DecidePayment(ev.PaymentIntentID) {
		case ApplyPayment:
			if !o.Matches(ev.AmountMinor, ev.Currency) {
				// Not this order's price: recorded (the event too, so a redelivery is a
				// duplicate) and answered as handled; the order waits for a payment that
				// matches or expires.
				outcome = OutcomeMismatch
				o.RecordPaymentMismatch(now, ev)
				return nil
			}
			outcome = OutcomePaid
			return o.MarkPaid(now, ev.PaymentIntentID, s.issue)
		case IgnorePayment:
			outcome = OutcomeDuplicate
			return nil
		}
		amount := ev.AmountMinor
		if amount <= 0 {
			return nil // nothing was taken
		}
		reason := fmt.Sprintf("payment for an order that is %s", o.Status())
		if o.Status() == Expired {
			reason = "payment arrived after the hold expired"
		} else if o.Status() != Cancelled {
			reason = "a second payment for an order already paid"
		}
		rid, err := s.pay.Refund(ctx, ev.PaymentIntentID, amount, "order:"+o.ID().String()+":auto-refund:"+ev.PaymentIntentID)
		if err != nil {
			return apperr.Wrap(err, apperr.Unavailable, "automatic refund failed; retry later")
		}
		o.RecordAutomaticRefund(now, Refund{ID: uuid.New(), AmountMinor: amount, Reason: reason, StripeRefundID: rid, RequestedBy: "system"})
		outcome = OutcomeRefunded
		return nil
	})
	switch {
	case errors.Is(err, ErrDuplicateEvent):
		return OutcomeDuplicate, nil
	case err != nil:
		return "", err
	case o == nil:
		return OutcomeUnknown, nil
	}
	switch outcome {
	case OutcomePaid:
		s.obs.Paid(o)
		s.gateAfter(ctx, o)
	case OutcomeCancelled:
		s.gateAfter(ctx, o)
		if ev.Type == EventPaymentFailed {
			s.cancelIntent(ctx, ev.PaymentIntentID) // the buyer cannot retry on a cancelled order's intent
		}
	}
	s.obs.PaymentEvent(outcome)
	if outcome == OutcomeMismatch {
		s.log.WarnContext(ctx, "payment does not match its order; not accepted", "event_id", ev.ID, "order_id", o.ID(),
			"payment_intent_id", ev.PaymentIntentID, "amount_minor", ev.AmountMinor, "currency", ev.Currency,
			"order_total_minor", o.TotalMinor(), "order_currency", o.Currency())
	}
	s.log.InfoContext(ctx, "payment event applied", "event_id", ev.ID, "type", ev.Type, "order_id", o.ID(), "outcome", outcome)
	return outcome, nil
}

// ExpireDue expires up to SweepBatch orders whose hold has ended, whatever the gate says,
// and returns how many it expired. Sweepers on several replicas never take the same order.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	n := 0
	for n < s.cfg.SweepBatch {
		o, err := s.repo.ExpireNext(ctx, s.now(), func(o *Order) error { return o.Expire(s.now()) })
		if err != nil {
			return n, fmt.Errorf("expire orders: %w", err)
		}
		if o == nil {
			break
		}
		n++
		s.obs.Expired(1)
		s.gateAfter(ctx, o)
		s.cancelIntent(ctx, o.PaymentIntentID())
	}
	return n, nil
}

// Sweep runs the expiry sweep every interval until ctx ends, and forgets Idempotency-Keys
// past their retention about once an hour. Failures are logged, never fatal.
func (s *Service) Sweep(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	var lastPurge time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if n, err := s.ExpireDue(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "expiry sweep failed", "err", err)
		} else if n > 0 {
			s.log.InfoContext(ctx, "expired unpaid orders", "count", n)
		}
		if time.Since(lastPurge) > time.Hour {
			lastPurge = time.Now()
			if _, err := s.repo.PurgeIdempotency(ctx, s.now().Add(-s.cfg.IdempotencyRetention)); err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "purge idempotency keys failed", "err", err)
			}
		}
	}
}
