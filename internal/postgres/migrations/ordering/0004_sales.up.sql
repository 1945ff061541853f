-- Organizer views and exact shares (SPEC section 12).

-- Each ticket's share of what its order paid: the discount spread over the order's tickets
-- in proportion to their prices, remainders by largest remainder (ordering.SplitTotal), so
-- an order's shares add up to its total. Tickets issued before this column existed get
-- their price when the order had no discount; for discounted orders the same rule is
-- applied here, over the order's tickets with ties broken by ticket id (the service breaks
-- them by line order for new tickets), which keeps the sum exact.
ALTER TABLE tickets ADD COLUMN price_paid_minor bigint;

WITH t AS (
    SELECT t.id, t.order_id, t.price_minor::numeric AS price,
           LEAST(o.total_minor, sum(t.price_minor) OVER w)::numeric AS total,
           sum(t.price_minor) OVER w::numeric AS base
    FROM tickets t JOIN orders o ON o.id = t.order_id
    WINDOW w AS (PARTITION BY t.order_id)
), f AS (
    SELECT id, order_id, total,
           CASE WHEN base = 0 THEN 0 ELSE floor(price * total / base) END AS share,
           CASE WHEN base = 0 THEN 0 ELSE mod(price * total, base) END AS rem
    FROM t
), r AS (
    SELECT id, share,
           total - sum(share) OVER (PARTITION BY order_id) AS left_over,
           row_number() OVER (PARTITION BY order_id ORDER BY rem DESC, id) AS rank
    FROM f
)
UPDATE tickets SET price_paid_minor = (r.share + CASE WHEN r.rank <= r.left_over THEN 1 ELSE 0 END)::bigint
FROM r WHERE r.id = tickets.id;

ALTER TABLE tickets ALTER COLUMN price_paid_minor SET NOT NULL;
ALTER TABLE tickets ADD CONSTRAINT tickets_price_paid_check CHECK (price_paid_minor >= 0 AND price_paid_minor <= price_minor);

-- A signed payment_intent.succeeded whose amount or currency is not its order's: the order
-- is not paid (it stays PENDING_PAYMENT and expires); the event's row says so, with what it
-- carried, for review (counted in ticketly_payment_mismatches_total). stripe_events is not
-- copied to Kafka, and neither are these columns.
ALTER TABLE stripe_events ADD COLUMN mismatch boolean NOT NULL DEFAULT false;
ALTER TABLE stripe_events ADD COLUMN amount_minor bigint;
ALTER TABLE stripe_events ADD COLUMN currency text;
CREATE INDEX stripe_events_mismatch_idx ON stripe_events (received_at) WHERE mismatch;

-- The organizer views page an event's or a session's orders newest first, and count a
-- session's tickets.
CREATE INDEX orders_event_created_idx ON orders (event_id, created_at DESC, id DESC);
CREATE INDEX orders_session_created_idx ON orders (session_id, created_at DESC, id DESC);
CREATE INDEX tickets_session_idx ON tickets (session_id);
CREATE INDEX tickets_event_idx ON tickets (event_id);
