package config

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ticketly/ticketly/internal/httpapi"
)

// Service holds what every service reads: its mode, log level and listeners.
type Service struct {
	Mode     Mode
	LogLevel string
	HTTP     httpapi.ServeConfig
	// CORSOrigins are the browser origins ("*": any) that may call the service from another
	// origin (CORS_ORIGINS, comma-separated); none by default: browsers reach the APIs
	// through the web app's origin.
	CORSOrigins []string
	// MaxInFlight and AdmissionWait bound the requests served at once on the routes a
	// service sheds load on (httpapi.Shed): beyond MaxInFlight a request waits at most
	// AdmissionWait for a slot, then is answered 503.
	MaxInFlight   int
	AdmissionWait time.Duration
}

// Admission is the load shedding the settings describe.
func (s Service) Admission() *httpapi.Admission {
	return httpapi.NewAdmission(s.MaxInFlight, s.AdmissionWait)
}

// LoadService reads TICKETLY_ENV, LOG_LEVEL, HTTP_ADDR (default addr), METRICS_ADDR, PPROF_ADDR,
// CORS_ORIGINS (default cors), DRAIN_DELAY, SHUTDOWN_TIMEOUT, READ_HEADER_TIMEOUT, and
// MAX_INFLIGHT and ADMISSION_WAIT (the load shedding of the routes a service mounts
// httpapi.Shed on); unset, the httpapi Default… values apply.
func LoadService(e *Env, addr, cors string) Service {
	var origins []string
	for _, o := range strings.Split(e.String("CORS_ORIGINS", cors), ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	return Service{
		CORSOrigins: origins,
		Mode:        e.Mode(),
		LogLevel:    e.String("LOG_LEVEL", "info"),
		HTTP: httpapi.ServeConfig{
			Addr:              e.String("HTTP_ADDR", addr),
			MetricsAddr:       e.String("METRICS_ADDR", ""),
			PprofAddr:         e.String("PPROF_ADDR", ""),
			DrainDelay:        e.Duration("DRAIN_DELAY", 0),
			ShutdownTimeout:   e.Duration("SHUTDOWN_TIMEOUT", 15*time.Second),
			ReadHeaderTimeout: e.Duration("READ_HEADER_TIMEOUT", httpapi.DefaultReadHeaderTimeout),
		},
		MaxInFlight:   e.Int("MAX_INFLIGHT", httpapi.DefaultMaxInFlight),
		AdmissionWait: e.Duration("ADMISSION_WAIT", httpapi.DefaultAdmissionWait),
	}
}

// Validate implements Component.
func (s Service) Validate() error {
	var errs []error
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.ToUpper(s.LogLevel))); err != nil {
		errs = append(errs, fmt.Errorf("LOG_LEVEL: %q is not debug, info, warn or error", s.LogLevel))
	}
	if err := Require("HTTP_ADDR", s.HTTP.Addr); err != nil {
		errs = append(errs, err)
	}
	if s.HTTP.MetricsAddr != "" && s.HTTP.MetricsAddr == s.HTTP.Addr {
		errs = append(errs, errors.New("METRICS_ADDR must differ from HTTP_ADDR"))
	}
	if s.HTTP.PprofAddr != "" && (s.HTTP.PprofAddr == s.HTTP.Addr || s.HTTP.PprofAddr == s.HTTP.MetricsAddr) {
		errs = append(errs, errors.New("PPROF_ADDR must differ from HTTP_ADDR and METRICS_ADDR"))
	}
	if s.HTTP.DrainDelay < 0 {
		errs = append(errs, errors.New("DRAIN_DELAY must not be negative"))
	}
	if s.HTTP.ShutdownTimeout < 0 {
		errs = append(errs, errors.New("SHUTDOWN_TIMEOUT must not be negative"))
	}
	if s.HTTP.ReadHeaderTimeout <= 0 {
		errs = append(errs, errors.New("READ_HEADER_TIMEOUT must be positive"))
	}
	if s.MaxInFlight < 1 {
		errs = append(errs, errors.New("MAX_INFLIGHT must be at least 1"))
	}
	if s.AdmissionWait <= 0 {
		errs = append(errs, errors.New("ADMISSION_WAIT must be positive"))
	}
	return errors.Join(errs...)
}

// Development implements Component: without METRICS_ADDR, /metrics (business counters
// included) is served on the public API listener.
func (s Service) Development() []DevSetting {
	if s.HTTP.MetricsAddr == "" {
		return []DevSetting{{"METRICS_ADDR", "unset: /metrics would be served on the public API listener"}}
	}
	return nil
}
