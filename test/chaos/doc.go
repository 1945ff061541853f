// Package chaos is the chaos suite of the local stack (SPEC section 7, `make chaos`; a
// bounded form ends `make test`). While buyers order, pay through signed Stripe webhooks and
// cancel, and an organizer edits through event-command, it kills -9 in turn Debezium, Kafka,
// the MongoDB wire server, an event-query replica and the order service in the middle of a
// wave of buyers, and restarts PostgreSQL and Redis; the stack's own scripts bring each back.
// Once everything settled it checks that every read-model document equals what PostgreSQL
// implies, that no seat is sold twice, that no order is stuck, that no Redis hold outlives
// its row and that every paid order has its tickets, and it prints each fault's recovery time.
//
// The tests carry the build tag `chaos`: they kill shared components, so `go test ./...` never
// runs them. Run them through deploy/local/chaos.sh, which leaves the stack up whatever
// happens.
package chaos
