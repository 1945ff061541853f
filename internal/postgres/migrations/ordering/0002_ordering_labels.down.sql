DROP INDEX IF EXISTS idempotency_keys_created_idx, refunds_order_idx, standing_allocations_block_idx;
ALTER TABLE standing_allocations DROP COLUMN IF EXISTS block_name;
ALTER TABLE seat_allocations DROP COLUMN IF EXISTS label;
ALTER TABLE seat_allocations DROP COLUMN IF EXISTS block_id;
