package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/auth"
)

// issuer is a stand-in identity provider for unit tests: it publishes a JWKS and signs
// tokens with its key. Integration tests use the real Keycloak (test/stack).
type issuer struct {
	key     *rsa.PrivateKey
	srv     *httptest.Server
	signer  jose.Signer
	fetches atomic.Int64 // JWKS requests served
}

func newIssuer(t testing.TB) *issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{key: key}
	is.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		is.fetches.Add(1)
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	}))
	t.Cleanup(is.srv.Close)
	is.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return is
}

const iss = "http://localhost:8180/realms/ticketly"

func (is *issuer) token(t testing.TB, mutate func(map[string]any)) string {
	t.Helper()
	c := map[string]any{
		"iss": iss, "aud": []string{"account", "ticketly-api"}, "sub": "user-1", "typ": "Bearer",
		"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(), "azp": "dev-cli",
		"scope": "openid profile email", "preferred_username": "buyer1", "groups": []string{"/Tiers/FREE"},
		"realm_access": map[string]any{"roles": []string{"event_admin"}},
	}
	if mutate != nil {
		mutate(c)
	}
	payload, _ := json.Marshal(c)
	jws, err := is.signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (is *issuer) verifier(t testing.TB) *auth.Verifier {
	t.Helper()
	v, err := auth.NewVerifier(context.Background(), auth.Config{Issuer: iss, JWKSURL: is.srv.URL, Audience: "ticketly-api"})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifyAcceptsAccessToken(t *testing.T) {
	is := newIssuer(t)
	p, err := is.verifier(t).Verify(context.Background(), is.token(t, nil))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if p.Subject != "user-1" || p.Username != "buyer1" || p.ClientID != "dev-cli" ||
		!p.HasRole("event_admin") || !p.InGroup("/Tiers/FREE") || !p.HasScope("email") || p.HasScope("internal-api") {
		t.Fatalf("unexpected principal %+v", p)
	}
}

// The holder's name shown at the door comes from the token: Keycloak's `name` claim, else
// the given and family names, else the user name.
func TestPrincipalName(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	v := is.verifier(t)
	for _, tc := range []struct {
		claims map[string]any
		want   string
	}{
		{map[string]any{"name": "Bob Buyer", "given_name": "Bob", "family_name": "Buyer"}, "Bob Buyer"},
		{map[string]any{"name": "  ", "given_name": "Bob", "family_name": "Buyer"}, "Bob Buyer"},
		{map[string]any{"given_name": "Bob"}, "Bob"},
		{map[string]any{"family_name": "Buyer"}, "Buyer"},
		{map[string]any{}, "buyer1"},
	} {
		p, err := v.Verify(context.Background(), is.token(t, func(c map[string]any) {
			for k, val := range tc.claims {
				c[k] = val
			}
		}))
		if err != nil || p.Name != tc.want {
			t.Errorf("claims %v: name %q (%v), want %q", tc.claims, p.Name, err, tc.want)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	is := newIssuer(t)
	other := newIssuer(t)
	cases := map[string]string{
		"wrong issuer":      is.token(t, func(c map[string]any) { c["iss"] = "http://127.0.0.1:8180/realms/ticketly" }),
		"wrong audience":    is.token(t, func(c map[string]any) { c["aud"] = "account" }),
		"no audience":       is.token(t, func(c map[string]any) { delete(c, "aud") }),
		"expired":           is.token(t, func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }),
		"id token":          is.token(t, func(c map[string]any) { c["typ"] = "ID" }),
		"no subject":        is.token(t, func(c map[string]any) { delete(c, "sub") }),
		"foreign signature": other.token(t, nil),
		"tampered payload":  tamper(is.token(t, nil)),
		"garbage":           "not-a-jwt",
	}
	v := is.verifier(t)
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tok)
			if apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("want unauthorized, got %v", err)
			}
		})
	}
}

// tamper swaps the payload for one granting a role while keeping the signature.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	var c map[string]any
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	_ = json.Unmarshal(b, &c)
	c["realm_access"] = map[string]any{"roles": []string{"event_admin", "category_admin"}}
	nb, _ := json.Marshal(c)
	parts[1] = base64.RawURLEncoding.EncodeToString(nb)
	return strings.Join(parts, ".")
}

func TestMiddleware(t *testing.T) {
	is := newIssuer(t)
	var seen auth.Principal
	h := is.verifier(t).Middleware(func(w http.ResponseWriter, _ *http.Request, err error) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(apperr.CodeOf(err)))
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = auth.PrincipalFrom(r.Context())
	}))
	for name, hdr := range map[string]string{"none": "", "basic": "Basic dXNlcjpwYXNz", "empty bearer": "Bearer ", "bad token": "Bearer x.y.z"} {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if hdr != "" {
				req.Header.Set("Authorization", hdr)
			}
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("status %d", rec.Code)
			}
		})
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer "+is.token(t, nil))
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || seen.Subject != "user-1" {
		t.Fatalf("status %d principal %+v", rec.Code, seen)
	}
}

// signedBy returns a token with is's claims signed by key under kid: a forged signature
// when key is not is's key.
func (is *issuer) signedBy(t *testing.T, key *rsa.PrivateKey, kid string) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	saved := is.signer
	is.signer = signer
	defer func() { is.signer = saved }()
	return is.token(t, nil)
}

// Tokens with bad signatures must not make the service fetch the key set each time.
func TestForgedTokensDoNotRefetchKeys(t *testing.T) {
	is := newIssuer(t)
	v := is.verifier(t)
	if _, err := v.Verify(context.Background(), is.token(t, nil)); err != nil {
		t.Fatal(err)
	}
	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	known := is.signedBy(t, forger, "k1")
	var wg sync.WaitGroup
	for i := range 100 {
		tok := known
		if i%2 == 1 { // a kid the provider never published, as after a key rotation
			tok = is.signedBy(t, forger, fmt.Sprintf("kid-%d", i))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := v.Verify(context.Background(), tok); apperr.CodeOf(err) != apperr.Unauthorized {
				t.Errorf("forged token: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := is.fetches.Load(); n > 2 {
		t.Fatalf("100 forged tokens made %d key set fetches", n)
	}
	if _, err := v.Verify(context.Background(), is.token(t, nil)); err != nil {
		t.Fatalf("a good token after the forged ones: %v", err)
	}
}

// A rotated key (a new kid) is picked up once the refresh interval has passed.
func TestRotatedKeyIsFetched(t *testing.T) {
	key2, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := newIssuer(t)
	var rotated atomic.Bool
	is.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		is.fetches.Add(1)
		keys := []jose.JSONWebKey{{Key: &is.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"},
			{Key: &is.key.PublicKey, KeyID: "enc1", Algorithm: "RSA-OAEP", Use: "enc"}}
		if rotated.Load() {
			keys = append(keys, jose.JSONWebKey{Key: &key2.PublicKey, KeyID: "k2", Algorithm: "RS256", Use: "sig"})
		}
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: keys})
	})
	v, err := auth.NewVerifier(context.Background(), auth.Config{Issuer: iss, JWKSURL: is.srv.URL, Audience: "ticketly-api",
		KeyRefreshInterval: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), is.token(t, nil)); err != nil {
		t.Fatal(err)
	}
	rotated.Store(true)
	tok := is.signedBy(t, key2, "k2")
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := v.Verify(context.Background(), tok)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("token signed with the rotated key still refused: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// ~250 attempts in the loop at most; the interval bounds the fetches.
	if n := is.fetches.Load(); n > 4 {
		t.Fatalf("%d fetches", n)
	}
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("rotated key not kept: %v", err)
	}
}

// Each refusal says why in details.reason; only an expired token is "has expired", and no
// answer echoes the token.
func TestVerifyRefusalReasons(t *testing.T) {
	is := newIssuer(t)
	other := newIssuer(t)
	cases := []struct {
		name, token, reason string
	}{
		{"expired", is.token(t, func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }), auth.ReasonExpired},
		{"expired and wrong audience", is.token(t, func(c map[string]any) {
			c["exp"] = time.Now().Add(-time.Minute).Unix()
			c["aud"] = "account"
		}), auth.ReasonWrongAudience},
		{"foreign signature", other.token(t, nil), auth.ReasonInvalidSignature},
		{"foreign signature, expired", other.token(t, func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }), auth.ReasonInvalidSignature},
		{"tampered payload", tamper(is.token(t, nil)), auth.ReasonInvalidSignature},
		{"wrong issuer", is.token(t, func(c map[string]any) { c["iss"] = "http://127.0.0.1:8180/realms/ticketly" }), auth.ReasonWrongIssuer},
		{"wrong audience", is.token(t, func(c map[string]any) { c["aud"] = "account" }), auth.ReasonWrongAudience},
		{"audience list without the API", is.token(t, func(c map[string]any) { c["aud"] = []string{"account", "broker"} }), auth.ReasonWrongAudience},
		{"no audience", is.token(t, func(c map[string]any) { delete(c, "aud") }), auth.ReasonWrongAudience},
		{"not yet valid", is.token(t, func(c map[string]any) { c["nbf"] = time.Now().Add(time.Hour).Unix() }), auth.ReasonNotYetValid},
		{"id token", is.token(t, func(c map[string]any) { c["typ"] = "ID" }), auth.ReasonNotAccessToken},
		{"no subject", is.token(t, func(c map[string]any) { delete(c, "sub") }), auth.ReasonMalformed},
		{"garbage", "not-a-jwt", auth.ReasonMalformed},
		{"three garbage parts", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", auth.ReasonInvalidSignature},
		{"unsigned", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", auth.ReasonMalformed},
	}
	v := is.verifier(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), c.token)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Unauthorized {
				t.Fatalf("want unauthorized, got %v", err)
			}
			if got := ae.Details["reason"]; got != c.reason {
				t.Fatalf("reason %v, want %s (%v)", got, c.reason, err)
			}
			want := "the access token is not valid"
			if c.reason == auth.ReasonExpired {
				want = "the access token has expired"
			}
			if ae.Message != want {
				t.Fatalf("message %q, want %q", ae.Message, want)
			}
			b, _ := json.Marshal(map[string]any{"message": ae.Message, "details": ae.Details})
			if strings.Contains(string(b), c.token) {
				t.Fatalf("the answer echoes the token: %s", b)
			}
		})
	}
}

// When the identity provider's keys cannot be fetched, a token is neither accepted nor
// called forged: the service is unavailable (503) until the keys come.
func TestKeysUnreachableIsUnavailable(t *testing.T) {
	is := newIssuer(t)
	tok := is.token(t, nil)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	t.Cleanup(down.Close)
	v, err := auth.NewVerifier(context.Background(), auth.Config{Issuer: iss, JWKSURL: down.URL, Audience: "ticketly-api"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 { // the first fetch fails; the next ones are rate-limited, still unavailable
		if _, err := v.Verify(context.Background(), tok); apperr.CodeOf(err) != apperr.Unavailable {
			t.Fatalf("attempt %d: want unavailable, got %v", i, err)
		}
	}
	if _, err := v.Verify(context.Background(), "not-a-jwt"); apperr.CodeOf(err) != apperr.Unauthorized {
		t.Fatalf("garbage while the keys are down: %v", err)
	}
}

// Middleware answers a refusal deferred before authentication (an unknown query
// parameter) only for a caller with a good token; a bad token is 401 first.
func TestMiddlewareAnswersDeferredRefusalAfterAuthentication(t *testing.T) {
	is := newIssuer(t)
	deferred := apperr.New(apperr.Invalid, "unknown query parameter bogus")
	var reached bool
	h := is.verifier(t).Middleware(func(w http.ResponseWriter, _ *http.Request, err error) {
		w.WriteHeader(map[apperr.Code]int{apperr.Unauthorized: 401, apperr.Invalid: 400}[apperr.CodeOf(err)])
	})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	for _, c := range []struct {
		name, header string
		deferred     bool
		want         int
	}{
		{"bad token", "Bearer x.y.z", true, 401},
		{"no token", "", true, 401},
		{"good token", "Bearer " + is.token(t, nil), true, 400},
		{"good token, nothing deferred", "Bearer " + is.token(t, nil), false, 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			reached = false
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if c.header != "" {
				req.Header.Set("Authorization", c.header)
			}
			if c.deferred {
				req = req.WithContext(auth.Defer(req.Context(), deferred))
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.want || reached != (c.want == 200) {
				t.Fatalf("status %d (handler reached %v), want %d", rec.Code, reached, c.want)
			}
		})
	}
}

func TestBearerTokenReasons(t *testing.T) {
	for hdr, reason := range map[string]string{"": auth.ReasonMissing, "Basic dXNlcjpwYXNz": auth.ReasonMalformed, "Bearer ": auth.ReasonMalformed} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if hdr != "" {
			req.Header.Set("Authorization", hdr)
		}
		_, err := auth.BearerToken(req)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Unauthorized || ae.Details["reason"] != reason {
			t.Errorf("%q: %v (details %v), want reason %s", hdr, err, ae, reason)
		}
	}
}
