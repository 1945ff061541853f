package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// DefaultKeyRefreshInterval is the least time between two fetches of the identity
// provider's key set unless Config sets its own.
const DefaultKeyRefreshInterval = 10 * time.Second

// signingAlgs are the JWS algorithms a token may be parsed with; the verifier further
// restricts them to what the provider signs with (RS256).
var signingAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384,
	jose.PS512, jose.ES256, jose.ES384, jose.ES512, jose.EdDSA}

// errRefreshLimited: the key set was fetched too recently to be fetched again.
var errRefreshLimited = errors.New("signing key not found and the key set was refreshed moments ago")

// keySet is the provider's JSON Web Key Set, fetched on first use and refreshed when a
// token's signature checks against none of the cached keys — at most once per interval.
// go-oidc's RemoteKeySet refetches on every such token, so any client could make each of
// its requests cost a fetch from Keycloak by sending a token with a bad signature.
type keySet struct {
	base     context.Context // fetches end with it, not with the request that needed them
	url      string
	client   *http.Client
	interval time.Duration
	now      func() time.Time

	mu   sync.RWMutex
	keys []jose.JSONWebKey
	// fetched counts successful fetches; it grows after keys are stored, so a caller
	// that read it before the keys can tell that newer keys arrived since.
	fetched atomic.Uint64

	fetchMu sync.Mutex // one fetch at a time; guards next and lastErr
	next    time.Time  // no fetch before this time
	lastErr error      // the last fetch's failure (nil after a success)
}

func newKeySet(base context.Context, url string, interval time.Duration) *keySet {
	if interval <= 0 {
		interval = DefaultKeyRefreshInterval
	}
	return &keySet{base: base, url: url, client: &http.Client{Timeout: 10 * time.Second}, interval: interval, now: time.Now}
}

// signatureCheck records what VerifySignature found for one token, so Verify can tell why
// go-oidc refused it (go-oidc flattens the key set's errors into text).
type signatureCheck struct {
	payload     []byte // the verified payload
	failed      bool   // the signature matches no key, or the JWS does not parse
	unavailable error  // the key set could not be fetched
}

type signatureCheckKey struct{}

func withSignatureCheck(ctx context.Context, c *signatureCheck) context.Context {
	return context.WithValue(ctx, signatureCheckKey{}, c)
}

// VerifySignature implements oidc.KeySet.
func (k *keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	check, _ := ctx.Value(signatureCheckKey{}).(*signatureCheck)
	if check == nil {
		check = &signatureCheck{}
	}
	payload, err := k.verifySignature(jwt)
	switch {
	case err == nil:
		check.payload = payload
	case errors.Is(err, errFetch):
		check.unavailable = err
	default:
		check.failed = true
	}
	return payload, err
}

// errFetch marks a failure to fetch the key set.
var errFetch = errors.New("signing keys unavailable")

func (k *keySet) verifySignature(jwt string) ([]byte, error) {
	jws, err := jose.ParseSigned(jwt, signingAlgs)
	if err != nil {
		return nil, fmt.Errorf("malformed jwt: %w", err)
	}
	kid := ""
	if len(jws.Signatures) > 0 {
		kid = jws.Signatures[0].Header.KeyID
	}
	seen := k.fetched.Load()
	if payload, ok := verifyWith(jws, kid, k.cached()); ok {
		return payload, nil
	}
	keys, err := k.refresh(seen)
	if err != nil {
		return nil, err
	}
	if payload, ok := verifyWith(jws, kid, keys); ok {
		return payload, nil
	}
	return nil, errors.New("token signature matches no signing key")
}

func (k *keySet) cached() []jose.JSONWebKey {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.keys
}

// refresh fetches the key set unless one was fetched within the interval. A caller that
// waited while another fetched (seen is the count it read with the cached keys) gets that
// fetch's keys.
func (k *keySet) refresh(seen uint64) ([]jose.JSONWebKey, error) {
	k.fetchMu.Lock()
	defer k.fetchMu.Unlock()
	if k.fetched.Load() != seen {
		return k.cached(), nil
	}
	now := k.now()
	if now.Before(k.next) {
		if k.lastErr != nil {
			return nil, k.lastErr
		}
		return nil, errRefreshLimited
	}
	keys, err := k.fetch(k.base)
	if err != nil {
		// The provider may be starting: try again soon, still at a bounded rate.
		k.next = now.Add(min(k.interval, time.Second))
		k.lastErr = fmt.Errorf("%w: %w", errFetch, err)
		return nil, k.lastErr
	}
	k.lastErr = nil
	k.next = now.Add(k.interval)
	k.mu.Lock()
	k.keys = keys
	k.mu.Unlock()
	k.fetched.Add(1)
	return keys, nil
}

func (k *keySet) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch signing keys: %w", err)
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch signing keys: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read signing keys: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch signing keys: %s", resp.Status)
	}
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("decode signing keys: %w", err)
	}
	var keys []jose.JSONWebKey
	for _, r := range raw.Keys {
		var key jose.JSONWebKey
		if err := key.UnmarshalJSON(r); err != nil {
			continue // a key type or algorithm this verifier does not use
		}
		if key.Use == "enc" {
			continue
		}
		keys = append(keys, key)
	}
	return keys, nil
}

func verifyWith(jws *jose.JSONWebSignature, kid string, keys []jose.JSONWebKey) ([]byte, bool) {
	for i := range keys {
		if kid != "" && keys[i].KeyID != kid {
			continue
		}
		if payload, err := jws.Verify(&keys[i]); err == nil {
			return payload, true
		}
	}
	return nil, false
}
