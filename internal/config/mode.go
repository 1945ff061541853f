package config

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// ModeKey is the variable that selects the mode.
const ModeKey = "TICKETLY_ENV"

// Mode says whether development secrets and defaults are acceptable (SPEC section 11).
type Mode string

const (
	// Development (the default) runs on the local stack's defaults, and says which it uses.
	Development Mode = "development"
	// Production refuses to start while any development secret or default is in use.
	Production Mode = "production"
)

// Mode reads TICKETLY_ENV: development when unset. Any other value is a configuration
// error, and the mode is then read as production, so the error also lists every
// development setting production would refuse.
func (e *Env) Mode() Mode {
	v := e.String(ModeKey, string(Development))
	switch m := Mode(v); m {
	case Development, Production:
		return m
	}
	e.errs = append(e.errs, fmt.Errorf("%s: %q is neither %s nor %s", ModeKey, v, Development, Production))
	return Production
}

// DevSetting is a development secret or default found in a configuration.
type DevSetting struct {
	// Key is the environment variable to set, e.g. STRIPE_SECRET_KEY.
	Key string
	// Reason says what is wrong; it never quotes a secret that is not public.
	Reason string
}

func (d DevSetting) String() string { return d.Key + ": " + d.Reason }

// DevelopmentError is why a production configuration was refused: it names every
// development setting in use. Read it with errors.As.
type DevelopmentError struct{ Settings []DevSetting }

func (e *DevelopmentError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "refusing to start in %s with %d development secret(s) or default(s):", Production, len(e.Settings))
	for _, s := range e.Settings {
		b.WriteString("\n  " + s.String())
	}
	return b.String()
}

// Keys returns the variables the error names, in order.
func (e *DevelopmentError) Keys() []string { return keys(e.Settings) }

// Component is one part of a service's configuration (a database, a Stripe account, …).
type Component interface {
	// Validate reports every setting that is wrong in any mode.
	Validate() error
	// Development names each development secret or default the component uses.
	Development() []DevSetting
}

// Check validates the service settings and every component, joining all problems. In
// production it adds one *DevelopmentError naming every development setting in use.
func (s Service) Check(comps ...Component) error {
	all := append([]Component{s}, comps...)
	var errs []error
	for _, c := range all {
		if err := c.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if dev := developmentSettings(all); s.Mode != Development && len(dev) > 0 {
		errs = append(errs, &DevelopmentError{Settings: dev})
	}
	return errors.Join(errs...)
}

// Announce logs the mode once at start and, in development, which development secrets and
// defaults are in use (production refuses to start with any).
func (s Service) Announce(log *slog.Logger, comps ...Component) {
	dev := developmentSettings(append([]Component{s}, comps...))
	if len(dev) == 0 {
		log.Info("configuration loaded", "env", s.Mode)
		return
	}
	log.Warn("development secrets and defaults in use; "+ModeKey+"="+string(Production)+" refuses them",
		"env", s.Mode, "settings", keys(dev))
}

func developmentSettings(comps []Component) []DevSetting {
	var dev []DevSetting
	for _, c := range comps {
		dev = append(dev, c.Development()...)
	}
	return dev
}

func keys(settings []DevSetting) []string {
	out := make([]string, len(settings))
	for i, s := range settings {
		out[i] = s.Key
	}
	return out
}
