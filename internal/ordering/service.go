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
	// Placed counts a created order.
	Placed()
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

func (noObserver) Placed()                     {}
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

// Placed is the answer to an order placement: the HTTP status and the order.
type Placed struct {
	Status int
	View   OrderView
}

// StatusCreated is the HTTP status of a placed order (stored with its idempotency record).
const StatusCreated = 201

// errRetry asks PlaceOrder to start over (a concurrent request with the same key ended).
var errRetry = errors.New("retry placement")

// PlaceOrder is POST /api/v1/orders: validate against the catalog, hold in the gate (409
// before any database write), create the order in one transaction (the database constraints
// are the final guard), then create its payment intent. The same Idempotency-Key with the
// same body answers the same response; with another body, 422.
func (s *Service) PlaceOrder(ctx context.Context, b Buyer, key string, in RequestInput) (Placed, error) {
	if err := CheckIdempotencyKey(key); err != nil {
		return Placed{}, err
	}
	req, err := ParseRequest(in, s.cfg.Limits)
	if err != nil {
		return Placed{}, err
	}
	hash := in.Fingerprint()
	for range 3 {
		p, err := s.placeOnce(ctx, b, key, hash, req)
		if !errors.Is(err, errRetry) {
			return p, err
		}
	}
	return Placed{}, apperr.New(apperr.Conflict, "another request with this Idempotency-Key is still being processed; retry shortly")
}

func (s *Service) placeOnce(ctx context.Context, b Buyer, key, hash string, req Request) (Placed, error) {
	rec, err := s.repo.Idempotency(ctx, b.ID, key)
	if err != nil {
		return Placed{}, fmt.Errorf("look up idempotency key: %w", err)
	}
	if rec != nil {
		return s.replay(ctx, rec, hash)
	}
	sess, err := s.cat.Session(ctx, req.SessionID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return Placed{}, apperr.New(apperr.Invalid, "session %s does not exist", req.SessionID).
			WithDetails(map[string]any{"fields": map[string]any{"session_id": "no such session"}})
	}
	if err != nil {
		return Placed{}, fmt.Errorf("load session %s: %w", req.SessionID, err)
	}
	var disc *Discount
	if req.DiscountCode != "" {
		if disc, err = s.cat.Discount(ctx, sess.EventID, req.DiscountCode); err != nil {
			return Placed{}, fmt.Errorf("load discount: %w", err)
		}
		if disc == nil {
			return Placed{}, discountError("code %s does not exist for this event", req.DiscountCode)
		}
	}
	now := s.now()
	q, err := Price(sess, req, disc, now)
	if err != nil {
		return Placed{}, err
	}
	id, err := uuid.NewV7() // time-ordered: new orders land at the end of the primary key index
	if err != nil {
		id = uuid.New()
	}
	o := NewOrder(id, b, sess, q, now, s.cfg.HoldTTL)
	h := Hold{SessionID: sess.ID, Owner: id.String(), Marker: marker(b.ID, key), TTL: s.cfg.ProvisionalHold,
		SeatIDs: req.SeatIDs}
	for _, l := range q.Standing {
		h.Standing = append(h.Standing, StandingHold{BlockID: l.BlockID, Quantity: l.Quantity, Capacity: l.Capacity})
	}
	gated, err := s.hold(ctx, h)
	if errors.Is(err, errDuplicate) {
		return s.awaitDuplicate(ctx, b.ID, key, hash)
	}
	if err != nil {
		return Placed{}, err
	}

	rec = &IdempotencyRecord{BuyerID: b.ID, Key: key, RequestHash: hash, OrderID: id}
	if q.TotalMinor == 0 { // nothing to pay: paid at once, tickets issued in the same transaction
		if err := o.MarkPaid(now, "", s.issue); err != nil {
			s.releaseGate(ctx, gated, h)
			return Placed{}, err
		}
		rec.Status, rec.Body = StatusCreated, mustJSON(o.View())
	}
	if err := s.repo.CreateOrder(ctx, o, *rec); err != nil {
		s.releaseGate(ctx, gated, h)
		err = s.creationError(ctx, err, sess.ID, req.SeatIDs)
		if apperr.CodeOf(err) == apperr.Conflict {
			s.obs.Refused("database")
		}
		return Placed{}, err
	}
	s.obs.Placed()
	if o.Status() == Paid {
		s.sellGate(ctx, h)
		return Placed{Status: StatusCreated, View: o.View()}, nil
	}
	if gated {
		s.extendGate(ctx, h)
	}
	intent, err := s.pay.CreateIntent(ctx, IntentRequest{OrderID: id, AmountMinor: q.TotalMinor, Currency: q.Currency,
		IdempotencyKey: "order:" + id.String() + ":pi", BuyerEmail: b.Email})
	if err != nil {
		return Placed{}, s.abort(ctx, o.ID(), h, b.ID, key, err)
	}
	return s.attach(ctx, o, intent, *rec)
}

// errDuplicate: the gate saw the same buyer and key in flight.
var errDuplicate = errors.New("duplicate request in flight")

// hold takes the seats in the gate. It reports whether the gate holds them; when the gate
// is unreachable it logs and answers false: the database constraints still decide, so an
// outage costs speed, never correctness.
func (s *Service) hold(ctx context.Context, h Hold) (bool, error) {
	for range 3 {
		res, err := s.holds.Hold(ctx, h)
		if err != nil {
			s.log.WarnContext(ctx, "admission gate unavailable; the database alone decides", "session_id", h.SessionID, "err", err)
			s.obs.GateUnavailable()
			return false, nil
		}
		switch {
		case res.OK:
			return true, nil
		case res.DuplicateOf != "":
			return false, errDuplicate
		case len(res.Unseeded) > 0:
			for _, blk := range res.Unseeded {
				holders, err := s.repo.StandingHolders(ctx, h.SessionID, blk)
				if err != nil {
					return false, fmt.Errorf("read standing block %s for the gate: %w", blk, err)
				}
				if err := s.holds.Seed(ctx, h.SessionID, blk, holders); err != nil {
					s.log.WarnContext(ctx, "seeding the admission gate failed; the database alone decides", "err", err)
					return false, nil
				}
			}
			continue
		default:
			s.obs.Refused("gate")
			return false, takenError(res.TakenSeats, res.Short)
		}
	}
	return false, nil
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

// creationError turns a failed CreateOrder into the answer: a lost race for the key is a
// retry (which replays the winner), database guards are 409s.
func (s *Service) creationError(ctx context.Context, err error, sessionID uuid.UUID, seatIDs []uuid.UUID) error {
	var short *StandingShortError
	switch {
	case errors.Is(err, ErrIdempotencyKeyUsed):
		return errRetry
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

// abort cancels an order whose payment intent could not be created, so it never keeps its
// seats, and forgets its Idempotency-Key so the buyer can retry with it.
func (s *Service) abort(ctx context.Context, id uuid.UUID, h Hold, buyerID, key string, cause error) error {
	reason := "payment could not be set up: the payment provider is unavailable"
	if errors.Is(cause, ErrPaymentRejected) {
		reason = "payment could not be set up: " + cause.Error()
	}
	ctx = context.WithoutCancel(ctx)
	o, err := s.repo.UpdateOrder(ctx, id, func(o *Order) error {
		if o.Status() != PendingPayment || o.PaymentIntentID() != "" {
			return nil
		}
		return o.Cancel(s.now(), reason)
	})
	if err != nil {
		// The sweep expires it at expires_at; a retry with the key resumes it.
		s.log.ErrorContext(ctx, "cancel order after payment setup failed", "order_id", id, "err", err)
	} else {
		if ferr := s.repo.ForgetIdempotency(ctx, buyerID, key); ferr != nil {
			s.log.ErrorContext(ctx, "forget idempotency key", "order_id", id, "err", ferr)
		}
		if o.Status() == Cancelled {
			s.releaseGate(ctx, true, h)
		}
	}
	s.log.WarnContext(ctx, "payment intent creation failed; order cancelled", "order_id", id, "err", cause)
	if errors.Is(cause, ErrPaymentRejected) {
		return apperr.Wrap(cause, apperr.Unprocessable, "the payment provider refused this order: %v", cause)
	}
	return apperr.Wrap(cause, apperr.Unavailable, "the payment provider is unavailable; nothing was kept, please retry")
}

// attach stores the payment intent and completes the idempotency record.
func (s *Service) attach(ctx context.Context, o *Order, intent Intent, rec IdempotencyRecord) (Placed, error) {
	v := o.View()
	v.Payment = &PaymentView{PaymentIntentID: intent.ID}
	rec.Status, rec.Body = StatusCreated, mustJSON(v)
	final, err := s.repo.AttachPayment(ctx, o.ID(), intent.ID, rec)
	if err != nil {
		return Placed{}, fmt.Errorf("store payment intent of order %s: %w", o.ID(), err)
	}
	return s.fromRecord(ctx, final, intent)
}

// fromRecord answers a completed idempotency record; the client secret is never stored, so
// it is the one just created or fetched from the payment provider.
func (s *Service) fromRecord(ctx context.Context, rec *IdempotencyRecord, intent Intent) (Placed, error) {
	var v OrderView
	if err := json.Unmarshal(rec.Body, &v); err != nil {
		return Placed{}, fmt.Errorf("decode stored response of key %q: %w", rec.Key, err)
	}
	if v.Payment != nil && v.Payment.PaymentIntentID != "" {
		if v.Payment.PaymentIntentID == intent.ID && intent.ClientSecret != "" {
			v.Payment.ClientSecret = intent.ClientSecret
		} else {
			secret, err := s.pay.ClientSecret(ctx, v.Payment.PaymentIntentID)
			if err != nil {
				return Placed{}, apperr.Wrap(err, apperr.Unavailable, "the payment provider is unavailable; retry with the same Idempotency-Key")
			}
			v.Payment.ClientSecret = secret
		}
	}
	return Placed{Status: rec.Status, View: v}, nil
}

// replay answers a request whose key was seen before.
func (s *Service) replay(ctx context.Context, rec *IdempotencyRecord, hash string) (Placed, error) {
	if rec.RequestHash != hash {
		return Placed{}, apperr.New(apperr.Unprocessable, "this Idempotency-Key was already used with a different request body").
			WithDetails(map[string]any{"fields": map[string]any{"Idempotency-Key": "already used with another body"}})
	}
	if rec.Status != 0 {
		return s.fromRecord(ctx, rec, Intent{})
	}
	// The order exists and its payment is being set up by another request; wait for it.
	done, err := s.waitRecord(ctx, rec.BuyerID, rec.Key)
	if err != nil || done == nil {
		return Placed{}, err
	}
	if done.Status != 0 {
		return s.replay(ctx, done, hash)
	}
	// Still unfinished: the request that created it died. Resume it.
	o, err := s.repo.Order(ctx, rec.OrderID)
	if err != nil {
		return Placed{}, fmt.Errorf("resume order %s: %w", rec.OrderID, err)
	}
	if o.Status() != PendingPayment || !s.now().Before(o.ExpiresAt()) {
		if err := s.repo.ForgetIdempotency(ctx, rec.BuyerID, rec.Key); err != nil {
			return Placed{}, err
		}
		return Placed{}, errRetry
	}
	intent, err := s.pay.CreateIntent(ctx, IntentRequest{OrderID: o.ID(), AmountMinor: o.TotalMinor(), Currency: o.Currency(),
		IdempotencyKey: "order:" + o.ID().String() + ":pi"})
	if err != nil {
		return Placed{}, s.abort(ctx, o.ID(), s.orderHold(o), rec.BuyerID, rec.Key, err)
	}
	return s.attach(ctx, o, intent, *rec)
}

// waitRecord polls the idempotency record until it is complete, gone (errRetry) or the wait
// is over (the last record seen is returned).
func (s *Service) waitRecord(ctx context.Context, buyerID, key string) (*IdempotencyRecord, error) {
	deadline := time.Now().Add(s.cfg.DuplicateWait)
	var last *IdempotencyRecord
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
		rec, err := s.repo.Idempotency(ctx, buyerID, key)
		if err != nil {
			return nil, err
		}
		if rec == nil {
			if last != nil || time.Now().After(deadline) {
				return nil, errRetry
			}
			continue // the in-flight request has not committed yet
		}
		last = rec
		if rec.Status != 0 || time.Now().After(deadline) {
			return rec, nil
		}
	}
}

// awaitDuplicate answers a request whose twin (same buyer and key) is in flight: once the
// twin's record exists it is replayed (or 422 for another body).
func (s *Service) awaitDuplicate(ctx context.Context, buyerID, key, hash string) (Placed, error) {
	rec, err := s.waitRecord(ctx, buyerID, key)
	if err != nil {
		return Placed{}, err
	}
	return s.replay(ctx, rec, hash)
}

func (s *Service) releaseGate(ctx context.Context, gated bool, h Hold) {
	if !gated {
		return
	}
	if err := s.holds.Release(context.WithoutCancel(ctx), h); err != nil {
		s.log.WarnContext(ctx, "release holds in the gate", "session_id", h.SessionID, "owner", h.Owner, "err", err)
	}
}

// extendGate makes the provisional holds of a committed order last as long as the order.
// On failure the database still holds the seats: the next buyers are refused by its
// constraint, which teaches the gate again (Restore).
func (s *Service) extendGate(ctx context.Context, h Hold) {
	h.TTL = s.cfg.HoldTTL + s.cfg.GateSlack
	if err := s.holds.Extend(context.WithoutCancel(ctx), h); err != nil {
		s.log.WarnContext(ctx, "extend holds in the gate", "session_id", h.SessionID, "owner", h.Owner, "err", err)
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
