package main

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/ticketly/ticketly/internal/config"
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
}

// TestConfigModes: development runs on the local stack's defaults; production refuses them
// and names every one; an unknown TICKETLY_ENV is an error.
func TestConfigModes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		vars    map[string]string
		wantDev []string // what production refuses; nil: no refusal
		wantErr bool
	}{
		{"development with defaults", nil, nil, false},
		{"development explicitly", map[string]string{"TICKETLY_ENV": "development"}, nil, false},
		{"production with defaults", map[string]string{"TICKETLY_ENV": "production"},
			[]string{"METRICS_ADDR", "DATABASE_URL", "KAFKA_BROKERS", "SMTP_ADDR"}, true},
		{"production with own values", productionEnv, nil, false},
		{"unknown mode", map[string]string{"TICKETLY_ENV": "prod"}, []string{"METRICS_ADDR", "DATABASE_URL", "KAFKA_BROKERS", "SMTP_ADDR"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadConfig(func(k string) string { return tc.vars[k] })
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			var dev *config.DevelopmentError
			if errors.As(err, &dev) != (tc.wantDev != nil) {
				t.Fatalf("refusal in %v, want %v", err, tc.wantDev)
			}
			if dev != nil {
				got := slices.Sorted(slices.Values(dev.Keys()))
				if want := slices.Sorted(slices.Values(tc.wantDev)); !slices.Equal(got, want) {
					t.Errorf("refused %v, want %v", got, want)
				}
			}
		})
	}
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
