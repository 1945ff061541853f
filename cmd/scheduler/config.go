package main

import (
	"errors"

	"github.com/ticketly/ticketly/internal/config"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/kafka"
)

type cfg struct {
	LogLevel    string
	HTTP        httpapi.ServeConfig
	DatabaseURL string
	Brokers     []string
	SMTPAddr    string
}

// loadConfig reads the settings; the defaults fit the local stack (make run).
func loadConfig(getenv func(string) string) (cfg, error) {
	e := config.New(getenv)
	c := cfg{
		LogLevel: e.String("LOG_LEVEL", "info"),
		HTTP: httpapi.ServeConfig{
			Addr:            e.String("HTTP_ADDR", "127.0.0.1:8084"),
			DrainDelay:      e.Duration("DRAIN_DELAY", 0),
			ShutdownTimeout: e.Duration("SHUTDOWN_TIMEOUT", 15e9),
		},
		DatabaseURL: e.String("DATABASE_URL", "postgres://ticketly_scheduler:ticketly_scheduler@127.0.0.1:5432/ticketly?search_path=scheduling"),
		Brokers:     kafka.Brokers(e.String("KAFKA_BROKERS", "127.0.0.1:9092")),
		SMTPAddr:    e.String("SMTP_ADDR", "127.0.0.1:1025"),
	}
	return c, errors.Join(e.Err(), c.Validate())
}

func (c cfg) Validate() error {
	var errs []error
	for k, v := range map[string]string{"DATABASE_URL": c.DatabaseURL, "SMTP_ADDR": c.SMTPAddr} {
		if err := config.Require(k, v); err != nil {
			errs = append(errs, err)
		}
	}
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("KAFKA_BROKERS must list at least one broker"))
	}
	return errors.Join(errs...)
}
