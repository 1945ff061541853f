package httpapi

import (
	"context"
	"log/slog"
	"net/http"

	"golang.org/x/sync/errgroup"

	"github.com/ticketly/ticketly/internal/health"
)

// Run serves h and runs the workers (consumers, sweepers) until ctx is cancelled or one of
// them fails; then the server drains and every worker is stopped through its context.
// Closers run last, in order (pools, clients).
func Run(ctx context.Context, log *slog.Logger, cfg ServeConfig, h http.Handler, checker *health.Checker,
	workers []func(context.Context) error, closers ...func()) error {
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return Serve(gctx, log, cfg, h, checker) })
	for _, w := range workers {
		g.Go(func() error { return w(gctx) })
	}
	err := g.Wait()
	if err != nil && ctx.Err() == nil {
		log.Error("service stopped on error", "err", err)
		return err
	}
	log.Info("service stopped")
	return nil
}
