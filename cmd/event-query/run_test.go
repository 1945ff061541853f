package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ticketly/ticketly/internal/health"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/metrics"
	"github.com/ticketly/ticketly/internal/openapi"
	"github.com/ticketly/ticketly/internal/readmodel"
	"github.com/ticketly/ticketly/internal/svctest"
)

func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	r := routes(httpapi.Base{Health: health.New(0), Metrics: metrics.New(service), OpenAPI: openapiDoc}, &api{view: readmodel.New(time.Now)})
	openapi.AssertMatches(t, openapiDoc, r)
}

func TestOperationalEndpoints(t *testing.T) {
	svctest.AssertOperational(t, run, isolated(), "mongodb", "kafka", "read_model", "projectors")
}

func TestConfigReportsEveryProblem(t *testing.T) {
	_, err := loadConfig(func(k string) string {
		return map[string]string{"SHUTDOWN_TIMEOUT": "soon", "DRAIN_DELAY": "-"}[k]
	})
	if err == nil || !strings.Contains(err.Error(), "SHUTDOWN_TIMEOUT") || !strings.Contains(err.Error(), "DRAIN_DELAY") {
		t.Fatalf("want both bad settings reported, got %v", err)
	}
}
