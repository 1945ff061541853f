-- The write model of event-command (schema catalog). Every table is captured by Debezium
-- (publication ticketly_pub covers the schema) with full before-images, so deletes and
-- updates carry the columns the projectors key and route on.

CREATE TABLE organizations (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    website     text NOT NULL DEFAULT '',
    logo_url    text NOT NULL DEFAULT '',
    owner_id    text NOT NULL,                      -- Keycloak sub
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organizations_owner_idx ON organizations (owner_id);

CREATE TABLE organization_members (
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         text NOT NULL,                  -- Keycloak sub
    roles           text[] NOT NULL CHECK (roles <@ ARRAY['ADMIN','SCANNER']::text[] AND cardinality(roles) > 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX organization_members_user_idx ON organization_members (user_id);

CREATE TABLE categories (
    id          uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    parent_id   uuid REFERENCES categories (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE events (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    category_id      uuid REFERENCES categories (id),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description      text NOT NULL DEFAULT '',
    overview         text NOT NULL DEFAULT '',
    cover_images     jsonb NOT NULL DEFAULT '[]',
    status           text NOT NULL CHECK (status IN ('DRAFT','PENDING','APPROVED','REJECTED','COMPLETED')),
    rejection_reason text NOT NULL DEFAULT '',
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_organization_idx ON events (organization_id);
CREATE INDEX events_status_idx ON events (status);

CREATE TABLE tiers (
    id           uuid PRIMARY KEY,
    event_id     uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    colour       text NOT NULL DEFAULT '',
    price_minor  bigint NOT NULL CHECK (price_minor >= 0),
    currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tiers_event_idx ON tiers (event_id);

-- layout: {"blocks":[{"id","name","type":"seated_grid|standing|non_sellable",
--   "rows":[{"label","seats":[{"id","label","tier_id"}]}], "capacity", "tier_id"}],
--   "blocked_seat_ids":[...]}
CREATE TABLE sessions (
    id                uuid PRIMARY KEY,
    event_id          uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    start_time        timestamptz NOT NULL,
    end_time          timestamptz NOT NULL,
    sales_start_time  timestamptz NOT NULL,
    sales_end_time    timestamptz NOT NULL,
    session_type      text NOT NULL CHECK (session_type IN ('PHYSICAL','ONLINE')),
    venue             jsonb,          -- {"name","address","latitude","longitude"}
    online_link       text NOT NULL DEFAULT '',
    status            text NOT NULL CHECK (status IN ('SCHEDULED','ON_SALE','SOLD_OUT','CLOSED','CANCELLED')),
    layout            jsonb NOT NULL DEFAULT '{"blocks":[]}',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (end_time > start_time),
    CHECK (sales_end_time > sales_start_time)
);
CREATE INDEX sessions_event_idx ON sessions (event_id);

CREATE TABLE seating_templates (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    layout           jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX seating_templates_org_idx ON seating_templates (organization_id);

CREATE TABLE discounts (
    id                  uuid PRIMARY KEY,
    event_id            uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    code                text NOT NULL CHECK (code ~ '^[A-Z0-9_-]{2,40}$'),
    kind                text NOT NULL CHECK (kind IN ('PERCENTAGE','FLAT_OFF','BUY_N_GET_N_FREE')),
    percent             int CHECK (percent BETWEEN 1 AND 100),
    amount_minor        bigint CHECK (amount_minor > 0),
    min_spend_minor     bigint NOT NULL DEFAULT 0 CHECK (min_spend_minor >= 0),
    max_discount_minor  bigint CHECK (max_discount_minor > 0),
    buy                 int CHECK (buy > 0),
    get                 int CHECK (get > 0),
    usage_limit         int CHECK (usage_limit > 0),
    active_from         timestamptz,
    active_until        timestamptz,
    is_public           boolean NOT NULL DEFAULT false,
    tier_ids            uuid[] NOT NULL DEFAULT '{}',
    session_ids         uuid[] NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, code),
    CHECK ((kind = 'PERCENTAGE' AND percent IS NOT NULL)
        OR (kind = 'FLAT_OFF' AND amount_minor IS NOT NULL)
        OR (kind = 'BUY_N_GET_N_FREE' AND buy IS NOT NULL AND get IS NOT NULL))
);
CREATE INDEX discounts_event_idx ON discounts (event_id);

ALTER TABLE organizations REPLICA IDENTITY FULL;
ALTER TABLE organization_members REPLICA IDENTITY FULL;
ALTER TABLE categories REPLICA IDENTITY FULL;
ALTER TABLE events REPLICA IDENTITY FULL;
ALTER TABLE tiers REPLICA IDENTITY FULL;
ALTER TABLE sessions REPLICA IDENTITY FULL;
ALTER TABLE seating_templates REPLICA IDENTITY FULL;
ALTER TABLE discounts REPLICA IDENTITY FULL;
