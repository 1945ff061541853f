package main

import (
	"testing"

	"github.com/ticketly/ticketly/internal/config/configtest"
)

// productionEnv is a complete production configuration of event-command: no development
// secret or default.
var productionEnv = map[string]string{
	"TICKETLY_ENV": "production",
	"HTTP_ADDR":    ":8081",
	"METRICS_ADDR": ":9090",
	"DATABASE_URL": "postgres://ticketly_command:Vb4kq9Lw@db.internal:5432/ticketly?search_path=catalog",
	"OIDC_ISSUER":  "https://id.ticketly.example/realms/ticketly",
}

// TestConfigModes: development runs on the local stack's defaults; production refuses them
// and names every one; an unknown TICKETLY_ENV is an error.
func TestConfigModes(t *testing.T) {
	t.Parallel()
	configtest.Modes(t, loadConfig, productionEnv, "METRICS_ADDR", "DATABASE_URL", "OIDC_ISSUER")
}
