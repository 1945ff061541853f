-- Roles, schemas and grants of the `ticketly` database (SPEC section 6). Idempotent: run by
-- the local stack on every start, and by docker-compose's init step.
-- One schema per owning service; a service writes only its own schema and reads another's
-- through read-only grants. Debezium has one replication role, one publication, one slot.
\set ON_ERROR_STOP on

DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
      ('ticketly_command', false),   -- event-command: owns schema catalog
      ('ticketly_order', false),     -- order: owns schema ordering, reads catalog
      ('ticketly_scheduler', false), -- scheduler: owns schema scheduling
      ('ticketly_debezium', true))   -- Debezium: replication + read of captured tables
    AS t(name, repl)
  LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.name) THEN
      EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', r.name, r.name);
    END IF;
    IF r.repl THEN EXECUTE format('ALTER ROLE %I REPLICATION', r.name); END IF;
  END LOOP;
END $$;

CREATE SCHEMA IF NOT EXISTS catalog AUTHORIZATION ticketly_command;
CREATE SCHEMA IF NOT EXISTS ordering AUTHORIZATION ticketly_order;
CREATE SCHEMA IF NOT EXISTS scheduling AUTHORIZATION ticketly_scheduler;
-- cdc: Debezium's heartbeat row (keeps the slot's LSN moving when captured tables are idle
-- while other databases of the cluster write WAL) and a probe table for pipeline checks.
CREATE SCHEMA IF NOT EXISTS cdc;
CREATE TABLE IF NOT EXISTS cdc.heartbeat (id int PRIMARY KEY, beat_at timestamptz NOT NULL DEFAULT now());
INSERT INTO cdc.heartbeat (id) VALUES (1) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS cdc.probe (
  id uuid PRIMARY KEY,
  note text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE cdc.probe REPLICA IDENTITY FULL;

REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE ticketly TO ticketly_command, ticketly_order, ticketly_scheduler, ticketly_debezium;

-- Read-only grants across schemas, for tables created later by each owner's migrations too.
GRANT USAGE ON SCHEMA catalog TO ticketly_order, ticketly_scheduler, ticketly_debezium;
GRANT SELECT ON ALL TABLES IN SCHEMA catalog TO ticketly_order, ticketly_scheduler, ticketly_debezium;
ALTER DEFAULT PRIVILEGES FOR ROLE ticketly_command IN SCHEMA catalog
  GRANT SELECT ON TABLES TO ticketly_order, ticketly_scheduler, ticketly_debezium;
GRANT USAGE ON SCHEMA ordering TO ticketly_debezium;
GRANT SELECT ON ALL TABLES IN SCHEMA ordering TO ticketly_debezium;
ALTER DEFAULT PRIVILEGES FOR ROLE ticketly_order IN SCHEMA ordering GRANT SELECT ON TABLES TO ticketly_debezium;
-- The scheduler reads the order side (availability for SOLD_OUT, ticket holders, order mails
-- and trending): the write model is the truth it decides on.
GRANT USAGE ON SCHEMA ordering TO ticketly_scheduler;
GRANT SELECT ON ALL TABLES IN SCHEMA ordering TO ticketly_scheduler;
ALTER DEFAULT PRIVILEGES FOR ROLE ticketly_order IN SCHEMA ordering GRANT SELECT ON TABLES TO ticketly_scheduler;
-- Debezium captures the scheduler's trending table (its other tables are excluded in
-- debezium/connector.properties).
GRANT USAGE ON SCHEMA scheduling TO ticketly_debezium;
GRANT SELECT ON ALL TABLES IN SCHEMA scheduling TO ticketly_debezium;
ALTER DEFAULT PRIVILEGES FOR ROLE ticketly_scheduler IN SCHEMA scheduling GRANT SELECT ON TABLES TO ticketly_debezium;
GRANT USAGE ON SCHEMA cdc TO ticketly_debezium, ticketly_command, ticketly_order;
GRANT SELECT, UPDATE ON cdc.heartbeat TO ticketly_debezium;
GRANT SELECT ON cdc.probe TO ticketly_debezium;

-- One publication over every table of the captured schemas, present and future.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'ticketly_pub') THEN
    CREATE PUBLICATION ticketly_pub FOR TABLES IN SCHEMA catalog, ordering, cdc, scheduling;
  END IF;
  -- Databases bootstrapped before the scheduler had captured tables.
  IF NOT EXISTS (SELECT 1 FROM pg_publication_namespace pn
                 JOIN pg_publication p ON p.oid = pn.pnpubid
                 JOIN pg_namespace n ON n.oid = pn.pnnspid
                 WHERE p.pubname = 'ticketly_pub' AND n.nspname = 'scheduling') THEN
    ALTER PUBLICATION ticketly_pub ADD TABLES IN SCHEMA scheduling;
  END IF;
END $$;
