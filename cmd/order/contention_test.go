package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/locking"
	"github.com/ticketly/ticketly/internal/svctest"
)

func buyers(from, n int) []string {
	users := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf("buyer%d", from+i)
	}
	return users
}

// raceOrders sends one order per token at the same instant and returns the answers.
func raceOrders(t *testing.T, svc *svctest.Service, toks []string, body func(i int) any) []response {
	t.Helper()
	res := make([]response, len(toks))
	var ready, wg sync.WaitGroup
	start := make(chan struct{})
	for i, tok := range toks {
		wg.Add(1)
		ready.Add(1)
		go func() {
			defer wg.Done()
			ready.Done()
			<-start
			res[i] = call(t, http.MethodPost, svc.URL+"/api/v1/orders", tok, body(i), "Idempotency-Key", uuid.NewString())
		}()
	}
	ready.Wait()
	close(start)
	wg.Wait()
	return res
}

// metric reads a counter of the service's /metrics (0 when absent).
func metric(t *testing.T, svc *svctest.Service, series string) float64 {
	t.Helper()
	r := call(t, http.MethodGet, svc.URL+"/metrics", "", nil)
	for _, line := range strings.Split(string(r.Body), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}

func count(res []response) map[int]int {
	c := map[int]int{}
	for _, r := range res {
		c[r.Status]++
	}
	return c
}

// 200 buyers want the same seat at the same instant: exactly one order, 199 fast 409s
// naming the seat, and one live allocation in PostgreSQL.
func TestTwoHundredBuyersOneSeat(t *testing.T) {
	// Contention, not overload, is under test: requests beyond the admission limit wait for
	// it however busy the machine running the tests is, instead of being shed with a 503
	// (TestAPIShedsBeyondItsAdmission covers shedding).
	svc := startOrder(t, map[string]string{"ADMISSION_WAIT": "60s"})
	f := newFixture(t, fixtureOpts{cheapSeats: 2, gaCapacity: 5})
	seat := f.CheapSeats[0]
	toks := tokens(t, buyers(1, 200))

	if r := call(t, http.MethodPost, svc.URL+"/api/v1/orders", "", "{bad json", "Idempotency-Key", "k"); r.Status != http.StatusUnauthorized {
		t.Fatalf("no token: %d %s", r.Status, r.Body)
	}
	start := time.Now()
	res := raceOrders(t, svc, toks, func(int) any { return seatBody(f.SessionID, seat) })
	t.Logf("200 concurrent orders for one seat answered within %s (-race, in-process)", time.Since(start).Round(time.Millisecond))
	c := count(res)
	if c[http.StatusCreated] != 1 || c[http.StatusConflict] != 199 {
		t.Fatalf("outcomes %v, want one 201 and 199 409s", c)
	}
	for _, r := range res {
		if r.Status != http.StatusConflict {
			continue
		}
		e := r.json(t)["error"].(map[string]any)
		ids, _ := e["details"].(map[string]any)["seat_ids"].([]any)
		if e["code"] != "conflict" || !slices.Contains(ids, any(seat.String())) {
			t.Fatalf("409 body %s", r.Body)
		}
	}
	if n := liveAllocations(t, f.SessionID, seat); n != 1 {
		t.Fatalf("%d live allocations of the seat", n)
	}
	// Every loser was turned away by the gate, before any PostgreSQL write.
	if g, d := metric(t, svc, `ticketly_order_conflicts_total{stage="gate"}`), metric(t, svc, `ticketly_order_conflicts_total{stage="database"}`); g != 199 || d != 0 {
		t.Fatalf("conflicts: gate %v, database %v", g, d)
	}
	if status, v := lastChange(t, f.SessionID); status != "LOCKED" || v != 1 {
		t.Fatalf("feed: %s v%d, want one LOCKED change", status, v)
	}
}

// The gate loses the session (its Redis keys are deleted, as a flush or a failover would)
// while buyers keep fighting over a few seats: the gate forgets every hold, but PostgreSQL
// still never has two live allocations of a seat, and every buyer gets a 201 or a 409 —
// never a 5xx. Only the test session's keys go: the shared Redis keeps everyone else's.
func TestRedisFlushMidContention(t *testing.T) {
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 6, gaCapacity: 4})
	rdb := redisClient(t)
	toks := tokens(t, buyers(201, 120))
	seats := f.CheapSeats

	var mu sync.Mutex
	var all []response
	var wg sync.WaitGroup
	for i, tok := range toks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i%40) * 10 * time.Millisecond) // spread over ~400 ms
			body := seatBody(f.SessionID, seats[i%len(seats)])
			if i%4 == 0 { // some want standing units too
				body["standing"] = []map[string]any{{"block_id": f.GA, "quantity": 1}}
			}
			r := call(t, http.MethodPost, svc.URL+"/api/v1/orders", tok, body, "Idempotency-Key", uuid.NewString())
			mu.Lock()
			all = append(all, r)
			mu.Unlock()
		}()
	}
	// Drop the session's keys once the first holds exist (the first requests also warm the caches).
	waitFor(t, 10*time.Second, "the first orders", func() bool {
		var n int
		_ = orderDB(t).QueryRow(context.Background(), `SELECT count(*) FROM ordering.orders WHERE session_id = $1`, f.SessionID).Scan(&n)
		return n >= 2
	})
	if n := dropSessionKeys(t, rdb, f.SessionID); n == 0 {
		t.Fatal("the gate held nothing of the session to lose")
	}
	wg.Wait()
	// A second wave after the flush: every seat is taken in PostgreSQL, the gate knows
	// nothing, so these are refused by the database (and the gate learns again).
	second := raceOrders(t, svc, tokens(t, buyers(321, len(seats))), func(i int) any { return seatBody(f.SessionID, seats[i]) })
	all = append(all, second...)

	c := count(all)
	if c[http.StatusCreated]+c[http.StatusConflict] != len(all) {
		t.Fatalf("outcomes %v: every answer must be 201 or 409", c)
	}
	for _, s := range seats {
		if n := liveAllocations(t, f.SessionID, s); n != 1 {
			t.Fatalf("seat %s has %d live allocations", s, n)
		}
	}
	if c2 := count(second); c2[http.StatusConflict] != len(seats) {
		t.Fatalf("after the flush: %v", c2)
	}
	// The flush let buyers through the gate; the database refused them.
	if d := metric(t, svc, `ticketly_order_conflicts_total{stage="database"}`); d == 0 {
		t.Fatal("no buyer reached the database after the flush: the test did not test the final guard")
	}
	var taken int
	capacity := f.GACapacity
	_ = orderDB(t).QueryRow(context.Background(), `SELECT taken, capacity FROM ordering.standing_inventory
		WHERE session_id = $1 AND block_id = $2`, f.SessionID, f.GA).Scan(&taken, &capacity)
	var units int
	_ = orderDB(t).QueryRow(context.Background(), `SELECT COALESCE(sum(quantity), 0) FROM ordering.standing_allocations
		WHERE session_id = $1 AND block_id = $2 AND status IN ('HELD','SOLD')`, f.SessionID, f.GA).Scan(&units)
	if taken > capacity || units != taken {
		t.Fatalf("standing: taken %d of %d, live units %d", taken, capacity, units)
	}
	if c[http.StatusCreated] != len(seats) {
		t.Fatalf("%d orders for %d seats", c[http.StatusCreated], len(seats))
	}
	// The gate was taught again from the database.
	if n := rdb.Exists(context.Background(), locking.SeatKey(f.SessionID, seats[0])).Val(); n != 1 {
		t.Fatal("the seat hold was not restored in the gate after the database refused a buyer")
	}
	lastChange(t, f.SessionID) // the feed stays dense
}

// Twenty buyers want one standing unit each of a floor of five: five orders, fifteen 409s
// with the availability, never oversold — also after the gate lost the block.
func TestStandingNeverOversold(t *testing.T) {
	svc := startOrder(t, nil)
	f := newFixture(t, fixtureOpts{cheapSeats: 1, gaCapacity: 5})
	ga := func(q int) map[string]any {
		return map[string]any{"session_id": f.SessionID.String(), "standing": []map[string]any{{"block_id": f.GA, "quantity": q}}}
	}
	res := raceOrders(t, svc, tokens(t, buyers(401, 20)), func(int) any { return ga(1) })
	if c := count(res); c[http.StatusCreated] != 5 || c[http.StatusConflict] != 15 {
		t.Fatalf("outcomes %v", c)
	}
	for _, r := range res {
		if r.Status == http.StatusConflict {
			st := r.json(t)["error"].(map[string]any)["details"].(map[string]any)["standing"].([]any)[0].(map[string]any)
			if st["block_id"] != f.GA || st["available"].(float64) != 0 {
				t.Fatalf("409 details %s", r.Body)
			}
		}
	}
	// The gate forgets the block: it is seeded again from PostgreSQL before the next hold.
	rdb := redisClient(t)
	rdb.Del(context.Background(), locking.StandingKey(f.SessionID, f.GA), locking.StandingExpiryKey(f.SessionID, f.GA))
	if r := order(t, svc, "buyer421", ga(1)); r.Status != http.StatusConflict {
		t.Fatalf("after the gate lost the block: %d %s", r.Status, r.Body)
	}
	var taken int
	_ = orderDB(t).QueryRow(context.Background(), `SELECT taken FROM ordering.standing_inventory WHERE session_id = $1 AND block_id = $2`,
		f.SessionID, f.GA).Scan(&taken)
	if taken != 5 {
		t.Fatalf("taken %d", taken)
	}
	status, _ := lastChange(t, f.SessionID)
	var standing string
	_ = orderDB(t).QueryRow(context.Background(), `SELECT standing::text FROM ordering.seat_changes WHERE session_id = $1 ORDER BY version DESC LIMIT 1`,
		f.SessionID).Scan(&standing)
	if status != "LOCKED" || standing != fmt.Sprintf(`[{"block_id": "%s", "available": 0}]`, f.GA) {
		t.Fatalf("last change %s %s", status, standing)
	}
}
