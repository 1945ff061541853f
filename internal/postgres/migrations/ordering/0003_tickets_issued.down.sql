DROP INDEX IF EXISTS tickets_issued_idx;
