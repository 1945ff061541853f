package orderingtest

import (
	"context"
	"fmt"
	"sync"

	"github.com/ticketly/ticketly/internal/ordering"
)

// Payments is an in-memory payment provider: intents and refunds are created once per
// idempotency key, as Stripe does.
type Payments struct {
	mu        sync.Mutex
	n         int
	intents   map[string]ordering.Intent // by idempotency key
	requests  map[string]ordering.IntentRequest
	secrets   map[string]string // by intent ID
	cancelled map[string]bool
	refunds   map[string]string // refund ID by idempotency key
	refunded  map[string]int64  // by intent ID
	failNext  map[string]error
	failAll   map[string]error
}

var _ ordering.Payments = (*Payments)(nil)

// NewPayments returns a provider with no intents.
func NewPayments() *Payments {
	return &Payments{intents: map[string]ordering.Intent{}, requests: map[string]ordering.IntentRequest{},
		secrets: map[string]string{}, cancelled: map[string]bool{}, refunds: map[string]string{},
		refunded: map[string]int64{}, failNext: map[string]error{}, failAll: map[string]error{}}
}

// Fail makes every later call of method (CreateIntent, ClientSecret, CancelIntent, Refund)
// fail with err; nil heals it.
func (p *Payments) Fail(method string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failAll[method] = err
}

// FailOnce makes the next call of method fail with err.
func (p *Payments) FailOnce(method string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failNext[method] = err
}

func (p *Payments) failure(method string) error {
	if err := p.failNext[method]; err != nil {
		delete(p.failNext, method)
		return err
	}
	return p.failAll[method]
}

// Intents returns how many payment intents were created.
func (p *Payments) Intents() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.intents)
}

// Request returns what the intent was created for.
func (p *Payments) Request(intentID string) (ordering.IntentRequest, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for key, in := range p.intents {
		if in.ID == intentID {
			return p.requests[key], true
		}
	}
	return ordering.IntentRequest{}, false
}

// Cancelled reports whether the intent was cancelled.
func (p *Payments) Cancelled(intentID string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cancelled[intentID]
}

// Refunded returns how much of the intent was refunded.
func (p *Payments) Refunded(intentID string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refunded[intentID]
}

// CreateIntent creates (or, for the same idempotency key, returns) a payment intent.
func (p *Payments) CreateIntent(ctx context.Context, in ordering.IntentRequest) (ordering.Intent, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.failure("CreateIntent"); err != nil {
		return ordering.Intent{}, err
	}
	if it, ok := p.intents[in.IdempotencyKey]; ok {
		return it, nil
	}
	p.n++
	it := ordering.Intent{ID: fmt.Sprintf("pi_test_%d", p.n), ClientSecret: fmt.Sprintf("pi_test_%d_secret", p.n)}
	p.intents[in.IdempotencyKey], p.requests[in.IdempotencyKey], p.secrets[it.ID] = it, in, it.ClientSecret
	return it, nil
}

// ClientSecret returns the client secret of an intent.
func (p *Payments) ClientSecret(ctx context.Context, id string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.failure("ClientSecret"); err != nil {
		return "", err
	}
	s, ok := p.secrets[id]
	if !ok {
		return "", fmt.Errorf("no payment intent %s: %w", id, ordering.ErrPaymentRejected)
	}
	return s, nil
}

// CancelIntent cancels an intent.
func (p *Payments) CancelIntent(ctx context.Context, id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.failure("CancelIntent"); err != nil {
		return err
	}
	p.cancelled[id] = true
	return nil
}

// Refund refunds amount of an intent once per idempotency key.
func (p *Payments) Refund(ctx context.Context, id string, amount int64, key string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.failure("Refund"); err != nil {
		return "", err
	}
	if r, ok := p.refunds[key]; ok {
		return r, nil
	}
	p.n++
	r := fmt.Sprintf("re_test_%d", p.n)
	p.refunds[key] = r
	p.refunded[id] += amount
	return r, nil
}
