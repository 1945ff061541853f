// Command sse measures the live seat streams against the running platform:
//   - latency: N clients (spread over one or more event-query replicas) watch a demo
//     session; orders hold seats one after another; each client's time from the order's 201
//     to the seat arriving LOCKED on its stream is recorded (p50/p95/p99), and the holds are
//     cancelled again;
//   - fan-out: the events delivered per second to all clients during a burst of changes;
//   - memory: event-query's resident memory before and after the clients connected (its
//     /metrics), i.e. memory per client.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ticketly/ticketly/internal/sse"
)

type seatEvent struct {
	SeatIDs []string `json:"seat_ids"`
	Status  string   `json:"status"`
	Version int64    `json:"version"`
}

type client struct {
	id       int
	snapshot chan struct{}
	mu       sync.Mutex
	waiting  map[string]chan time.Time // seat id -> notify on LOCKED
	events   atomic.Int64              // seats events and snapshots (a snapshot replaces what a slow client missed)
	lastAt   atomic.Int64              // unix nanos of the last event
}

func main() {
	queries := flag.String("query", "http://127.0.0.1:8082", "event-query base URLs, comma separated (clients are spread over them)")
	order := flag.String("order", "http://127.0.0.1:8083", "order service base URL")
	kc := flag.String("keycloak", "http://localhost:8180", "Keycloak base URL")
	n := flag.Int("clients", 1000, "SSE clients")
	orders := flag.Int("orders", 30, "sequential holds measured")
	flag.Parse()
	if err := run(strings.Split(*queries, ","), *order, *kc, *n, *orders); err != nil {
		fmt.Fprintln(os.Stderr, "sse bench:", err)
		os.Exit(1)
	}
}

func run(queries []string, orderURL, kc string, n, orders int) error {
	session, free, err := pickSession(queries[0])
	if err != nil {
		return err
	}
	if len(free) < orders {
		return fmt.Errorf("only %d free seats", len(free))
	}
	rssBefore := rss(queries[0])
	httpc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 10000, MaxConnsPerHost: 0}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clients := make([]*client, n)
	start := time.Now()
	var connErr atomic.Value
	for i := range clients {
		c := &client{id: i, snapshot: make(chan struct{}), waiting: map[string]chan time.Time{}}
		clients[i] = c
		go func() {
			if err := c.stream(ctx, httpc, queries[i%len(queries)]+"/api/v1/sessions/"+session+"/stream"); err != nil && ctx.Err() == nil {
				connErr.Store(err)
			}
		}()
	}
	for _, c := range clients {
		select {
		case <-c.snapshot:
		case <-time.After(60 * time.Second):
			return fmt.Errorf("client %d got no snapshot (%v)", c.id, connErr.Load())
		}
	}
	fmt.Printf("sse_connect clients=%d replicas=%d all_snapshots_in=%s\n", n, len(queries), time.Since(start).Round(time.Millisecond))
	time.Sleep(2 * time.Second) // let the GC settle before reading memory
	rssAfter := rss(queries[0])
	if rssBefore > 0 && rssAfter > 0 && len(queries) == 1 {
		fmt.Printf("sse_memory rss_before=%.1fMiB rss_after=%.1fMiB per_client=%.1fKiB\n",
			float64(rssBefore)/(1<<20), float64(rssAfter)/(1<<20), float64(rssAfter-rssBefore)/float64(n)/1024)
	}

	var lat []time.Duration
	var ids []string
	for i := 0; i < orders; i++ {
		seat := free[i]
		chans := make([]chan time.Time, n)
		for k, c := range clients {
			chans[k] = make(chan time.Time, 1)
			c.mu.Lock()
			c.waiting[seat] = chans[k]
			c.mu.Unlock()
		}
		tok, err := token(kc, fmt.Sprintf("buyer%d", 900+i%100))
		if err != nil {
			return err
		}
		id, t0, err := placeOrder(orderURL, tok, session, seat)
		if err != nil {
			return err
		}
		ids = append(ids, id+" "+tok)
		for k := range clients {
			select {
			case at := <-chans[k]:
				lat = append(lat, at.Sub(t0))
			case <-time.After(10 * time.Second):
				return fmt.Errorf("client %d never saw seat %s LOCKED", k, seat)
			}
		}
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		return lat[min(len(lat)-1, int(float64(len(lat))*p))].Round(time.Millisecond / 10)
	}
	fmt.Printf("sse_latency order_201_to_event clients=%d orders=%d samples=%d p50=%s p95=%s p99=%s max=%s\n",
		n, orders, len(lat), pct(.5), pct(.95), pct(.99), lat[len(lat)-1].Round(time.Millisecond/10))

	// Fan-out: cancel the holds as fast as possible and count deliveries meanwhile.
	var before int64
	for _, c := range clients {
		before += c.events.Load()
	}
	t0 := time.Now()
	for _, it := range ids {
		id, tok, _ := strings.Cut(it, " ")
		if err := cancelOrder(orderURL, tok, id); err != nil {
			return err
		}
	}
	// Delivery is over when no client has received anything for two seconds.
	var delivered int64
	for {
		time.Sleep(500 * time.Millisecond)
		var last int64
		delivered = 0
		for _, c := range clients {
			delivered += c.events.Load()
			last = max(last, c.lastAt.Load())
		}
		if time.Since(time.Unix(0, last)) > 2*time.Second {
			el := time.Unix(0, last).Sub(t0)
			fmt.Printf("sse_fanout changes=%d events_delivered=%d in=%s rate=%.0f/s\n", len(ids), delivered-before,
				el.Round(time.Millisecond), float64(delivered-before)/el.Seconds())
			break
		}
	}
	return nil
}

func (c *client) stream(ctx context.Context, httpc *http.Client, u string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := httpc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("stream answered %s", resp.Status)
	}
	return sse.Read(resp.Body, func(e sse.Event) {
		if e.Name != "" {
			c.dispatch(e.Name, []byte(e.Data), time.Now())
		}
	})
}

func (c *client) dispatch(name string, data []byte, now time.Time) {
	c.lastAt.Store(now.UnixNano())
	switch name {
	case "snapshot":
		c.events.Add(1)
		select {
		case <-c.snapshot:
		default:
			close(c.snapshot)
		}
	case "seats":
		c.events.Add(1)
		var ev seatEvent
		if json.Unmarshal(data, &ev) == nil && ev.Status == "LOCKED" {
			c.mu.Lock()
			for _, s := range ev.SeatIDs {
				if ch, ok := c.waiting[s]; ok {
					ch <- now
					delete(c.waiting, s)
				}
			}
			c.mu.Unlock()
		}
	}
}

func pickSession(query string) (string, []string, error) {
	var page struct{ Items []struct{ ID, Title string } }
	if err := getJSON(query+"/api/v1/events?q=Ticketly+Demo+Night", &page); err != nil {
		return "", nil, err
	}
	for _, e := range page.Items {
		var ev struct{ Sessions []struct{ ID, Status string } }
		if err := getJSON(query+"/api/v1/events/"+e.ID, &ev); err != nil {
			return "", nil, err
		}
		for _, s := range ev.Sessions {
			if s.Status != "ON_SALE" {
				continue
			}
			var m struct{ Seats []struct{ ID, Status string } }
			if err := getJSON(query+"/api/v1/sessions/"+s.ID+"/seats", &m); err != nil {
				return "", nil, err
			}
			var free []string
			for _, seat := range m.Seats {
				if seat.Status == "AVAILABLE" {
					free = append(free, seat.ID)
				}
			}
			return s.ID, free, nil
		}
	}
	return "", nil, fmt.Errorf("no ON_SALE session of the demo event (make run)")
}

func getJSON(u string, out any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

var tokens sync.Map

func token(kc, user string) (string, error) {
	if t, ok := tokens.Load(user); ok {
		return t.(string), nil
	}
	resp, err := http.PostForm(kc+"/realms/ticketly/protocol/openid-connect/token",
		url.Values{"grant_type": {"password"}, "client_id": {"dev-cli"}, "username": {user}, "password": {user}})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || tr.AccessToken == "" {
		return "", fmt.Errorf("token for %s: %s", user, resp.Status)
	}
	tokens.Store(user, tr.AccessToken)
	return tr.AccessToken, nil
}

func placeOrder(orderURL, tok, session, seat string) (string, time.Time, error) {
	body, _ := json.Marshal(map[string]any{"session_id": session, "seat_ids": []string{seat}})
	req, _ := http.NewRequest(http.MethodPost, orderURL+"/api/v1/orders", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "sse-bench-"+seat+"-"+strconv.FormatInt(time.Now().UnixNano(), 10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", time.Time{}, err
	}
	t0 := time.Now()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return "", t0, fmt.Errorf("order answered %s: %s", resp.Status, b)
	}
	var o struct{ ID string }
	_ = json.Unmarshal(b, &o)
	return o.ID, t0, nil
}

func cancelOrder(orderURL, tok, id string) error {
	req, _ := http.NewRequest(http.MethodPost, orderURL+"/api/v1/orders/"+id+"/cancel", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("cancel answered %s: %s", resp.Status, b)
	}
	return nil
}

// rss reads event-query's resident memory from its Prometheus metrics.
func rss(query string) int64 {
	resp, err := http.Get(query + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "process_resident_memory_bytes ") {
			f, _ := strconv.ParseFloat(strings.Fields(sc.Text())[1], 64)
			return int64(f)
		}
	}
	return 0
}
