package main

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/ticketly/ticketly/internal/config/configtest"
	"github.com/ticketly/ticketly/internal/svctest"
)

// productionEnv is a complete production configuration of order: no development
// secret or default.
var productionEnv = map[string]string{
	"TICKETLY_ENV":          "production",
	"HTTP_ADDR":             ":8083",
	"METRICS_ADDR":          ":9090",
	"DATABASE_URL":          "postgres://ticketly_order:Qm7tR2zY@db.internal:5432/ticketly?search_path=ordering",
	"REDIS_ADDR":            "redis:6379",
	"REDIS_PASSWORD":        "x9Fj2LpQ",
	"STRIPE_API_BASE":       "https://api.stripe.com",
	"STRIPE_SECRET_KEY":     "sk_live_51Habc",
	"STRIPE_WEBHOOK_SECRET": "whsec_Lk2m9",
	"OIDC_ISSUER":           "https://id.ticketly.example/realms/ticketly",
	"TICKET_SIGNING_KEY":    "cHJvZHVjdGlvbi1zZWVkLXRoaXJ0eS10d28tYnl0ZXM=",
}

// TestConfigModes: development runs on the local stack's defaults; production refuses them
// and names every one; an unknown TICKETLY_ENV is an error.
func TestConfigModes(t *testing.T) {
	t.Parallel()
	configtest.Modes(t, loadConfig, productionEnv, "METRICS_ADDR", "DATABASE_URL", "REDIS_PASSWORD", "STRIPE_API_BASE", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "OIDC_ISSUER", "TICKET_SIGNING_KEY")
}

// TestProductionBinaryRefusesDevelopmentSecrets runs the built service as a deployment
// would, with TICKETLY_ENV=production and nothing else set: it exits non-zero before
// connecting to anything, naming every development secret and default.
func TestProductionBinaryRefusesDevelopmentSecrets(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(svctest.Build(t, "./cmd/order"))
	cmd.Env = []string{"TICKETLY_ENV=production"}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("want exit status 1, got %v:\n%s", err, out)
	}
	for _, key := range []string{"METRICS_ADDR", "DATABASE_URL", "REDIS_PASSWORD", "STRIPE_API_BASE", "STRIPE_SECRET_KEY",
		"STRIPE_WEBHOOK_SECRET", "OIDC_ISSUER", "TICKET_SIGNING_KEY"} {
		if !strings.Contains(string(out), "\n  "+key+": ") {
			t.Errorf("the refusal does not name %s:\n%s", key, out)
		}
	}
}
