package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticketly/ticketly/internal/ordering"
)

// orderMetrics counts what the order use cases did (ordering.Observer).
type orderMetrics struct {
	placed      prometheus.Counter
	refused     *prometheus.CounterVec
	gateDown    prometheus.Counter
	expired     prometheus.Counter
	payments    *prometheus.CounterVec
	mismatches  prometheus.Counter
	collectable []prometheus.Collector
}

var _ ordering.Observer = (*orderMetrics)(nil)

func newOrderMetrics() *orderMetrics {
	m := &orderMetrics{
		placed: prometheus.NewCounter(prometheus.CounterOpts{Name: "ticketly_orders_placed_total",
			Help: "Orders created (held seats in PostgreSQL)."}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketly_order_conflicts_total",
			Help: "Order placements answered 409, by where they were refused: gate (Redis, before any write) or database (constraints)."},
			[]string{"stage"}),
		gateDown: prometheus.NewCounter(prometheus.CounterOpts{Name: "ticketly_order_gate_unavailable_total",
			Help: "Holds decided by PostgreSQL alone because Redis failed."}),
		expired: prometheus.NewCounter(prometheus.CounterOpts{Name: "ticketly_orders_expired_total",
			Help: "Unpaid orders expired by the sweep."}),
		payments: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketly_payment_events_total",
			Help: "Stripe payment events applied, by outcome."}, []string{"outcome"}),
		mismatches: prometheus.NewCounter(prometheus.CounterOpts{Name: "ticketly_payment_mismatches_total",
			Help: "Signed payment_intent.succeeded events whose amount or currency did not match their order (the order was not paid); alert on any increase."}),
	}
	m.collectable = []prometheus.Collector{m.placed, m.refused, m.gateDown, m.expired, m.payments, m.mismatches}
	return m
}

func (m *orderMetrics) Placed()              { m.placed.Inc() }
func (m *orderMetrics) Refused(stage string) { m.refused.WithLabelValues(stage).Inc() }
func (m *orderMetrics) GateUnavailable()     { m.gateDown.Inc() }
func (m *orderMetrics) Expired(n int)        { m.expired.Add(float64(n)) }
func (m *orderMetrics) PaymentEvent(o ordering.PaymentOutcome) {
	m.payments.WithLabelValues(string(o)).Inc()
	if o == ordering.OutcomeMismatch {
		m.mismatches.Inc()
	}
}
