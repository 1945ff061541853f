//go:build chaos

package chaos_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/ticketly/ticketly/internal/mongo"
)

// stack drives the local stack through its own scripts (deploy/local) and probes each
// component's readiness the way its clients would.
type stack struct {
	s   settings
	log func(format string, args ...any)
}

// script runs deploy/local/NAME with args and returns its combined output's tail on failure.
func (st *stack) script(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(st.s.Root, "deploy/local", name), args...)
	cmd.Dir = st.s.Root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// The scripts start components detached; a cancelled context must not leave them
	// half-started by killing only the script.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l != "" {
			st.log("    %s", l)
		}
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

// pid returns the process the stack recorded for name (a component or a service).
func (st *stack) pid(name string) (int, error) {
	b, err := os.ReadFile(filepath.Join(st.s.Home, "pids", name+".pid"))
	if err != nil {
		return 0, fmt.Errorf("%s is not running under the stack: %w", name, err)
	}
	p, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || p <= 1 {
		return 0, fmt.Errorf("pid file of %s: %q", name, b)
	}
	return p, nil
}

// kill9 sends SIGKILL to the process group the stack started for name (start_bg runs every
// process in a session of its own) and waits until the process is gone.
func (st *stack) kill9(name string) error {
	p, err := st.pid(name)
	if err != nil {
		return err
	}
	if !alive(p) {
		return fmt.Errorf("%s (pid %d) is not running", name, p)
	}
	if err := syscall.Kill(-p, syscall.SIGKILL); err != nil {
		if err := syscall.Kill(p, syscall.SIGKILL); err != nil {
			return fmt.Errorf("kill -9 %s (pid %d): %w", name, p, err)
		}
	}
	return waitGone(p, 10*time.Second)
}

// alive reports whether pid runs (a zombie does not).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z' && s[i+2] != 'X'
	}
	return true
}

func waitGone(pid int, within time.Duration) error {
	deadline := time.Now().Add(within)
	for alive(pid) {
		if time.Now().After(deadline) {
			return fmt.Errorf("pid %d still runs %s after SIGKILL", pid, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// probe reports whether one component answers its clients.
type probe func(ctx context.Context) error

func (st *stack) pgProbe() probe {
	return func(ctx context.Context) error {
		c, err := pgx.Connect(ctx, st.s.PGURL)
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		return c.Ping(ctx)
	}
}

func (st *stack) redisProbe() probe {
	return func(ctx context.Context) error {
		c := redis.NewClient(&redis.Options{Addr: st.s.RedisAddr, MaxRetries: -1, DialTimeout: time.Second})
		defer c.Close()
		return c.Ping(ctx).Err()
	}
}

// kafkaProbe: the broker answers metadata and the group coordinator (the projectors' and
// Debezium's offsets) is available.
func (st *stack) kafkaProbe() probe {
	return func(ctx context.Context) error {
		cl, err := kgo.NewClient(kgo.SeedBrokers(st.s.Brokers...), kgo.RetryTimeout(time.Second), kgo.DialTimeout(time.Second))
		if err != nil {
			return err
		}
		defer cl.Close()
		adm := kadm.NewClient(cl)
		if _, err := adm.BrokerMetadata(ctx); err != nil {
			return err
		}
		groups, err := adm.DescribeGroups(ctx, "projector.events.v1")
		if err != nil {
			return err
		}
		return groups.Error()
	}
}

// debeziumProbe: the runtime reports itself ready and holds the replication slot.
func (st *stack) debeziumProbe() probe {
	return func(ctx context.Context) error {
		ok, err := httpOK(ctx, st.s.DebeziumURL+"/q/health/ready")
		if err != nil || !ok {
			// Kafka Connect (the Java 17 fallback) reports the connector's task instead.
			body, cerr := httpGet(ctx, st.s.DebeziumURL+"/connectors/ticketly-pg/status")
			if cerr != nil || !strings.Contains(body, `"tasks":[{"id":0,"state":"RUNNING"`) {
				return fmt.Errorf("debezium not ready (%v, %v)", err, cerr)
			}
		}
		c, err := pgx.Connect(ctx, st.s.PGURL)
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		var active bool
		if err := c.QueryRow(ctx, `SELECT active FROM pg_replication_slots WHERE slot_name = 'ticketly_dbz'`).Scan(&active); err != nil {
			return fmt.Errorf("replication slot: %w", err)
		}
		if !active {
			return errors.New("replication slot ticketly_dbz is not streaming")
		}
		return nil
	}
}

// mongoProbe: the wire server answers a ping, and FerretDB (when it is the server) reaches
// its PostgreSQL backend.
func (st *stack) mongoProbe() probe {
	return func(ctx context.Context) error {
		c, err := mongo.Connect(st.s.MongoURI + "?serverSelectionTimeoutMS=1000&connectTimeoutMS=1000")
		if err != nil {
			return err
		}
		defer c.Disconnect(context.Background())
		if err := c.Ping(ctx, readpref.Primary()); err != nil {
			return err
		}
		if ok, err := httpOK(ctx, st.s.FerretDebugURL+"/debug/readyz"); err == nil && !ok {
			return errors.New("FerretDB /debug/readyz is not ok")
		}
		return nil
	}
}

// serviceProbe: the service's /readyz answers 200 (every dependency check passes).
func serviceProbe(base string) probe {
	return func(ctx context.Context) error {
		ok, err := httpOK(ctx, base+"/readyz")
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("/readyz is not 200")
		}
		return nil
	}
}

var probeClient = &http.Client{Timeout: 3 * time.Second}

func httpOK(ctx context.Context, url string) (bool, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := probeClient.Do(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, nil
}

func httpGet(ctx context.Context, url string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := probeClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return b.String(), nil
}

// components are the stack's components with their probes; services the four services.
func (st *stack) components() []component {
	return []component{
		{"postgres", st.pgProbe()}, {"redis", st.redisProbe()}, {"kafka", st.kafkaProbe()},
		{"keycloak", func(ctx context.Context) error {
			return okOrErr(httpOK(ctx, "http://127.0.0.1:8180/realms/ticketly/.well-known/openid-configuration"))
		}},
		{"stripemock", func(ctx context.Context) error {
			c, err := net.DialTimeout("tcp", "127.0.0.1:12111", time.Second)
			if err == nil {
				c.Close()
			}
			return err
		}},
		{"mailcatcher", func(ctx context.Context) error {
			return okOrErr(httpOK(ctx, "http://127.0.0.1:8025/api/messages?limit=1"))
		}},
		{"mongo", st.mongoProbe()}, {"debezium", st.debeziumProbe()},
	}
}

func (st *stack) services() []component {
	return []component{
		{"event-command", serviceProbe(st.s.CommandURL)}, {"event-query", serviceProbe(st.s.QueryURL)},
		{"order", serviceProbe(st.s.OrderURL)}, {"scheduler", serviceProbe(st.s.SchedulerURL)},
	}
}

type component struct {
	name  string
	ready probe
}

func okOrErr(ok bool, err error) error {
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("not ready")
	}
	return nil
}

// waitReady polls p until it passes and returns when it did.
func waitReady(ctx context.Context, p probe, within time.Duration) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	var last error
	for {
		pctx, pcancel := context.WithTimeout(ctx, 3*time.Second)
		last = p(pctx)
		pcancel()
		if last == nil {
			return time.Now(), nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("not ready within %s: %v", within, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// notReady lists the components and services that do not pass their probe right now.
func (st *stack) notReady(ctx context.Context, list []component) []string {
	var out []string
	for _, c := range list {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if err := c.ready(pctx); err != nil {
			out = append(out, c.name)
		}
		cancel()
	}
	return out
}

// ensureUp brings back whatever is down, with the stack's scripts, and reports what it had
// to bring back. It is what the suite runs after every fault and at the very end.
func (st *stack) ensureUp(ctx context.Context, t *testing.T) []string {
	t.Helper()
	var revived []string
	if down := st.notReady(ctx, st.components()); len(down) > 0 {
		revived = append(revived, down...)
		st.log("  not ready: %s; running stack.sh up", strings.Join(down, ", "))
		if err := st.script(ctx, "stack.sh", "up"); err != nil {
			t.Errorf("stack.sh up: %v", err)
		}
	}
	for _, svc := range st.services() {
		if st.s.Safe {
			break // the stack's services are never touched in safe mode
		}
		if _, err := waitReady(ctx, svc.ready, 45*time.Second); err == nil {
			continue
		}
		revived = append(revived, svc.name)
		st.log("  %s is not ready 45s after the stack came back; restarting it with services.sh", svc.name)
		if err := st.script(ctx, "services.sh", "restart", svc.name); err != nil {
			t.Errorf("services.sh restart %s: %v", svc.name, err)
		}
	}
	return revived
}
