// Package metrics builds each service's Prometheus registry and its HTTP instruments.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry is one service's metrics registry, with Go runtime and process collectors.
type Registry struct {
	*prometheus.Registry
	httpDuration *prometheus.HistogramVec
	httpInFlight prometheus.Gauge
}

// New returns a registry whose metrics carry the constant label service.
func New(service string) *Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	wrapped := prometheus.WrapRegistererWith(prometheus.Labels{"service": service}, reg)
	r := &Registry{
		Registry: reg,
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ticketly_http_request_duration_seconds",
			Help:    "Duration of HTTP requests by route pattern, method and status code (streams excluded).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "code"}),
		httpInFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ticketly_http_requests_in_flight",
			Help: "HTTP requests being served, streams included.",
		}),
	}
	wrapped.MustRegister(r.httpDuration, r.httpInFlight)
	return r
}

// Register adds collectors labelled with the service name.
func (r *Registry) Register(cs ...prometheus.Collector) {
	for _, c := range cs {
		r.MustRegister(c)
	}
}

// Handler serves the registry in the Prometheus exposition format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.Registry, promhttp.HandlerOpts{Registry: r.Registry})
}

// statusRecorder remembers the status code; it keeps http.Flusher working through
// Unwrap (http.ResponseController) and an explicit Flush.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Middleware records request durations by chi route pattern. Requests that accept
// text/event-stream are counted in flight but kept out of the duration histogram. Labels
// stay bounded whatever clients send: the route is a registered pattern ("unmatched" when
// none), the method one of the standard methods or "OTHER".
func (r *Registry) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.httpInFlight.Inc()
		defer r.httpInFlight.Dec()
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, req)
		if req.Header.Get("Accept") == "text/event-stream" {
			return
		}
		route := "unmatched"
		if rc := chi.RouteContext(req.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		code := rec.code
		if code == 0 {
			code = http.StatusOK
		}
		r.httpDuration.WithLabelValues(route, MethodLabel(req.Method), strconv.Itoa(code)).Observe(time.Since(start).Seconds())
	})
}

// MethodLabel is the method label of an HTTP request: the method when it is one of the
// standard ones, else "OTHER" (any token is a valid method name, so clients could
// otherwise create series at will).
func MethodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "OTHER"
}
