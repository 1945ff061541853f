package ordering

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

// Placed is the answer to an order placement: the HTTP status and the order.
type Placed struct {
	Status int
	View   OrderView
}

// StatusCreated is the HTTP status of a placed order (stored with its idempotency record).
const StatusCreated = 201

// An Idempotency-Key of POST /orders is, for its buyer, in one of three states, kept in
// one place: the gate's request marker (Redis) with the database record behind it.
//
//   - absent: nothing is known of it. The request places the order; the gate's Hold sets
//     the marker in flight in the same atomic step that holds the seats.
//   - in flight: another request holds the marker (for ProvisionalHold). This one waits
//     for it to end (keyPoll), then replays it, or places the order itself when the other
//     request failed and released the marker.
//   - done: the order, its payment intent and the answer were committed in one
//     transaction; the gate's marker says so for IdempotencyRetention. A retry is replayed
//     from the database record (another body: 422).
//
// The gate is a cache of these states: when Redis is down or lost the marker, the record's
// primary key decides (ErrIdempotencyKeyUsed, then replay), so a refusal costs one gate
// call and never a database round trip.

// keyPoll is how often a request waiting for its in-flight twin reads the marker (one
// Redis GET).
const keyPoll = 20 * time.Millisecond

// maxKeyRounds bounds how often a request starts over after its in-flight twin gave up.
const maxKeyRounds = 3

// PlaceOrder is POST /api/v1/orders: validate against the catalog, hold in the gate (409
// before any database write), create the payment intent, then store the order with its
// intent and answer in one transaction (the database constraints are the final guard). The
// same Idempotency-Key with the same body answers the same response; with another body, 422.
func (s *Service) PlaceOrder(ctx context.Context, b Buyer, key string, in RequestInput) (Placed, error) {
	if err := CheckIdempotencyKey(key); err != nil {
		return Placed{}, err
	}
	req, err := ParseRequest(in, s.cfg.Limits)
	if err != nil {
		return Placed{}, err
	}
	hash := in.Fingerprint()
	for range maxKeyRounds {
		p, err := s.placeOnce(ctx, b, key, hash, req)
		if !errors.Is(err, errKeyReleased) {
			return p, err
		}
	}
	return Placed{}, keyBusy()
}

// errKeyReleased: the in-flight twin ended without an order; start over.
var errKeyReleased = errors.New("the request with this Idempotency-Key ended without an order")

func keyBusy() error {
	return apperr.New(apperr.Conflict, "another request with this Idempotency-Key is still being processed; retry shortly")
}

func (s *Service) placeOnce(ctx context.Context, b Buyer, key, hash string, req Request) (Placed, error) {
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
	h := Hold{SessionID: sess.ID, Owner: id.String(), Marker: marker(b.ID, key), TTL: s.cfg.ProvisionalHold,
		SeatIDs: req.SeatIDs}
	for _, l := range q.Standing {
		h.Standing = append(h.Standing, StandingHold{BlockID: l.BlockID, Quantity: l.Quantity, Capacity: l.Capacity})
	}
	gated, twin, err := s.hold(ctx, h)
	if err != nil {
		return Placed{}, err
	}
	if twin.Owner != "" {
		return s.followTwin(ctx, h, b.ID, key, hash, twin)
	}
	o := NewOrder(id, b, sess, q, now, s.cfg.HoldTTL) // admitted: refusals never build one

	var intent Intent
	if q.TotalMinor == 0 { // nothing to pay: paid at once, tickets issued in the same transaction
		if err := o.MarkPaid(now, "", s.issue); err != nil {
			s.releaseGate(ctx, gated, h)
			return Placed{}, err
		}
	} else {
		// Before the order's transaction, so the order, its intent and the stored answer
		// commit together. The intent's own idempotency key makes a retry of this step safe;
		// an intent whose order is never stored is cancelled (and never shown to anyone).
		intent, err = s.pay.CreateIntent(ctx, IntentRequest{OrderID: id, AmountMinor: q.TotalMinor, Currency: q.Currency,
			IdempotencyKey: "order:" + id.String() + ":pi", BuyerEmail: b.Email})
		if err != nil {
			s.releaseGate(ctx, gated, h)
			return Placed{}, paymentSetupError(err)
		}
		o.UseIntent(intent.ID)
	}
	view := o.View()
	rec := IdempotencyRecord{BuyerID: b.ID, Key: key, RequestHash: hash, OrderID: id, Status: StatusCreated, Body: mustJSON(view)}
	if err := s.repo.CreateOrder(ctx, o, rec); err != nil {
		s.releaseGate(ctx, gated, h)
		s.cancelIntent(ctx, intent.ID)
		if errors.Is(err, ErrIdempotencyKeyUsed) { // a twin the gate did not see (it was down) committed first
			return s.replay(ctx, b.ID, key, hash)
		}
		err = s.creationError(ctx, err, sess.ID, req.SeatIDs)
		if apperr.CodeOf(err) == apperr.Conflict {
			s.obs.Refused("database")
		}
		return Placed{}, err
	}
	s.obs.Placed(o)
	h.MarkerTTL = s.cfg.IdempotencyRetention
	if o.Status() == Paid {
		s.obs.Paid(o)
		sold := h
		sold.Marker = "" // the marker stays, marked done just below
		s.sellGate(ctx, sold)
		s.settleGate(ctx, Hold{SessionID: h.SessionID, Owner: h.Owner, Marker: h.Marker, MarkerTTL: h.MarkerTTL})
	} else if gated {
		s.settleGate(ctx, h)
	}
	if view.Payment != nil {
		view.Payment.ClientSecret = intent.ClientSecret
	}
	return Placed{Status: StatusCreated, View: view}, nil
}

// hold takes the seats in the gate. It reports whether the gate holds them, or the request
// that holds the marker already (its twin); when the gate is unreachable it logs and
// answers false: the database constraints still decide, so an outage costs speed, never
// correctness.
func (s *Service) hold(ctx context.Context, h Hold) (bool, Marked, error) {
	for range 3 {
		res, err := s.holds.Hold(ctx, h)
		if err != nil {
			s.log.WarnContext(ctx, "admission gate unavailable; the database alone decides", "session_id", h.SessionID, "err", err)
			s.obs.GateUnavailable()
			return false, Marked{}, nil
		}
		switch {
		case res.OK:
			return true, Marked{}, nil
		case res.DuplicateOf.Owner != "":
			return false, res.DuplicateOf, nil
		case len(res.Unseeded) > 0:
			for _, blk := range res.Unseeded {
				holders, err := s.repo.StandingHolders(ctx, h.SessionID, blk)
				if err != nil {
					return false, Marked{}, fmt.Errorf("read standing block %s for the gate: %w", blk, err)
				}
				if err := s.holds.Seed(ctx, h.SessionID, blk, holders); err != nil {
					s.log.WarnContext(ctx, "seeding the admission gate failed; the database alone decides", "err", err)
					return false, Marked{}, nil
				}
			}
			continue
		default:
			s.obs.Refused("gate")
			return false, Marked{}, takenError(res.TakenSeats, res.Short)
		}
	}
	return false, Marked{}, nil
}

// followTwin answers a request whose key another request holds: once that one is done it
// is replayed; if it ended without an order (errKeyReleased) the caller starts over.
func (s *Service) followTwin(ctx context.Context, h Hold, buyerID, key, hash string, twin Marked) (Placed, error) {
	deadline := time.Now().Add(s.cfg.DuplicateWait)
	for !twin.Done {
		if twin.Owner == "" {
			return Placed{}, errKeyReleased
		}
		if time.Now().After(deadline) {
			return Placed{}, keyBusy()
		}
		select {
		case <-ctx.Done():
			return Placed{}, ctx.Err()
		case <-time.After(keyPoll):
		}
		m, err := s.holds.Marker(ctx, h.SessionID, h.Marker)
		if err != nil {
			return Placed{}, apperr.Wrap(err, apperr.Unavailable, "cannot tell whether the request with this Idempotency-Key ended; retry shortly")
		}
		twin = m
	}
	return s.replay(ctx, buyerID, key, hash)
}

// replay answers a request whose key is done with the stored answer (422 for another
// body). The client secret is never stored: it is fetched from the payment provider.
func (s *Service) replay(ctx context.Context, buyerID, key, hash string) (Placed, error) {
	rec, err := s.repo.Idempotency(ctx, buyerID, key)
	if err != nil {
		return Placed{}, fmt.Errorf("look up idempotency key: %w", err)
	}
	if rec == nil { // the gate remembered a key whose record was purged: it is absent again
		return Placed{}, errKeyReleased
	}
	if rec.RequestHash != hash {
		return Placed{}, apperr.New(apperr.Unprocessable, "this Idempotency-Key was already used with a different request body").
			WithDetails(map[string]any{"fields": map[string]any{"Idempotency-Key": "already used with another body"}})
	}
	var v OrderView
	if rec.Status == 0 { // left by an older version: answer the order as it is now
		o, err := s.repo.Order(ctx, rec.OrderID)
		if err != nil {
			return Placed{}, fmt.Errorf("load order %s of key %q: %w", rec.OrderID, key, err)
		}
		rec.Status, v = StatusCreated, o.View()
	} else if err := json.Unmarshal(rec.Body, &v); err != nil {
		return Placed{}, fmt.Errorf("decode stored response of key %q: %w", key, err)
	}
	if v.Payment != nil && v.Payment.PaymentIntentID != "" {
		secret, err := s.pay.ClientSecret(ctx, v.Payment.PaymentIntentID)
		if err != nil {
			return Placed{}, apperr.Wrap(err, apperr.Unavailable, "the payment provider is unavailable; retry with the same Idempotency-Key")
		}
		v.Payment.ClientSecret = secret
	}
	return Placed{Status: rec.Status, View: v}, nil
}

// paymentSetupError is the answer when the payment intent could not be created: nothing
// was kept, and the buyer may retry with the same key.
func paymentSetupError(cause error) error {
	if errors.Is(cause, ErrPaymentRejected) {
		return apperr.Wrap(cause, apperr.Unprocessable, "the payment provider refused this order: %v", cause)
	}
	return apperr.Wrap(cause, apperr.Unavailable, "the payment provider is unavailable; nothing was kept, please retry")
}

// settleGate makes the provisional holds of a committed order last as long as the order
// and marks its request done. On failure the database still holds the seats: the next
// buyers are refused by its constraint, which teaches the gate again (Restore), and a
// retry of the request is recognised by the record's key.
func (s *Service) settleGate(ctx context.Context, h Hold) {
	h.TTL = s.cfg.HoldTTL + s.cfg.GateSlack
	if err := s.holds.Extend(context.WithoutCancel(ctx), h); err != nil {
		s.log.WarnContext(ctx, "extend holds in the gate", "session_id", h.SessionID, "owner", h.Owner, "err", err)
	}
}
