package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/ticketly/ticketly/internal/auth"
)

// DevOIDCIssuer is the development realm's issuer (SPEC section 5).
const DevOIDCIssuer = "http://localhost:8180/realms/ticketly"

// devClientSecretPrefix starts every svc-* client secret of the development realm
// (keycloak/ticketly-realm.json).
const devClientSecretPrefix = "dev-secret-"

// OIDC is how a service verifies access tokens.
type OIDC struct{ auth.Config }

// LoadOIDC reads OIDC_ISSUER, OIDC_JWKS_URL and OIDC_AUDIENCE.
func LoadOIDC(e *Env) OIDC {
	return OIDC{auth.Config{
		Issuer:   e.String("OIDC_ISSUER", DevOIDCIssuer),
		JWKSURL:  e.String("OIDC_JWKS_URL", ""),
		Audience: e.String("OIDC_AUDIENCE", "ticketly-api"),
	}}
}

// Validate implements Component.
func (o OIDC) Validate() error {
	var errs []error
	if err := o.Config.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("OIDC: %w", err))
	}
	if o.Issuer != "" {
		if err := httpURL("OIDC_ISSUER", o.Issuer); err != nil {
			errs = append(errs, err)
		}
	}
	if o.JWKSURL != "" {
		if err := httpURL("OIDC_JWKS_URL", o.JWKSURL); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Development implements Component. The issuer is the public Keycloak URL: production
// serves it over https on a real host. (OIDC_JWKS_URL may stay plain http on an internal
// host name.)
func (o OIDC) Development() []DevSetting {
	switch u, err := url.Parse(o.Issuer); {
	case o.Issuer == DevOIDCIssuer:
		return []DevSetting{{"OIDC_ISSUER", "the development realm on localhost (" + DevOIDCIssuer + ")"}}
	case err != nil:
		return nil // reported by Validate
	case u.Scheme != "https":
		return []DevSetting{{"OIDC_ISSUER", "plain http: tokens must be issued over https"}}
	case isLoopback(u.Hostname()):
		return []DevSetting{{"OIDC_ISSUER", "a loopback host: " + u.Hostname()}}
	}
	return nil
}

// ServiceClient is a confidential svc-* client a service signs in with to call another
// service's internal API (client-credentials grant, scope internal-api).
type ServiceClient struct {
	ID     string
	Secret string
}

// LoadServiceClient reads OIDC_CLIENT_ID (default id, e.g. svc-scheduler) and
// OIDC_CLIENT_SECRET (default: the development realm's secret of that client).
func LoadServiceClient(e *Env, id string) ServiceClient {
	c := ServiceClient{ID: e.String("OIDC_CLIENT_ID", id)}
	c.Secret = e.String("OIDC_CLIENT_SECRET", devClientSecretPrefix+c.ID)
	return c
}

// Validate implements Component.
func (c ServiceClient) Validate() error {
	return errors.Join(Require("OIDC_CLIENT_ID", c.ID), Require("OIDC_CLIENT_SECRET", c.Secret))
}

// Development implements Component.
func (c ServiceClient) Development() []DevSetting {
	if strings.HasPrefix(c.Secret, devClientSecretPrefix) {
		return []DevSetting{{"OIDC_CLIENT_SECRET", "the development realm's secret of " + c.ID}}
	}
	return nil
}

// httpURL checks that v is an absolute http(s) URL.
func httpURL(key, v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: %q is not an http(s) URL", key, v)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
