package httpapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/health"
	"github.com/ticketly/ticketly/internal/metrics"
)

// Base is what every service router starts from.
type Base struct {
	Logger  *slog.Logger
	Health  *health.Checker
	Metrics *metrics.Registry
	OpenAPI []byte // the service's OpenAPI 3 document, served at /openapi.yaml
}

// NewRouter returns a chi router with request IDs, access logs, panic recovery and metrics,
// serving /healthz, /readyz, /metrics and /openapi.yaml. Services mount their API on it.
func NewRouter(b Base) chi.Router {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, accessLog(b.Logger), recoverer(b.Logger), b.Metrics.Middleware)
	r.NotFound(writeNoRoute)
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		WriteJSON(w, http.StatusMethodNotAllowed, ErrorBody{Error: ErrorDetail{Code: apperr.Invalid,
			Message: "method " + req.Method + " is not allowed on " + req.URL.Path}})
	})
	r.Get("/healthz", health.LiveHandler)
	r.Get("/readyz", b.Health.ReadyHandler)
	r.Method(http.MethodGet, MetricsPath, b.Metrics.Handler())
	r.Get("/openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(b.OpenAPI)
	})
	return r
}

func accessLog(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r)
			if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
				return
			}
			log.InfoContext(r.Context(), "http request",
				"method", r.Method, "path", r.URL.Path, "status", ww.Status(), "bytes", ww.BytesWritten(),
				"duration_ms", float64(time.Since(start).Microseconds())/1000, "request_id", middleware.GetReqID(r.Context()))
		})
	}
}

// recoverer turns a panic into a logged internal error instead of a dropped connection.
func recoverer(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					WriteError(w, r, log, apperr.New(apperr.Internal, "panic: %v", v))
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// writeNoRoute answers 404 in the error envelope for a path no route serves.
func writeNoRoute(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusNotFound, ErrorBody{Error: ErrorDetail{Code: apperr.NotFound,
		Message: "no route for " + r.Method + " " + r.URL.Path}})
}
