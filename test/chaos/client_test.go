//go:build chaos

package chaos_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketly/ticketly/internal/svctest"
)

// api sends JSON requests to the services as development-realm users. Tokens are fetched on
// the test goroutine beforehand (svctest.Token fails the test when Keycloak cannot issue
// one); the traffic's goroutines only read the cache.
type api struct {
	http *http.Client
}

func newAPI() *api {
	return &api{http: &http.Client{Timeout: 15 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 1000, MaxIdleConnsPerHost: 500, IdleConnTimeout: 30 * time.Second}}}
}

// reply is an HTTP answer; Status 0 means no answer (connection refused, reset, timeout).
type reply struct {
	Status int
	Body   []byte
	Err    error
}

func (r reply) ok() bool { return r.Status/100 == 2 }

// outcome classifies an answer for the traffic tallies: 2xx and 4xx by class (409, 404
// and 503 on their own), every other 5xx by its code.
func (r reply) outcome() string {
	switch {
	case r.Status == 0:
		return "no answer"
	case r.Status == http.StatusConflict, r.Status == http.StatusNotFound, r.Status >= 500:
		return fmt.Sprint(r.Status)
	default:
		return fmt.Sprintf("%dxx", r.Status/100)
	}
}

// failed reports an answer that is neither a success nor a decided refusal.
func (r reply) failed() bool { return r.Status == 0 || r.Status >= 500 }

func (r reply) decode(out any) error {
	if err := json.Unmarshal(r.Body, out); err != nil {
		return fmt.Errorf("decode %d %s: %w", r.Status, r.Body, err)
	}
	return nil
}

func (r reply) String() string {
	if r.Status == 0 {
		return fmt.Sprintf("no answer (%v)", r.Err)
	}
	b := r.Body
	if len(b) > 300 {
		b = b[:300]
	}
	return fmt.Sprintf("%d %s", r.Status, b)
}

// do sends body (JSON, or raw bytes) with token and extra header pairs.
func (a *api) do(ctx context.Context, method, url, token string, body any, headers ...string) reply {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return reply{Err: err}
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return reply{Err: err}
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return reply{Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{Status: resp.StatusCode, Body: b, Err: err}
}

// must sends a request that has to succeed (retrying while the stack answers 503 or not at
// all, for up to a minute) and decodes the answer into out.
func (a *api) must(t *testing.T, method, url, token string, body, out any) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		r := a.do(context.Background(), method, url, token, body)
		if r.ok() {
			if out != nil {
				if err := r.decode(out); err != nil {
					t.Fatalf("%s %s: %v", method, url, err)
				}
			}
			return
		}
		if (r.Status != 0 && r.Status != http.StatusServiceUnavailable) || time.Now().After(deadline) {
			t.Fatalf("%s %s: %s", method, url, r)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// users holds the tokens and subjects of the users the suite acts as.
type users struct {
	mu     sync.Mutex
	tokens map[string]string
	subs   map[string]string // sub -> user name
}

// load fetches the tokens of names, 16 at a time, on the test goroutine.
func (u *users) load(t *testing.T, names []string) {
	t.Helper()
	u.mu.Lock()
	if u.tokens == nil {
		u.tokens, u.subs = map[string]string{}, map[string]string{}
	}
	u.mu.Unlock()
	type got struct{ name, token, sub string }
	results := make(chan got, len(names))
	failed := make(chan string, len(names))
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			tok, err := fetchToken(n)
			if err != nil {
				failed <- fmt.Sprintf("%s: %v", n, err)
				return
			}
			results <- got{n, tok, subjectOf(tok)}
		}()
	}
	wg.Wait()
	close(results)
	close(failed)
	for f := range failed {
		t.Fatalf("token: %s", f)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	for r := range results {
		u.tokens[r.name], u.subs[r.sub] = r.token, r.name
	}
}

func (u *users) token(name string) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.tokens[name]
}

// nameOf returns the user name of a Keycloak subject the suite acted as.
func (u *users) nameOf(sub string) (string, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	n, ok := u.subs[sub]
	return n, ok
}

func (u *users) subject(name string) string { return subjectOf(u.token(name)) }

// fetchToken is a password grant of the dev-cli client (password = user name); the tokens of
// the development realm live an hour, longer than any run of the suite.
func fetchToken(user string) (string, error) {
	var err error
	for range 3 {
		var tok string
		if tok, err = tokenOnce(user); err == nil {
			return tok, nil
		}
		time.Sleep(time.Second)
	}
	return "", err
}

func tokenOnce(user string) (string, error) {
	form := url.Values{"grant_type": {"password"}, "client_id": {"dev-cli"}, "username": {user}, "password": {user}}
	resp, err := tokenClient.PostForm(svctest.KeycloakURL()+"/realms/ticketly/protocol/openid-connect/token", form)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		return "", fmt.Errorf("HTTP %d %s (%v)", resp.StatusCode, body.Error, err)
	}
	return body.AccessToken, nil
}

// subjectOf returns the sub claim of a JWT (empty if it has none).
func subjectOf(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	_ = json.Unmarshal(payload, &claims)
	return claims.Sub
}

var tokenClient = &http.Client{Timeout: 15 * time.Second}
