package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"
)

// The local stack's addresses (deploy/local): the defaults in development, refused in
// production.
const (
	DevRedisAddr    = "127.0.0.1:6379"
	DevKafkaBrokers = "127.0.0.1:9092"
	DevMongoURI     = "mongodb://127.0.0.1:27017/"
	DevSMTPAddr     = "127.0.0.1:1025"
)

// Database is a service's PostgreSQL connection.
type Database struct {
	URL string
	// Wait is how long start-up waits for PostgreSQL to answer before giving up.
	Wait time.Duration
	// MaxConns bounds the pool (0: the driver's default).
	MaxConns int
}

// LoadDatabase reads DATABASE_URL (default devURL, the service's local-stack role),
// DATABASE_WAIT and DB_MAX_CONNS (default maxConns).
func LoadDatabase(e *Env, devURL string, maxConns int) Database {
	return Database{
		URL:      e.String("DATABASE_URL", devURL),
		Wait:     e.Duration("DATABASE_WAIT", 60*time.Second),
		MaxConns: e.Int("DB_MAX_CONNS", maxConns),
	}
}

// Validate implements Component.
func (d Database) Validate() error {
	var errs []error
	if err := Require("DATABASE_URL", d.URL); err != nil {
		errs = append(errs, err)
	} else if _, _, err := pgCredentials(d.URL); err != nil {
		errs = append(errs, fmt.Errorf("DATABASE_URL: %w", err))
	}
	if d.Wait < 0 {
		errs = append(errs, errors.New("DATABASE_WAIT must not be negative"))
	}
	if d.MaxConns < 0 || d.MaxConns > 10000 {
		errs = append(errs, errors.New("DB_MAX_CONNS must be from 0 (driver default) to 10000"))
	}
	return errors.Join(errs...)
}

// Development implements Component: the local stack's roles use their own name as
// password (ticketly_order:ticketly_order).
func (d Database) Development() []DevSetting {
	user, password, err := pgCredentials(d.URL)
	if err == nil && password != "" && password == user {
		return []DevSetting{{"DATABASE_URL", "development credentials (the password is the user name)"}}
	}
	return nil
}

// pgCredentials returns the user and password of a PostgreSQL URL
// (postgres://user:password@host/db) or keyword/value string (user=… password=…).
func pgCredentials(dsn string) (user, password string, err error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", "", errors.New("not a valid postgres:// URL")
		}
		if u.User != nil {
			user = u.User.Username()
			password, _ = u.User.Password()
		}
		return user, password, nil
	}
	if !strings.Contains(dsn, "=") {
		return "", "", errors.New("neither a postgres:// URL nor key=value settings")
	}
	for _, f := range strings.Fields(dsn) {
		k, v, _ := strings.Cut(f, "=")
		v = strings.Trim(v, "'")
		switch k {
		case "user":
			user = v
		case "password":
			password = v
		}
	}
	return user, password, nil
}

// Redis is the seat-hold store.
type Redis struct {
	Addr string
	// Username is an ACL user (ElastiCache RBAC); empty means Redis's default user.
	Username string
	Password string
	// TLS connects over TLS (ElastiCache with in-transit encryption refuses plaintext).
	TLS bool
	// CAFile is a PEM file of the certificate authorities that sign the server's
	// certificate; empty trusts the system's roots (enough for ElastiCache).
	CAFile   string
	PoolSize int
}

// LoadRedis reads REDIS_ADDR, REDIS_USERNAME, REDIS_PASSWORD, REDIS_TLS, REDIS_CA_FILE and
// REDIS_POOL_SIZE.
func LoadRedis(e *Env) Redis {
	return Redis{
		Addr:     e.String("REDIS_ADDR", DevRedisAddr),
		Username: e.String("REDIS_USERNAME", ""),
		Password: e.String("REDIS_PASSWORD", ""),
		TLS:      e.Bool("REDIS_TLS", false),
		CAFile:   e.String("REDIS_CA_FILE", ""),
		PoolSize: e.Int("REDIS_POOL_SIZE", 64),
	}
}

// TLSConfig is the client's TLS configuration, nil for plaintext. The server name comes
// from the address; CAFile's authorities, or else the system's roots, verify the
// certificate.
func (r Redis) TLSConfig() (*tls.Config, error) {
	if !r.TLS {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if r.CAFile != "" {
		pem, err := os.ReadFile(r.CAFile)
		if err != nil {
			return nil, fmt.Errorf("REDIS_CA_FILE: %w", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("REDIS_CA_FILE %s holds no PEM certificate", r.CAFile)
		}
	}
	return c, nil
}

// Validate implements Component.
func (r Redis) Validate() error {
	var errs []error
	if err := hostPort("REDIS_ADDR", r.Addr); err != nil {
		errs = append(errs, err)
	}
	if r.PoolSize < 1 {
		errs = append(errs, errors.New("REDIS_POOL_SIZE must be positive"))
	}
	if r.CAFile != "" && !r.TLS {
		errs = append(errs, errors.New("REDIS_CA_FILE is set but REDIS_TLS is not"))
	}
	if _, err := r.TLSConfig(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Development implements Component: the local Redis has no password (SPEC section 6).
func (r Redis) Development() []DevSetting {
	if r.Password == "" {
		return []DevSetting{{"REDIS_PASSWORD", "empty: the local stack's Redis runs without a password"}}
	}
	return nil
}

// Kafka is the broker list and how to reach it.
type Kafka struct {
	Brokers []string
	// TLS connects to the brokers over TLS.
	TLS bool
	// SASLMechanism is empty (no authentication), PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512,
	// with SASLUsername and SASLPassword.
	SASLMechanism string
	SASLUsername  string
	SASLPassword  string
}

// SASL mechanisms the services can authenticate with.
const (
	SASLPlain       = "PLAIN"
	SASLScramSHA256 = "SCRAM-SHA-256"
	SASLScramSHA512 = "SCRAM-SHA-512"
)

// LoadKafka reads KAFKA_BROKERS (a comma-separated list of host:port), KAFKA_TLS,
// KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD.
func LoadKafka(e *Env) Kafka {
	return Kafka{
		Brokers:       splitList(e.String("KAFKA_BROKERS", DevKafkaBrokers)),
		TLS:           e.Bool("KAFKA_TLS", false),
		SASLMechanism: strings.ToUpper(e.String("KAFKA_SASL_MECHANISM", "")),
		SASLUsername:  e.String("KAFKA_SASL_USERNAME", ""),
		SASLPassword:  e.String("KAFKA_SASL_PASSWORD", ""),
	}
}

// Validate implements Component. SASL needs TLS: PLAIN would send the password in clear,
// and SCRAM alone leaves every record readable on the wire.
func (k Kafka) Validate() error {
	var errs []error
	if len(k.Brokers) == 0 {
		errs = append(errs, errors.New("KAFKA_BROKERS must list at least one broker"))
	}
	for _, b := range k.Brokers {
		if err := hostPort("KAFKA_BROKERS", b); err != nil {
			errs = append(errs, err)
		}
	}
	switch k.SASLMechanism {
	case "":
		if k.SASLUsername != "" || k.SASLPassword != "" {
			errs = append(errs, errors.New("KAFKA_SASL_USERNAME/PASSWORD are set but KAFKA_SASL_MECHANISM is not"))
		}
	case SASLPlain, SASLScramSHA256, SASLScramSHA512:
		if k.SASLUsername == "" || k.SASLPassword == "" {
			errs = append(errs, fmt.Errorf("KAFKA_SASL_MECHANISM %s needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD", k.SASLMechanism))
		}
		if !k.TLS {
			errs = append(errs, errors.New("KAFKA_SASL_MECHANISM needs KAFKA_TLS=true"))
		}
	default:
		errs = append(errs, fmt.Errorf("KAFKA_SASL_MECHANISM %q: want %s, %s or %s", k.SASLMechanism, SASLPlain, SASLScramSHA256, SASLScramSHA512))
	}
	return errors.Join(errs...)
}

// Development implements Component.
func (k Kafka) Development() []DevSetting {
	if len(k.Brokers) == 1 && k.Brokers[0] == DevKafkaBrokers {
		return []DevSetting{{"KAFKA_BROKERS", "the local stack's broker " + DevKafkaBrokers + " (plaintext, no authentication)"}}
	}
	return nil
}

// Mongo is the read-model store (MongoDB or a wire-compatible server).
type Mongo struct {
	URI      string
	Database string
}

// LoadMongo reads MONGO_URI and MONGO_DB.
func LoadMongo(e *Env) Mongo {
	return Mongo{URI: e.String("MONGO_URI", DevMongoURI), Database: e.String("MONGO_DB", "ticketly")}
}

// Validate implements Component.
func (m Mongo) Validate() error {
	var errs []error
	if err := Require("MONGO_URI", m.URI); err != nil {
		errs = append(errs, err)
	} else if !strings.HasPrefix(m.URI, "mongodb://") && !strings.HasPrefix(m.URI, "mongodb+srv://") {
		errs = append(errs, errors.New("MONGO_URI must start with mongodb:// or mongodb+srv://"))
	}
	if err := Require("MONGO_DB", m.Database); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Development implements Component: the local server takes connections without
// credentials; production names a user (user:password@) or an authMechanism (X.509, …).
func (m Mongo) Development() []DevSetting {
	_, rest, _ := strings.Cut(m.URI, "://")
	hosts, _, _ := strings.Cut(rest, "/")
	hosts, _, _ = strings.Cut(hosts, "?")
	if !strings.Contains(hosts, "@") && !strings.Contains(m.URI, "authMechanism=") {
		return []DevSetting{{"MONGO_URI", "no credentials (the local stack's server needs none)"}}
	}
	return nil
}

// SMTP is the mail relay's address (a readiness check needs no more); Mail, which embeds
// it, is everything a sender needs.
type SMTP struct{ Addr string }

// LoadSMTP reads SMTP_ADDR.
func LoadSMTP(e *Env) SMTP { return SMTP{Addr: e.String("SMTP_ADDR", DevSMTPAddr)} }

// Validate implements Component.
func (s SMTP) Validate() error { return hostPort("SMTP_ADDR", s.Addr) }

// Development implements Component.
func (s SMTP) Development() []DevSetting {
	if s.Addr == DevSMTPAddr {
		return []DevSetting{{"SMTP_ADDR", "the local stack's mail catcher " + DevSMTPAddr}}
	}
	return nil
}

func hostPort(key, v string) error {
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		return fmt.Errorf("%s: %q is not host:port", key, v)
	}
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
