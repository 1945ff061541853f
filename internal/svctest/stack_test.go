package svctest_test

import (
	"flag"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"

	"github.com/ticketly/ticketly/internal/svctest"
)

// recorder is a testing.TB that records Skip and Fatal instead of ending the real test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skip(args ...any) {
	r.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func requireStack(t *testing.T, short bool, deps ...svctest.Dep) *recorder {
	t.Helper()
	was := testing.Short()
	if err := flag.Set("test.short", fmt.Sprint(short)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = flag.Set("test.short", fmt.Sprint(was)) })
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		svctest.RequireStack(r, deps...)
	}()
	<-done
	return r
}

// closedAddr is a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	return svctest.FreeAddr(t)
}

// listening is a loopback address that accepts connections until the test ends.
func listening(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func TestRequireStackSkipsUnderShortWithoutDialing(t *testing.T) {
	t.Setenv("REDIS_ADDR", closedAddr(t))
	r := requireStack(t, true)
	if r.skipped == "" || r.failed != "" {
		t.Fatalf("under -short: skipped %q, failed %q", r.skipped, r.failed)
	}
}

func TestRequireStackFailsNamingWhatIsMissing(t *testing.T) {
	down, up := closedAddr(t), listening(t)
	t.Setenv("REDIS_ADDR", down)
	t.Setenv("TEST_REDIS_ADDR", "")
	t.Setenv("KAFKA_BROKERS", up)
	t.Setenv("TEST_KAFKA_BROKERS", "")
	r := requireStack(t, false, svctest.Redis, svctest.Kafka)
	if r.skipped != "" {
		t.Fatalf("skipped without -short: %s", r.skipped)
	}
	if !strings.Contains(r.failed, "Redis at "+down) || strings.Contains(r.failed, "Kafka") {
		t.Fatalf("failure %q, want Redis at %s named and Kafka not", r.failed, down)
	}

	t.Setenv("REDIS_ADDR", up)
	if r := requireStack(t, false, svctest.Redis, svctest.Kafka); r.skipped != "" || r.failed != "" {
		t.Fatalf("with both servers up: skipped %q, failed %q", r.skipped, r.failed)
	}
}

func TestAddrsReadTheEnvironment(t *testing.T) {
	for _, k := range []string{"TEST_PG_HOSTPORT", "DATABASE_URL", "TEST_CATALOG_DATABASE_URL", "TEST_ORDER_DATABASE_URL",
		"TEST_PG_SUPER_URL", "MONGO_URI", "TEST_MONGO_URI", "TEST_KEYCLOAK_URL", "OIDC_ISSUER", "TEST_OIDC_ISSUER",
		"KAFKA_BROKERS", "TEST_KAFKA_BROKERS"} {
		t.Setenv(k, "")
	}
	if got := svctest.Addrs(svctest.Postgres); strings.Join(got, ",") != "127.0.0.1:5432" {
		t.Fatalf("default PostgreSQL address %v", got)
	}
	t.Setenv("DATABASE_URL", "postgres://u:p@db.test:6543/ticketly?search_path=ordering")
	t.Setenv("TEST_ORDER_DATABASE_URL", "postgres://u:p@db.test:6543/ticketly")
	t.Setenv("TEST_PG_SUPER_URL", "postgres://postgres@other.test/ticketly")
	t.Setenv("MONGO_URI", "mongodb://user:pw@m1.test,m2.test:27018/?replicaSet=x")
	t.Setenv("OIDC_ISSUER", "http://kc.test:8180/realms/ticketly")
	t.Setenv("KAFKA_BROKERS", "k1.test:9092, k2.test:9093")
	for dep, want := range map[svctest.Dep]string{
		svctest.Postgres:  "db.test:6543,other.test:5432",
		svctest.Documents: "m1.test:27017,m2.test:27018",
		svctest.Keycloak:  "kc.test:8180",
		svctest.Kafka:     "k1.test:9092,k2.test:9093",
	} {
		if got := strings.Join(svctest.Addrs(dep), ","); got != want {
			t.Errorf("%s: %s, want %s", dep, got, want)
		}
	}
}
