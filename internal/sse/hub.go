// Package sse streams live seat availability to buyers (SPEC section 3, "Live
// availability"). Every event-query replica reads the seat-change feed itself, so any
// replica can serve any client; each event's id is the session's inventory version from the
// write model, the same on every replica. The session's status travels too: in the
// snapshot, and as `status` events without an id when it changes (they move no client's
// Last-Event-ID).
//
// It serves the streams with r3labs/sse, avoiding the library's traps (see
// reference/libraries.md §1): one stream per connection (so a slow client only ever blocks
// its own stream), replay off (the library would rewrite ids and replay everything), the
// replay buffer kept here per session, Last-Event-ID read here (the library answers 400 to
// a non-numeric one), non-blocking publishes with re-snapshot or drop for slow clients, and
// a handler in front that answers unknown sessions with a 404 itself.
package sse

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	r3sse "github.com/r3labs/sse/v2"
)

// Standing is a general-admission block's availability.
type Standing struct {
	BlockID   string `json:"block_id"`
	Available int64  `json:"available"`
}

// Snapshot is a session's whole seat state at a version (seats not listed are AVAILABLE),
// with the session's status (ON_SALE, SOLD_OUT, …).
type Snapshot struct {
	Version  int64             `json:"version"`
	Status   string            `json:"status"`
	Seats    map[string]string `json:"seats"`
	Standing []Standing        `json:"standing"`
}

// Change is one inventory version of a session.
type Change struct {
	SessionID string
	Version   int64
	Status    string
	SeatIDs   []string
	Standing  []Standing
	// Gap is set when versions before this one never arrived: clients re-snapshot.
	Gap  bool
	TsMs int64 // database commit time
}

// Source gives a session's current snapshot. WithSnapshot runs fn while no change of the
// session can be published (so a subscription made inside fn misses nothing and sees
// nothing twice) and reports false for a session that does not exist publicly.
type Source interface {
	WithSnapshot(sessionID string, fn func(Snapshot)) bool
}

// Config tunes the hub.
type Config struct {
	Heartbeat    time.Duration // comment heartbeat interval (SPEC: 15 s)
	ReplayBuffer int           // versions kept per session for Last-Event-ID resumption
	ClientBuffer int           // frames queued per client before it must re-snapshot
	// SlowClientGrace is how long a client whose stream is full may take to accept a
	// re-snapshot before it is dropped.
	SlowClientGrace time.Duration
	// RetryMs is the reconnection delay suggested to clients.
	RetryMs int
}

func (c *Config) defaults() {
	if c.Heartbeat <= 0 {
		c.Heartbeat = 15 * time.Second
	}
	if c.ReplayBuffer <= 0 {
		c.ReplayBuffer = 512
	}
	if c.ClientBuffer <= 0 {
		c.ClientBuffer = 256
	}
	if c.SlowClientGrace <= 0 {
		c.SlowClientGrace = 10 * time.Second
	}
	if c.RetryMs <= 0 {
		c.RetryMs = 2000
	}
}

// frame is one SSE event as sent: id (version), name and one line of JSON.
type frame struct {
	version int64
	name    string
	data    []byte
}

// item is everything one inventory version sends: a seats frame and/or standing frames;
// or, with status set, a session status frame (sent without an id, never buffered).
type item struct {
	version int64
	frames  []frame
	status  bool
}

type feed struct {
	items []item // the last ReplayBuffer versions, in version order
	subs  map[*conn]struct{}
	// statusSeen is set once this replica saw the session's status change, and statusAt is
	// the inventory version it had then: a client resuming from a version below or at it
	// may have missed the change and gets the status first.
	statusSeen bool
	statusAt   int64
}

type conn struct {
	id      string
	session string
	queue   chan item
	resync  chan struct{}
	ready   chan struct{}
	once    sync.Once
	initial []item // snapshot or replayed versions, sent first
	sent    int64  // highest version the client has
}

// Hub fans seat changes out to the connected clients of a replica.
type Hub struct {
	cfg    Config
	src    Source
	log    *slog.Logger
	server *r3sse.Server
	m      *Metrics

	mu    sync.Mutex
	feeds map[string]*feed
	conns map[string]*conn
}

// New returns a hub serving snapshots from src.
func New(cfg Config, src Source, log *slog.Logger, m *Metrics) *Hub {
	cfg.defaults()
	h := &Hub{cfg: cfg, src: src, log: log, m: m, feeds: map[string]*feed{}, conns: map[string]*conn{}}
	// The per-connection buffer takes a burst; a client that stays behind re-snapshots.
	h.server = newServer(128, h.onSubscribe)
	return h
}

func (h *Hub) onSubscribe(streamID string, _ *r3sse.Subscriber) {
	h.mu.Lock()
	c := h.conns[streamID]
	h.mu.Unlock()
	if c != nil {
		c.once.Do(func() { close(c.ready) })
	}
}

// Publish delivers a change to the session's clients and keeps it for resumption. Changes
// of a session must be published in version order (the caller holds its source's lock).
func (h *Hub) Publish(ch Change) {
	it := item{version: ch.Version, frames: changeFrames(ch)}
	h.mu.Lock()
	defer h.mu.Unlock()
	f := h.feeds[ch.SessionID]
	if f == nil {
		f = &feed{subs: map[*conn]struct{}{}}
		h.feeds[ch.SessionID] = f
	}
	if ch.Gap {
		f.items = nil // the buffer no longer covers every version
	}
	f.items = append(f.items, it)
	if over := len(f.items) - h.cfg.ReplayBuffer; over > 0 {
		f.items = append(f.items[:0:0], f.items[over:]...)
	}
	for c := range f.subs {
		if ch.Gap {
			c.signalResync()
			continue
		}
		select {
		case c.queue <- it:
		default:
			h.m.Overflows.Inc()
			c.signalResync()
		}
	}
	if ch.TsMs > 0 {
		h.m.Lag.Observe(time.Since(time.UnixMilli(ch.TsMs)).Seconds())
	}
}

// PublishStatus tells the session's clients its status changed (SOLD_OUT and back,
// CANCELLED, …); version is the session's current inventory version. The event carries no
// id, so it moves no client's Last-Event-ID. Call it under the source's lock, like Publish.
func (h *Hub) PublishStatus(sessionID, status string, version int64) {
	it := statusItem(status, version)
	h.mu.Lock()
	defer h.mu.Unlock()
	f := h.feeds[sessionID]
	if f == nil {
		f = &feed{subs: map[*conn]struct{}{}}
		h.feeds[sessionID] = f
	}
	f.statusSeen, f.statusAt = true, version
	for c := range f.subs {
		select {
		case c.queue <- it:
		default:
			h.m.Overflows.Inc()
			c.signalResync() // the snapshot carries the status
		}
	}
}

func statusItem(status string, version int64) item {
	b, _ := json.Marshal(struct {
		Status  string `json:"status"`
		Version int64  `json:"version"`
	}{status, version})
	return item{version: version, frames: []frame{{version, "status", b}}, status: true}
}

func (c *conn) signalResync() {
	select {
	case c.resync <- struct{}{}:
	default:
	}
}

func changeFrames(ch Change) []frame {
	var out []frame
	if len(ch.SeatIDs) > 0 {
		b, _ := json.Marshal(struct {
			SeatIDs []string `json:"seat_ids"`
			Status  string   `json:"status"`
			Version int64    `json:"version"`
		}{ch.SeatIDs, ch.Status, ch.Version})
		out = append(out, frame{ch.Version, "seats", b})
	}
	for _, s := range ch.Standing {
		b, _ := json.Marshal(struct {
			BlockID   string `json:"block_id"`
			Available int64  `json:"available"`
			Version   int64  `json:"version"`
		}{s.BlockID, s.Available, ch.Version})
		out = append(out, frame{ch.Version, "standing", b})
	}
	return out
}

func snapshotItem(s Snapshot) item {
	if s.Seats == nil {
		s.Seats = map[string]string{}
	}
	if s.Standing == nil {
		s.Standing = []Standing{}
	}
	b, _ := json.Marshal(s)
	return item{version: s.Version, frames: []frame{{s.Version, "snapshot", b}}}
}

// lastEventID reads the version a reconnecting client already has: the Last-Event-ID
// header, or the last_event_id query parameter (for EventSource polyfills). Anything that is
// not a version means "none" (a fresh snapshot), never an error.
func lastEventID(r *http.Request) int64 {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("last_event_id")
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// ServeSession streams a session's seat changes; it answers 404 (JSON, through notFound)
// for a session that is not public, before any stream starts.
func (h *Hub) ServeSession(w http.ResponseWriter, r *http.Request, sessionID string, notFound func(http.ResponseWriter, *http.Request)) {
	last := lastEventID(r)
	c := &conn{id: uuid.NewString(), session: sessionID, queue: make(chan item, h.cfg.ClientBuffer),
		resync: make(chan struct{}, 1), ready: make(chan struct{})}
	ok := h.src.WithSnapshot(sessionID, func(s Snapshot) { h.register(c, s, last) })
	if !ok {
		notFound(w, r)
		return
	}
	defer h.unregister(c)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	h.m.Clients.Inc()
	defer h.m.Clients.Dec()
	go h.pump(ctx, cancel, c, w)

	serveStream(h.server, w, r.WithContext(ctx), c.id)
}

// serveStream hands a connection to the library on its own stream id, without the
// Last-Event-ID it would reject (non-numeric) or misread (as a replay index); it returns
// when the request's context ends.
func serveStream(s *r3sse.Server, w http.ResponseWriter, r *http.Request, streamID string) {
	r2 := r.Clone(r.Context())
	r2.Header.Del("Last-Event-ID")
	r2.URL.RawQuery = "stream=" + streamID
	s.ServeHTTP(w, r2)
}

// newServer returns an r3labs server set up for one stream per connection: created by the
// library's handler and removed by it once its subscriber left (no goroutine leak, no id
// rewriting, no replay), with proxy-friendly headers.
func newServer(buffer int, onSubscribe func(streamID string, _ *r3sse.Subscriber)) *r3sse.Server {
	s := r3sse.New()
	s.AutoStream, s.AutoReplay, s.BufferSize = true, false, buffer
	s.Headers = map[string]string{"X-Accel-Buffering": "no", "Cache-Control": "no-cache, no-transform"}
	s.OnSubscribe = onSubscribe
	return s
}

// register subscribes c to its session and decides what it gets first: a snapshot, or
// the buffered versions after its Last-Event-ID when they are all still here. Runs inside
// Source.WithSnapshot, so no change of the session is published meanwhile.
func (h *Hub) register(c *conn, s Snapshot, last int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := h.feeds[c.session]
	if f == nil {
		f = &feed{subs: map[*conn]struct{}{}}
		h.feeds[c.session] = f
	}
	f.subs[c] = struct{}{}
	h.conns[c.id] = c
	switch {
	case last == 0:
		c.initial, c.sent = []item{snapshotItem(s)}, s.Version
	case last == s.Version:
		// The client is exactly as far as this replica: send only what comes after.
		c.sent = last
		c.initial = resumeStatus(f, s, last)
	case last > s.Version:
		// The client claims versions this replica has not seen: an id from another session's
		// stream, a made-up one, or a replica a moment ahead. Waiting for them could mean
		// waiting forever (a silently stale map), so it gets a fresh snapshot of what this
		// replica has; a replica that was only behind catches up with the next changes.
		c.initial, c.sent = []item{snapshotItem(s)}, s.Version
		h.m.Resnapshots.Inc()
	case len(f.items) > 0 && f.items[0].version <= last+1 && f.items[len(f.items)-1].version >= s.Version:
		c.initial = resumeStatus(f, s, last)
		for _, it := range f.items {
			if it.version > last && it.version <= s.Version {
				c.initial = append(c.initial, it)
			}
		}
		c.sent = s.Version
		h.m.Resumes.Inc()
	default:
		c.initial, c.sent = []item{snapshotItem(s)}, s.Version
	}
}

// resumeStatus is what a client resuming after version last gets before the versions it
// missed: the session's status, unless this replica knows it has not changed since.
func resumeStatus(f *feed, s Snapshot, last int64) []item {
	if s.Status == "" || (f.statusSeen && f.statusAt < last) {
		return nil
	}
	return []item{statusItem(s.Status, s.Version)}
}

func (h *Hub) unregister(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.conns, c.id)
	if f := h.feeds[c.session]; f != nil {
		delete(f.subs, c)
	}
}

// pump moves the connection's queued versions into its library stream, with heartbeats,
// a re-snapshot after an overflow or a full stream, and a drop for a client that stays too
// slow for SlowClientGrace.
func (h *Hub) pump(ctx context.Context, cancel context.CancelFunc, c *conn, w http.ResponseWriter) {
	select {
	case <-c.ready:
	case <-ctx.Done():
		return
	}
	rc := http.NewResponseController(w)
	extendDeadline := func() { _ = rc.SetWriteDeadline(time.Now().Add(2*h.cfg.Heartbeat + h.cfg.SlowClientGrace)) }
	extendDeadline()
	var slowSince time.Time
	behind := func() {
		if slowSince.IsZero() {
			slowSince = time.Now()
		}
		c.signalResync()
	}
	for _, it := range c.initial {
		if !h.send(c, it) {
			behind()
			break
		}
	}
	c.initial = nil
	hb := time.NewTicker(h.cfg.Heartbeat)
	defer hb.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hb.C:
			extendDeadline()
			h.server.TryPublish(c.id, &r3sse.Event{Comment: []byte("heartbeat")})
		case it := <-c.queue:
			if !slowSince.IsZero() || (!it.status && it.version <= c.sent) {
				continue // covered by the coming re-snapshot, or by what the client has
			}
			if !h.send(c, it) {
				behind()
				continue
			}
			if !it.status {
				c.sent = it.version
			}
		case <-c.resync:
			if !slowSince.IsZero() && time.Since(slowSince) > h.cfg.SlowClientGrace {
				h.m.Dropped.Inc()
				h.log.Info("dropping slow SSE client", "session", c.session)
				cancel()
				return
			}
			if h.resnapshot(c) {
				slowSince = time.Time{}
			} else {
				behind()
				time.AfterFunc(200*time.Millisecond, c.signalResync)
			}
		}
	}
}

// send hands one version's frames to the client's stream without blocking; false when the
// stream is full (the client is not reading fast enough).
func (h *Hub) send(c *conn, it item) bool {
	for _, fr := range it.frames {
		ev := &r3sse.Event{ID: []byte(strconv.FormatInt(fr.version, 10)), Event: []byte(fr.name), Data: fr.data}
		if it.status {
			// r3labs writes an "id:" line (empty without an ID, which would reset the
			// client's Last-Event-ID) before any data; a comment is written as it is, so the
			// event goes in one: ": status\nevent: status\ndata: {…}" (compact JSON has no
			// newline).
			ev = &r3sse.Event{Comment: []byte(fr.name + "\nevent: " + fr.name + "\ndata: " + string(fr.data))}
		}
		if fr.name == "snapshot" {
			ev.Retry = []byte(strconv.Itoa(h.cfg.RetryMs))
		}
		if !h.server.TryPublish(c.id, ev) {
			return false
		}
		h.m.Sent.Inc()
	}
	return true
}

// resnapshot replaces whatever the client missed with a fresh snapshot, taken while no
// change can be published, and drops the queued frames it covers.
func (h *Hub) resnapshot(c *conn) bool {
	sent := false
	h.src.WithSnapshot(c.session, func(s Snapshot) {
		for len(c.queue) > 0 {
			<-c.queue
		}
		if s.Version < c.sent {
			// Never send a snapshot older than what the client already has; what comes after
			// it arrives through the queue.
			sent = true
			return
		}
		if sent = h.send(c, snapshotItem(s)); sent {
			c.sent = s.Version
			h.m.Resnapshots.Inc()
		}
	})
	return sent
}

// Metrics of the live streams.
type Metrics struct {
	Clients     prometheus.Gauge
	Sent        prometheus.Counter
	Resumes     prometheus.Counter
	Resnapshots prometheus.Counter
	Overflows   prometheus.Counter
	Dropped     prometheus.Counter
	Lag         prometheus.Histogram
}

// NewMetrics creates the stream metrics; register Collectors() with the service registry.
func NewMetrics() *Metrics {
	return &Metrics{
		Clients:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "ticketly_sse_clients", Help: "Connected SSE clients."}),
		Sent:        prometheus.NewCounter(prometheus.CounterOpts{Name: "ticketly_sse_events_sent_total", Help: "SSE events handed to client streams."}),
		Resumes:     prometheus.NewCounter(prometheus.CounterOpts{Name: "ticketly_sse_resumes_total", Help: "Reconnections served from the replay buffer."}),
		Resnapshots: prometheus.NewCounter(prometheus.CounterOpts{Name: "ticketly_sse_resnapshots_total", Help: "Snapshots re-sent to clients that fell behind or saw a gap."}),
		Overflows:   prometheus.NewCounter(prometheus.CounterOpts{Name: "ticketly_sse_queue_overflows_total", Help: "Frames not queued because a client's queue was full."}),
		Dropped:     prometheus.NewCounter(prometheus.CounterOpts{Name: "ticketly_sse_dropped_clients_total", Help: "Clients disconnected for being too slow."}),
		Lag: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ticketly_sse_publish_lag_seconds",
			Help:    "Time from the seat change's database commit to its publication on this replica.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}),
	}
}

// Collectors lists the metrics for registration.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.Clients, m.Sent, m.Resumes, m.Resnapshots, m.Overflows, m.Dropped, m.Lag}
}
