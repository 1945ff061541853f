package httpapi

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"golang.org/x/time/rate"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/health"
	"github.com/ticketly/ticketly/internal/metrics"
	"github.com/ticketly/ticketly/internal/openapi"
)

// Base is what every service router starts from.
type Base struct {
	Logger  *slog.Logger
	Health  *health.Checker
	Metrics *metrics.Registry
	OpenAPI []byte // the service's OpenAPI 3 document, served at /openapi.yaml
	// CORSOrigins are the browser origins ("*" for any) allowed to call the service
	// cross-origin; none: CORS headers are never sent (same-origin callers need none).
	CORSOrigins []string
	// Admission bounds the requests served at once on the routes a service mounts Shed on
	// (nil: no bound).
	Admission *Admission
}

// NewRouter returns a chi router with request IDs (X-Request-Id on every response and in
// the request's context), security headers, access logs, panic recovery, metrics, CORS
// (OPTIONS and preflights are answered for every routed path) and the refusal of query
// parameters the OpenAPI document does not declare for an operation (knownQuery), serving
// /healthz, /readyz, /metrics, /openapi.yaml and Swagger UI for it at /docs/ (docsHandler;
// /docs redirects there). Unknown paths answer 404 and unrouted
// methods 405 with Allow, both in the error envelope. Services mount their API on it.
func NewRouter(b Base) chi.Router {
	if b.Logger == nil {
		b.Logger = slog.New(slog.DiscardHandler)
	}
	r := chi.NewRouter()
	methods := routedMethods(r)
	notAllowed := func(w http.ResponseWriter, req *http.Request) {
		allow := methods(req)
		if !slices.Contains(allow, http.MethodOptions) {
			allow = append(allow, http.MethodOptions) // answered by the CORS layer
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		WriteJSON(w, http.StatusMethodNotAllowed, ErrorBody{Error: ErrorDetail{Code: apperr.Invalid,
			Message: "method " + req.Method + " is not allowed on " + req.URL.Path + "; allowed: " + strings.Join(allow, ", "),
			Details: map[string]any{"allow": allow}}})
	}
	r.Use(requestID, securityHeaders, accessLog(b.Logger), recoverer(b.Logger), b.Metrics.Middleware,
		newCORSPolicy(b.CORSOrigins, methods).handler, literalRoutes(r, methods, notAllowed),
		knownQuery(r, b.OpenAPI, b.Logger))
	r.NotFound(writeNoRoute)
	r.MethodNotAllowed(notAllowed)
	r.Get("/healthz", health.LiveHandler)
	r.Get("/readyz", b.Health.ReadyHandler)
	r.Method(http.MethodGet, MetricsPath, b.Metrics.Handler())
	r.Get("/openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(b.OpenAPI)
	})
	docs := docsHandler(docsTitle(b.OpenAPI), b.OpenAPI)
	r.Get(openapi.DocsPath, func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, openapi.DocsPath+"/", http.StatusMovedPermanently)
	})
	r.Get(openapi.DocsPath+"/*", docs.ServeHTTP)
	return r
}

// securityHeaders sets the headers every response carries: browsers must not guess a
// content type other than the declared one.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// Access-log sampling: at most accessLogRate lines a second (bursts of accessLogBurst) at
// INFO, so a flash sale of thousands of refusals a second does not spend its CPU writing
// logs; every request is still counted in the metrics. Server errors are always logged. A
// line written after suppressed ones says how many were left out (`suppressed`).
const (
	accessLogRate  = 20
	accessLogBurst = 50
)

func accessLog(log *slog.Logger) func(http.Handler) http.Handler {
	sample := rate.NewLimiter(accessLogRate, accessLogBurst)
	var suppressed atomic.Int64
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r)
			if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
				return
			}
			if ww.Status() < http.StatusInternalServerError && !sample.Allow() {
				suppressed.Add(1)
				return
			}
			attrs := []any{"method", r.Method, "path", r.URL.Path, "status", ww.Status(), "bytes", ww.BytesWritten(),
				"duration_ms", float64(time.Since(start).Microseconds()) / 1000, "request_id", RequestID(r.Context())}
			if n := suppressed.Swap(0); n > 0 {
				attrs = append(attrs, "suppressed", n)
			}
			log.InfoContext(r.Context(), "http request", attrs...)
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
	w.Header().Set("X-Content-Type-Options", "nosniff")
	WriteJSON(w, http.StatusNotFound, ErrorBody{Error: ErrorDetail{Code: apperr.NotFound,
		Message: "no route for " + r.Method + " " + r.URL.Path}})
}
