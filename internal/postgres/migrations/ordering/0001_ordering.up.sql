-- The write model of the order service (schema ordering): the truth about who holds or owns
-- which seat. Redis is only the admission gate; the partial unique index on
-- seat_allocations is what makes a second live hold or sale of a seat impossible.

-- One row per session that has ever had a seat change: its dense inventory version, bumped
-- once by every transaction that changes a seat status of the session (holds, sales,
-- releases, organizer blocks). It orders all seat changes and is the SSE event id.
CREATE TABLE session_inventory (
    session_id  uuid PRIMARY KEY,
    event_id    uuid NOT NULL,
    version     bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
    id                 uuid PRIMARY KEY,
    buyer_id           text NOT NULL,                 -- Keycloak sub
    buyer_email        text NOT NULL DEFAULT '',
    session_id         uuid NOT NULL,
    event_id           uuid NOT NULL,
    organization_id    uuid NOT NULL,
    status             text NOT NULL CHECK (status IN ('PENDING_PAYMENT','PAID','EXPIRED','CANCELLED','REFUNDED','PARTIALLY_REFUNDED')),
    subtotal_minor     bigint NOT NULL CHECK (subtotal_minor >= 0),
    discount_minor     bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
    total_minor        bigint NOT NULL CHECK (total_minor >= 0),
    refunded_minor     bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
    currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    discount_id        uuid,
    discount_code      text NOT NULL DEFAULT '',
    expires_at         timestamptz NOT NULL,
    payment_intent_id  text,
    status_reason      text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    paid_at            timestamptz,
    CHECK (total_minor = subtotal_minor - discount_minor),
    CHECK (refunded_minor <= total_minor)
);
CREATE INDEX orders_buyer_idx ON orders (buyer_id, created_at DESC);
CREATE INDEX orders_session_idx ON orders (session_id);
CREATE INDEX orders_pending_expiry_idx ON orders (expires_at) WHERE status = 'PENDING_PAYMENT';
CREATE UNIQUE INDEX orders_payment_intent_idx ON orders (payment_intent_id) WHERE payment_intent_id IS NOT NULL;

-- One row per seat per order (or per organizer block). status HELD -> SOLD, or -> RELEASED
-- on expiry/cancel/refund; BLOCKED rows are organizer blocks made after sales opened.
CREATE TABLE seat_allocations (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id   uuid NOT NULL,
    seat_id      uuid NOT NULL,
    order_id     uuid REFERENCES orders (id),
    status       text NOT NULL CHECK (status IN ('HELD','SOLD','RELEASED','BLOCKED')),
    tier_id      uuid,
    price_minor  bigint NOT NULL DEFAULT 0 CHECK (price_minor >= 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'BLOCKED') = (order_id IS NULL))
);
-- The final guard: at most one live (held, sold or blocked) allocation per seat of a session.
CREATE UNIQUE INDEX seat_allocations_live_idx ON seat_allocations (session_id, seat_id)
    WHERE status IN ('HELD','SOLD','BLOCKED');
CREATE INDEX seat_allocations_order_idx ON seat_allocations (order_id);

-- General admission: capacity counted as a quantity; taken can never exceed capacity.
CREATE TABLE standing_inventory (
    session_id  uuid NOT NULL,
    block_id    text NOT NULL,
    capacity    bigint NOT NULL CHECK (capacity >= 0),
    taken       bigint NOT NULL DEFAULT 0 CHECK (taken >= 0),
    PRIMARY KEY (session_id, block_id),
    CHECK (taken <= capacity)
);

CREATE TABLE standing_allocations (
    order_id     uuid NOT NULL REFERENCES orders (id),
    session_id   uuid NOT NULL,
    block_id     text NOT NULL,
    quantity     int NOT NULL CHECK (quantity > 0),
    status       text NOT NULL CHECK (status IN ('HELD','SOLD','RELEASED')),
    tier_id      uuid,
    price_minor  bigint NOT NULL DEFAULT 0 CHECK (price_minor >= 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, block_id)
);

-- Seat-change feed (an outbox in the same transaction as the change): one row per inventory
-- version of a session, with the seats whose status changed and the standing areas'
-- availability after it. CDC carries it to the read model and every SSE replica.
CREATE TABLE seat_changes (
    session_id  uuid NOT NULL,
    version     bigint NOT NULL,
    status      text NOT NULL CHECK (status IN ('LOCKED','BOOKED','AVAILABLE','BLOCKED')),
    seat_ids    uuid[] NOT NULL DEFAULT '{}',
    standing    jsonb NOT NULL DEFAULT '[]',   -- [{"block_id":"…","available":n}]
    order_id    uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, version)
);

-- Discount uses: reserved at order creation, confirmed when paid, released otherwise.
CREATE TABLE discount_usage (
    discount_id  uuid PRIMARY KEY,
    used         int NOT NULL DEFAULT 0 CHECK (used >= 0),
    usage_limit  int CHECK (usage_limit > 0),
    CHECK (usage_limit IS NULL OR used <= usage_limit)
);
CREATE TABLE discount_redemptions (
    order_id     uuid PRIMARY KEY REFERENCES orders (id),
    discount_id  uuid NOT NULL,
    status       text NOT NULL CHECK (status IN ('RESERVED','CONFIRMED','RELEASED')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Idempotency-Key of POST /api/v1/orders, scoped to the buyer, kept at least 24 h.
CREATE TABLE idempotency_keys (
    buyer_id         text NOT NULL,
    key              text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash     text NOT NULL,
    response_status  int NOT NULL,
    response_body    jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (buyer_id, key)
);

CREATE TABLE tickets (
    id              uuid PRIMARY KEY,
    order_id        uuid NOT NULL REFERENCES orders (id),
    session_id      uuid NOT NULL,
    event_id        uuid NOT NULL,
    organization_id uuid NOT NULL,
    seat_id         uuid,
    block_id        text NOT NULL,
    label           text NOT NULL,
    tier_id         uuid,
    price_minor     bigint NOT NULL,
    qr_payload      text NOT NULL,
    status          text NOT NULL CHECK (status IN ('VALID','VOID')),
    issued_at       timestamptz NOT NULL DEFAULT now(),
    checked_in_at   timestamptz,
    checked_in_by   text
);
CREATE INDEX tickets_order_idx ON tickets (order_id);

-- Stripe events applied, so each is processed exactly once.
CREATE TABLE stripe_events (
    id           text PRIMARY KEY,
    type         text NOT NULL,
    order_id     uuid,
    received_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE refunds (
    id                uuid PRIMARY KEY,
    order_id          uuid NOT NULL REFERENCES orders (id),
    amount_minor      bigint NOT NULL CHECK (amount_minor > 0),
    reason            text NOT NULL,
    stripe_refund_id  text,
    requested_by      text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE orders REPLICA IDENTITY FULL;
ALTER TABLE seat_allocations REPLICA IDENTITY FULL;
ALTER TABLE standing_allocations REPLICA IDENTITY FULL;
ALTER TABLE seat_changes REPLICA IDENTITY FULL;
ALTER TABLE tickets REPLICA IDENTITY FULL;
