// Package config reads typed settings from an environment lookup function. Services read
// their configuration once, in cmd/<service>, through an Env; nothing else reads the
// environment.
//
// A service composes its configuration from components (Database, Redis, OIDC, Stripe,
// Tickets, Kafka, Mongo, SMTP, ServiceClient), each loaded by its Load function with the
// local stack's values as defaults. Every component validates itself and names the
// development secrets and defaults it uses; Service.Check joins every problem and, with
// TICKETLY_ENV=production, refuses to start while any development setting is in use
// (SPEC section 11).
package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Env looks settings up by name (os.Getenv in main, a map in tests) and collects the
// problems it meets, so a service can report every bad setting at once.
type Env struct {
	get  func(string) string
	errs []error
}

// New returns an Env over get.
func New(get func(string) string) *Env { return &Env{get: get} }

// String returns the value of key, or def when unset or empty.
func (e *Env) String(key, def string) string {
	if v := strings.TrimSpace(e.get(key)); v != "" {
		return v
	}
	return def
}

// Int returns the integer value of key, or def.
func (e *Env) Int(key string, def int) int {
	v := e.String(key, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s: %q is not an integer", key, v))
		return def
	}
	return n
}

// Duration returns the duration value of key (Go syntax, e.g. "10m"), or def.
func (e *Env) Duration(key string, def time.Duration) time.Duration {
	v := e.String(key, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s: %q is not a duration", key, v))
		return def
	}
	return d
}

// Bool returns the boolean value of key, or def.
func (e *Env) Bool(key string, def bool) bool {
	v := e.String(key, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s: %q is not a boolean", key, v))
		return def
	}
	return b
}

// Err returns every problem met while reading, joined, or nil.
func (e *Env) Err() error { return errors.Join(e.errs...) }

// Require returns an error naming key when value is empty.
func Require(key, value string) error {
	if strings.TrimSpace(value) == "" {
		return fmt.Errorf("%s must be set", key)
	}
	return nil
}
