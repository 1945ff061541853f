// Package catalog is the write model of event-command: organizations and their members,
// categories, events with their tiers, sessions, seating layouts and discounts, and the
// reusable seating templates of an organization.
//
// Aggregates keep their fields unexported. Validating constructors build them, methods
// change them and enforce the rules (status machines, layout validation, subscription-tier
// limits, discount rules, who may do what); State returns a copy of an entity's fields for
// views and storage, and Restore… rebuilds an entity from stored state without validation.
// Broken rules are apperr errors: invalid (with field-level details), conflict (wrong
// status, with the current status in details), forbidden (access, plan limits).
//
// The package imports no database, broker or HTTP library.
package catalog
