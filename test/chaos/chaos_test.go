//go:build chaos

package chaos_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/ticketly/ticketly/internal/mongo"
	"github.com/ticketly/ticketly/internal/projection"
	"github.com/ticketly/ticketly/internal/svctest"
)

// env is one run of the suite: its settings, its clients of every store, the stack, and
// what went wrong so far.
type env struct {
	t     *testing.T
	s     settings
	st    *stack
	api   *api
	users *users
	start time.Time

	db     *pgxpool.Pool
	rdb    *redis.Client
	mc     *mongodrv.Client
	events *mongo.EventStore
	// The organization, category and seat documents are read as plain JSON objects: the
	// comparison names the fields it checks, whatever else the documents keep.
	orgs     *mongo.DocStore[map[string]any]
	cats     *mongo.DocStore[map[string]any]
	seatDocs *mongo.DocStore[map[string]any]

	ownOrder *ownProc // safe mode: the order service the wave kills
	replica  *ownProc // a second event-query replica (safe mode: the one that is killed)

	mu         sync.Mutex
	violations []string
}

func newEnv(t *testing.T, s settings) *env {
	t.Helper()
	e := &env{t: t, s: s, api: newAPI(), users: &users{}, start: time.Now()}
	e.st = &stack{s: s, log: e.log}
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(s.PGURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 8
	cfg.HealthCheckPeriod = time.Second
	if e.db, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.db.Close)
	e.rdb = redis.NewClient(&redis.Options{Addr: s.RedisAddr})
	t.Cleanup(func() { _ = e.rdb.Close() })
	if e.mc, err = mongo.Connect(s.MongoURI); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.mc.Disconnect(context.Background()) })
	db := e.mc.Database(s.MongoDB)
	e.events = mongo.NewEventStore(db, projection.Events.Collection)
	e.orgs = mongo.NewDocStore[map[string]any](db, projection.Organizations.Collection)
	e.cats = mongo.NewDocStore[map[string]any](db, projection.Categories.Collection)
	e.seatDocs = mongo.NewDocStore[map[string]any](db, projection.SeatStatus.Collection)
	return e
}

// log prints a line at once (go test -v streams the test's standard output).
func (e *env) log(format string, args ...any) {
	fmt.Printf("%7.1fs  %s\n", time.Since(e.start).Seconds(), fmt.Sprintf(format, args...))
}

// violation records a broken guarantee; the test fails with all of them at the end.
func (e *env) violation(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	e.mu.Lock()
	e.violations = append(e.violations, msg)
	e.mu.Unlock()
	e.log("VIOLATION: %s", msg)
}

// orderURL is the order service the traffic and the wave use.
func (e *env) orderURL() string {
	if e.ownOrder != nil {
		return e.ownOrder.url()
	}
	return e.s.OrderURL
}

// queryURLs are the event-query replicas whose answers are checked.
func (e *env) queryURLs() []string {
	out := []string{e.s.QueryURL}
	if e.replica != nil {
		out = append(out, e.replica.url())
	}
	return out
}

// startOwn builds and starts the suite's own service processes.
func (e *env) startOwn(t *testing.T) {
	t.Helper()
	logDir := filepath.Join(os.TempDir(), "ticketly-chaos")
	replicaEnv := []string{"LOG_LEVEL=info"}
	if e.s.Safe {
		// Next to a stack others use: a replica that serves only, from the projector groups'
		// committed offsets, so killing it moves no partition of the stack's projectors.
		replicaEnv = append(replicaEnv, "PROJECTORS=false")
		bin := e.s.OwnOrderBin
		if bin == "" {
			bin = svctest.Build(t, "./cmd/order")
		}
		e.ownOrder = &ownProc{name: "order (own)", bin: bin, addr: svctest.FreeAddr(t),
			env: []string{"LOG_LEVEL=info", "STRIPE_WEBHOOK_SECRET=" + e.s.WebhookSecret}, logPath: filepath.Join(logDir, "order.log")}
		if err := e.ownOrder.start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.ownOrder.stop)
		if _, err := waitReady(context.Background(), serviceProbe(e.ownOrder.url()), time.Minute); err != nil {
			t.Fatalf("own order service: %v (log %s)", err, e.ownOrder.logPath)
		}
	}
	// A second replica in the projectors' groups: while the stack's replica is down, this one
	// serves and its projectors take the partitions over.
	e.replica = &ownProc{name: "event-query replica", bin: svctest.Build(t, "./cmd/event-query"), addr: svctest.FreeAddr(t),
		env: replicaEnv, logPath: filepath.Join(logDir, "event-query-replica.log")}
	if err := e.replica.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.replica.stop)
	if _, err := waitReady(context.Background(), serviceProbe(e.replica.url()), 2*time.Minute); err != nil {
		t.Fatalf("second event-query replica: %v (log %s)", err, e.replica.logPath)
	}
	e.log("own processes: event-query replica %s%s (logs in %s)", e.replica.url(),
		map[bool]string{true: ", order service " + e.orderURL(), false: ""}[e.s.Safe], logDir)
}

func TestChaos(t *testing.T) {
	s := loadSettings(t)
	e := newEnv(t, s)
	mode := map[bool]string{true: "full", false: "short"}[s.Full]
	e.log("chaos suite (%s%s): faults %s", mode, map[bool]string{true: ", safe", false: ""}[s.Safe], strings.Join(s.Faults, ", "))

	// Everything must be up before anything is broken.
	for _, c := range append(e.st.components(), e.st.services()...) {
		if _, err := waitReady(context.Background(), c.ready, 2*time.Minute); err != nil {
			t.Fatalf("%s is not ready before the run (make run starts the stack): %v", c.name, err)
		}
	}
	names := []string{organizer, admin, scanner}
	names = append(names, trafficBuyers(s.Buyers)...)
	names = append(names, waveBuyers(s.WaveBuyers)...)
	names = append(names, probeBuyers()...)
	e.users.load(t, names)
	e.startOwn(t)
	f := e.createFixture(t)
	// Registered after the fixture's removal, so it runs before it: whatever happened, every
	// component and service is brought back, then the pending orders are cancelled.
	t.Cleanup(func() { e.finish(t, f) })

	tr := newTraffic(e, f)
	ctx, stopTraffic := context.WithCancel(context.Background())
	defer stopTraffic()
	running := tr.run(ctx)
	var results []result
	for _, name := range s.Faults {
		sleep(ctx, s.Steady)
		tr.tally.setPhase(name)
		r := e.fault(ctx, name, tr, f)
		tr.tally.setPhase("")
		results = append(results, r)
		e.log("%s", r.line())
	}
	sleep(ctx, s.Steady)
	stopTraffic()
	running.Wait()
	e.log("traffic stopped; delivering the last webhooks")
	if err := tr.drain(90 * time.Second); err != nil {
		e.violation("%v", err)
	}

	settled := e.settle(f)
	e.checkInvariants(f, tr)
	e.report(results, settled, tr)
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, v := range e.violations {
		t.Error(v)
	}
}

// finish brings every component and service back (the stack is left up even when an
// assertion failed) and cancels the suite's pending orders.
func (e *env) finish(t *testing.T, f *fixture) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if revived := e.st.ensureUp(ctx, t); len(revived) > 0 {
		e.log("brought back at the end: %s", strings.Join(revived, ", "))
	}
	rows, err := e.db.Query(ctx, `SELECT id::text, buyer_id FROM ordering.orders
		WHERE session_id = ANY($1::uuid[]) AND status = 'PENDING_PAYMENT'`, []string{f.SessionA, f.SessionW})
	if err != nil {
		t.Errorf("pending orders: %v", err)
		return
	}
	type pending struct{ id, buyer string }
	var list []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.id, &p.buyer); err == nil {
			list = append(list, p)
		}
	}
	rows.Close()
	cancelled := 0
	for _, p := range list {
		name, ok := e.users.nameOf(p.buyer)
		if !ok {
			continue
		}
		if r := e.api.do(ctx, "POST", e.orderURL()+"/api/v1/orders/"+p.id+"/cancel", e.users.token(name), nil); r.ok() {
			cancelled++
		}
	}
	e.log("cancelled %d of the suite's %d pending orders", cancelled, len(list))
}
