// Package orderingtest holds in-memory implementations of the ordering ports (catalog,
// repository, admission gate, payments, ticket signer, observer) for unit tests of
// ordering.Service, and the contract suite every ordering.Holds implementation passes
// (HoldsContract): the Redis gate in internal/locking and the in-memory Holds here.
//
// The fakes keep the semantics the use cases rely on (all-or-nothing holds, the database
// constraints that refuse a second live allocation of a seat, standing capacity, discount
// usage limits, idempotency records, payment events applied once) and nothing else. They
// are safe for concurrent use.
package orderingtest
