-- A session row carries its whole seat layout; with REPLICA IDENTITY FULL every change sent
-- it twice (before and after), which made large venues' change records exceed Kafka's
-- limits. The read side only needs the row's id and event id from the before image (to key
-- and route deletes), so the replica identity is now that pair.
CREATE UNIQUE INDEX sessions_id_event_idx ON sessions (id, event_id);
ALTER TABLE sessions REPLICA IDENTITY USING INDEX sessions_id_event_idx;
