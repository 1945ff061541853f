package svctest

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Dep is a server of the local stack (SPEC section 6) that integration tests talk to.
type Dep string

// The servers make stack starts.
const (
	Postgres    Dep = "PostgreSQL"
	Redis       Dep = "Redis"
	Kafka       Dep = "Kafka"
	Debezium    Dep = "Debezium"
	Keycloak    Dep = "Keycloak"
	StripeMock  Dep = "stripe-mock"
	Documents   Dep = "FerretDB (MongoDB wire)"
	MailCatcher Dep = "mail catcher"
)

// AllDeps is the whole local stack.
var AllDeps = []Dep{Postgres, Redis, Kafka, Debezium, Keycloak, StripeMock, Documents, MailCatcher}

// depSource says where the tests and services read a server's address: the environment
// variables that may name it (an address, a URL or a comma-separated list) and the local
// stack's defaults when none is set.
type depSource struct {
	vars     []string
	defaults []string
}

var depSources = map[Dep]depSource{
	Postgres: {[]string{"TEST_PG_HOSTPORT", "DATABASE_URL", "TEST_CATALOG_DATABASE_URL", "TEST_ORDER_DATABASE_URL", "TEST_PG_SUPER_URL"},
		[]string{"127.0.0.1:5432"}},
	Redis:       {[]string{"REDIS_ADDR", "TEST_REDIS_ADDR"}, []string{"127.0.0.1:6379"}},
	Kafka:       {[]string{"KAFKA_BROKERS", "TEST_KAFKA_BROKERS"}, []string{"127.0.0.1:9092"}},
	Debezium:    {[]string{"TEST_DEBEZIUM_URL"}, []string{"127.0.0.1:8085"}},
	Keycloak:    {[]string{"TEST_KEYCLOAK_URL", "OIDC_ISSUER", "TEST_OIDC_ISSUER"}, []string{"localhost:8180"}},
	StripeMock:  {[]string{"STRIPE_API_BASE", "TEST_STRIPE_URL"}, []string{"127.0.0.1:12111"}},
	Documents:   {[]string{"MONGO_URI", "TEST_MONGO_URI"}, []string{"127.0.0.1:27017"}},
	MailCatcher: {[]string{"SMTP_ADDR", "TEST_SMTP_ADDR", "TEST_SMTP_HTTP"}, []string{"127.0.0.1:1025", "127.0.0.1:8025"}},
}

// dialTimeout bounds one reachability probe.
const dialTimeout = 2 * time.Second

// reachable remembers the addresses that answered once in this test binary; a failed probe
// is tried again by the next test.
var reachable sync.Map

// RequireStack marks t as an integration test of the local stack: it skips t under
// `go test -short`, and otherwise fails t at once, naming every server that does not
// answer, when one of deps (every server of the stack when none is given) is unreachable.
// It never skips without -short: a missing server is an error, not a reason to pass.
func RequireStack(t testing.TB, deps ...Dep) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs the local stack (make stack); skipped under -short")
		return
	}
	if missing := Missing(deps...); len(missing) > 0 {
		t.Fatalf("the local stack is not reachable: %s; start it with `make stack` (or run only the unit tests with go test -short)",
			strings.Join(missing, "; "))
	}
}

// Missing probes the servers (every server of the stack when deps is empty) over TCP and
// describes each address that does not accept a connection.
func Missing(deps ...Dep) []string {
	if len(deps) == 0 {
		deps = AllDeps
	}
	type probe struct {
		dep  Dep
		addr string
		err  error
	}
	var probes []*probe
	for _, d := range deps {
		for _, addr := range Addrs(d) {
			if _, ok := reachable.Load(addr); !ok {
				probes = append(probes, &probe{dep: d, addr: addr})
			}
		}
	}
	var wg sync.WaitGroup
	for _, p := range probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", p.addr, dialTimeout)
			if err != nil {
				p.err = err
				return
			}
			c.Close()
			reachable.Store(p.addr, true)
		}()
	}
	wg.Wait()
	var missing []string
	for _, p := range probes {
		if p.err != nil {
			missing = append(missing, fmt.Sprintf("%s at %s (%v)", p.dep, p.addr, p.err))
		}
	}
	return missing
}

// Addrs returns the host:port addresses of a server: those named by its environment
// variables, or the local stack's defaults when none is set.
func Addrs(d Dep) []string {
	src, ok := depSources[d]
	if !ok {
		return nil
	}
	var addrs []string
	for _, k := range src.vars {
		for _, a := range hostPorts(os.Getenv(k)) {
			if !slices.Contains(addrs, a) {
				addrs = append(addrs, a)
			}
		}
	}
	if len(addrs) == 0 {
		return src.defaults
	}
	return addrs
}

// hostPorts reads the host:port addresses of a value: an address list
// ("127.0.0.1:9092,127.0.0.1:9093") or a URL ("postgres://u:p@127.0.0.1:5432/db",
// "http://localhost:8180/realms/x", "mongodb://h1,h2:27018/?replicaSet=r"), where a host
// without a port gets its scheme's default.
func hostPorts(v string) []string {
	scheme, rest, isURL := strings.Cut(strings.TrimSpace(v), "://")
	if !isURL {
		rest, scheme = scheme, ""
	} else {
		rest, _, _ = strings.Cut(rest, "/")
		rest, _, _ = strings.Cut(rest, "?")
		if i := strings.LastIndex(rest, "@"); i >= 0 {
			rest = rest[i+1:]
		}
	}
	var out []string
	for _, h := range strings.Split(rest, ",") {
		if h = strings.TrimSpace(h); h == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			if port, ok := defaultPorts[scheme]; ok {
				h = net.JoinHostPort(strings.Trim(h, "[]"), port)
			}
		}
		out = append(out, h)
	}
	return out
}

var defaultPorts = map[string]string{"http": "80", "https": "443", "postgres": "5432", "postgresql": "5432", "mongodb": "27017"}
