-- The buyer's display name (the `name` claim of their token when they ordered), shown at the
-- door as the ticket's holder (SPEC section 12). Orders placed before have none.
ALTER TABLE orders ADD COLUMN buyer_name text NOT NULL DEFAULT '';
