package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ticketly/ticketly/internal/config"
)

// devCommandURL and devOrderURL are the local stack's event-command and order service.
const (
	devCommandURL = "http://127.0.0.1:8081"
	devOrderURL   = "http://127.0.0.1:8083"
)

// jobsConfig is how the scheduler runs its jobs and whom it calls.
type jobsConfig struct {
	// Workers per replica (SCHEDULER_WORKERS, default 4) and how often an idle worker
	// looks for due jobs (SCHEDULER_POLL, default 500ms).
	Workers int
	Poll    time.Duration
	// TrendingInterval (TRENDING_INTERVAL, default 60s) and SweepInterval
	// (SCHEDULER_SWEEP_INTERVAL, default 5m) space the recurring jobs.
	TrendingInterval time.Duration
	SweepInterval    time.Duration
	// Group is the Kafka consumer group planning from CDC (SCHEDULER_KAFKA_GROUP).
	Group string
	// CommandURL is event-command's base URL (EVENT_COMMAND_URL); TokenURL is where the
	// service token is fetched (OIDC_TOKEN_URL, default the issuer's token endpoint).
	CommandURL string
	TokenURL   string
	// OrderURL is the order service's base URL (ORDER_URL): its internal API ends the
	// orders of cancelled sessions.
	OrderURL string
	// Scope (SCHEDULER_JOB_SCOPE, comma-separated ids) limits this replica to the jobs
	// whose key contains one of them, and ClockOffset (SCHEDULER_CLOCK_OFFSET) moves its
	// clock: rehearsals and tests only, refused in production.
	Scope       []string
	ClockOffset time.Duration
}

func loadJobs(e *config.Env, issuer string) jobsConfig {
	token := strings.TrimRight(issuer, "/") + "/protocol/openid-connect/token"
	j := jobsConfig{
		Workers:          e.Int("SCHEDULER_WORKERS", 4),
		Poll:             e.Duration("SCHEDULER_POLL", 500*time.Millisecond),
		TrendingInterval: e.Duration("TRENDING_INTERVAL", time.Minute),
		SweepInterval:    e.Duration("SCHEDULER_SWEEP_INTERVAL", 5*time.Minute),
		Group:            e.String("SCHEDULER_KAFKA_GROUP", "scheduler.v1"),
		CommandURL:       strings.TrimRight(e.String("EVENT_COMMAND_URL", devCommandURL), "/"),
		TokenURL:         e.String("OIDC_TOKEN_URL", token),
		OrderURL:         strings.TrimRight(e.String("ORDER_URL", devOrderURL), "/"),
		ClockOffset:      e.Duration("SCHEDULER_CLOCK_OFFSET", 0),
	}
	for _, id := range strings.Split(e.String("SCHEDULER_JOB_SCOPE", ""), ",") {
		if id = strings.TrimSpace(id); id != "" {
			j.Scope = append(j.Scope, id)
		}
	}
	return j
}

// Validate implements config.Component.
func (j jobsConfig) Validate() error {
	var errs []error
	if j.Workers < 1 || j.Workers > 64 {
		errs = append(errs, fmt.Errorf("SCHEDULER_WORKERS: %d is not between 1 and 64", j.Workers))
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"SCHEDULER_POLL", j.Poll}, {"TRENDING_INTERVAL", j.TrendingInterval}, {"SCHEDULER_SWEEP_INTERVAL", j.SweepInterval}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s: must be positive", d.key))
		}
	}
	errs = append(errs, config.Require("SCHEDULER_KAFKA_GROUP", j.Group))
	for _, u := range []struct{ key, v string }{{"EVENT_COMMAND_URL", j.CommandURL}, {"ORDER_URL", j.OrderURL}, {"OIDC_TOKEN_URL", j.TokenURL}} {
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("%s: %q is not an http(s) URL", u.key, u.v))
		}
	}
	return errors.Join(errs...)
}

// Development implements config.Component.
func (j jobsConfig) Development() []config.DevSetting {
	var dev []config.DevSetting
	if j.CommandURL == devCommandURL {
		dev = append(dev, config.DevSetting{Key: "EVENT_COMMAND_URL", Reason: "the local stack's event-command"})
	}
	if j.OrderURL == devOrderURL {
		dev = append(dev, config.DevSetting{Key: "ORDER_URL", Reason: "the local stack's order service"})
	}
	if len(j.Scope) > 0 {
		dev = append(dev, config.DevSetting{Key: "SCHEDULER_JOB_SCOPE", Reason: "runs only some jobs (tests)"})
	}
	if j.ClockOffset != 0 {
		dev = append(dev, config.DevSetting{Key: "SCHEDULER_CLOCK_OFFSET", Reason: "a moved clock (tests)"})
	}
	return dev
}
