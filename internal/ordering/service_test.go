package ordering_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/ordering"
	"github.com/ticketly/ticketly/internal/ordering/orderingtest"
)

// Unit tests of the order use cases on the in-memory ports of orderingtest: every port is
// a fake with the semantics of its adapter, the clock is a test clock.

var errDown = errors.New("connection refused")

// world is an order service on fakes with one on-sale session: six cheap seats (1000 EUR),
// one VIP seat (5000 EUR), one seat blocked in the layout and a standing floor of five
// cheap units.
type world struct {
	t      *testing.T
	clock  *orderingtest.Clock
	cat    *orderingtest.Catalog
	repo   *orderingtest.Repository
	gate   *orderingtest.Holds
	pay    *orderingtest.Payments
	signer *orderingtest.Signer
	obs    *orderingtest.Observer
	svc    *ordering.Service
	cfg    ordering.Config

	sess       *ordering.SessionInfo
	seats      []uuid.UUID
	vip        uuid.UUID
	layoutSeat uuid.UUID // blocked in the layout
}

func newWorld(t *testing.T, tune ...func(*ordering.Config)) *world {
	t.Helper()
	w := &world{t: t, clock: orderingtest.NewClock(time.Date(2026, 7, 1, 18, 0, 0, 0, time.UTC)),
		cat: orderingtest.NewCatalog(), repo: orderingtest.NewRepository(), pay: orderingtest.NewPayments(),
		signer: orderingtest.NewSigner(), obs: orderingtest.NewObserver(), cfg: ordering.DefaultConfig}
	w.cfg.DuplicateWait = time.Second
	for _, f := range tune {
		f(&w.cfg)
	}
	w.gate = orderingtest.NewHolds(w.clock.Now, w.cfg.GateSlack)
	cheapTier, vipTier := uuid.New(), uuid.New()
	w.sess = &ordering.SessionInfo{ID: uuid.New(), EventID: uuid.New(), OrganizationID: uuid.New(), Status: ordering.SessionOnSale,
		EventStatus: "APPROVED", SalesStart: w.clock.Now().Add(-time.Hour), SalesEnd: w.clock.Now().Add(30 * 24 * time.Hour),
		Seats: map[uuid.UUID]ordering.SeatInfo{}, Blocked: map[uuid.UUID]bool{},
		Standing: map[string]ordering.StandingInfo{"floor": {BlockID: "floor", Name: "Floor", Capacity: 5, TierID: cheapTier}},
		Tiers: map[uuid.UUID]ordering.Tier{cheapTier: {ID: cheapTier, Name: "Cheap", PriceMinor: 1000, Currency: "EUR"},
			vipTier: {ID: vipTier, Name: "VIP", PriceMinor: 5000, Currency: "EUR"}}}
	for i := range 6 {
		id := uuid.New()
		w.seats = append(w.seats, id)
		w.sess.Seats[id] = ordering.SeatInfo{ID: id, BlockID: "main", Row: "A", Label: fmt.Sprint(i + 1), TierID: cheapTier, Sellable: true}
	}
	w.vip, w.layoutSeat = uuid.New(), uuid.New()
	w.sess.Seats[w.vip] = ordering.SeatInfo{ID: w.vip, BlockID: "main", Row: "V", Label: "1", TierID: vipTier, Sellable: true}
	w.sess.Seats[w.layoutSeat] = ordering.SeatInfo{ID: w.layoutSeat, BlockID: "main", Row: "B", Label: "1", TierID: cheapTier, Sellable: true}
	w.sess.Blocked[w.layoutSeat] = true
	w.cat.AddSession(w.sess)
	w.svc = ordering.NewService(w.cat, w.repo, w.gate, w.pay, w.signer, w.cfg, w.clock.Now, nil)
	w.svc.Observe(w.obs)
	t.Cleanup(w.svc.Wait)
	return w
}

func buyer(name string) ordering.Buyer {
	return ordering.Buyer{ID: "sub-" + name, Email: name + "@example.test", Name: "Buyer " + name}
}

// in is an order request for seats, floor units and a discount code.
func (w *world) in(seats []uuid.UUID, floor int, code string) ordering.RequestInput {
	in := ordering.RequestInput{SessionID: w.sess.ID.String(), DiscountCode: code}
	for _, s := range seats {
		in.SeatIDs = append(in.SeatIDs, s.String())
	}
	if floor > 0 {
		in.Standing = []ordering.StandingInput{{BlockID: "floor", Quantity: floor}}
	}
	return in
}

func (w *world) place(b ordering.Buyer, key string, in ordering.RequestInput) (ordering.Placed, error) {
	return w.svc.PlaceOrder(context.Background(), b, key, in)
}

// mustPlace places an order and checks it was created.
func (w *world) mustPlace(b ordering.Buyer, in ordering.RequestInput) ordering.OrderView {
	w.t.Helper()
	p, err := w.place(b, uuid.NewString(), in)
	if err != nil || p.Status != ordering.StatusCreated {
		w.t.Fatalf("place %+v: %+v %v", in, p, err)
	}
	return p.View
}

// paid places an order and delivers its payment's success.
func (w *world) paid(b ordering.Buyer, in ordering.RequestInput) ordering.OrderView {
	w.t.Helper()
	v := w.mustPlace(b, in)
	if out, err := w.svc.HandlePaymentEvent(context.Background(), w.succeeded(v)); err != nil || out != ordering.OutcomePaid {
		w.t.Fatalf("payment of %s: %s %v", v.ID, out, err)
	}
	return v
}

func (w *world) succeeded(v ordering.OrderView) ordering.PaymentEvent {
	return ordering.PaymentEvent{ID: "evt_" + uuid.NewString(), Type: ordering.EventPaymentSucceeded,
		PaymentIntentID: v.Payment.PaymentIntentID, OrderID: uuid.MustParse(v.ID), AmountMinor: v.TotalMinor, Currency: v.Currency}
}

func (w *world) state(v ordering.OrderView) ordering.OrderState {
	w.t.Helper()
	st, ok := w.repo.State(uuid.MustParse(v.ID))
	if !ok {
		w.t.Fatalf("order %s is not stored", v.ID)
	}
	return st
}

// holder is the gate's owner of a seat ("" when free).
func (w *world) holder(seat uuid.UUID) string {
	owner, _ := w.gate.Holder(w.sess.ID, seat)
	return owner
}

func wantCode(t *testing.T, err error, code apperr.Code) *apperr.Error {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
	return ae
}

func ids(us ...uuid.UUID) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.String()
	}
	return out
}

func TestPlaceOrderHoldsSeatsAndStandingUntilPaid(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b := buyer("ann")
	p, err := w.place(b, "key-1", w.in([]uuid.UUID{w.seats[0], w.vip}, 2, ""))
	if err != nil || p.Status != ordering.StatusCreated {
		t.Fatalf("%+v %v", p, err)
	}
	v := p.View
	if v.Status != ordering.PendingPayment || v.SubtotalMinor != 8000 || v.TotalMinor != 8000 || v.Currency != "EUR" ||
		!slices.Equal(v.SeatIDs, ids(w.seats[0], w.vip)) || len(v.Standing) != 1 || v.Standing[0].Quantity != 2 {
		t.Fatalf("view %+v", v)
	}
	if v.Payment == nil || v.Payment.PaymentIntentID == "" || v.Payment.ClientSecret == "" {
		t.Fatalf("payment %+v", v.Payment)
	}
	req, ok := w.pay.Request(v.Payment.PaymentIntentID)
	if !ok || req.AmountMinor != 8000 || req.Currency != "EUR" || req.OrderID.String() != v.ID || req.BuyerEmail != b.Email {
		t.Fatalf("intent request %+v", req)
	}
	st := w.state(v)
	if st.PaymentIntentID != v.Payment.PaymentIntentID || !st.ExpiresAt.Equal(w.clock.Now().Add(w.cfg.HoldTTL)) || st.BuyerID != b.ID {
		t.Fatalf("stored %+v", st)
	}
	// Held in the gate for the order's whole hold once the database has the order.
	owner, until := w.gate.Holder(w.sess.ID, w.seats[0])
	if owner != v.ID || !until.Equal(w.clock.Now().Add(w.cfg.HoldTTL+w.cfg.GateSlack)) {
		t.Fatalf("gate: %s until %s", owner, until)
	}
	if n, seeded := w.gate.Units(w.sess.ID, "floor"); n != 2 || !seeded || w.gate.Calls("Seed") != 1 {
		t.Fatalf("floor in the gate: %d seeded %v (seeds %d)", n, seeded, w.gate.Calls("Seed"))
	}
	if rec := w.repo.Record(b.ID, "key-1"); rec == nil || rec.Status != ordering.StatusCreated || rec.OrderID.String() != v.ID {
		t.Fatalf("idempotency record %+v", rec)
	}
	feed := w.repo.Feed(w.sess.ID)
	if len(feed) != 1 || feed[0].Status != ordering.StateLocked || len(feed[0].SeatIDs) != 2 || !slices.Equal(feed[0].StandingBlocks, []string{"floor"}) {
		t.Fatalf("feed %+v", feed)
	}
	if c := w.obs.Counts(); c.Placed != 1 || c.Held != 4 || c.Sold != 0 || len(c.Revenue) != 0 {
		t.Fatalf("observed %+v, want one order holding 2 seats and 2 standing places, nothing sold", c)
	}
	got, err := w.svc.Order(context.Background(), b.ID, uuid.MustParse(v.ID))
	if err != nil || got.ID != v.ID || got.Payment == nil || got.Payment.ClientSecret != "" {
		t.Fatalf("GET order: %+v %v (the client secret is never stored)", got, err)
	}
}

func TestRequestsRefusedBeforeAnything(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b := buyer("bob")
	cases := []struct {
		name string
		key  string
		in   ordering.RequestInput
		code apperr.Code
	}{
		{"no key", "", w.in(w.seats[:1], 0, ""), apperr.Invalid},
		{"key too long", strings.Repeat("k", 256), w.in(w.seats[:1], 0, ""), apperr.Invalid},
		{"nothing ordered", "k", w.in(nil, 0, ""), apperr.Invalid},
		{"unknown session", "k", ordering.RequestInput{SessionID: uuid.NewString(), SeatIDs: ids(w.seats[0])}, apperr.Invalid},
		{"seat blocked in the layout", "k", w.in([]uuid.UUID{w.layoutSeat}, 0, ""), apperr.Conflict},
		{"unknown discount", "k", w.in(w.seats[:1], 0, "NOPE"), apperr.Unprocessable},
	}
	for _, c := range cases {
		_, err := w.place(b, c.key, c.in)
		wantCode(t, err, c.code)
	}
	if w.repo.Writes() != 0 || w.gate.Calls("Hold") != 0 || w.pay.Intents() != 0 {
		t.Fatalf("refused requests wrote %d, held %d, paid %d", w.repo.Writes(), w.gate.Calls("Hold"), w.pay.Intents())
	}
	w.cat.Fail(errDown)
	if _, err := w.place(b, "k", w.in(w.seats[:1], 0, "")); err == nil || apperr.CodeOf(err) != apperr.Internal {
		t.Fatalf("catalog down: %v, want an internal error", err)
	}
}

func TestConflictIsAnsweredBeforeAnyWrite(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	first := w.mustPlace(buyer("ann"), w.in(w.seats[:2], 0, ""))
	writes, intents := w.repo.Writes(), w.pay.Intents()

	_, err := w.place(buyer("bob"), "k", w.in([]uuid.UUID{w.seats[1], w.seats[2]}, 0, ""))
	ae := wantCode(t, err, apperr.Conflict)
	if got, _ := ae.Details["seat_ids"].([]string); !slices.Equal(got, ids(w.seats[1])) {
		t.Fatalf("details %v, want exactly the taken seat", ae.Details)
	}
	_, err = w.place(buyer("cid"), "k", w.in(nil, 6, ""))
	ae = wantCode(t, err, apperr.Conflict)
	if got, _ := ae.Details["standing"].([]ordering.StandingAvail); !slices.Equal(got, []ordering.StandingAvail{{BlockID: "floor", Available: 5}}) {
		t.Fatalf("details %v", ae.Details)
	}
	if w.repo.Writes() != writes || w.pay.Intents() != intents || w.repo.Count() != 1 || w.repo.Record(buyer("bob").ID, "k") != nil {
		t.Fatalf("a refused request wrote: writes %d -> %d, intents %d -> %d", writes, w.repo.Writes(), intents, w.pay.Intents())
	}
	if w.holder(w.seats[2]) != "" || w.holder(w.seats[1]) != first.ID {
		t.Fatal("a refused request changed the gate")
	}
	if c := w.obs.Counts(); c.Refused["gate"] != 2 || c.Refused["database"] != 0 {
		t.Fatalf("observed %+v", c)
	}
}

func TestPlaceOrderWithDiscounts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.cat.AddDiscount(&ordering.Discount{ID: uuid.New(), EventID: w.sess.EventID, Code: "HALF", Kind: ordering.Percentage, Percent: 50, UsageLimit: 1})
	w.cat.AddDiscount(&ordering.Discount{ID: uuid.New(), EventID: w.sess.EventID, Code: "FREE", Kind: ordering.Percentage, Percent: 100})

	v := w.mustPlace(buyer("ann"), w.in(w.seats[:1], 0, " half "))
	if v.TotalMinor != 500 || v.DiscountMinor != 500 || v.DiscountCode != "HALF" || w.state(v).Redemption != ordering.RedemptionReserved {
		t.Fatalf("discounted %+v", v)
	}
	// The only use is taken: the database refuses the second, and the gate lets the seat go.
	_, err := w.place(buyer("bob"), "k", w.in(w.seats[1:2], 0, "HALF"))
	wantCode(t, err, apperr.Conflict)
	if w.holder(w.seats[1]) != "" || w.obs.Counts().Refused["database"] != 1 {
		t.Fatal("the seat of a refused discount stays held")
	}
	// A cancelled order gives its use back.
	if _, err := w.svc.Cancel(context.Background(), buyer("ann").ID, uuid.MustParse(v.ID)); err != nil {
		t.Fatal(err)
	}
	w.mustPlace(buyer("bob"), w.in(w.seats[1:2], 0, "HALF"))

	// Nothing to pay: paid at once, tickets issued, no payment intent, the gate's holds gone.
	intents := w.pay.Intents()
	free := w.mustPlace(buyer("cid"), w.in(w.seats[2:3], 1, "FREE"))
	st := w.state(free)
	if free.Status != ordering.Paid || free.TotalMinor != 0 || free.Payment != nil || len(st.Tickets) != 2 || w.pay.Intents() != intents {
		t.Fatalf("free order %+v, %d tickets", free, len(st.Tickets))
	}
	if w.holder(w.seats[2]) != "" {
		t.Fatal("a free order's seat stays held in the gate")
	}
	if feed := w.repo.Feed(w.sess.ID); feed[len(feed)-1].Status != ordering.StateBooked {
		t.Fatalf("feed %+v", feed[len(feed)-1])
	}
}

func TestIdempotencyKeyReplaysTheResponse(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b := buyer("ann")
	in := w.in(w.seats[:1], 1, "")
	first, err := w.place(b, "key", in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := w.place(b, "key", in)
	if err != nil || again.Status != first.Status || again.View.ID != first.View.ID ||
		again.View.Payment.ClientSecret != first.View.Payment.ClientSecret {
		t.Fatalf("replay %+v %v, want %+v", again, err, first)
	}
	if w.repo.Count() != 1 || w.pay.Intents() != 1 {
		t.Fatalf("%d orders, %d intents after a replay", w.repo.Count(), w.pay.Intents())
	}
	_, err = w.place(b, "key", w.in(w.seats[1:2], 0, ""))
	wantCode(t, err, apperr.Unprocessable)
	// Keys are per buyer.
	other, err := w.place(buyer("bob"), "key", w.in(w.seats[1:2], 0, ""))
	if err != nil || other.View.ID == first.View.ID {
		t.Fatalf("another buyer's key: %+v %v", other, err)
	}
	// The client secret of a replay comes from the provider: unavailable, retry later.
	w.pay.FailOnce("ClientSecret", errDown)
	_, err = w.place(b, "key", in)
	wantCode(t, err, apperr.Unavailable)
}

func TestConcurrentDuplicatesGetOneOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b, in := buyer("ann"), w.in(w.seats[:2], 1, "")
	res := make([]ordering.Placed, 8)
	errs := make([]error, len(res))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res[i], errs[i] = w.place(b, "same", in)
		}()
	}
	close(start)
	wg.Wait()
	for i := range res {
		if errs[i] != nil || res[i].View.ID != res[0].View.ID || res[i].Status != ordering.StatusCreated {
			t.Fatalf("request %d: %+v %v, want the order %s", i, res[i], errs[i], res[0].View.ID)
		}
	}
	if w.repo.Count() != 1 || w.pay.Intents() != 1 {
		t.Fatalf("%d orders, %d intents", w.repo.Count(), w.pay.Intents())
	}
}

// A placement whose commit fails keeps nothing: no order, no key, no hold, and its payment
// intent is cancelled; a retry with the same key places the order.
func TestFailedCommitKeepsNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b, in := buyer("ann"), w.in(w.seats[:1], 2, "")
	w.repo.FailOnce("CreateOrder", errDown)
	if _, err := w.place(b, "key", in); err == nil {
		t.Fatal("a placement whose commit failed succeeded")
	}
	if w.repo.Count() != 0 || w.repo.Record(b.ID, "key") != nil {
		t.Fatalf("%d orders and record %+v after a failed commit", w.repo.Count(), w.repo.Record(b.ID, "key"))
	}
	if w.holder(w.seats[0]) != "" {
		t.Fatal("the gate still holds the seat")
	}
	if n, _ := w.gate.Units(w.sess.ID, "floor"); n != 0 {
		t.Fatalf("the gate still counts %d units", n)
	}
	w.svc.Wait() // the intent is cancelled in the background
	if w.pay.Intents() != 1 || !w.pay.Cancelled("pi_test_1") {
		t.Fatal("the payment intent of the failed commit was not cancelled")
	}
	p, err := w.place(b, "key", in)
	if err != nil || p.Status != ordering.StatusCreated || p.View.Payment == nil || p.View.Payment.ClientSecret == "" {
		t.Fatalf("retry with the key: %+v %v, want the order with its payment", p, err)
	}
	if w.repo.Count() != 1 {
		t.Fatalf("%d orders after the retry", w.repo.Count())
	}
}

// The order, its payment intent and the stored answer are one write: the database is
// written once per order, and a refusal or a retry of a committed order never reads it
// before the gate has answered.
func TestOneWritePerOrderAndNoDatabaseBeforeTheGate(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ann, bob := buyer("ann"), buyer("bob")
	in := w.in(w.seats[:1], 1, "")
	first, err := w.place(ann, "key", in)
	if err != nil || first.View.Payment == nil || first.View.Payment.PaymentIntentID == "" {
		t.Fatalf("place: %+v %v", first, err)
	}
	if w.repo.Writes() != 1 {
		t.Fatalf("%d database writes for one order, want 1", w.repo.Writes())
	}
	if rec := w.repo.Record(ann.ID, "key"); rec == nil || rec.Status != ordering.StatusCreated {
		t.Fatalf("record %+v, want the stored answer", rec)
	}
	_, err = w.place(bob, "bob-key", in)
	wantCode(t, err, apperr.Conflict)
	if n := w.repo.Calls("Idempotency"); n != 0 {
		t.Fatalf("a refusal read the idempotency record %d times", n)
	}
	again, err := w.place(ann, "key", in) // the gate knows the key is done: one read to replay it
	if err != nil || again.View.ID != first.View.ID {
		t.Fatalf("replay: %+v %v", again, err)
	}
	if n := w.repo.Calls("Idempotency"); n != 1 {
		t.Fatalf("a replay read the idempotency record %d times, want 1", n)
	}
	if w.repo.Writes() != 1 {
		t.Fatalf("%d database writes after a refusal and a replay, want 1", w.repo.Writes())
	}
}

// With the gate down, a retry is recognised by the record's key in the database.
func TestRetryWithTheGateDownReplays(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b, in := buyer("ann"), w.in(w.seats[:1], 0, "")
	w.gate.Fail(errDown)
	first, err := w.place(b, "key", in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := w.place(b, "key", in)
	if err != nil || again.View.ID != first.View.ID || w.repo.Count() != 1 {
		t.Fatalf("retry with the gate down: %+v %v (%d orders), want the order %s", again, err, w.repo.Count(), first.View.ID)
	}
}

func TestPaymentSetupFailureKeepsNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b, in := buyer("ann"), w.in(w.seats[:1], 2, "")
	w.pay.FailOnce("CreateIntent", errDown)
	_, err := w.place(b, "key", in)
	wantCode(t, err, apperr.Unavailable)
	if w.repo.Count() != 0 || w.repo.Writes() != 0 || w.repo.Record(b.ID, "key") != nil {
		t.Fatalf("%d orders, %d writes after a failed payment setup, want none", w.repo.Count(), w.repo.Writes())
	}
	if w.holder(w.seats[0]) != "" {
		t.Fatal("the gate still holds the seat")
	}
	if n, _ := w.gate.Units(w.sess.ID, "floor"); n != 0 {
		t.Fatalf("the gate still counts %d units", n)
	}
	p, err := w.place(b, "key", in)
	if err != nil || p.View.Status != ordering.PendingPayment {
		t.Fatalf("retry with the key: %+v %v, want the order", p, err)
	}

	w.pay.FailOnce("CreateIntent", fmt.Errorf("amount too small: %w", ordering.ErrPaymentRejected))
	_, err = w.place(buyer("bob"), "key", w.in(w.seats[1:2], 0, ""))
	wantCode(t, err, apperr.Unprocessable)
}

func TestPaymentWebhooks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	b := buyer("ann")
	v := w.mustPlace(b, w.in([]uuid.UUID{w.seats[0], w.vip}, 2, ""))
	ev := w.succeeded(v)
	if out, err := w.svc.HandlePaymentEvent(ctx, ev); err != nil || out != ordering.OutcomePaid {
		t.Fatalf("%s %v", out, err)
	}
	st := w.state(v)
	if st.Status != ordering.Paid || st.PaidAt == nil || len(st.Tickets) != 4 {
		t.Fatalf("paid %+v", st)
	}
	for _, tk := range st.Tickets {
		if tid, sid, err := w.signer.Verify(tk.QR); err != nil || tid != tk.ID || sid != w.sess.ID {
			t.Fatalf("ticket QR %q: %v", tk.QR, err)
		}
	}
	// Sold: the seat holds leave the gate (the database has the sale), the units stay counted.
	if w.holder(w.seats[0]) != "" {
		t.Fatal("a sold seat is still held in the gate")
	}
	w.clock.Advance(w.cfg.HoldTTL + w.cfg.GateSlack + time.Minute)
	if n, _ := w.gate.Units(w.sess.ID, "floor"); n != 2 {
		t.Fatalf("sold units counted %d", n)
	}
	// Redelivery, a second event of the same intent, a failure after success: nothing changes.
	for _, e := range []ordering.PaymentEvent{ev, {ID: "evt_other", Type: ordering.EventPaymentSucceeded, PaymentIntentID: ev.PaymentIntentID, AmountMinor: v.TotalMinor}} {
		if out, err := w.svc.HandlePaymentEvent(ctx, e); err != nil || out != ordering.OutcomeDuplicate {
			t.Fatalf("redelivery %s: %s %v", e.ID, out, err)
		}
	}
	if out, err := w.svc.HandlePaymentEvent(ctx, ordering.PaymentEvent{ID: "evt_fail", Type: ordering.EventPaymentFailed,
		PaymentIntentID: ev.PaymentIntentID}); err != nil || out != ordering.OutcomeIgnored {
		t.Fatalf("failure after success: %s %v", out, err)
	}
	if st := w.state(v); st.Status != ordering.Paid || len(st.Tickets) != 4 {
		t.Fatalf("after redeliveries %s with %d tickets", st.Status, len(st.Tickets))
	}
	ts, err := w.svc.Tickets(ctx, b.ID, uuid.MustParse(v.ID))
	if err != nil || len(ts) != 4 || ts[0].QR == "" {
		t.Fatalf("tickets %+v %v", ts, err)
	}
	if _, err := w.svc.Tickets(ctx, buyer("bob").ID, uuid.MustParse(v.ID)); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("another buyer's tickets: %v", err)
	}
	// Events the service does not act on, and events of no known order.
	if out, err := w.svc.HandlePaymentEvent(ctx, ordering.PaymentEvent{ID: "evt_x", Type: "charge.updated"}); err != nil || out != ordering.OutcomeIgnored {
		t.Fatalf("other type: %s %v", out, err)
	}
	if out, err := w.svc.HandlePaymentEvent(ctx, ordering.PaymentEvent{ID: "evt_y", Type: ordering.EventPaymentSucceeded,
		PaymentIntentID: "pi_unknown", OrderID: uuid.New(), AmountMinor: 100}); err != nil || out != ordering.OutcomeUnknown {
		t.Fatalf("unknown order: %s %v", out, err)
	}
	if c := w.obs.Counts(); c.Payments[ordering.OutcomePaid] != 1 || c.Payments[ordering.OutcomeDuplicate] != 1 {
		t.Fatalf("observed %+v", c.Payments)
	} else if c.Sold != 4 || len(c.Revenue) != 1 || c.Revenue[v.Currency] != v.TotalMinor {
		t.Fatalf("sold %d places for %v, want 4 for %d %s once", c.Sold, c.Revenue, v.TotalMinor, v.Currency)
	}
}

func TestPaymentFailureCancelsAndReleases(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	v := w.mustPlace(buyer("ann"), w.in(w.seats[:1], 1, ""))
	out, err := w.svc.HandlePaymentEvent(context.Background(), ordering.PaymentEvent{ID: "evt_1", Type: ordering.EventPaymentFailed,
		PaymentIntentID: v.Payment.PaymentIntentID, FailureMessage: "card declined"})
	if err != nil || out != ordering.OutcomeCancelled {
		t.Fatalf("%s %v", out, err)
	}
	if st := w.state(v); st.Status != ordering.Cancelled || !strings.Contains(st.StatusReason, "card declined") {
		t.Fatalf("%s %q", st.Status, st.StatusReason)
	}
	w.svc.Wait()
	if w.holder(w.seats[0]) != "" || !w.pay.Cancelled(v.Payment.PaymentIntentID) {
		t.Fatal("a failed payment's seat stays held or its intent open")
	}
	w.mustPlace(buyer("bob"), w.in(w.seats[:1], 5, "")) // everything is free again
}

func TestLatePaymentAfterExpiryIsRefunded(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	v := w.mustPlace(buyer("ann"), w.in(w.seats[:1], 1, ""))
	w.clock.Advance(w.cfg.HoldTTL)
	if n, err := w.svc.ExpireDue(ctx); err != nil || n != 1 {
		t.Fatalf("expired %d %v", n, err)
	}
	w.svc.Wait()
	if st := w.state(v); st.Status != ordering.Expired || w.holder(w.seats[0]) != "" || !w.pay.Cancelled(v.Payment.PaymentIntentID) {
		t.Fatalf("expired order %s, gate %q", st.Status, w.holder(w.seats[0]))
	}
	if feed := w.repo.Feed(w.sess.ID); feed[len(feed)-1].Status != ordering.StateAvailable {
		t.Fatalf("feed %+v", feed[len(feed)-1])
	}
	w.mustPlace(buyer("bob"), w.in(w.seats[:1], 5, ""))

	// The payment arrives anyway: refunded, the order stays EXPIRED. The first delivery
	// finds the provider down and changes nothing; the redelivery refunds once.
	ev := w.succeeded(v)
	w.pay.FailOnce("Refund", errDown)
	_, err := w.svc.HandlePaymentEvent(ctx, ev)
	wantCode(t, err, apperr.Unavailable)
	for range 2 {
		if _, err := w.svc.HandlePaymentEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	st := w.state(v)
	if st.Status != ordering.Expired || st.RefundedMinor != v.TotalMinor || w.pay.Refunded(v.Payment.PaymentIntentID) != v.TotalMinor ||
		!strings.Contains(st.StatusReason, "refunded automatically") {
		t.Fatalf("late payment: %s refunded %d (provider %d) %q", st.Status, st.RefundedMinor, w.pay.Refunded(v.Payment.PaymentIntentID), st.StatusReason)
	}
	if c := w.obs.Counts(); c.Payments[ordering.OutcomeRefunded] != 1 || c.Expired != 1 {
		t.Fatalf("observed %+v", c)
	}
}

func TestSweepExpiresDueOrdersInBatches(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(c *ordering.Config) { c.SweepBatch = 2 })
	var early []ordering.OrderView
	for i := range 3 {
		early = append(early, w.mustPlace(buyer(fmt.Sprint("early", i)), w.in(w.seats[i:i+1], 0, "")))
	}
	w.clock.Advance(5 * time.Minute)
	late := w.mustPlace(buyer("late"), w.in(w.seats[3:4], 0, ""))
	w.clock.Advance(w.cfg.HoldTTL - 5*time.Minute)
	for _, want := range []int{2, 1, 0} {
		if n, err := w.svc.ExpireDue(context.Background()); err != nil || n != want {
			t.Fatalf("sweep expired %d %v, want %d", n, err, want)
		}
	}
	for _, v := range early {
		if w.state(v).Status != ordering.Expired || w.holder(uuid.MustParse(v.SeatIDs[0])) != "" {
			t.Fatalf("order %s not expired and released", v.ID)
		}
	}
	if w.state(late).Status != ordering.PendingPayment || w.holder(w.seats[3]) != late.ID {
		t.Fatal("an order whose hold runs on was expired")
	}
	w.repo.FailOnce("ExpireNext", errDown)
	if _, err := w.svc.ExpireDue(context.Background()); err == nil {
		t.Fatal("a failed sweep reported no error")
	}

	// Sweep runs the expiry on every tick and forgets keys past their retention.
	w.clock.Advance(w.cfg.IdempotencyRetention)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.svc.Sweep(ctx, 5*time.Millisecond) }()
	deadline := time.Now().Add(5 * time.Second)
	for w.state(late).Status != ordering.Expired || w.repo.Record(buyer("late").ID, "") != nil {
		if time.Now().After(deadline) {
			t.Fatal("Sweep did not expire the order")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n, _ := w.repo.PurgeIdempotency(context.Background(), w.clock.Now()); n != 0 {
		t.Fatalf("%d keys were left past their retention", n)
	}
}

func TestBuyerCancelsAndSeesOnlyOwnOrders(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	ann, bob := buyer("ann"), buyer("bob")
	v := w.mustPlace(ann, w.in(w.seats[:2], 1, ""))
	id := uuid.MustParse(v.ID)
	if _, err := w.svc.Cancel(ctx, bob.ID, id); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("another buyer's cancel: %v", err)
	}
	if _, err := w.svc.Order(ctx, bob.ID, id); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("another buyer's order: %v", err)
	}
	for range 2 { // twice is fine
		got, err := w.svc.Cancel(ctx, ann.ID, id)
		if err != nil || got.Status != ordering.Cancelled {
			t.Fatalf("cancel: %+v %v", got, err)
		}
	}
	w.svc.Wait()
	if w.holder(w.seats[0]) != "" || !w.pay.Cancelled(v.Payment.PaymentIntentID) {
		t.Fatal("cancel kept the seat or the intent")
	}
	if n, _ := w.gate.Units(w.sess.ID, "floor"); n != 0 {
		t.Fatalf("cancel kept %d units", n)
	}
	paid := w.paid(ann, w.in(w.seats[2:3], 0, ""))
	_, err := w.svc.Cancel(ctx, ann.ID, uuid.MustParse(paid.ID))
	wantCode(t, err, apperr.Conflict)

	list, total, err := w.svc.Orders(ctx, ann.ID, 1, 10)
	if err != nil || total != 2 || len(list) != 2 {
		t.Fatalf("orders %d of %d %v", len(list), total, err)
	}
	if list, total, _ := w.svc.Orders(ctx, bob.ID, 1, 10); total != 0 || len(list) != 0 {
		t.Fatalf("bob sees %d orders", total)
	}
}

func TestOrganizerRefunds(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	owner := ordering.Actor{ID: "sub-owner"}
	w.cat.SetMember(w.sess.OrganizationID, owner.ID, ordering.Membership{Owner: true})
	v := w.paid(buyer("ann"), w.in([]uuid.UUID{w.seats[0], w.vip}, 2, ""))
	id := uuid.MustParse(v.ID)
	st := w.state(v)
	var seatTicket uuid.UUID
	for _, tk := range st.Tickets {
		if tk.SeatID == w.seats[0] {
			seatTicket = tk.ID
		}
	}
	amount := int64(1000)

	_, err := w.svc.RefundOrder(ctx, ordering.Actor{ID: "sub-stranger"}, id, ordering.RefundRequest{AmountMinor: &amount})
	wantCode(t, err, apperr.Forbidden)
	w.pay.FailOnce("Refund", fmt.Errorf("charge disputed: %w", ordering.ErrPaymentRejected))
	_, err = w.svc.RefundOrder(ctx, owner, id, ordering.RefundRequest{AmountMinor: &amount})
	wantCode(t, err, apperr.Unprocessable)
	w.pay.FailOnce("Refund", errDown)
	_, err = w.svc.RefundOrder(ctx, owner, id, ordering.RefundRequest{AmountMinor: &amount})
	wantCode(t, err, apperr.Unavailable)
	if st := w.state(v); st.Status != ordering.Paid || st.RefundedMinor != 0 {
		t.Fatalf("failed refunds changed the order: %s %d", st.Status, st.RefundedMinor)
	}

	// Partial: the seat's ticket is voided and the seat sold again.
	res, err := w.svc.RefundOrder(ctx, owner, id, ordering.RefundRequest{AmountMinor: &amount, TicketIDs: []uuid.UUID{seatTicket}})
	if err != nil || res.Order.Status != ordering.PartiallyRefunded || res.Refund.AmountMinor != 1000 || res.Refund.RequestedBy != owner.ID {
		t.Fatalf("partial refund %+v %v", res, err)
	}
	w.mustPlace(buyer("bob"), w.in(w.seats[:1], 0, ""))
	// Full, by a realm organization_admin: every ticket void, the units freed.
	res, err = w.svc.RefundOrder(ctx, ordering.Actor{ID: "sub-admin", OrgAdmin: true}, id, ordering.RefundRequest{})
	if err != nil || res.Order.Status != ordering.Refunded || res.Order.RefundedMinor != v.TotalMinor {
		t.Fatalf("full refund %+v %v", res, err)
	}
	for _, tk := range w.state(v).Tickets {
		if tk.Status != ordering.TicketVoid {
			t.Fatalf("ticket %s is %s after a full refund", tk.ID, tk.Status)
		}
	}
	if n, _ := w.gate.Units(w.sess.ID, "floor"); n != 0 {
		t.Fatalf("%d refunded units still counted", n)
	}
	if w.pay.Refunded(v.Payment.PaymentIntentID) != v.TotalMinor {
		t.Fatalf("provider refunded %d of %d", w.pay.Refunded(v.Payment.PaymentIntentID), v.TotalMinor)
	}
	_, err = w.svc.RefundOrder(ctx, owner, id, ordering.RefundRequest{})
	wantCode(t, err, apperr.Conflict)
}

// A refund the provider made but the commit lost is handed back by the provider when the
// request is repeated (the same idempotency key), never made twice; the refund row gets
// the request's reason, or the default one.
func TestRefundRepeatedAfterALostCommit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	owner := ordering.Actor{ID: "sub-owner"}
	w.cat.SetMember(w.sess.OrganizationID, owner.ID, ordering.Membership{Owner: true})
	v := w.paid(buyer("ann"), w.in([]uuid.UUID{w.seats[0], w.vip}, 0, ""))
	id := uuid.MustParse(v.ID)
	var vipTicket uuid.UUID
	for _, tk := range w.state(v).Tickets {
		if tk.SeatID == w.vip {
			vipTicket = tk.ID
		}
	}
	req := ordering.RefundRequest{TicketIDs: []uuid.UUID{vipTicket}, Reason: " wrong date "}
	w.repo.LoseNextCommit(errDown)
	if _, err := w.svc.RefundOrder(ctx, owner, id, req); !errors.Is(err, errDown) {
		t.Fatalf("lost commit: %v", err)
	}
	if st := w.state(v); st.Status != ordering.Paid || w.pay.Refunded(v.Payment.PaymentIntentID) != 5000 {
		t.Fatalf("before the retry: %s, provider refunded %d", st.Status, w.pay.Refunded(v.Payment.PaymentIntentID))
	}
	res, err := w.svc.RefundOrder(ctx, owner, id, req)
	if err != nil || res.Refund.AmountMinor != 5000 || res.Refund.Reason != "wrong date" || res.Order.Status != ordering.PartiallyRefunded ||
		!slices.Equal(res.VoidedTickets, []uuid.UUID{vipTicket}) || w.pay.Refunded(v.Payment.PaymentIntentID) != 5000 {
		t.Fatalf("retry %+v %v, provider refunded %d", res, err, w.pay.Refunded(v.Payment.PaymentIntentID))
	}
	res, err = w.svc.RefundOrder(ctx, owner, id, ordering.RefundRequest{})
	if err != nil || res.Refund.Reason != ordering.DefaultRefundReason || res.Refund.AmountMinor != 1000 || res.Order.Status != ordering.Refunded {
		t.Fatalf("the rest %+v %v", res, err)
	}
}

func TestOrganizerBlocks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	admin := ordering.Actor{ID: "sub-admin"}
	w.cat.SetMember(w.sess.OrganizationID, admin.ID, ordering.Membership{Roles: []string{ordering.RoleAdmin}})
	seat := w.seats[3]

	_, err := w.svc.BlockSeats(ctx, ordering.Actor{ID: "sub-scanner"}, w.sess.ID, ids(seat))
	wantCode(t, err, apperr.Forbidden)
	for name, raw := range map[string][]string{"none": nil, "not a UUID": {"x"}, "duplicate": ids(seat, seat), "unknown": ids(uuid.New())} {
		if _, err := w.svc.BlockSeats(ctx, admin, w.sess.ID, raw); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("%s: %v", name, err)
		}
	}
	_, err = w.svc.BlockSeats(ctx, admin, w.sess.ID, ids(w.layoutSeat))
	wantCode(t, err, apperr.Conflict)

	res, err := w.svc.BlockSeats(ctx, admin, w.sess.ID, ids(seat))
	if err != nil || !slices.Equal(res.SeatIDs, []uuid.UUID{seat}) || w.holder(seat) != ordering.BlockOwner {
		t.Fatalf("block %+v %v (gate %q)", res, err, w.holder(seat))
	}
	if res, err := w.svc.BlockSeats(ctx, admin, w.sess.ID, ids(seat)); err != nil || len(res.SeatIDs) != 0 {
		t.Fatalf("blocking again %+v %v", res, err)
	}
	_, err = w.place(buyer("ann"), "k", w.in([]uuid.UUID{seat}, 0, ""))
	wantCode(t, err, apperr.Conflict)
	res, err = w.svc.UnblockSeats(ctx, admin, w.sess.ID, ids(seat))
	if err != nil || !slices.Equal(res.SeatIDs, []uuid.UUID{seat}) || w.holder(seat) != "" {
		t.Fatalf("unblock %+v %v", res, err)
	}
	held := w.mustPlace(buyer("ann"), w.in([]uuid.UUID{seat}, 0, ""))
	_, err = w.svc.BlockSeats(ctx, admin, w.sess.ID, ids(seat))
	wantCode(t, err, apperr.Conflict)
	// The gate forgot the order: the database refuses the block, and teaches the gate.
	w.gate.Flush()
	_, err = w.svc.BlockSeats(ctx, admin, w.sess.ID, ids(seat))
	wantCode(t, err, apperr.Conflict)
	if w.holder(seat) != held.ID {
		t.Fatalf("gate holder %q after the database refused a block, want %s", w.holder(seat), held.ID)
	}
	if feed := w.repo.Feed(w.sess.ID); len(feed) != 4 || feed[0].Status != ordering.StateBlocked || feed[2].Status != ordering.StateAvailable {
		t.Fatalf("feed %+v", feed)
	}

	closed := *w.sess
	closed.ID, closed.Status = uuid.New(), "CLOSED"
	w.cat.AddSession(&closed)
	_, err = w.svc.BlockSeats(ctx, admin, closed.ID, ids(seat))
	wantCode(t, err, apperr.Conflict)
	_, err = w.svc.UnblockSeats(ctx, admin, closed.ID, ids(seat))
	wantCode(t, err, apperr.Conflict)
	// An event that is not approved is NOT_PUBLISHED, whatever its session's status says.
	draft := *w.sess
	draft.ID, draft.EventStatus = uuid.New(), "PENDING"
	w.cat.AddSession(&draft)
	for _, do := range []func(context.Context, ordering.Actor, uuid.UUID, []string) (ordering.BlockResult, error){w.svc.BlockSeats, w.svc.UnblockSeats} {
		_, err = do(ctx, admin, draft.ID, ids(seat))
		if ae := wantCode(t, err, apperr.Conflict); ae.Details["session_status"] != "NOT_PUBLISHED" {
			t.Fatalf("unpublished event: %v", ae.Details)
		}
	}
}

// When the gate is down the database alone decides: slower, never wrong. When the gate
// lost its keys, the database refuses and teaches it again.
func TestDatabaseDecidesWhenTheGateFailsOrForgets(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.gate.Fail(errDown)
	first := w.mustPlace(buyer("ann"), w.in(w.seats[:1], 0, ""))
	_, err := w.place(buyer("bob"), "k", w.in(w.seats[:1], 0, ""))
	if ae := wantCode(t, err, apperr.Conflict); !slices.Equal(ae.Details["seat_ids"].([]string), ids(w.seats[0])) {
		t.Fatalf("details %v", ae.Details)
	}
	w.gate.Fail(nil)
	_, err = w.place(buyer("cid"), "k", w.in(w.seats[:1], 0, "")) // the gate knows nothing: the database refuses
	wantCode(t, err, apperr.Conflict)
	if w.holder(w.seats[0]) != first.ID {
		t.Fatalf("the gate was not taught the seat's holder: %q", w.holder(w.seats[0]))
	}
	_, err = w.place(buyer("dan"), "k", w.in(w.seats[:1], 0, "")) // now the gate refuses
	wantCode(t, err, apperr.Conflict)
	if c := w.obs.Counts(); c.GateUnavailable != 2 || c.Refused["database"] != 2 || c.Refused["gate"] != 1 {
		t.Fatalf("observed %+v", c)
	}

	// A standing block the gate forgot is seeded again from the database before a hold.
	w.mustPlace(buyer("eve"), w.in(nil, 3, ""))
	w.gate.Flush()
	_, err = w.place(buyer("fay"), "k", w.in(nil, 3, ""))
	if ae := wantCode(t, err, apperr.Conflict); !slices.Equal(ae.Details["standing"].([]ordering.StandingAvail),
		[]ordering.StandingAvail{{BlockID: "floor", Available: 2}}) {
		t.Fatalf("details %v", ae.Details)
	}
	w.mustPlace(buyer("fay"), w.in(nil, 2, ""))

	// An order the database refuses for its standing units (the gate lost count) is a 409
	// with what is left.
	w.gate.Fail(errDown)
	_, err = w.place(buyer("gus"), "k", w.in(nil, 1, ""))
	if ae := wantCode(t, err, apperr.Conflict); !slices.Equal(ae.Details["standing"].([]ordering.StandingAvail),
		[]ordering.StandingAvail{{BlockID: "floor", Available: 0}}) {
		t.Fatalf("details %v", ae.Details)
	}
	// Any other database failure is an internal error, and the gate lets go.
	w.gate.Fail(nil)
	w.repo.FailOnce("CreateOrder", errDown)
	if _, err := w.place(buyer("gus"), "k", w.in(w.seats[4:5], 0, "")); apperr.CodeOf(err) != apperr.Internal {
		t.Fatalf("database down: %v", err)
	}
	if w.holder(w.seats[4]) != "" {
		t.Fatal("a failed creation keeps its gate hold")
	}
}
