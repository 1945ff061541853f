package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/locking"
	"github.com/ticketly/ticketly/internal/svctest"
)

// orphanHolds lists the session's seat holds in the gate whose owner PostgreSQL does not
// know: holds of requests that never committed.
func orphanHolds(t *testing.T, sessionID uuid.UUID) map[uuid.UUID]string {
	t.Helper()
	ctx := context.Background()
	rdb := redisClient(t)
	prefix := strings.TrimSuffix(locking.SeatKey(sessionID, uuid.Nil), uuid.Nil.String())
	keys, err := rdb.Keys(ctx, strings.ReplaceAll(strings.ReplaceAll(prefix, "{", `\{`), "}", `\}`)+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[uuid.UUID]string{}
	for _, k := range keys {
		owner, err := rdb.Get(ctx, k).Result()
		if err != nil { // expired meanwhile
			continue
		}
		seat, err := uuid.Parse(strings.TrimPrefix(k, prefix))
		if err != nil {
			t.Fatalf("unexpected gate key %s", k)
		}
		var known bool
		if err := orderDB(t).QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ordering.orders WHERE id::text = $1)`, owner).Scan(&known); err != nil {
			t.Fatal(err)
		}
		if !known {
			out[seat] = owner
		}
	}
	return out
}

// TestCrashMidWaveFreesUncommittedHolds kills the order service (SIGKILL) while a wave of
// buyers is between the gate and the database. The seats held by requests that never
// committed must become sellable again within seconds (the provisional hold), never the
// ten minutes of an order's hold, and no seat may end up with two live allocations.
func TestCrashMidWaveFreesUncommittedHolds(t *testing.T) {
	svctest.RequireStack(t)
	const seatsN, buyersN = 150, 300
	f := newFixture(t, fixtureOpts{cheapSeats: seatsN, gaCapacity: 10})
	bin := svctest.Build(t, "./cmd/order")
	env := map[string]string{"STRIPE_WEBHOOK_SECRET": testWebhookSecret, "SWEEP_INTERVAL": "200ms", "CATALOG_CACHE_TTL": "1s"}
	toks := tokens(t, buyers(601, buyersN))

	// Overlapping pairs: buyer i wants seats i and i+1 (mod seatsN). Kill after a growing
	// delay until a wave leaves holds behind that PostgreSQL never saw.
	var orphans map[uuid.UUID]string
	var killedAfter time.Duration
	for _, delay := range []time.Duration{30 * time.Millisecond, 60 * time.Millisecond, 120 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond} {
		p := svctest.StartBinary(t, bin, env)
		p.WaitReady(t, 30*time.Second)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, tok := range toks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				body := seatBody(f.SessionID, f.CheapSeats[i%seatsN], f.CheapSeats[(i+1)%seatsN])
				// The answers do not matter: the process dies under them.
				req, _ := http.NewRequest(http.MethodPost, p.URL+"/api/v1/orders", bytes.NewReader(mustJSON(t, body)))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", uuid.NewString())
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}()
		}
		close(start)
		time.Sleep(delay)
		p.Kill()
		wg.Wait()
		orphans = orphanHolds(t, f.SessionID)
		t.Logf("killed %s into the wave: %d seats held by requests PostgreSQL never saw", delay, len(orphans))
		if len(orphans) > 0 {
			killedAfter = delay
			break
		}
	}
	if len(orphans) == 0 {
		t.Fatal("no wave left an uncommitted hold behind: the test did not test the crash window")
	}
	crashed := time.Now()

	// A new process: within seconds every seat PostgreSQL does not hold can be bought again.
	svc := svctest.StartBinary(t, bin, env)
	svc.WaitReady(t, 30*time.Second)
	waitFor(t, 30*time.Second, "uncommitted holds to lapse", func() bool { return len(orphanHolds(t, f.SessionID)) == 0 })
	t.Logf("killed %s into the wave; orphan holds gone %s after the crash", killedAfter, time.Since(crashed).Round(100*time.Millisecond))

	var free []uuid.UUID
	for seat := range orphans {
		if liveAllocations(t, f.SessionID, seat) == 0 {
			free = append(free, seat)
		}
	}
	tok := svctest.Token(t, "buyer")
	for _, seat := range free {
		r := call(t, http.MethodPost, svc.URL+"/api/v1/orders", tok, seatBody(f.SessionID, seat), "Idempotency-Key", uuid.NewString())
		if r.Status != http.StatusCreated {
			t.Fatalf("seat %s, held only by a request that died, is still refused after the provisional hold: %d %s", seat, r.Status, r.Body)
		}
	}
	t.Logf("%d of the %d orphaned seats were free in PostgreSQL and sold again", len(free), len(orphans))
	for _, s := range f.CheapSeats {
		if n := liveAllocations(t, f.SessionID, s); n > 1 {
			t.Fatalf("seat %s has %d live allocations", s, n)
		}
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
