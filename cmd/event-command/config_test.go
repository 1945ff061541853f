package main

import (
	"errors"
	"slices"
	"testing"

	"github.com/ticketly/ticketly/internal/config"
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
	for _, tc := range []struct {
		name    string
		vars    map[string]string
		wantDev []string // what production refuses; nil: no refusal
		wantErr bool
	}{
		{"development with defaults", nil, nil, false},
		{"development explicitly", map[string]string{"TICKETLY_ENV": "development"}, nil, false},
		{"production with defaults", map[string]string{"TICKETLY_ENV": "production"},
			[]string{"METRICS_ADDR", "DATABASE_URL", "OIDC_ISSUER"}, true},
		{"production with own values", productionEnv, nil, false},
		{"unknown mode", map[string]string{"TICKETLY_ENV": "prod"}, []string{"METRICS_ADDR", "DATABASE_URL", "OIDC_ISSUER"}, true},
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
