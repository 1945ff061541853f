-- The scheduler's own state (schema scheduling). Only trending is captured by Debezium (it
-- feeds event-query's trending read model); jobs and subscriptions stay internal.

-- Durable jobs. The key is deterministic (e.g. 'session.open:<session id>',
-- 'mail:order.confirmed:<order id>:<address>'), so planning the same job twice (a replayed
-- CDC record, two replicas) is one row, and a mail's key makes it at most once per recipient
-- and purpose. A replica claims a due job with SELECT … FOR UPDATE SKIP LOCKED inside a
-- transaction that also runs the job's effect and records the outcome: a replica that dies
-- mid-job loses its connection, so its lock goes with it and the job is pending again.
CREATE TABLE jobs (
    key            text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 500),
    kind           text NOT NULL,
    payload        jsonb NOT NULL DEFAULT '{}',
    due_at         timestamptz NOT NULL,
    state          text NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING','DONE','DROPPED','FAILED')),
    attempts       int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error     text NOT NULL DEFAULT '',
    outcome        text NOT NULL DEFAULT '',
    -- Position of the CDC record that last planned the job (Debezium LSN): an older record
    -- replayed later never moves it back.
    source_lsn     bigint NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    done_at        timestamptz
);
CREATE INDEX jobs_due_idx ON jobs (due_at) WHERE state = 'PENDING';
CREATE INDEX jobs_kind_idx ON jobs (kind, state);

-- Who follows what: exactly one target per row. The address is the `email` claim of the
-- token that subscribed (or that placed the order, for buyers who follow their session).
CREATE TABLE subscriptions (
    id               uuid PRIMARY KEY,
    user_id          text NOT NULL,
    email            text NOT NULL DEFAULT '',
    event_id         uuid,
    session_id       uuid,
    organization_id  uuid,
    source           text NOT NULL DEFAULT 'user' CHECK (source IN ('user','purchase')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(event_id, session_id, organization_id) = 1)
);
CREATE UNIQUE INDEX subscriptions_event_uq ON subscriptions (user_id, event_id) WHERE event_id IS NOT NULL;
CREATE UNIQUE INDEX subscriptions_session_uq ON subscriptions (user_id, session_id) WHERE session_id IS NOT NULL;
CREATE UNIQUE INDEX subscriptions_org_uq ON subscriptions (user_id, organization_id) WHERE organization_id IS NOT NULL;
CREATE INDEX subscriptions_user_idx ON subscriptions (user_id, created_at);
CREATE INDEX subscriptions_event_idx ON subscriptions (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX subscriptions_session_idx ON subscriptions (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX subscriptions_org_idx ON subscriptions (organization_id) WHERE organization_id IS NOT NULL;

-- Trending score per event (see internal/scheduling for the formula). Captured: topic
-- ticketly.scheduling.trending, keyed by event_id; a row is deleted when its score decays
-- to nothing.
CREATE TABLE trending (
    event_id        uuid PRIMARY KEY,
    score           double precision NOT NULL CHECK (score >= 0),
    recent_tickets  double precision NOT NULL DEFAULT 0,
    tickets_sold    bigint NOT NULL DEFAULT 0,
    capacity        bigint NOT NULL DEFAULT 0,
    sell_through    double precision NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE trending REPLICA IDENTITY FULL;
