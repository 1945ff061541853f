package main

import (
	"errors"
	"strings"
	"time"

	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/config"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/kafka"
	"github.com/ticketly/ticketly/internal/sse"
)

type cfg struct {
	LogLevel string
	HTTP     httpapi.ServeConfig
	MongoURI string
	MongoDB  string
	Brokers  []string
	// Projectors runs the read-model projectors inside the server (the default); off when
	// they run as separate `event-query project` processes.
	Projectors bool
	Partitions int32 // partitions of the read-model topics, when event-query creates them
	// GroupPrefix is prepended to the projectors' permanent consumer-group names (empty in
	// production; tests use it to run isolated projectors next to a live stack).
	GroupPrefix string
	// NewGroupsAtEnd starts projector groups that have committed nothing at the end of
	// their topics (tests next to a long-lived stack); production starts at the beginning.
	NewGroupsAtEnd bool
	SSE            sse.Config
	CORSOrigins    []string
	Auth           auth.Config // verifies organizer tokens of the checkout streams
}

// loadConfig reads the settings; the defaults fit the local stack (make run).
func loadConfig(getenv func(string) string) (cfg, error) {
	e := config.New(getenv)
	c := cfg{
		LogLevel: e.String("LOG_LEVEL", "info"),
		HTTP: httpapi.ServeConfig{
			Addr:            e.String("HTTP_ADDR", "127.0.0.1:8082"),
			DrainDelay:      e.Duration("DRAIN_DELAY", 0),
			ShutdownTimeout: e.Duration("SHUTDOWN_TIMEOUT", 15e9),
		},
		MongoURI:       e.String("MONGO_URI", "mongodb://127.0.0.1:27017/"),
		MongoDB:        e.String("MONGO_DB", "ticketly"),
		Brokers:        kafka.Brokers(e.String("KAFKA_BROKERS", "127.0.0.1:9092")),
		Projectors:     e.Bool("PROJECTORS", true),
		Partitions:     int32(e.Int("KAFKA_TOPIC_PARTITIONS", 3)),
		GroupPrefix:    e.String("KAFKA_GROUP_PREFIX", ""),
		NewGroupsAtEnd: e.String("PROJECTOR_NEW_GROUP_START", "earliest") == "latest",
		SSE: sse.Config{
			Heartbeat:       e.Duration("SSE_HEARTBEAT", 15*time.Second),
			ReplayBuffer:    e.Int("SSE_REPLAY_BUFFER", 512),
			ClientBuffer:    e.Int("SSE_CLIENT_BUFFER", 256),
			SlowClientGrace: e.Duration("SSE_SLOW_CLIENT_GRACE", 10*time.Second),
		},
		CORSOrigins: strings.Split(e.String("CORS_ORIGINS", "*"), ","),
		Auth: auth.Config{
			Issuer:   e.String("OIDC_ISSUER", "http://localhost:8180/realms/ticketly"),
			JWKSURL:  e.String("OIDC_JWKS_URL", ""),
			Audience: e.String("OIDC_AUDIENCE", "ticketly-api"),
		},
	}
	var startErr error
	if v := e.String("PROJECTOR_NEW_GROUP_START", "earliest"); v != "earliest" && v != "latest" {
		startErr = errors.New("PROJECTOR_NEW_GROUP_START must be earliest or latest")
	}
	return c, errors.Join(e.Err(), startErr, c.Validate())
}

func (c cfg) Validate() error {
	var errs []error
	if err := config.Require("MONGO_URI", c.MongoURI); err != nil {
		errs = append(errs, err)
	}
	if err := config.Require("MONGO_DB", c.MongoDB); err != nil {
		errs = append(errs, err)
	}
	if err := c.Auth.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.Partitions < 1 || c.Partitions > 1000 {
		errs = append(errs, errors.New("KAFKA_TOPIC_PARTITIONS must be from 1 to 1000"))
	}
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("KAFKA_BROKERS must list at least one broker"))
	}
	return errors.Join(errs...)
}
