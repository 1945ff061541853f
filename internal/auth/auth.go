// Package auth verifies Keycloak access tokens with go-oidc and turns them into a
// Principal: issuer, audience, expiry and signature are checked by go-oidc; `typ` must be
// Bearer so ID tokens are never accepted as access tokens (SPEC section 5).
package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	lru "github.com/hashicorp/golang-lru/v2"

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
	// Name is the person's display name: the `name` claim (Keycloak's profile scope), else
	// given and family name, else the user name.
	Name     string
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

// VerifiedCacheSize is how many verified tokens a Verifier remembers (about 1 KB each).
const VerifiedCacheSize = 20_000

// Verifier checks access tokens. Keys are fetched on first use and refreshed when a
// token's signature matches no known key, at most once per KeyRefreshInterval, so a
// service starts even while Keycloak is still booting and forged tokens cost no fetch.
//
// A token that verified is remembered (by its SHA-256, never the token itself) until its
// own expiry, so a buyer retrying in a flash sale costs one map lookup instead of an RSA
// signature check and a JSON decode. Only successes are cached: every refusal is decided
// afresh. Like any stateless JWT check, a remembered token stays accepted until it expires.
type Verifier struct {
	v        *oidc.IDTokenVerifier
	issuer   string
	audience string
	verified *lru.Cache[[sha256.Size]byte, verifiedToken]
	now      func() time.Time
}

// verifiedToken is a remembered verification: the principal and when the token expires.
type verifiedToken struct {
	p      Principal
	expiry time.Time
}

// NewVerifier returns a Verifier for cfg. ctx bounds the key fetches' lifetime.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("auth config: %w", err)
	}
	keys := newKeySet(ctx, cfg.jwksURL(), cfg.KeyRefreshInterval)
	verified, err := lru.New[[sha256.Size]byte, verifiedToken](VerifiedCacheSize)
	if err != nil {
		return nil, fmt.Errorf("auth: verified-token cache: %w", err)
	}
	return &Verifier{v: oidc.NewVerifier(cfg.Issuer, keys, &oidc.Config{ClientID: cfg.Audience}),
		issuer: cfg.Issuer, audience: cfg.Audience, verified: verified, now: time.Now}, nil
}

type claims struct {
	Typ         string   `json:"typ"`
	Azp         string   `json:"azp"`
	Scope       string   `json:"scope"`
	Username    string   `json:"preferred_username"`
	Name        string   `json:"name"`
	GivenName   string   `json:"given_name"`
	FamilyName  string   `json:"family_name"`
	Email       string   `json:"email"`
	Groups      []string `json:"groups"`
	RealmAccess struct {
		Roles []string `json:"roles"`
	} `json:"realm_access"`
}

// displayName is the token's `name`, else its given and family names, else its user name
// (a token issued without the profile scope carries only the last).
func (c claims) displayName() string {
	if n := strings.TrimSpace(c.Name); n != "" {
		return n
	}
	if n := strings.TrimSpace(strings.TrimSpace(c.GivenName) + " " + strings.TrimSpace(c.FamilyName)); n != "" {
		return n
	}
	return c.Username
}

// Reasons in details.reason of a refused token (401). An expired token is answered "the
// access token has expired"; every other reason "the access token is not valid". The
// token itself is never echoed.
const (
	ReasonMissing          = "missing"           // no Authorization header
	ReasonMalformed        = "malformed"         // not a Bearer header, not a signed JWT, or unusable claims
	ReasonExpired          = "expired"           // exp is past
	ReasonNotYetValid      = "not_yet_valid"     // nbf is ahead (beyond the clock-skew leeway)
	ReasonInvalidSignature = "invalid_signature" // signed by no key of the identity provider
	ReasonWrongIssuer      = "wrong_issuer"      // iss is not the pinned issuer
	ReasonWrongAudience    = "wrong_audience"    // aud lacks the API's audience
	ReasonNotAccessToken   = "not_access_token"  // typ is not Bearer (an ID or refresh token)
)

// Messages of refused tokens.
const (
	msgExpired = "the access token has expired"
	msgInvalid = "the access token is not valid"
)

// refuse returns the Unauthorized error for reason, wrapping cause for logs.
func refuse(cause error, reason string) error {
	msg := msgInvalid
	if reason == ReasonExpired {
		msg = msgExpired
	}
	var e *apperr.Error
	if cause != nil {
		e = apperr.Wrap(cause, apperr.Unauthorized, "%s", msg)
	} else {
		e = apperr.New(apperr.Unauthorized, "%s", msg)
	}
	return e.WithDetails(map[string]any{"reason": reason})
}

// Verify checks a raw access token and returns its principal. A refused token is an
// Unauthorized application error whose details.reason says why (the Reason constants); the
// identity provider's keys being unreachable is Unavailable.
func (v *Verifier) Verify(ctx context.Context, raw string) (Principal, error) {
	key := sha256.Sum256([]byte(raw))
	if hit, ok := v.verified.Get(key); ok {
		if v.now().Before(hit.expiry) {
			return hit.p, nil
		}
		v.verified.Remove(key) // expired since: verify afresh, which refuses it as expired
	}
	p, expiry, err := v.verify(ctx, raw)
	if err != nil {
		return Principal{}, err
	}
	v.verified.Add(key, verifiedToken{p: p, expiry: expiry})
	return p, nil
}

// verify checks raw with go-oidc and returns its principal and expiry.
func (v *Verifier) verify(ctx context.Context, raw string) (Principal, time.Time, error) {
	var check signatureCheck
	tok, err := v.v.Verify(withSignatureCheck(ctx, &check), raw)
	if err != nil {
		return Principal{}, time.Time{}, v.classify(err, &check)
	}
	var c claims
	if err := tok.Claims(&c); err != nil {
		return Principal{}, time.Time{}, refuse(err, ReasonMalformed)
	}
	if !strings.EqualFold(c.Typ, "Bearer") {
		return Principal{}, time.Time{}, refuse(fmt.Errorf("token typ %q is not Bearer", c.Typ), ReasonNotAccessToken)
	}
	if tok.Subject == "" {
		return Principal{}, time.Time{}, refuse(errors.New("access token has no subject"), ReasonMalformed)
	}
	return Principal{
		Subject:  tok.Subject,
		Username: c.Username,
		Name:     c.displayName(),
		Email:    c.Email,
		ClientID: c.Azp,
		Roles:    c.RealmAccess.Roles,
		Groups:   c.Groups,
		Scopes:   strings.Fields(c.Scope),
	}, tok.Expiry, nil
}

// classify turns a go-oidc verification failure into the refusal saying why. go-oidc
// checks, in order, the JWT's form, its signature (through keySet, which records the
// outcome in check), the issuer, the audience, the expiry and nbf; only expiry has an
// error type, so the others are told apart from what check saw and from the claims the
// signature covered.
func (v *Verifier) classify(err error, check *signatureCheck) error {
	var expired *oidc.TokenExpiredError
	switch {
	case errors.As(err, &expired):
		return refuse(err, ReasonExpired)
	case check.unavailable != nil:
		return apperr.Wrap(check.unavailable, apperr.Unavailable, "the identity provider's signing keys cannot be fetched; retry shortly")
	case check.failed:
		return refuse(err, ReasonInvalidSignature)
	case check.payload == nil: // refused before its signature was checked
		return refuse(err, ReasonMalformed)
	}
	var c struct {
		Issuer    string          `json:"iss"`
		Audience  json.RawMessage `json:"aud"`
		NotBefore *float64        `json:"nbf"`
	}
	if json.Unmarshal(check.payload, &c) != nil {
		return refuse(err, ReasonMalformed)
	}
	switch {
	case c.Issuer != v.issuer:
		return refuse(err, ReasonWrongIssuer)
	case !hasAudience(c.Audience, v.audience):
		return refuse(err, ReasonWrongAudience)
	case c.NotBefore != nil:
		return refuse(err, ReasonNotYetValid)
	}
	return refuse(err, ReasonMalformed)
}

// hasAudience reports whether aud (a string or a list of strings) names want.
func hasAudience(aud json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(aud, &one) == nil {
		return one == want
	}
	var many []string
	return json.Unmarshal(aud, &many) == nil && slices.Contains(many, want)
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
		return "", apperr.New(apperr.Unauthorized, "missing Authorization header with a Bearer token").
			WithDetails(map[string]any{"reason": ReasonMissing})
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", apperr.New(apperr.Unauthorized, "Authorization header must be `Bearer <token>`").
			WithDetails(map[string]any{"reason": ReasonMalformed})
	}
	return strings.TrimSpace(tok), nil
}

// Middleware authenticates every request before anything else runs: no token or a bad
// token is answered through onError (401); then a refusal deferred until the caller is
// known (Defer) is answered through onError; otherwise the principal is put in the context.
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
			if err := Deferred(r.Context()); err != nil {
				onError(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		})
	}
}

type deferredKey struct{}

// Defer returns ctx carrying err, a refusal of the request found before authentication
// (an unknown query parameter) that must be answered only once the caller is
// authenticated: a request with a bad token is answered 401 whatever else is wrong with
// it. Middleware answers it after a good token; handlers that verify tokens themselves
// answer Deferred after Verify.
func Defer(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, deferredKey{}, err)
}

// Deferred returns the refusal Defer put in ctx, nil when none.
func Deferred(ctx context.Context) error {
	err, _ := ctx.Value(deferredKey{}).(error)
	return err
}
