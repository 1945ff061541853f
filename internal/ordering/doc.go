// Package ordering is the order service's domain: what a buyer may order (request rules),
// what it costs (tier prices and the three discount kinds, in minor units, rounded down),
// the order aggregate with its state machine (PENDING_PAYMENT → PAID | EXPIRED | CANCELLED,
// PAID → PARTIALLY_REFUNDED → REFUNDED), tickets, and the use cases that drive holds,
// storage and payments through ports.
//
// It imports no database, cache, HTTP or payment-provider library: adapters (internal/postgres,
// internal/locking, internal/stripe, internal/tickets) implement the ports in ports.go.
//
// The guarantees the use cases rely on:
//   - Redis holds (Holds) are only an admission gate: a conflict there is answered 409 before
//     any PostgreSQL write, but a success there proves nothing.
//   - The Repository is the truth: a live (held, sold or blocked) seat exists at most once per
//     session and standing areas never exceed capacity, by database constraints; every
//     transaction that changes what a seat map shows writes one seat-change row per bump of
//     the session's dense inventory version.
//   - Stripe events are applied exactly once, in the same transaction as their effect.
package ordering
