package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/ticketly/ticketly/internal/config"
)

// devDatabaseURL is the local stack's role of event-command.
const devDatabaseURL = "postgres://ticketly_command:ticketly_command@127.0.0.1:5432/ticketly?search_path=catalog"

type cfg struct {
	Service  config.Service
	Database config.Database
	OIDC     config.OIDC
	// Keycloak is the realm's Admin REST API, where members are looked up.
	Keycloak keycloakAdmin
}

// keycloakAdmin is how event-command reads the realm's users: the realm's admin URL
// (KEYCLOAK_ADMIN_URL, default from OIDC_ISSUER: <base>/realms/<realm> →
// <base>/admin/realms/<realm>), the token endpoint (OIDC_TOKEN_URL, default the issuer's)
// and its own service account svc-event-command, which holds the realm-management role
// view-users (keycloak/README.md).
type keycloakAdmin struct {
	AdminURL string
	TokenURL string
	Client   config.ServiceClient
}

func loadKeycloakAdmin(e *config.Env, issuer string) keycloakAdmin {
	issuer = strings.TrimRight(issuer, "/")
	admin := ""
	if base, realm, ok := strings.Cut(issuer, "/realms/"); ok {
		admin = base + "/admin/realms/" + realm
	}
	return keycloakAdmin{
		AdminURL: e.String("KEYCLOAK_ADMIN_URL", admin),
		TokenURL: e.String("OIDC_TOKEN_URL", issuer+"/protocol/openid-connect/token"),
		Client:   config.LoadServiceClient(e, "svc-event-command"),
	}
}

// Validate implements config.Component.
func (k keycloakAdmin) Validate() error {
	errs := []error{k.Client.Validate()}
	for _, kv := range [][2]string{{"KEYCLOAK_ADMIN_URL", k.AdminURL}, {"OIDC_TOKEN_URL", k.TokenURL}} {
		key, v := kv[0], kv[1]
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s: %q is not an http(s) URL (set it, or an OIDC_ISSUER ending in /realms/<realm>)", key, v))
		}
	}
	return errors.Join(errs...)
}

// Development implements config.Component: the development realm's client secret.
func (k keycloakAdmin) Development() []config.DevSetting { return k.Client.Development() }

// loadConfig reads the settings; the defaults fit the local stack (make run), and
// TICKETLY_ENV=production refuses them.
func loadConfig(getenv func(string) string) (cfg, error) {
	e := config.New(getenv)
	c := cfg{
		Service:  config.LoadService(e, "127.0.0.1:8081", ""),
		Database: config.LoadDatabase(e, devDatabaseURL, 0),
		OIDC:     config.LoadOIDC(e),
	}
	c.Keycloak = loadKeycloakAdmin(e, c.OIDC.Issuer)
	return c, errors.Join(e.Err(), c.Validate())
}

func (c cfg) components() []config.Component {
	return []config.Component{c.Database, c.OIDC, c.Keycloak}
}

func (c cfg) Validate() error { return c.Service.Check(c.components()...) }
