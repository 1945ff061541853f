ALTER TABLE organizations DROP COLUMN IF EXISTS owner_email;
