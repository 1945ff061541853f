package main

import (
	"testing"

	"github.com/ticketly/ticketly/internal/config/configtest"
)

// productionEnv is a complete production configuration of event-query: no development
// secret or default.
var productionEnv = map[string]string{
	"TICKETLY_ENV":  "production",
	"HTTP_ADDR":     ":8082",
	"METRICS_ADDR":  ":9090",
	"MONGO_URI":     "mongodb://event-query:Hn3xP0s@mongo-0:27017/?replicaSet=rs0",
	"KAFKA_BROKERS": "kafka-0:9092,kafka-1:9092",
	"OIDC_ISSUER":   "https://id.ticketly.example/realms/ticketly",
}

// TestConfigModes: development runs on the local stack's defaults; production refuses them
// and names every one; an unknown TICKETLY_ENV is an error.
func TestConfigModes(t *testing.T) {
	t.Parallel()
	configtest.Modes(t, loadConfig, productionEnv, "METRICS_ADDR", "MONGO_URI", "KAFKA_BROKERS", "OIDC_ISSUER")
}
