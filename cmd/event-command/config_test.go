package main

import (
	"strings"
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
	// The service account members are looked up with (Keycloak's admin API).
	"OIDC_CLIENT_SECRET": "q8Zt3Kw1Vn6p",
}

// TestConfigModes: development runs on the local stack's defaults; production refuses them
// and names every one; an unknown TICKETLY_ENV is an error.
func TestConfigModes(t *testing.T) {
	t.Parallel()
	configtest.Modes(t, loadConfig, productionEnv, "METRICS_ADDR", "DATABASE_URL", "OIDC_ISSUER", "OIDC_CLIENT_SECRET")
}

// TestKeycloakAdminURLs: the realm's admin API and token endpoint follow OIDC_ISSUER unless
// set; a setting that is not an http(s) URL is refused.
func TestKeycloakAdminURLs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name               string
		env                map[string]string
		wantAdmin, wantTok string
		wantErr            bool
	}{
		{"development", nil, "http://localhost:8180/admin/realms/ticketly",
			"http://localhost:8180/realms/ticketly/protocol/openid-connect/token", false},
		{"from the issuer", map[string]string{"OIDC_ISSUER": "https://id.example/auth/realms/shop/"},
			"https://id.example/auth/admin/realms/shop", "https://id.example/auth/realms/shop/protocol/openid-connect/token", false},
		{"set", map[string]string{"KEYCLOAK_ADMIN_URL": "http://keycloak.internal:8080/admin/realms/ticketly",
			"OIDC_TOKEN_URL": "http://keycloak.internal:8080/realms/ticketly/protocol/openid-connect/token"},
			"http://keycloak.internal:8080/admin/realms/ticketly", "http://keycloak.internal:8080/realms/ticketly/protocol/openid-connect/token", false},
		{"not a URL", map[string]string{"KEYCLOAK_ADMIN_URL": "keycloak:8080"}, "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(func(k string) string { return tc.env[k] })
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "KEYCLOAK_ADMIN_URL") {
					t.Errorf("error %v does not name KEYCLOAK_ADMIN_URL", err)
				}
				return
			}
			if c.Keycloak.AdminURL != tc.wantAdmin || c.Keycloak.TokenURL != tc.wantTok {
				t.Errorf("admin %q token %q, want %q %q", c.Keycloak.AdminURL, c.Keycloak.TokenURL, tc.wantAdmin, tc.wantTok)
			}
			if c.Keycloak.Client.ID != "svc-event-command" {
				t.Errorf("client %q, want svc-event-command", c.Keycloak.Client.ID)
			}
		})
	}
}
