-- What a ticket prints must not depend on the catalog layout at payment time (an organizer
-- may edit the layout while an order waits for its payment): allocations keep the block and
-- label of their seat, standing allocations the name of their block.
ALTER TABLE seat_allocations ADD COLUMN block_id text NOT NULL DEFAULT '';
ALTER TABLE seat_allocations ADD COLUMN label text NOT NULL DEFAULT '';
ALTER TABLE standing_allocations ADD COLUMN block_name text NOT NULL DEFAULT '';

-- Lookups the order service makes: live allocations of a standing block (seeding the gate
-- after a Redis flush), the refunds of an order, and the purge of idempotency keys past
-- their retention.
CREATE INDEX standing_allocations_block_idx ON standing_allocations (session_id, block_id) WHERE status IN ('HELD','SOLD');
CREATE INDEX refunds_order_idx ON refunds (order_id);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
