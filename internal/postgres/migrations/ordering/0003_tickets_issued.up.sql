-- The scheduler's trending score reads recent ticket sales by issue time.
CREATE INDEX tickets_issued_idx ON tickets (issued_at);
