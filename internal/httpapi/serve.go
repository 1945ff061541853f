package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/ticketly/ticketly/internal/health"
)

// Defaults used by ServeConfig for the fields left zero.
//
// DefaultReadHeaderTimeout runs from the moment a connection is accepted, not from its first
// byte: at 5 s, a k6 run of 1,000 VUs on a CPU-starved machine lost 86-391 requests (EOF),
// all on new connections whose client wrote its request 4.7-8.2 s after connecting; at 30 s
// none. 20 s keeps the slow-header (slowloris) bound well below IdleTimeout, which already
// lets a silent keep-alive connection wait 120 s.
const (
	DefaultReadHeaderTimeout = 20 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultShutdownTimeout   = 15 * time.Second
)

// ServeConfig says where and how gracefully to serve, and how long a client may take to
// send a request. Zero durations and sizes take the Default… values above.
type ServeConfig struct {
	Addr string
	// MetricsAddr, when set, is a separate listener serving only /metrics (production: a
	// port scraped from inside the cluster); the API listener then answers /metrics 404.
	// Empty (development) keeps /metrics on Addr.
	MetricsAddr string
	// PprofAddr, when set, is a separate listener serving only the Go runtime profiles
	// (/debug/pprof/), for profiling under load; never on the API listener. Empty: off.
	PprofAddr string
	// DrainDelay is how long /readyz answers 503 before the listener stops accepting, so
	// load balancers stop sending new requests first.
	DrainDelay time.Duration
	// ShutdownTimeout bounds how long in-flight requests may take to finish.
	ShutdownTimeout time.Duration
	// ReadHeaderTimeout bounds reading a request's line and headers (on a new connection,
	// from its accept; on a kept-alive one, from the first byte of the next request).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included, so a body sent a byte at
	// a time cannot hold a connection. net/http lifts it once the body has been read, so
	// long-lived responses (SSE streams) are not cut by it.
	ReadTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection waits for its next request.
	IdleTimeout time.Duration
	// WriteTimeout bounds writing a response; zero means none, because event streams are
	// long-lived responses (the sse package sets its own per-write deadlines).
	WriteTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes int
}

func (c ServeConfig) withDefaults() ServeConfig {
	if c.ReadHeaderTimeout <= 0 {
		c.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	return c
}

// Serve serves h on cfg.Addr (and /metrics on cfg.MetricsAddr when set) until ctx is
// cancelled, then drains: readiness turns 503, after DrainDelay the servers stop accepting
// and wait for in-flight requests (streams are ended through their request contexts).
func Serve(ctx context.Context, log *slog.Logger, cfg ServeConfig, h http.Handler, checker *health.Checker) error {
	cfg = cfg.withDefaults()
	api := h
	var metricsSrv *server
	if cfg.MetricsAddr != "" {
		api = withoutMetrics(h)
		ms, err := listen(ctx, cfg, cfg.MetricsAddr, onlyMetrics(h))
		if err != nil {
			return err
		}
		metricsSrv = ms
		log.Info("serving metrics", "addr", ms.ln.Addr().String())
	}
	var pprofSrv *server
	if cfg.PprofAddr != "" {
		ps, err := listen(ctx, cfg, cfg.PprofAddr, pprofHandler())
		if err != nil {
			if metricsSrv != nil {
				_ = metricsSrv.srv.Close()
			}
			return err
		}
		pprofSrv = ps
		log.Info("serving pprof", "addr", ps.ln.Addr().String())
	}
	apiSrv, err := listen(ctx, cfg, cfg.Addr, api)
	if err != nil {
		for _, s := range []*server{metricsSrv, pprofSrv} {
			if s != nil {
				_ = s.srv.Close()
			}
		}
		return err
	}
	log.Info("listening", "addr", apiSrv.ln.Addr().String())
	servers := []*server{apiSrv}
	for _, s := range []*server{metricsSrv, pprofSrv} {
		if s != nil {
			servers = append(servers, s)
		}
	}
	errc := make(chan error, len(servers))
	for _, s := range servers {
		go func() { errc <- s.srv.Serve(s.ln) }()
	}
	var serveErr error
	select {
	case err := <-errc:
		serveErr = fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
		log.Info("shutting down: draining")
		checker.Drain()
		if cfg.DrainDelay > 0 {
			time.Sleep(cfg.DrainDelay)
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	for _, s := range servers {
		if err := s.shutdown(sctx); err != nil {
			errs = append(errs, err)
		}
	}
	if serveErr != nil {
		return serveErr
	}
	for range servers {
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	log.Info("http server stopped")
	return nil
}

type server struct {
	srv        *http.Server
	ln         net.Listener
	cancelBase context.CancelFunc
}

func listen(ctx context.Context, cfg ServeConfig, addr string, h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	baseCtx, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
	}
	// Long-lived streams never finish by themselves: end them with the base context.
	srv.RegisterOnShutdown(cancelBase)
	return &server{srv: srv, ln: ln, cancelBase: cancelBase}, nil
}

func (s *server) shutdown(ctx context.Context) error {
	defer s.cancelBase()
	if err := s.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("shutdown http on %s: %w", s.ln.Addr(), err)
	}
	return nil
}

// MetricsPath is where every service serves its Prometheus metrics.
const MetricsPath = "/metrics"

func withoutMetrics(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == MetricsPath {
			writeNoRoute(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func onlyMetrics(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != MetricsPath {
			writeNoRoute(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}
