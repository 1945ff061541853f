package sse

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	r3sse "github.com/r3labs/sse/v2"
)

// Broadcast streams live notifications (an event's checkouts, for its organizer) to the
// clients of a key, each on its own r3labs stream. There is no replay: a client that
// reconnects reloads its dashboard. A client that cannot keep up is disconnected.
type Broadcast struct {
	server    *r3sse.Server
	heartbeat time.Duration
	log       *slog.Logger
	m         *Metrics

	mu    sync.Mutex
	subs  map[string]map[*bconn]struct{}
	conns map[string]*bconn
}

type bconn struct {
	id, key string
	queue   chan frame
	ready   chan struct{}
	once    sync.Once
	over    chan struct{}
}

// NewBroadcast returns an empty broadcast.
func NewBroadcast(heartbeat time.Duration, log *slog.Logger, m *Metrics) *Broadcast {
	if heartbeat <= 0 {
		heartbeat = 15 * time.Second
	}
	b := &Broadcast{heartbeat: heartbeat, log: log, m: m, subs: map[string]map[*bconn]struct{}{}, conns: map[string]*bconn{}}
	b.server = newServer(64, func(id string, _ *r3sse.Subscriber) {
		b.mu.Lock()
		c := b.conns[id]
		b.mu.Unlock()
		if c != nil {
			c.once.Do(func() { close(c.ready) })
		}
	})
	return b
}

// Publish sends a named event to every client of key without blocking.
func (b *Broadcast) Publish(key, name string, data []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for c := range b.subs[key] {
		select {
		case c.queue <- frame{name: name, data: data}:
		default:
			select {
			case c.over <- struct{}{}:
			default:
			}
		}
	}
}

// Serve streams key's events to the client, starting with a `connected` event.
func (b *Broadcast) Serve(w http.ResponseWriter, r *http.Request, key string) {
	c := &bconn{id: uuid.NewString(), key: key, queue: make(chan frame, 256), ready: make(chan struct{}), over: make(chan struct{}, 1)}
	b.mu.Lock()
	if b.subs[key] == nil {
		b.subs[key] = map[*bconn]struct{}{}
	}
	b.subs[key][c] = struct{}{}
	b.conns[c.id] = c
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.subs[key], c)
		if len(b.subs[key]) == 0 {
			delete(b.subs, key)
		}
		delete(b.conns, c.id)
		b.mu.Unlock()
	}()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	b.m.Clients.Inc()
	defer b.m.Clients.Dec()
	go b.pump(ctx, cancel, c, w)
	serveStream(b.server, w, r.WithContext(ctx), c.id)
}

func (b *Broadcast) pump(ctx context.Context, cancel context.CancelFunc, c *bconn, w http.ResponseWriter) {
	select {
	case <-c.ready:
	case <-ctx.Done():
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(3 * b.heartbeat))
	b.server.TryPublish(c.id, &r3sse.Event{Event: []byte("connected"), Data: []byte(`{"key":"` + c.key + `"}`), Retry: []byte("2000")})
	hb := time.NewTicker(b.heartbeat)
	defer hb.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hb.C:
			_ = rc.SetWriteDeadline(time.Now().Add(3 * b.heartbeat))
			b.server.TryPublish(c.id, &r3sse.Event{Comment: []byte("heartbeat")})
		case fr := <-c.queue:
			if !b.server.TryPublish(c.id, &r3sse.Event{Event: []byte(fr.name), Data: fr.data}) {
				b.drop(cancel, c)
				return
			}
			b.m.Sent.Inc()
		case <-c.over:
			b.drop(cancel, c)
			return
		}
	}
}

func (b *Broadcast) drop(cancel context.CancelFunc, c *bconn) {
	b.m.Dropped.Inc()
	b.log.Info("dropping slow SSE client", "key", c.key)
	cancel()
}
