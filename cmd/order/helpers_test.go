package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/ticketly/ticketly/internal/svctest"
)

// The integration tests run against the local stack (PostgreSQL, Redis, stripe-mock,
// Keycloak): they fail loudly when a server is missing. Each test builds its own
// organization, event and session in the catalog (as ticketly_command, as event-command
// would) with fresh UUIDs, and starts the order service in-process.

const testWebhookSecret = "whsec_ticketly_order_tests"

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

var (
	poolsMu sync.Mutex
	pools   = map[string]*pgxpool.Pool{}
)

func pool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	poolsMu.Lock()
	defer poolsMu.Unlock()
	if p, ok := pools[url]; ok {
		return p
	}
	svctest.RequireStack(t, svctest.Postgres)
	p, err := pgxpool.New(context.Background(), url)
	if err == nil {
		err = p.Ping(context.Background())
	}
	if err != nil {
		t.Fatalf("postgres %s: %v (is the local stack up? bash deploy/local/stack.sh up)", url, err)
	}
	pools[url] = p
	return p
}

// catalogDB writes catalog fixtures as event-command's role; orderDB reads the order schema.
func catalogDB(t testing.TB) *pgxpool.Pool {
	return pool(t, envOr("TEST_CATALOG_DATABASE_URL", "postgres://ticketly_command:ticketly_command@127.0.0.1:5432/ticketly"))
}

func orderDB(t testing.TB) *pgxpool.Pool {
	return pool(t, envOr("TEST_ORDER_DATABASE_URL", "postgres://ticketly_order:ticketly_order@127.0.0.1:5432/ticketly"))
}

func redisClient(t testing.TB) *redis.Client {
	t.Helper()
	svctest.RequireStack(t, svctest.Redis)
	rdb := redis.NewClient(&redis.Options{Addr: envOr("REDIS_ADDR", "127.0.0.1:6379")})
	t.Cleanup(func() { _ = rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis: %v (is the local stack up?)", err)
	}
	return rdb
}

// dropSessionKeys deletes every gate key of one session (hold:{S}:…, ga:{S}:…, gax:{S}:…,
// idem:{S}:…): the gate forgets the session as after a Redis flush, while the keys of other
// sessions — the running services' and other tests' — stay.
func dropSessionKeys(t testing.TB, rdb *redis.Client, sessionID uuid.UUID) int {
	t.Helper()
	ctx := context.Background()
	var keys []string
	iter := rdb.Scan(ctx, 0, "*{"+sessionID.String()+"}*", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatalf("scan the gate keys of session %s: %v", sessionID, err)
	}
	if len(keys) > 0 {
		if err := rdb.Del(ctx, keys...).Err(); err != nil {
			t.Fatalf("delete the gate keys of session %s: %v", sessionID, err)
		}
	}
	return len(keys)
}

// startOrder runs the order service in-process with the test webhook secret and extra env.
func startOrder(t testing.TB, env map[string]string) *svctest.Service {
	t.Helper()
	vars := map[string]string{"STRIPE_WEBHOOK_SECRET": testWebhookSecret, "SWEEP_INTERVAL": "200ms", "CATALOG_CACHE_TTL": "1s"}
	for k, v := range env {
		vars[k] = v
	}
	return svctest.Start(t, run, vars)
}

// fixture is an approved event of a fresh organization (owned by organizer, with scanner
// as SCANNER) with one ON_SALE session: a seated block of cheap (1000 EUR) and vip
// (5000 EUR) seats, one seat blocked in the layout, a non-sellable stage and a standing
// floor of cheap units.
type fixture struct {
	OrgID, EventID, SessionID uuid.UUID
	Cheap, VIP                uuid.UUID
	CheapSeats, VIPSeats      []uuid.UUID
	LayoutBlocked             uuid.UUID
	GA                        string
	GACapacity                int
}

type fixtureOpts struct {
	cheapSeats, vipSeats, gaCapacity int
}

func newFixture(t testing.TB, o fixtureOpts) *fixture {
	t.Helper()
	ctx := context.Background()
	db := catalogDB(t)
	f := &fixture{OrgID: uuid.New(), EventID: uuid.New(), SessionID: uuid.New(), Cheap: uuid.New(), VIP: uuid.New(),
		LayoutBlocked: uuid.New(), GA: "floor-" + uuid.NewString()[:8], GACapacity: o.gaCapacity}
	owner := svctest.Subject(t, "organizer")
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("catalog fixture: %v\n%s", err, sql)
		}
	}
	exec(`INSERT INTO catalog.organizations (id, name, owner_id) VALUES ($1, $2, $3)`, f.OrgID, "Order tests "+f.OrgID.String()[:8], owner)
	// The organization counts against organizer's plan limit: remove it (and, by cascade,
	// its event's tiers, session and discounts) when the test ends, so repeated runs on a
	// long-lived stack never reach the limit.
	t.Cleanup(func() {
		for _, q := range []string{`DELETE FROM catalog.events WHERE organization_id = $1`, `DELETE FROM catalog.organizations WHERE id = $1`} {
			if _, err := db.Exec(context.Background(), q, f.OrgID); err != nil {
				t.Errorf("catalog fixture cleanup: %v", err)
			}
		}
	})
	exec(`INSERT INTO catalog.organization_members (organization_id, user_id, roles) VALUES ($1, $2, '{SCANNER}')`,
		f.OrgID, svctest.Subject(t, "scanner"))
	exec(`INSERT INTO catalog.events (id, organization_id, title, status, created_by) VALUES ($1, $2, $3, 'APPROVED', $4)`,
		f.EventID, f.OrgID, "Order test "+f.EventID.String()[:8], owner)
	exec(`INSERT INTO catalog.tiers (id, event_id, name, price_minor, currency) VALUES ($1, $3, 'Cheap', 1000, 'EUR'), ($2, $3, 'VIP', 5000, 'EUR')`,
		f.Cheap, f.VIP, f.EventID)
	type seat struct {
		ID     string `json:"id"`
		Label  string `json:"label"`
		TierID string `json:"tier_id"`
	}
	var seats []seat
	for i := range o.cheapSeats {
		id := uuid.New()
		f.CheapSeats = append(f.CheapSeats, id)
		seats = append(seats, seat{ID: id.String(), Label: fmt.Sprint(i + 1), TierID: f.Cheap.String()})
	}
	for i := range o.vipSeats {
		id := uuid.New()
		f.VIPSeats = append(f.VIPSeats, id)
		seats = append(seats, seat{ID: id.String(), Label: fmt.Sprint(o.cheapSeats + i + 1), TierID: f.VIP.String()})
	}
	seats = append(seats, seat{ID: f.LayoutBlocked.String(), Label: "99", TierID: f.Cheap.String()})
	layout := map[string]any{
		"blocks": []any{
			map[string]any{"id": "main", "name": "Main", "type": "seated_grid", "rows": []any{map[string]any{"label": "A", "seats": seats}}},
			map[string]any{"id": f.GA, "name": "Floor", "type": "standing", "capacity": o.gaCapacity, "tier_id": f.Cheap.String()},
			map[string]any{"id": "stage", "name": "Stage", "type": "non_sellable"},
		},
		"blocked_seat_ids": []string{f.LayoutBlocked.String()},
	}
	lj, _ := json.Marshal(layout)
	now := time.Now().UTC()
	exec(`INSERT INTO catalog.sessions (id, event_id, start_time, end_time, sales_start_time, sales_end_time, session_type, status, layout)
		VALUES ($1, $2, $3, $4, $5, $6, 'PHYSICAL', 'ON_SALE', $7)`,
		f.SessionID, f.EventID, now.Add(48*time.Hour), now.Add(50*time.Hour), now.Add(-time.Hour), now.Add(47*time.Hour), lj)
	return f
}

// addDiscount creates a discount code of the fixture's event.
func (f *fixture) addDiscount(t testing.TB, code, kind string, cols map[string]any) uuid.UUID {
	t.Helper()
	id := uuid.New()
	names, vals, args := []string{"id", "event_id", "code", "kind"}, []string{"$1", "$2", "$3", "$4"}, []any{id, f.EventID, code, kind}
	for k, v := range cols {
		args = append(args, v)
		names, vals = append(names, k), append(vals, fmt.Sprintf("$%d", len(args)))
	}
	if _, err := catalogDB(t).Exec(context.Background(), `INSERT INTO catalog.discounts (`+strings.Join(names, ",")+
		`) VALUES (`+strings.Join(vals, ",")+`)`, args...); err != nil {
		t.Fatalf("discount fixture: %v", err)
	}
	return id
}

// response is an HTTP answer.
type response struct {
	Status int
	Body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("answer %d is not a JSON object: %s", r.Status, r.Body)
	}
	return m
}

func (r response) errCode(t testing.TB) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

var httpClient = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 300, MaxConnsPerHost: 0}}

// call sends a request; body may be a string (sent as is), []byte, or anything (JSON).
func call(t testing.TB, method, url, token string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, url, err)
		return response{}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Body: b}
}

// order places an order as user with a fresh Idempotency-Key.
func order(t testing.TB, svc *svctest.Service, user string, body any) response {
	t.Helper()
	return call(t, http.MethodPost, svc.URL+"/api/v1/orders", svctest.Token(t, user), body, "Idempotency-Key", uuid.NewString())
}

func seatBody(sessionID uuid.UUID, seats ...uuid.UUID) map[string]any {
	ids := make([]string, len(seats))
	for i, s := range seats {
		ids[i] = s.String()
	}
	return map[string]any{"session_id": sessionID.String(), "seat_ids": ids}
}

// mustOrder places an order and fails the test unless it is created; it returns the body.
func mustOrder(t testing.TB, svc *svctest.Service, user string, body any) map[string]any {
	t.Helper()
	r := order(t, svc, user, body)
	if r.Status != http.StatusCreated {
		t.Fatalf("order by %s: %d %s", user, r.Status, r.Body)
	}
	return r.json(t)
}

// paymentEvent sends a signed Stripe webhook about a payment intent.
func paymentEvent(t testing.TB, svc *svctest.Service, eventID, typ, pi, orderID string, amount int64) response {
	t.Helper()
	obj := map[string]any{"id": pi, "object": "payment_intent", "amount": amount, "currency": "eur",
		"metadata": map[string]string{"order_id": orderID}}
	if typ == "payment_intent.succeeded" {
		obj["amount_received"], obj["status"] = amount, "succeeded"
	} else {
		obj["amount_received"], obj["status"] = 0, "requires_payment_method"
		obj["last_payment_error"] = map[string]any{"message": "Your card was declined."}
	}
	payload, _ := json.Marshal(map[string]any{"id": eventID, "object": "event", "type": typ, "api_version": "2023-10-16",
		"created": time.Now().Unix(), "data": map[string]any{"object": obj}})
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: testWebhookSecret})
	return call(t, http.MethodPost, svc.URL+"/api/v1/webhooks/stripe", "", payload, "Stripe-Signature", signed.Header)
}

// pay sends payment_intent.succeeded for an order answer and checks it was applied.
func pay(t testing.TB, svc *svctest.Service, o map[string]any) {
	t.Helper()
	r := paymentEvent(t, svc, "evt_"+uuid.NewString(), "payment_intent.succeeded", piOf(t, o), o["id"].(string), int64(o["total_minor"].(float64)))
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"paid"`) {
		t.Fatalf("payment: %d %s", r.Status, r.Body)
	}
}

func piOf(t testing.TB, o map[string]any) string {
	t.Helper()
	p, _ := o["payment"].(map[string]any)
	pi, _ := p["payment_intent_id"].(string)
	if pi == "" {
		t.Fatalf("order without payment intent: %v", o)
	}
	return pi
}

// orderRow reads an order's status, refunded amount and reason from PostgreSQL.
func orderRow(t testing.TB, id string) (status string, refunded int64, reason string) {
	t.Helper()
	if err := orderDB(t).QueryRow(context.Background(), `SELECT status, refunded_minor, status_reason FROM ordering.orders WHERE id = $1`, id).
		Scan(&status, &refunded, &reason); err != nil {
		t.Fatalf("order %s: %v", id, err)
	}
	return
}

// liveAllocations counts the live (held, sold or blocked) allocations of a seat.
func liveAllocations(t testing.TB, sessionID, seat uuid.UUID) int {
	t.Helper()
	var n int
	if err := orderDB(t).QueryRow(context.Background(), `SELECT count(*) FROM ordering.seat_allocations
		WHERE session_id = $1 AND seat_id = $2 AND status IN ('HELD','SOLD','BLOCKED')`, sessionID, seat).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// allocationStatuses lists an order's seat allocation statuses.
func allocationStatuses(t testing.TB, orderID string) []string {
	t.Helper()
	rows, err := orderDB(t).Query(context.Background(), `SELECT status FROM ordering.seat_allocations WHERE order_id = $1 ORDER BY id`, orderID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

// lastChange returns the status of the session's latest seat change and the session's
// inventory version, checking that the feed is dense (versions 1..n, one row each).
func lastChange(t testing.TB, sessionID uuid.UUID) (string, int64) {
	t.Helper()
	ctx := context.Background()
	var n, maxV, inv int64
	if err := orderDB(t).QueryRow(ctx, `SELECT count(*), COALESCE(max(version), 0) FROM ordering.seat_changes WHERE session_id = $1`, sessionID).
		Scan(&n, &maxV); err != nil {
		t.Fatal(err)
	}
	_ = orderDB(t).QueryRow(ctx, `SELECT version FROM ordering.session_inventory WHERE session_id = $1`, sessionID).Scan(&inv)
	if n != maxV || inv != maxV {
		t.Fatalf("seat-change feed of %s is not dense: %d rows, max version %d, inventory version %d", sessionID, n, maxV, inv)
	}
	if n == 0 {
		return "", 0
	}
	var status string
	_ = orderDB(t).QueryRow(ctx, `SELECT status FROM ordering.seat_changes WHERE session_id = $1 AND version = $2`, sessionID, maxV).Scan(&status)
	return status, maxV
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tokens fetches the tokens of users concurrently (Keycloak password grants).
func tokens(t testing.TB, users []string) []string {
	t.Helper()
	out := make([]string, len(users))
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i, u := range users {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i] = svctest.Token(t, u)
		}()
	}
	wg.Wait()
	return out
}
