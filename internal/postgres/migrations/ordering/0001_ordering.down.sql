DROP TABLE IF EXISTS refunds, stripe_events, tickets, idempotency_keys, discount_redemptions, discount_usage,
    seat_changes, standing_allocations, standing_inventory, seat_allocations, orders, session_inventory;
