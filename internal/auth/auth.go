// Package auth verifies Keycloak access tokens with go-oidc and turns them into a
// Principal: issuer, audience, expiry and signature are checked by go-oidc; `typ` must be
// Bearer so ID tokens are never accepted as access tokens (SPEC section 5).
package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/ticketly/ticketly/internal/apperr"
)

// Config locates the identity provider.
type Config struct {
	// Issuer is the exact `iss` of accepted tokens, e.g. http://localhost:8180/realms/ticketly.
	Issuer string
	// JWKSURL is where the signing keys are fetched; default Issuer + Keycloak's certs path.
	// It may use an internal host name while Issuer keeps the public one.
	JWKSURL string
	// Audience must be among the token's `aud` values, e.g. ticketly-api.
	Audience string
	// KeyRefreshInterval is the least time between two fetches of the key set, which a
	// token signed by an unknown key triggers (0: DefaultKeyRefreshInterval).
	KeyRefreshInterval time.Duration
}

// Validate reports every missing setting.
func (c Config) Validate() error {
	var errs []error
	if c.Issuer == "" {
		errs = append(errs, errors.New("issuer must be set"))
	}
	if c.Audience == "" {
		errs = append(errs, errors.New("audience must be set"))
	}
	return errors.Join(errs...)
}

func (c Config) jwksURL() string {
	if c.JWKSURL != "" {
		return c.JWKSURL
	}
	return strings.TrimRight(c.Issuer, "/") + "/protocol/openid-connect/certs"
}

// Principal is who a verified token speaks for.
type Principal struct {
	Subject  string
	Username string
	Email    string
	ClientID string   // azp: the client the token was issued to
	Roles    []string // realm roles
	Groups   []string // full group paths, e.g. /Tiers/PRO
	Scopes   []string
}

// HasRole reports whether the principal holds the realm role.
func (p Principal) HasRole(role string) bool { return slices.Contains(p.Roles, role) }

// HasScope reports whether the token carries the OAuth scope.
func (p Principal) HasScope(scope string) bool { return slices.Contains(p.Scopes, scope) }

// InGroup reports whether the principal is a member of the group path.
func (p Principal) InGroup(path string) bool { return slices.Contains(p.Groups, path) }

// Verifier checks access tokens. Keys are fetched on first use and refreshed when a
// token's signature matches no known key, at most once per KeyRefreshInterval, so a
// service starts even while Keycloak is still booting and forged tokens cost no fetch.
type Verifier struct {
	v *oidc.IDTokenVerifier
}

// NewVerifier returns a Verifier for cfg. ctx bounds the key fetches' lifetime.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("auth config: %w", err)
	}
	keys := newKeySet(ctx, cfg.jwksURL(), cfg.KeyRefreshInterval)
	return &Verifier{v: oidc.NewVerifier(cfg.Issuer, keys, &oidc.Config{ClientID: cfg.Audience})}, nil
}

type claims struct {
	Typ         string   `json:"typ"`
	Azp         string   `json:"azp"`
	Scope       string   `json:"scope"`
	Username    string   `json:"preferred_username"`
	Email       string   `json:"email"`
	Groups      []string `json:"groups"`
	RealmAccess struct {
		Roles []string `json:"roles"`
	} `json:"realm_access"`
}

// Verify checks a raw access token and returns its principal. Any failure is an
// Unauthorized application error.
func (v *Verifier) Verify(ctx context.Context, raw string) (Principal, error) {
	tok, err := v.v.Verify(ctx, raw)
	if err != nil {
		return Principal{}, apperr.Wrap(err, apperr.Unauthorized, "invalid access token")
	}
	var c claims
	if err := tok.Claims(&c); err != nil {
		return Principal{}, apperr.Wrap(err, apperr.Unauthorized, "invalid access token claims")
	}
	if !strings.EqualFold(c.Typ, "Bearer") {
		return Principal{}, apperr.New(apperr.Unauthorized, "token is not an access token (typ %q)", c.Typ)
	}
	if tok.Subject == "" {
		return Principal{}, apperr.New(apperr.Unauthorized, "access token has no subject")
	}
	return Principal{
		Subject:  tok.Subject,
		Username: c.Username,
		Email:    c.Email,
		ClientID: c.Azp,
		Roles:    c.RealmAccess.Roles,
		Groups:   c.Groups,
		Scopes:   strings.Fields(c.Scope),
	}, nil
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal Middleware stored in ctx.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// BearerToken extracts the token of an `Authorization: Bearer …` header.
func BearerToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", apperr.New(apperr.Unauthorized, "missing Authorization header with a Bearer token")
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", apperr.New(apperr.Unauthorized, "Authorization header must be `Bearer <token>`")
	}
	return strings.TrimSpace(tok), nil
}

// Middleware authenticates every request before anything else runs: no token or a bad
// token is answered through onError (401); otherwise the principal is put in the context.
func (v *Verifier) Middleware(onError func(http.ResponseWriter, *http.Request, error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			raw, err := BearerToken(r)
			if err != nil {
				onError(w, r, err)
				return
			}
			p, err := v.Verify(r.Context(), raw)
			if err != nil {
				onError(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		})
	}
}
