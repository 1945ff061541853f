package config_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketly/ticketly/internal/config"
)

// productionMail is a complete production mail configuration.
var productionMail = map[string]string{
	"SMTP_ADDR":     "smtp.example:587",
	"SMTP_TLS":      "starttls",
	"SMTP_USERNAME": "ticketly",
	"SMTP_PASSWORD": "Hk2v9QeX",
	"SMTP_FROM":     "Ticketly <no-reply@ticketly.example>",
	"WEB_URL":       "https://ticketly.example/",
}

func with(base map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// TestMailNamesItsDevelopmentSettings: the local catcher's defaults (plain SMTP, the
// example sender, the localhost web app) are development settings; a relay over TLS with
// its own sender and an https web app is not.
func TestMailNamesItsDevelopmentSettings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		vars      map[string]string
		wantDev   []string
		wantValid bool
	}{
		{"local defaults", nil, []string{"SMTP_ADDR", "SMTP_TLS", "SMTP_FROM", "WEB_URL"}, true},
		{"production relay", productionMail, nil, true},
		{"implicit TLS", with(productionMail, "SMTP_TLS", "TLS", "SMTP_ADDR", "smtp.example:465"), nil, true},
		{"no authentication", with(productionMail, "SMTP_USERNAME", "", "SMTP_PASSWORD", ""), nil, true},
		{"plain SMTP to a real relay", with(productionMail, "SMTP_TLS", "none"), []string{"SMTP_TLS"}, true},
		{"plain http web app", with(productionMail, "WEB_URL", "http://ticketly.example"), []string{"WEB_URL"}, true},
		{"web app on loopback", with(productionMail, "WEB_URL", "https://127.0.0.1:3000"), []string{"WEB_URL"}, true},
		{"unknown TLS mode", with(productionMail, "SMTP_TLS", "ssl"), nil, false},
		{"sender not an address", with(productionMail, "SMTP_FROM", "Ticketly"), nil, false},
		{"password without user", with(productionMail, "SMTP_USERNAME", ""), nil, false},
		{"web app not a URL", with(productionMail, "WEB_URL", "ticketly.example"), nil, false},
		{"web app with a query", with(productionMail, "WEB_URL", "https://ticketly.example/?x=1"), nil, false},
		{"relay without port", with(productionMail, "SMTP_ADDR", "smtp.example"), nil, false},
		{"zero timeout", with(productionMail, "SMTP_TIMEOUT", "0s"), nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := config.LoadMail(env(tc.vars))
			var got []string
			for _, d := range m.Development() {
				got = append(got, d.Key)
			}
			if !slices.Equal(got, tc.wantDev) {
				t.Errorf("development settings %v, want %v", got, tc.wantDev)
			}
			if err := m.Validate(); (err == nil) != tc.wantValid {
				t.Errorf("Validate() = %v, want valid %v", err, tc.wantValid)
			}
		})
	}
}

func TestLoadMailReadsEverySetting(t *testing.T) {
	t.Parallel()
	m := config.LoadMail(env(with(productionMail, "SMTP_TIMEOUT", "5s")))
	want := config.Mail{SMTP: config.SMTP{Addr: "smtp.example:587"}, From: "Ticketly <no-reply@ticketly.example>",
		Username: "ticketly", Password: "Hk2v9QeX", TLS: config.SMTPTLSStartTLS, WebURL: "https://ticketly.example",
		Timeout: 5 * time.Second}
	if m != want {
		t.Errorf("LoadMail = %+v, want %+v", m, want)
	}
	for _, d := range config.LoadMail(env(with(productionMail, "SMTP_TLS", "none"))).Development() {
		if d.Key == "SMTP_PASSWORD" || strings.Contains(d.Reason, "Hk2v9QeX") {
			t.Errorf("a development setting quotes the password: %v", d)
		}
	}
}
