package config_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"testing"

	"github.com/ticketly/ticketly/internal/config"
)

func env(vars map[string]string) *config.Env {
	return config.New(func(k string) string { return vars[k] })
}

// goodSeed is a valid Ed25519 seed that is not tickets.DevSeed; badSeed is 33 bytes.
const (
	goodSeed = "cHJvZHVjdGlvbi1zZWVkLXRoaXJ0eS10d28tYnl0ZXM=" // "production-seed-thirty-two-bytes"
	badSeed  = "cHJvZHVjdGlvbi1zZWVkLXRoaXJ0eS10d28tYnl0ZXMh"
)

func TestModeIsReadFromTicketlyEnv(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value   string
		want    config.Mode
		wantErr bool
	}{
		{"", config.Development, false},
		{"development", config.Development, false},
		{"production", config.Production, false},
		{"staging", config.Production, true}, // unknown: read as production, and an error
		{"Production", config.Production, true},
	} {
		e := env(map[string]string{config.ModeKey: tc.value})
		if got := e.Mode(); got != tc.want || (e.Err() != nil) != tc.wantErr {
			t.Errorf("TICKETLY_ENV=%q: mode %q, err %v; want %q, error %v", tc.value, got, e.Err(), tc.want, tc.wantErr)
		}
	}
}

// TestComponentsNameTheirDevelopmentSettings: each component, loaded from an env map,
// names exactly the development settings in use and validates the rest.
func TestComponentsNameTheirDevelopmentSettings(t *testing.T) {
	t.Parallel()
	load := map[string]func(*config.Env) config.Component{
		"database": func(e *config.Env) config.Component {
			return config.LoadDatabase(e, "postgres://ticketly_order:ticketly_order@127.0.0.1:5432/ticketly", 0)
		},
		"redis":   func(e *config.Env) config.Component { return config.LoadRedis(e) },
		"oidc":    func(e *config.Env) config.Component { return config.LoadOIDC(e) },
		"stripe":  func(e *config.Env) config.Component { return config.LoadStripe(e) },
		"tickets": func(e *config.Env) config.Component { return config.LoadTickets(e) },
		"kafka":   func(e *config.Env) config.Component { return config.LoadKafka(e) },
		"mongo":   func(e *config.Env) config.Component { return config.LoadMongo(e) },
		"smtp":    func(e *config.Env) config.Component { return config.LoadSMTP(e) },
		"client":  func(e *config.Env) config.Component { return config.LoadServiceClient(e, "svc-scheduler") },
		"service": func(e *config.Env) config.Component { return config.LoadService(e, "127.0.0.1:8083", "") },
	}
	for _, tc := range []struct {
		name      string
		component string
		vars      map[string]string
		wantDev   []string
		wantValid bool
	}{
		{"database dev default", "database", nil, []string{"DATABASE_URL"}, true},
		{"database real password", "database", map[string]string{"DATABASE_URL": "postgres://ticketly_order:Zq8v3wX@db.internal:5432/ticketly?sslmode=verify-full"}, nil, true},
		{"database keyword form, dev password", "database", map[string]string{"DATABASE_URL": "host=db user=ticketly_order password=ticketly_order"}, []string{"DATABASE_URL"}, true},
		{"database password from PGPASSWORD", "database", map[string]string{"DATABASE_URL": "postgres://ticketly_order@db.internal/ticketly"}, nil, true},
		{"database not a URL", "database", map[string]string{"DATABASE_URL": "db.internal"}, nil, false},
		{"database negative pool", "database", map[string]string{"DATABASE_URL": "postgres://u:p@h/db", "DB_MAX_CONNS": "-1"}, nil, false},

		{"redis dev default", "redis", nil, []string{"REDIS_PASSWORD"}, true},
		{"redis with password", "redis", map[string]string{"REDIS_ADDR": "redis:6379", "REDIS_PASSWORD": "s3cret"}, nil, true},
		{"redis bad address", "redis", map[string]string{"REDIS_ADDR": "redis", "REDIS_PASSWORD": "s3cret"}, nil, false},
		{"redis ca without tls", "redis", map[string]string{"REDIS_ADDR": "redis:6379", "REDIS_PASSWORD": "s3cret", "REDIS_CA_FILE": "/etc/hostname"}, nil, false},
		{"redis ca file without a certificate", "redis", map[string]string{"REDIS_ADDR": "redis:6379", "REDIS_PASSWORD": "s3cret", "REDIS_TLS": "true", "REDIS_CA_FILE": "/etc/hostname"}, nil, false},
		{"redis ca file missing", "redis", map[string]string{"REDIS_ADDR": "redis:6379", "REDIS_PASSWORD": "s3cret", "REDIS_TLS": "true", "REDIS_CA_FILE": "/nonexistent/ca.pem"}, nil, false},
		{"redis tls with user", "redis", map[string]string{"REDIS_ADDR": "master.cache.example:6379", "REDIS_USERNAME": "order", "REDIS_PASSWORD": "s3cret", "REDIS_TLS": "true"}, nil, true},

		{"oidc dev default", "oidc", nil, []string{"OIDC_ISSUER"}, true},
		{"oidc https issuer", "oidc", map[string]string{"OIDC_ISSUER": "https://id.ticketly.example/realms/ticketly", "OIDC_JWKS_URL": "http://keycloak.internal:8080/realms/ticketly/protocol/openid-connect/certs"}, nil, true},
		{"oidc plain http issuer", "oidc", map[string]string{"OIDC_ISSUER": "http://id.ticketly.example/realms/ticketly"}, []string{"OIDC_ISSUER"}, true},
		{"oidc https on loopback", "oidc", map[string]string{"OIDC_ISSUER": "https://127.0.0.1:8443/realms/ticketly"}, []string{"OIDC_ISSUER"}, true},
		{"oidc not a URL", "oidc", map[string]string{"OIDC_ISSUER": "ticketly"}, []string{"OIDC_ISSUER"}, false},

		{"stripe dev defaults", "stripe", nil, []string{"STRIPE_API_BASE", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"}, true},
		{"stripe test key on real Stripe", "stripe", map[string]string{"STRIPE_API_BASE": "https://api.stripe.com", "STRIPE_SECRET_KEY": "sk_test_51Habc", "STRIPE_WEBHOOK_SECRET": "whsec_live"}, []string{"STRIPE_SECRET_KEY"}, true},
		{"stripe live", "stripe", map[string]string{"STRIPE_API_BASE": "https://api.stripe.com", "STRIPE_SECRET_KEY": "sk_live_51Habc", "STRIPE_WEBHOOK_SECRET": "whsec_live"}, nil, true},
		{"stripe plain http", "stripe", map[string]string{"STRIPE_API_BASE": "http://stripe.example", "STRIPE_SECRET_KEY": "rk_live_1", "STRIPE_WEBHOOK_SECRET": "whsec_live"}, []string{"STRIPE_API_BASE"}, true},
		{"stripe bad timeout", "stripe", map[string]string{"STRIPE_TIMEOUT": "0s"}, []string{"STRIPE_API_BASE", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"}, false},

		{"tickets dev seed", "tickets", nil, []string{"TICKET_SIGNING_KEY"}, true},
		{"tickets own seed", "tickets", map[string]string{"TICKET_SIGNING_KEY": goodSeed}, nil, true},
		{"tickets not a seed", "tickets", map[string]string{"TICKET_SIGNING_KEY": badSeed}, nil, false},

		{"kafka dev default", "kafka", nil, []string{"KAFKA_BROKERS"}, true},
		{"kafka cluster", "kafka", map[string]string{"KAFKA_BROKERS": "kafka-0:9092, kafka-1:9092"}, nil, true},
		{"kafka bad broker", "kafka", map[string]string{"KAFKA_BROKERS": "kafka-0"}, nil, false},
		{"kafka tls scram", "kafka", map[string]string{"KAFKA_BROKERS": "b-1.msk.example:9096", "KAFKA_TLS": "true", "KAFKA_SASL_MECHANISM": "scram-sha-512", "KAFKA_SASL_USERNAME": "ticketly", "KAFKA_SASL_PASSWORD": "pw"}, nil, true},
		{"kafka sasl without tls", "kafka", map[string]string{"KAFKA_BROKERS": "kafka-0:9092", "KAFKA_SASL_MECHANISM": "PLAIN", "KAFKA_SASL_USERNAME": "ticketly", "KAFKA_SASL_PASSWORD": "pw"}, nil, false},
		{"kafka sasl without password", "kafka", map[string]string{"KAFKA_BROKERS": "kafka-0:9092", "KAFKA_TLS": "true", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256", "KAFKA_SASL_USERNAME": "ticketly"}, nil, false},
		{"kafka unknown mechanism", "kafka", map[string]string{"KAFKA_BROKERS": "kafka-0:9092", "KAFKA_TLS": "true", "KAFKA_SASL_MECHANISM": "GSSAPI", "KAFKA_SASL_USERNAME": "u", "KAFKA_SASL_PASSWORD": "p"}, nil, false},
		{"kafka credentials without mechanism", "kafka", map[string]string{"KAFKA_BROKERS": "kafka-0:9092", "KAFKA_SASL_USERNAME": "u"}, nil, false},

		{"mongo dev default", "mongo", nil, []string{"MONGO_URI"}, true},
		{"mongo with user", "mongo", map[string]string{"MONGO_URI": "mongodb://reader:pw@mongo-0:27017,mongo-1:27017/?replicaSet=rs0"}, nil, true},
		{"mongo x509", "mongo", map[string]string{"MONGO_URI": "mongodb+srv://cluster.example/?authMechanism=MONGODB-X509"}, nil, true},
		{"mongo not mongodb", "mongo", map[string]string{"MONGO_URI": "http://mongo"}, []string{"MONGO_URI"}, false},

		{"smtp mail catcher", "smtp", nil, []string{"SMTP_ADDR"}, true},
		{"smtp relay", "smtp", map[string]string{"SMTP_ADDR": "smtp.example:587"}, nil, true},

		{"service client dev secret", "client", nil, []string{"OIDC_CLIENT_SECRET"}, true},
		{"service client own secret", "client", map[string]string{"OIDC_CLIENT_SECRET": "b7d1c0"}, nil, true},

		{"service without metrics listener", "service", nil, []string{"METRICS_ADDR"}, true},
		{"service with metrics listener", "service", map[string]string{"METRICS_ADDR": ":9090", "HTTP_ADDR": ":8083"}, nil, true},
		{"service metrics on the API port", "service", map[string]string{"METRICS_ADDR": ":8083", "HTTP_ADDR": ":8083"}, nil, false},
		{"service bad log level", "service", map[string]string{"METRICS_ADDR": ":9090", "LOG_LEVEL": "loud"}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := load[tc.component](env(tc.vars))
			var got []string
			for _, d := range c.Development() {
				got = append(got, d.Key)
			}
			if !slices.Equal(got, tc.wantDev) {
				t.Errorf("development settings %v, want %v", got, tc.wantDev)
			}
			if err := c.Validate(); (err == nil) != tc.wantValid {
				t.Errorf("Validate() = %v, want valid %v", err, tc.wantValid)
			}
		})
	}
}

func TestCheckRefusesDevelopmentSettingsOnlyInProduction(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		vars    map[string]string
		wantDev []string // keys of the *DevelopmentError; nil: none
		wantErr bool
	}{
		{"development with defaults", nil, nil, false},
		{"production with defaults", map[string]string{"TICKETLY_ENV": "production"},
			[]string{"METRICS_ADDR", "REDIS_PASSWORD", "TICKET_SIGNING_KEY"}, true},
		{"production with own values", map[string]string{"TICKETLY_ENV": "production", "METRICS_ADDR": ":9090",
			"REDIS_PASSWORD": "s3cret", "TICKET_SIGNING_KEY": goodSeed}, nil, false},
		{"production with a bad value and a dev default", map[string]string{"TICKETLY_ENV": "production", "METRICS_ADDR": ":9090",
			"REDIS_POOL_SIZE": "0", "TICKET_SIGNING_KEY": goodSeed}, []string{"REDIS_PASSWORD"}, true},
		{"development with a bad value", map[string]string{"REDIS_POOL_SIZE": "0"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := env(tc.vars)
			s := config.LoadService(e, "127.0.0.1:0", "")
			err := errors.Join(e.Err(), s.Check(config.LoadRedis(e), config.LoadTickets(e)))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			var dev *config.DevelopmentError
			if errors.As(err, &dev) != (tc.wantDev != nil) {
				t.Fatalf("development error in %v, want keys %v", err, tc.wantDev)
			}
			if dev != nil && !slices.Equal(dev.Keys(), tc.wantDev) {
				t.Errorf("refused %v, want %v", dev.Keys(), tc.wantDev)
			}
		})
	}
}

// TestAnnounceNamesDevelopmentSettingsOnce: one log line at start, naming the keys in
// development and no secret values.
func TestAnnounceNamesDevelopmentSettingsOnce(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	e := env(nil)
	s := config.LoadService(e, "127.0.0.1:0", "")
	s.Announce(log, config.LoadStripe(e), config.LoadTickets(e))
	var line struct {
		Level    string   `json:"level"`
		Env      string   `json:"env"`
		Settings []string `json:"settings"`
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("want one JSON line, got %q: %v", buf.String(), err)
	}
	want := []string{"METRICS_ADDR", "STRIPE_API_BASE", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "TICKET_SIGNING_KEY"}
	if line.Level != "WARN" || line.Env != "development" || !slices.Equal(line.Settings, want) {
		t.Errorf("announced %+v, want a warning naming %v", line, want)
	}
	if bytes.Contains(buf.Bytes(), []byte(config.DevStripeWebhookSecret)) {
		t.Error("the announcement quotes a secret")
	}
}

func TestCORSOrigins(t *testing.T) {
	for _, tc := range []struct {
		env, def string
		want     []string
	}{
		{"", "", nil},
		{"", "*", []string{"*"}},
		{"https://a.example, https://b.example,", "*", []string{"https://a.example", "https://b.example"}},
	} {
		e := config.New(func(k string) string {
			if k == "CORS_ORIGINS" {
				return tc.env
			}
			return ""
		})
		if got := config.LoadService(e, "127.0.0.1:0", tc.def).CORSOrigins; !slices.Equal(got, tc.want) {
			t.Errorf("CORS_ORIGINS=%q (default %q): %q, want %q", tc.env, tc.def, got, tc.want)
		}
	}
}
