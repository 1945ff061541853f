package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/auth"
)

// issuer is a stand-in identity provider for unit tests: it publishes a JWKS and signs
// tokens with its key. Integration tests use the real Keycloak (test/stack).
type issuer struct {
	key    *rsa.PrivateKey
	srv    *httptest.Server
	signer jose.Signer
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{key: key}
	is.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
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

func (is *issuer) token(t *testing.T, mutate func(map[string]any)) string {
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

func (is *issuer) verifier(t *testing.T) *auth.Verifier {
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
