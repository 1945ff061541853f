package main

import (
	"errors"
	"time"

	"github.com/ticketly/ticketly/internal/config"
	"github.com/ticketly/ticketly/internal/sse"
)

type cfg struct {
	Service config.Service
	Mongo   config.Mongo
	Kafka   config.Kafka
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
	OIDC           config.OIDC // verifies organizer tokens of the checkout streams
}

// loadConfig reads the settings; the defaults fit the local stack (make run), and
// TICKETLY_ENV=production refuses them.
func loadConfig(getenv func(string) string) (cfg, error) {
	e := config.New(getenv)
	c := cfg{
		Service:        config.LoadService(e, "127.0.0.1:8082", "*"),
		Mongo:          config.LoadMongo(e),
		Kafka:          config.LoadKafka(e),
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
		OIDC: config.LoadOIDC(e),
	}
	var startErr error
	if v := e.String("PROJECTOR_NEW_GROUP_START", "earliest"); v != "earliest" && v != "latest" {
		startErr = errors.New("PROJECTOR_NEW_GROUP_START must be earliest or latest")
	}
	return c, errors.Join(e.Err(), startErr, c.Validate())
}

func (c cfg) components() []config.Component {
	return []config.Component{c.Mongo, c.Kafka, c.OIDC}
}

func (c cfg) Validate() error {
	var errs []error
	errs = append(errs, c.Service.Check(c.components()...))
	if c.Partitions < 1 || c.Partitions > 1000 {
		errs = append(errs, errors.New("KAFKA_TOPIC_PARTITIONS must be from 1 to 1000"))
	}
	return errors.Join(errs...)
}
