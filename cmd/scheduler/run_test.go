package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ticketly/ticketly/internal/health"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/metrics"
	"github.com/ticketly/ticketly/internal/openapi"
	"github.com/ticketly/ticketly/internal/svctest"
)

func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	pass := func(h http.Handler) http.Handler { return h }
	r := routes(httpapi.Base{Health: health.New(0), Metrics: metrics.New(service), OpenAPI: openapiDoc}, pass, nil)
	openapi.AssertMatches(t, openapiDoc, r)
}

func TestOperationalEndpoints(t *testing.T) {
	svctest.AssertOperational(t, run, nil, "postgres", "kafka", "smtp", "keycloak")
}

func TestConfigReportsEveryProblem(t *testing.T) {
	_, err := loadConfig(func(k string) string {
		return map[string]string{"SHUTDOWN_TIMEOUT": "soon", "DRAIN_DELAY": "-"}[k]
	})
	if err == nil || !strings.Contains(err.Error(), "SHUTDOWN_TIMEOUT") || !strings.Contains(err.Error(), "DRAIN_DELAY") {
		t.Fatalf("want both bad settings reported, got %v", err)
	}
}
