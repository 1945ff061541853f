DROP TABLE IF EXISTS discounts, seating_templates, sessions, tiers, events, categories, organization_members, organizations;
