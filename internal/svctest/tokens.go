package svctest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// Keycloak access tokens for the development realm's users (SPEC section 5), fetched with
// the dev-cli password grant (password = user name) from TEST_KEYCLOAK_URL (default
// http://localhost:8180) and cached per user for the whole test binary.

type cachedToken struct {
	raw     string
	expires time.Time
}

// tokenSlack: a cached token that expires sooner than this is fetched again.
const tokenSlack = time.Minute

// The cache lives as long as the test binary.
var (
	tokensMu  sync.Mutex
	tokens    = map[string]cachedToken{}
	userLocks = map[string]*sync.Mutex{}
)

// KeycloakURL returns the Keycloak base URL the test helpers use.
func KeycloakURL() string {
	if u := strings.TrimRight(os.Getenv("TEST_KEYCLOAK_URL"), "/"); u != "" {
		return u
	}
	return "http://localhost:8180"
}

// Token returns an access token for user of the ticketly realm (organizer, admin, buyer,
// scanner, buyer1…buyer1000). It skips the test under -short (RequireStack) and fails it
// loudly when Keycloak cannot issue one.
func Token(t testing.TB, user string) string {
	t.Helper()
	RequireStack(t, Keycloak)
	tokensMu.Lock()
	l, ok := userLocks[user]
	if !ok {
		l = &sync.Mutex{}
		userLocks[user] = l
	}
	tokensMu.Unlock()
	l.Lock() // one fetch per user at a time; other users' fetches go on in parallel
	defer l.Unlock()

	tokensMu.Lock()
	c, ok := tokens[user]
	tokensMu.Unlock()
	if ok && time.Until(c.expires) > tokenSlack {
		return c.raw
	}
	form := url.Values{"grant_type": {"password"}, "client_id": {"dev-cli"}, "username": {user}, "password": {user}}
	endpoint := KeycloakURL() + "/realms/ticketly/protocol/openid-connect/token"
	client := &http.Client{Timeout: 15 * time.Second}
	resp, err := client.PostForm(endpoint, form)
	if err != nil {
		t.Fatalf("token for %s from %s: %v (is the local stack up? make stack)", user, endpoint, err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK || body.AccessToken == "" {
		t.Fatalf("token for %s from %s: HTTP %d %s %s (decode: %v)", user, endpoint, resp.StatusCode, body.Error, body.Description, err)
	}
	c = cachedToken{raw: body.AccessToken, expires: time.Now().Add(time.Duration(body.ExpiresIn) * time.Second)}
	tokensMu.Lock()
	tokens[user] = c
	tokensMu.Unlock()
	return c.raw
}

// Subject returns the Keycloak subject (`sub`) of user, read from its token.
func Subject(t testing.TB, user string) string {
	t.Helper()
	parts := strings.Split(Token(t, user), ".")
	if len(parts) != 3 {
		t.Fatalf("token for %s is not a JWT", user)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("token for %s: payload: %v", user, err)
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.Sub == "" {
		t.Fatalf("token for %s has no sub (%v)", user, err)
	}
	return claims.Sub
}

// ServiceToken returns a client-credentials access token of a confidential client of the
// development realm (svc-scheduler, svc-order, …: secret dev-secret-<client>), and fails the
// test unless it carries the internal-api scope those clients have.
func ServiceToken(t testing.TB, client string) string {
	t.Helper()
	RequireStack(t, Keycloak)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "client_secret": {"dev-secret-" + client}}
	endpoint := KeycloakURL() + "/realms/ticketly/protocol/openid-connect/token"
	resp, err := (&http.Client{Timeout: 15 * time.Second}).PostForm(endpoint, form)
	if err != nil {
		t.Fatalf("%s token from %s: %v", client, endpoint, err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK || body.AccessToken == "" {
		t.Fatalf("%s token: HTTP %d (%v)", client, resp.StatusCode, err)
	}
	if !strings.Contains(" "+body.Scope+" ", " internal-api ") {
		t.Fatalf("%s token without internal-api: scope %q", client, body.Scope)
	}
	return body.AccessToken
}
