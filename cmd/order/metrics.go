package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticketly/ticketly/internal/ordering"
)

// orderMetrics counts what the order use cases did (ordering.Observer).
type orderMetrics struct {
	placed      prometheus.Counter
	held        prometheus.Counter
	sold        prometheus.Counter
	revenue     *prometheus.CounterVec
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
		held: prometheus.NewCounter(prometheus.CounterOpts{Name: "ticketly_places_held_total",
			Help: "Seats and standing places held by created orders."}),
		sold: prometheus.NewCounter(prometheus.CounterOpts{Name: "ticketly_places_sold_total",
			Help: "Seats and standing places of orders that became PAID."}),
		revenue: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketly_revenue_minor_total",
			Help: "Totals of orders that became PAID, in minor units, by currency (refunds not deducted)."}, []string{"currency"}),
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
	m.collectable = []prometheus.Collector{m.placed, m.held, m.sold, m.revenue, m.refused, m.gateDown, m.expired, m.payments, m.mismatches}
	return m
}

func (m *orderMetrics) Placed(o *ordering.Order) {
	m.placed.Inc()
	m.held.Add(float64(o.Places()))
}
func (m *orderMetrics) Paid(o *ordering.Order) {
	m.sold.Add(float64(o.Places()))
	m.revenue.WithLabelValues(o.Currency()).Add(float64(o.TotalMinor()))
}
func (m *orderMetrics) Refused(stage string) { m.refused.WithLabelValues(stage).Inc() }
func (m *orderMetrics) GateUnavailable()     { m.gateDown.Inc() }
func (m *orderMetrics) Expired(n int)        { m.expired.Add(float64(n)) }
func (m *orderMetrics) PaymentEvent(o ordering.PaymentOutcome) {
	m.payments.WithLabelValues(string(o)).Inc()
	if o == ordering.OutcomeMismatch {
		m.mismatches.Inc()
	}
}
