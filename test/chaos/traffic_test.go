//go:build chaos

package chaos_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76/webhook"
)

// tally counts the answers of the traffic by request kind and outcome, and the failed ones
// (no answer, 5xx) also by the fault that was under way.
type tally struct {
	mu       sync.Mutex
	m        map[string]map[string]int
	failures map[string]map[string]int // phase -> "kind outcome" -> count
	examples map[string]string         // "phase: kind outcome" -> the first such answer's body
	phase    string
}

// setPhase names the fault under way ("" between faults).
func (t *tally) setPhase(p string) {
	t.mu.Lock()
	t.phase = p
	t.mu.Unlock()
}

func (t *tally) add(kind string, r reply) {
	outcome := r.outcome()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m, t.failures, t.examples = map[string]map[string]int{}, map[string]map[string]int{}, map[string]string{}
	}
	if t.m[kind] == nil {
		t.m[kind] = map[string]int{}
	}
	t.m[kind][outcome]++
	if r.failed() {
		phase := t.phase
		if phase == "" {
			phase = "no fault under way"
		}
		if t.failures[phase] == nil {
			t.failures[phase] = map[string]int{}
		}
		t.failures[phase][kind+" "+outcome]++
		if key := phase + ": " + kind + " " + outcome; r.Status > 0 && t.examples[key] == "" {
			t.examples[key] = strings.TrimSpace(string(r.Body))
		}
	}
}

// internalErrors lists the 500 answers by fault: an outage of what a service needs is 503
// unavailable (retry), never 500 (SPEC section 4).
func (t *tally) internalErrors() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for phase, m := range t.failures {
		for what, n := range m {
			if strings.HasSuffix(what, " 500") {
				out = append(out, fmt.Sprintf("%d × %s during %s (first: %s)", n, what, phase, t.examples[phase+": "+what]))
			}
		}
	}
	sort.Strings(out)
	return out
}

// failuresString lists the failed answers by fault.
func (t *tally) failuresString() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	phases := make([]string, 0, len(t.failures))
	for p := range t.failures {
		phases = append(phases, p)
	}
	sort.Strings(phases)
	var b strings.Builder
	for _, p := range phases {
		outs := make([]string, 0, len(t.failures[p]))
		for o, n := range t.failures[p] {
			outs = append(outs, fmt.Sprintf("%s: %d", o, n))
		}
		sort.Strings(outs)
		fmt.Fprintf(&b, "  %-20s %s\n", p, strings.Join(outs, ", "))
	}
	ex := make([]string, 0, len(t.examples))
	for k, v := range t.examples {
		if len(v) > 200 {
			v = v[:200] + "…"
		}
		ex = append(ex, fmt.Sprintf("    %s → %s", k, v))
	}
	sort.Strings(ex)
	if len(ex) > 0 {
		fmt.Fprintf(&b, "  first answer of each kind:\n%s\n", strings.Join(ex, "\n"))
	}
	return b.String()
}

func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	kinds := make([]string, 0, len(t.m))
	for k := range t.m {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	for _, k := range kinds {
		outs := make([]string, 0, len(t.m[k]))
		for o, n := range t.m[k] {
			outs = append(outs, fmt.Sprintf("%s %d", o, n))
		}
		sort.Strings(outs)
		fmt.Fprintf(&b, "  %-16s %s\n", k, strings.Join(outs, ", "))
	}
	return b.String()
}

// placed is an order the traffic saw created (201).
type placed struct {
	ID, Buyer, Key string
	Total          int64
	PI             string
	Created        time.Time
}

// hook is a Stripe webhook delivery, redelivered until the order service accepts it.
type hook struct {
	EventID, Type, PI, OrderID string
	Amount                     int64
	Attempts                   int
}

// traffic is the steady load of the suite: buyers order seats and standing places of the
// traffic session (retrying a request that got no answer with the same Idempotency-Key),
// pay through signed webhooks (redelivered until accepted, sometimes twice), fail payments
// and cancel; an organizer edits the event, its tiers, sessions, discounts, organization,
// members and category, blocks and unblocks seats and refunds paid orders.
type traffic struct {
	e     *env
	f     *fixture
	tally tally

	mu       sync.Mutex
	keys     map[string]keyUse // buyer + "\x00" + Idempotency-Key -> what the client saw
	paid     []placed          // orders the webhook answered "paid", oldest first
	hooks    chan hook
	hooksDue sync.WaitGroup
	accepted map[string]string // order id -> outcome of its first accepted payment_intent.succeeded
	refunded map[string]bool
}

// keyUse is what a buyer saw for one Idempotency-Key.
type keyUse struct {
	Buyer, Key string
	OrderID    string // from the 201, if one came
	Answered   bool
}

func newTraffic(e *env, f *fixture) *traffic {
	return &traffic{e: e, f: f, keys: map[string]keyUse{}, hooks: make(chan hook, 10000),
		accepted: map[string]string{}, refunded: map[string]bool{}}
}

// trafficBuyers are the users of the steady traffic (buyer901…).
func trafficBuyers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("buyer%d", 901+i)
	}
	return out
}

// run drives the traffic until ctx ends; the webhook deliveries go on until drain.
func (tr *traffic) run(ctx context.Context) *sync.WaitGroup {
	var wg sync.WaitGroup
	for i, b := range trafficBuyers(tr.e.s.Buyers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr.buyer(ctx, b, rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano()))))
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tr.organizer(ctx)
	}()
	go tr.deliverHooks()
	return &wg
}

func (tr *traffic) buyer(ctx context.Context, user string, rng *rand.Rand) {
	var pending []placed
	for ctx.Err() == nil {
		o, ok := tr.order(ctx, user, rng)
		if ok {
			switch p := rng.IntN(100); {
			case p < 35:
				tr.pay(o, "payment_intent.succeeded")
			case p < 40:
				tr.pay(o, "payment_intent.payment_failed")
			case p < 70:
				tr.cancel(ctx, o)
			default:
				pending = append(pending, o)
			}
		}
		// Pending orders are cancelled after a while, so the traffic keeps seats moving.
		for len(pending) > 0 && time.Since(pending[0].Created) > 20*time.Second {
			tr.cancel(ctx, pending[0])
			pending = pending[1:]
		}
		sleep(ctx, time.Duration(300+rng.IntN(700))*time.Millisecond)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// order places one order of 1-3 random seats, sometimes with standing places or the public
// discount. A request that got no answer, or 5xx, is sent again with the same key and body:
// it must come back as the same order if the first one was created.
func (tr *traffic) order(ctx context.Context, user string, rng *rand.Rand) (placed, bool) {
	f := tr.f
	body := map[string]any{"session_id": f.SessionA}
	n := 1 + rng.IntN(3)
	seats := map[string]bool{}
	for len(seats) < n {
		seats[f.SeatsA[rng.IntN(len(f.SeatsA))]] = true
	}
	ids := make([]string, 0, n)
	for s := range seats {
		ids = append(ids, s)
	}
	sort.Strings(ids)
	body["seat_ids"] = ids
	if rng.IntN(5) == 0 {
		body["standing"] = []map[string]any{{"block_id": f.Standing, "quantity": 1 + rng.IntN(2)}}
	}
	if rng.IntN(5) == 0 {
		body["discount_code"] = "CHAOS10"
	}
	key := uuid.NewString()
	use := keyUse{Buyer: user, Key: key}
	defer func() {
		tr.mu.Lock()
		tr.keys[user+"\x00"+key] = use
		tr.mu.Unlock()
	}()
	for attempt := 0; attempt < 8 && ctx.Err() == nil; attempt++ {
		r := tr.e.api.do(context.Background(), http.MethodPost, tr.e.orderURL()+"/api/v1/orders", tr.e.users.token(user), body,
			"Idempotency-Key", key)
		tr.tally.add("order", r)
		if r.Status != 0 {
			use.Answered = true
		}
		if r.Status == http.StatusCreated {
			var o struct {
				ID         string `json:"id"`
				TotalMinor int64  `json:"total_minor"`
				Payment    struct {
					PaymentIntentID string `json:"payment_intent_id"`
				} `json:"payment"`
			}
			if err := r.decode(&o); err != nil || o.ID == "" {
				tr.e.violation("order answer without an id: %s", r)
				return placed{}, false
			}
			use.OrderID = o.ID
			return placed{ID: o.ID, Buyer: user, Key: key, Total: o.TotalMinor, PI: o.Payment.PaymentIntentID, Created: time.Now()}, true
		}
		if r.Status != 0 && r.Status < 500 {
			return placed{}, false // 409 (taken), 422, … : a decided answer
		}
		sleep(ctx, time.Duration(300+attempt*200)*time.Millisecond)
	}
	return placed{}, false
}

// pay queues a signed webhook about the order's payment intent.
func (tr *traffic) pay(o placed, typ string) {
	if o.PI == "" {
		return // a free order is paid at creation
	}
	tr.hooksDue.Add(1)
	tr.hooks <- hook{EventID: "evt_" + uuid.NewString(), Type: typ, PI: o.PI, OrderID: o.ID, Amount: o.Total}
}

// deliverHooks sends the queued webhooks as Stripe would: until one is accepted (2xx),
// and now and then a second time (the order service must process each event once).
func (tr *traffic) deliverHooks() {
	for h := range tr.hooks {
		r := tr.sendHook(h)
		tr.tally.add("webhook", r)
		if !r.ok() {
			h.Attempts++
			go func() { // redelivered a little later, without blocking the others
				time.Sleep(time.Duration(min(h.Attempts, 10)) * 300 * time.Millisecond)
				tr.hooks <- h
			}()
			continue
		}
		var res struct {
			Outcome string `json:"outcome"`
		}
		_ = json.Unmarshal(r.Body, &res)
		if h.Type == "payment_intent.succeeded" {
			tr.mu.Lock()
			if _, seen := tr.accepted[h.OrderID]; !seen {
				tr.accepted[h.OrderID] = res.Outcome
				if res.Outcome == "paid" {
					tr.paid = append(tr.paid, placed{ID: h.OrderID, PI: h.PI, Total: h.Amount})
				}
			}
			tr.mu.Unlock()
		}
		if h.Attempts == 0 && rand.IntN(10) == 0 { // a duplicate delivery of an accepted event
			h.Attempts = -1
			tr.hooksDue.Add(1)
			tr.hooks <- h
		}
		tr.hooksDue.Done()
	}
}

func (tr *traffic) sendHook(h hook) reply {
	obj := map[string]any{"id": h.PI, "object": "payment_intent", "amount": h.Amount, "currency": "eur",
		"metadata": map[string]string{"order_id": h.OrderID}}
	if h.Type == "payment_intent.succeeded" {
		obj["amount_received"], obj["status"] = h.Amount, "succeeded"
	} else {
		obj["amount_received"], obj["status"] = 0, "requires_payment_method"
		obj["last_payment_error"] = map[string]any{"message": "Your card was declined."}
	}
	payload, _ := json.Marshal(map[string]any{"id": h.EventID, "object": "event", "type": h.Type, "api_version": "2023-10-16",
		"created": time.Now().Unix(), "data": map[string]any{"object": obj}})
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: tr.e.s.WebhookSecret})
	return tr.e.api.do(context.Background(), http.MethodPost, tr.e.orderURL()+"/api/v1/webhooks/stripe", "", payload,
		"Stripe-Signature", signed.Header)
}

// drain waits until every queued webhook was accepted, or the time is up.
func (tr *traffic) drain(within time.Duration) error {
	done := make(chan struct{})
	go func() { tr.hooksDue.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(within):
		return fmt.Errorf("webhooks still refused after %s", within)
	}
}

// cancel cancels a buyer's order, retrying while the order service does not answer.
func (tr *traffic) cancel(ctx context.Context, o placed) {
	for attempt := 0; attempt < 8; attempt++ {
		r := tr.e.api.do(context.Background(), http.MethodPost, tr.e.orderURL()+"/api/v1/orders/"+o.ID+"/cancel",
			tr.e.users.token(o.Buyer), nil)
		tr.tally.add("cancel", r)
		if r.Status != 0 && r.Status < 500 {
			return
		}
		sleep(ctx, time.Duration(300+attempt*200)*time.Millisecond)
		if ctx.Err() != nil {
			return
		}
	}
}

// organizer edits the catalog through event-command and the seats through the order
// service, one action at a time, until ctx ends. Descriptions are left to the catch-up
// markers.
func (tr *traffic) organizer(ctx context.Context) {
	f, s := tr.f, tr.e.s
	org, adm := tr.e.users.token(organizer), tr.e.users.token(admin)
	cmd, ord := s.CommandURL+"/api/v1", tr.e.orderURL()+"/api/v1"
	var discounts []string
	var blocked []string
	rng := rand.New(rand.NewPCG(7, uint64(time.Now().UnixNano())))
	act := func(kind, method, url, token string, body any) reply {
		r := tr.e.api.do(context.Background(), method, url, token, body)
		tr.tally.add(kind, r)
		return r
	}
	for n := 1; ctx.Err() == nil; n++ {
		switch n % 10 {
		case 0:
			act("edit event", http.MethodPatch, cmd+"/events/"+f.EventID, org, map[string]any{"overview": fmt.Sprintf("ov-%d", n),
				"title": fmt.Sprintf("Chaos %s t%d", f.Run, n)})
		case 1:
			act("edit tier", http.MethodPatch, cmd+"/tiers/"+f.TierStd, org, map[string]any{"price_minor": 3000 + (n%7)*100,
				"colour": fmt.Sprintf("#0000%02x", n%256)})
		case 2:
			act("edit session", http.MethodPatch, cmd+"/sessions/"+f.SessionA, org, map[string]any{
				"venue": map[string]any{"name": fmt.Sprintf("Chaos Hall %d", n), "address": "1 Fault Lane", "latitude": 52.1, "longitude": 5.1}})
		case 3:
			code := fmt.Sprintf("CH%d", n)
			body := map[string]any{"code": code, "kind": "PERCENTAGE", "percent": 1 + n%50, "public": n%20 == 3}
			if n%20 == 13 {
				body = map[string]any{"code": code, "kind": "FLAT_OFF", "amount_minor": 100 + n, "min_spend_minor": 1000, "public": true,
					"tier_ids": []string{f.TierStd}, "session_ids": []string{f.SessionA}}
			}
			var d struct {
				ID string `json:"id"`
			}
			if r := act("add discount", http.MethodPost, cmd+"/events/"+f.EventID+"/discounts", org, body); r.ok() && r.decode(&d) == nil {
				discounts = append(discounts, d.ID)
			}
		case 4:
			if len(discounts) > 0 {
				act("edit discount", http.MethodPatch, cmd+"/discounts/"+discounts[len(discounts)-1], org,
					map[string]any{"usage_limit": 10 + n, "public": n%3 == 0})
			}
			if len(discounts) > 4 {
				if r := act("delete discount", http.MethodDelete, cmd+"/discounts/"+discounts[0], org, nil); r.ok() || r.Status == http.StatusNotFound {
					discounts = discounts[1:]
				}
			}
		case 5:
			act("edit org", http.MethodPatch, cmd+"/organizations/"+f.OrgID, org, map[string]any{
				"website": fmt.Sprintf("https://chaos.example/%s/%d", f.Run, n), "logo_url": fmt.Sprintf("https://chaos.example/logo-%d.png", n)})
		case 6:
			roles := []string{"SCANNER"}
			if n%20 == 6 {
				roles = []string{"ADMIN", "SCANNER"}
			}
			if n%30 == 16 {
				act("remove member", http.MethodDelete, cmd+"/organizations/"+f.OrgID+"/members/"+f.ScannerSub, org, nil)
			} else {
				act("put member", http.MethodPut, cmd+"/organizations/"+f.OrgID+"/members/"+f.ScannerSub, org, map[string]any{"roles": roles})
			}
		case 7:
			act("edit category", http.MethodPatch, cmd+"/categories/"+f.CatID, adm, map[string]any{"name": fmt.Sprintf("Chaos %s sub %d", f.Run, n)})
		case 8:
			if len(blocked) >= 3 {
				if r := act("unblock seats", http.MethodPost, ord+"/sessions/"+f.SessionA+"/unblocks", org, map[string]any{"seat_ids": blocked[:1]}); r.ok() {
					blocked = blocked[1:]
				}
			} else {
				seat := f.SeatsA[rng.IntN(len(f.SeatsA))]
				if r := act("block seats", http.MethodPost, ord+"/sessions/"+f.SessionA+"/blocks", org, map[string]any{"seat_ids": []string{seat}}); r.ok() {
					blocked = append(blocked, seat)
				}
			}
		case 9:
			tr.refundOldest(ctx, ord, org, act)
		}
		sleep(ctx, time.Duration(150+rng.IntN(250))*time.Millisecond)
	}
}

// refundOldest fully refunds the oldest paid order the traffic made, which frees its seats.
func (tr *traffic) refundOldest(ctx context.Context, ord, token string, act func(kind, method, url, token string, body any) reply) {
	tr.mu.Lock()
	if len(tr.paid) == 0 {
		tr.mu.Unlock()
		return
	}
	o := tr.paid[0]
	tr.mu.Unlock()
	r := act("refund", http.MethodPost, ord+"/orders/"+o.ID+"/refunds", token, nil)
	if r.Status != 0 && r.Status < 500 {
		tr.mu.Lock()
		tr.paid = slices.DeleteFunc(tr.paid, func(p placed) bool { return p.ID == o.ID })
		if r.ok() {
			tr.refunded[o.ID] = true
		}
		tr.mu.Unlock()
	}
}
