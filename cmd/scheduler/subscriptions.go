package main

import (
	"log/slog"

	"github.com/go-chi/chi/v5"
)

// subscriptionStore keeps who follows what (schema scheduling).
type subscriptionStore interface{}

// mountSubscriptions adds the subscription API (signed-in users follow an event, a session
// or an organization) under /api/v1.
func mountSubscriptions(r chi.Router, log *slog.Logger, subs subscriptionStore) {}
