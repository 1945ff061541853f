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

// ServeConfig says where and how gracefully to serve.
type ServeConfig struct {
	Addr string
	// DrainDelay is how long /readyz answers 503 before the listener stops accepting, so
	// load balancers stop sending new requests first.
	DrainDelay time.Duration
	// ShutdownTimeout bounds how long in-flight requests may take to finish.
	ShutdownTimeout time.Duration
}

// Serve serves h on cfg.Addr until ctx is cancelled, then drains: readiness turns 503,
// after DrainDelay the server stops accepting and waits for in-flight requests (streams
// are ended through their request contexts).
func Serve(ctx context.Context, log *slog.Logger, cfg ServeConfig, h http.Handler, checker *health.Checker) error {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	baseCtx, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
	}
	log.Info("listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining")
	checker.Drain()
	if cfg.DrainDelay > 0 {
		time.Sleep(cfg.DrainDelay)
	}
	timeout := cfg.ShutdownTimeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// Long-lived streams never finish by themselves: end them with the base context.
	srv.RegisterOnShutdown(cancelBase)
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown http: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("http server stopped")
	return nil
}
