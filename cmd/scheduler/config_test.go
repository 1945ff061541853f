package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ticketly/ticketly/internal/config/configtest"
	"github.com/ticketly/ticketly/internal/svctest"
)

// productionEnv is a complete production configuration of scheduler: no development
// secret or default.
var productionEnv = map[string]string{
	"TICKETLY_ENV":  "production",
	"HTTP_ADDR":     ":8084",
	"METRICS_ADDR":  ":9090",
	"DATABASE_URL":  "postgres://ticketly_scheduler:Jd8wE1nC@db.internal:5432/ticketly?search_path=scheduling",
	"KAFKA_BROKERS": "kafka-0:9092",
	"SMTP_ADDR":     "smtp.example:587",
	"SMTP_TLS":      "starttls",
	"SMTP_FROM":     "Ticketly <no-reply@ticketly.example>",
	"WEB_URL":       "https://ticketly.example",
	"OIDC_ISSUER":   "https://id.ticketly.example/realms/ticketly",
	// The service token and the internal API the scheduler changes session status through.
	"OIDC_CLIENT_SECRET": "f3Qp9vL2xR7m",
	"EVENT_COMMAND_URL":  "http://event-command.internal:8081",
	"ORDER_URL":          "http://order.internal:8083",
}

// TestConfigModes: development runs on the local stack's defaults; production refuses them
// and names every one; an unknown TICKETLY_ENV is an error.
func TestConfigModes(t *testing.T) {
	t.Parallel()
	configtest.Modes(t, loadConfig, productionEnv, "METRICS_ADDR", "DATABASE_URL", "KAFKA_BROKERS", "SMTP_ADDR", "SMTP_TLS", "SMTP_FROM", "WEB_URL", "OIDC_ISSUER",
		"OIDC_CLIENT_SECRET", "EVENT_COMMAND_URL", "ORDER_URL")
}

// TestMetricsAddrMovesMetricsOffTheAPIListener: with METRICS_ADDR (required in
// production), /metrics answers there and no longer on the API listener.
func TestMetricsAddrMovesMetricsOffTheAPIListener(t *testing.T) {
	t.Parallel()
	metricsAddr := svctest.FreeAddr(t)
	s := svctest.Start(t, run, map[string]string{"METRICS_ADDR": metricsAddr})
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("http://" + metricsAddr + "/metrics"); code != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Errorf("METRICS_ADDR /metrics: %d, want 200 with runtime metrics", code)
	}
	if code, _ := get(s.URL + "/metrics"); code != http.StatusNotFound {
		t.Errorf("API listener /metrics: %d, want 404", code)
	}
}
