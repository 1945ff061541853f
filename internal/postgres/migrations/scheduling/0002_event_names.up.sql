-- The title of every event the scheduler has seen, kept after the event is deleted: buyers
-- of a deleted event's sessions are refunded (session.cancel_orders) and must be told what
-- the refund is for. Not captured by Debezium.
CREATE TABLE event_names (
    event_id         uuid PRIMARY KEY,
    title            text NOT NULL,
    organization_id  uuid,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Events that existed before the scheduler remembered names (when the catalog is there yet:
-- on a fresh database event-command may migrate after the scheduler).
DO $$
BEGIN
  IF to_regclass('catalog.events') IS NOT NULL THEN
    INSERT INTO event_names (event_id, title, organization_id)
    SELECT id, title, organization_id FROM catalog.events
    ON CONFLICT (event_id) DO NOTHING;
  END IF;
END $$;
