//go:build chaos

package chaos_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/ticketly/ticketly/internal/locking"
)

// waveBuyers are the users of the order-kill wave: buyer1… (buyer581 is left out: another
// test counts its keys).
func waveBuyers(n int) []string {
	out := make([]string, 0, n)
	for i := 1; len(out) < n; i++ {
		if i != 581 {
			out = append(out, fmt.Sprintf("buyer%d", i))
		}
	}
	return out
}

// probeBuyers place the orders that check seats are sellable again after the wave.
func probeBuyers() []string {
	out := make([]string, 40)
	for i := range out {
		out[i] = fmt.Sprintf("buyer%d", 951+i)
	}
	return out
}

// wavePair is the two seats buyer i asks for: the first half of the buyers ask for disjoint
// pairs, the second half for pairs that overlap the first half's and each other's.
func wavePair(i, n int) (int, int) {
	if i < n/2 {
		return (2 * i) % n, (2*i + 1) % n
	}
	a := (i*7 + 3) % n
	b := (a + 1 + i%5) % n
	if a == b {
		b = (b + 1) % n
	}
	return a, b
}

// wave is the order-service fault: a few hundred buyers order at the same instant, the order
// service is killed -9 about 30 ms into it, and the stack brings it back. Afterwards every
// seat PostgreSQL does not hold must be sellable again within SellableWithin, and no seat may
// be booked twice.
func (e *env) wave(ctx context.Context, tr *traffic, f *fixture) result {
	r := result{Fault: "order", How: "kill -9"}
	buyers := waveBuyers(e.s.WaveBuyers)
	seats := f.SeatsW
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: len(buyers), MaxConnsPerHost: 0}}
	orderURL := e.orderURL()
	// Warm the connections so the requests leave together.
	var warm sync.WaitGroup
	for range min(len(buyers), 64) {
		warm.Add(1)
		go func() {
			defer warm.Done()
			if resp, err := client.Get(orderURL + "/healthz"); err == nil {
				resp.Body.Close()
			}
		}()
	}
	warm.Wait()

	var created, refused, other, noAnswer atomic.Int64
	var mu sync.Mutex
	createdIDs := map[string][]string{} // order id -> seats
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i, b := range buyers {
		x, y := wavePair(i, len(seats))
		body := map[string]any{"session_id": f.SessionW, "seat_ids": []string{seats[x], seats[y]}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			api := &api{http: client}
			rep := api.do(context.Background(), http.MethodPost, orderURL+"/api/v1/orders", e.users.token(b), body,
				"Idempotency-Key", uuid.NewString())
			switch {
			case rep.Status == http.StatusCreated:
				created.Add(1)
				var o struct {
					ID string `json:"id"`
				}
				if rep.decode(&o) == nil {
					mu.Lock()
					createdIDs[o.ID] = body["seat_ids"].([]string)
					mu.Unlock()
				}
			case rep.Status == http.StatusConflict:
				refused.Add(1)
			case rep.Status == 0:
				noAnswer.Add(1)
			default:
				other.Add(1)
			}
		}()
	}
	e.log("fault order: kill -9 %s into a wave of %d buyers on %d seats (not before its first hold is in Redis)", e.s.KillAfter, len(buyers), len(seats))
	released := time.Now()
	close(gate)
	time.Sleep(e.s.KillAfter)
	// A kill before any request reached the gate would test nothing: on a busy machine the
	// first holds may take longer than KillAfter.
	holdsAtKill := e.waitFirstHold(f.SessionW, seats, 5*time.Second)
	t0 := time.Now()
	var err error
	if e.ownOrder != nil {
		err = e.ownOrder.kill9()
	} else {
		err = e.st.kill9("order")
	}
	if err != nil {
		e.violation("fault order: %v", err)
		r.Failed = true
		return r
	}
	caught := e.watchCatchUp(ctx, f, t0, "order")
	readyURL := e.orderURL()
	readyAt := e.watchReady(ctx, serviceProbe(readyURL))
	wg.Wait()
	e.log("  killed %s after the wave left, with %d seats held in Redis; answers: %d created, %d refused (409), %d other, %d without answer",
		t0.Sub(released).Round(time.Millisecond), holdsAtKill, created.Load(), refused.Load(), other.Load(), noAnswer.Load())
	sleep(ctx, e.s.DownFor)
	back := func(ctx context.Context) error {
		if e.ownOrder != nil {
			return e.ownOrder.start()
		}
		return e.st.script(ctx, "services.sh", "start", "order")
	}
	if err := back(ctx); err != nil {
		e.violation("fault order: the stack's scripts did not bring it back: %v", err)
		r.Failed = true
	}
	at := <-readyAt
	if at.IsZero() {
		e.violation("fault order: not ready within %s", e.s.ReadyWithin)
		r.Failed = true
		return r
	}
	r.Ready = at.Sub(t0)
	r.AllReady, r.Revived = e.waitAllReady(ctx, t0)

	// What the crash left: orders PostgreSQL committed, holds Redis kept.
	held, err := e.liveSeats(ctx, f.SessionW)
	if err != nil {
		e.violation("fault order: read allocations: %v", err)
	}
	stale := e.gateHolders(ctx, f.SessionW, seats, held)
	e.log("  after the crash: %d seats held in PostgreSQL, %d seats held in Redis without a live allocation", len(held), len(stale))
	mu.Lock()
	for id := range createdIDs {
		var n int
		if err := e.db.QueryRow(ctx, `SELECT count(*) FROM ordering.orders WHERE id = $1`, id).Scan(&n); err != nil || n != 1 {
			e.violation("wave order %s was answered 201 but is not in PostgreSQL (%v)", id, err)
		}
	}
	mu.Unlock()

	within, frozen := e.sellableAgain(ctx, f.SessionW, seats, held, at)
	total := len(seats) - len(held)
	if len(frozen) == 0 {
		r.Note = fmt.Sprintf("wave %d buyers: %d created before the kill; all %d free seats sellable again %s after the restart (%s after the kill; bound %s)",
			len(buyers), created.Load(), total, fmtDur(within), fmtDur(at.Sub(t0)+within), e.s.SellableWithin)
	} else {
		r.Note = fmt.Sprintf("wave %d buyers: %d of %d free seats still refused %s after the restart", len(buyers), len(frozen), total, e.s.SellableWithin)
		sort.Strings(frozen)
		if len(frozen) > 10 {
			frozen = append(frozen[:10], fmt.Sprintf("… %d more", len(frozen)-10))
		}
		e.violation("after kill -9 of the order service mid-wave, %d seats PostgreSQL does not hold were not sellable within %s of its restart: %s",
			len(frozen), e.s.SellableWithin, strings.Join(frozen, "; "))
		r.Failed = true
	}
	if d := <-caught; d > 0 {
		r.CaughtUp = d
	} else {
		e.violation("fault order: the read model did not catch up within %s", e.s.ReadyWithin+e.s.CatchUpWithin)
		r.Failed = true
	}
	return r
}

// waitFirstHold polls the gate until it holds a seat of session, and returns how many it
// holds then (0 when none appeared within).
func (e *env) waitFirstHold(session string, seats []string, within time.Duration) int {
	sid := uuid.MustParse(session)
	keys := make([]string, len(seats))
	for i, s := range seats {
		keys[i] = locking.SeatKey(sid, uuid.MustParse(s))
	}
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		vals, err := e.rdb.MGet(context.Background(), keys...).Result()
		n := 0
		for _, v := range vals {
			if v != nil {
				n++
			}
		}
		if err == nil && n > 0 {
			return n
		}
		time.Sleep(2 * time.Millisecond)
	}
	return 0
}

// liveSeats returns the seats of a session PostgreSQL holds, sells or blocks, with their holder.
func (e *env) liveSeats(ctx context.Context, session string) (map[string]string, error) {
	out := map[string]string{}
	err := retry(ctx, func() error {
		rows, err := e.db.Query(ctx, `SELECT seat_id::text, COALESCE(order_id::text, 'BLOCKED') FROM ordering.seat_allocations
			WHERE session_id = $1 AND status IN ('HELD','SOLD','BLOCKED')`, session)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s, o string
			if err := rows.Scan(&s, &o); err != nil {
				return err
			}
			out[s] = o
		}
		return rows.Err()
	})
	return out, err
}

// gateHolders returns, for the seats PostgreSQL does not hold, the holder and remaining time
// Redis has for them.
func (e *env) gateHolders(ctx context.Context, session string, seats []string, held map[string]string) map[string]string {
	sid := uuid.MustParse(session)
	out := map[string]string{}
	for _, s := range seats {
		if _, ok := held[s]; ok {
			continue
		}
		key := locking.SeatKey(sid, uuid.MustParse(s))
		v, err := e.rdb.Get(ctx, key).Result()
		if err == redis.Nil || err != nil {
			continue
		}
		out[s] = fmt.Sprintf("%s for %s", v, e.rdb.PTTL(ctx, key).Val().Round(time.Second))
	}
	return out
}

// sellableAgain orders, as the probe buyers, every seat of session PostgreSQL does not hold,
// one seat per order, in rounds (every seat not sold yet is tried once per round, 16 at a
// time), until each was created once (then it is cancelled again) or SellableWithin passed
// since `from`. It returns the time the last seat took and the seats never sold, each with
// why (what Redis holds it for, or the last answer).
func (e *env) sellableAgain(ctx context.Context, session string, seats []string, held map[string]string, from time.Time) (time.Duration, []string) {
	left := map[string]reply{}
	for _, s := range seats {
		if _, ok := held[s]; !ok {
			left[s] = reply{}
		}
	}
	deadline := from.Add(e.s.SellableWithin)
	probes := probeBuyers()
	var mu sync.Mutex
	var last time.Duration
	for len(left) > 0 && time.Now().Before(deadline) {
		round := make(chan string, len(left))
		for s := range left {
			round <- s
		}
		close(round)
		var wg sync.WaitGroup
		for w := 0; w < 16; w++ {
			buyer := probes[w%len(probes)]
			wg.Add(1)
			go func() {
				defer wg.Done()
				for seat := range round {
					r := e.api.do(ctx, http.MethodPost, e.orderURL()+"/api/v1/orders", e.users.token(buyer),
						map[string]any{"session_id": session, "seat_ids": []string{seat}}, "Idempotency-Key", uuid.NewString())
					mu.Lock()
					if r.Status == http.StatusCreated {
						delete(left, seat)
						last = max(last, time.Since(from))
					} else {
						left[seat] = r
					}
					mu.Unlock()
					var o struct {
						ID string `json:"id"`
					}
					if r.Status == http.StatusCreated && r.decode(&o) == nil {
						e.api.do(ctx, http.MethodPost, e.orderURL()+"/api/v1/orders/"+o.ID+"/cancel", e.users.token(buyer), nil)
					}
				}
			}()
		}
		wg.Wait()
		if len(left) > 0 {
			time.Sleep(250 * time.Millisecond)
		}
	}
	var frozen []string
	for seat, r := range left {
		why := "last answer " + r.String()
		if h := e.gateHolders(ctx, session, []string{seat}, nil)[seat]; h != "" {
			why = "held in Redis by " + h
		}
		frozen = append(frozen, seat+" ("+why+")")
	}
	return last, frozen
}
