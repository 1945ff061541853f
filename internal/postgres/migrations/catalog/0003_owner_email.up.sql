-- The organization owner's e-mail address (the email claim of the token that created the
-- organization, or of the owner's token when they submit an event), so the scheduler can
-- mail them when an event is approved or rejected. Never served by an API or the read model.
ALTER TABLE organizations ADD COLUMN owner_email text NOT NULL DEFAULT '';
