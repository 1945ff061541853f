package main

import (
	"errors"

	"github.com/ticketly/ticketly/internal/config"
)

// devDatabaseURL is the local stack's role of the scheduler.
const devDatabaseURL = "postgres://ticketly_scheduler:ticketly_scheduler@127.0.0.1:5432/ticketly?search_path=scheduling"

type cfg struct {
	Service  config.Service
	Database config.Database
	Kafka    config.Kafka
	SMTP     config.Mail
	OIDC     config.OIDC
	Client   config.ServiceClient
	Jobs     jobsConfig
}

// loadConfig reads the settings; the defaults fit the local stack (make run), and
// TICKETLY_ENV=production refuses them.
func loadConfig(getenv func(string) string) (cfg, error) {
	e := config.New(getenv)
	c := cfg{
		Service:  config.LoadService(e, "127.0.0.1:8084", ""),
		Database: config.LoadDatabase(e, devDatabaseURL, 24), // each worker holds a claim and reads beside it
		Kafka:    config.LoadKafka(e),
		SMTP:     config.LoadMail(e),
		OIDC:     config.LoadOIDC(e),
		Client:   config.LoadServiceClient(e, "svc-scheduler"),
	}
	c.Jobs = loadJobs(e, c.OIDC.Issuer)
	return c, errors.Join(e.Err(), c.Validate())
}

func (c cfg) components() []config.Component {
	return []config.Component{c.Database, c.Kafka, c.SMTP, c.OIDC,
		c.Client, c.Jobs}
}

func (c cfg) Validate() error { return c.Service.Check(c.components()...) }
