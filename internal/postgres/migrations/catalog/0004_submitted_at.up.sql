-- When the event was last submitted for approval (null while never submitted): the admin
-- queue lists the longest-waiting first. Events already PENDING were submitted at their last
-- change at the latest, the best time there is for them.
ALTER TABLE events ADD COLUMN submitted_at timestamptz;
UPDATE events SET submitted_at = updated_at WHERE status = 'PENDING';
