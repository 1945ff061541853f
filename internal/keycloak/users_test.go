package keycloak_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/command"
	"github.com/ticketly/ticketly/internal/keycloak"
	"github.com/ticketly/ticketly/internal/svctest"
)

// fakeRealm is a hand-written stand-in for Keycloak's token endpoint and the part of the
// admin API the client reads.
type fakeRealm struct {
	users      []map[string]any
	status     atomic.Int64 // answer of the admin API when not 0
	tokenFails bool         // the token endpoint refuses the client
	lookups    int64        // admin API calls
}

func (f *fakeRealm) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/realms/r/protocol/openid-connect/token" {
		if f.tokenFails {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"unauthorized_client","error_description":"Invalid client or Invalid client credentials"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"t","token_type":"Bearer","expires_in":300}`))
		return
	}
	atomic.AddInt64(&f.lookups, 1)
	if r.Header.Get("Authorization") != "Bearer t" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if st := f.status.Load(); st != 0 {
		w.WriteHeader(int(st))
		return
	}
	q := r.URL.Query()
	var out []map[string]any
	switch {
	case r.URL.Path == "/admin/realms/r/users" && q.Get("exact") == "true":
		for _, u := range f.users {
			if q.Has("email") && u["email"] == q.Get("email") || q.Has("username") && u["username"] == q.Get("username") {
				out = append(out, u)
			}
		}
		_ = json.NewEncoder(w).Encode(out)
	case strings.HasPrefix(r.URL.Path, "/admin/realms/r/users/"):
		for _, u := range f.users {
			if u["id"] == strings.TrimPrefix(r.URL.Path, "/admin/realms/r/users/") {
				_ = json.NewEncoder(w).Encode(u)
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"User not found"}`))
	default:
		w.WriteHeader(http.StatusBadRequest)
	}
}

// syncBuffer is a log sink safe for the client's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func failing(status int) *fakeRealm {
	f := &fakeRealm{}
	f.status.Store(int64(status))
	return f
}

func newFake(t *testing.T, f *fakeRealm) (*keycloak.Users, *syncBuffer, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	logs := &syncBuffer{}
	u := keycloak.New(context.Background(), keycloak.Config{AdminURL: srv.URL + "/admin/realms/r",
		TokenURL: srv.URL + "/realms/r/protocol/openid-connect/token", ClientID: "svc", ClientSecret: "s"},
		slog.New(slog.NewJSONHandler(logs, nil)))
	return u, logs, srv
}

var (
	sam     = map[string]any{"id": "10000000-0000-4000-8000-000000000004", "username": "scanner", "email": "scanner@example.test", "firstName": "Sam", "lastName": "Scanner"}
	svcUser = map[string]any{"id": "4444aa40-5812-4e49-b484-1944fa14b3bc", "username": "service-account-svc-order"}
	mailish = map[string]any{"id": "10000000-0000-4000-8000-000000000009", "username": "ann@old.example", "email": "ann@new.example"}
)

func TestFindByUserNameOrEmail(t *testing.T) {
	t.Parallel()
	users, _, _ := newFake(t, &fakeRealm{users: []map[string]any{sam, svcUser, mailish}})
	want := command.User{ID: sam["id"].(string), Username: "scanner", FirstName: "Sam", LastName: "Scanner", Email: "scanner@example.test"}
	for _, tc := range []struct {
		query string
		want  command.User
		code  apperr.Code
	}{
		{"scanner", want, ""},
		{"  SCANNER ", want, ""},
		{"Scanner@Example.test", want, ""},
		{"ann@old.example", command.User{ID: mailish["id"].(string), Username: "ann@old.example", Email: "ann@new.example"}, ""}, // a user name with '@'
		{"nobody@example.test", command.User{}, apperr.NotFound},
		{"scan", command.User{}, apperr.NotFound},
		{"service-account-svc-order", command.User{}, apperr.NotFound}, // not a person
	} {
		got, err := users.Find(context.Background(), tc.query)
		if apperr.CodeOf(err) != tc.code && !(tc.code == "" && err == nil) {
			t.Errorf("Find(%q): %v, want code %q", tc.query, err, tc.code)
		}
		if got != tc.want {
			t.Errorf("Find(%q) = %+v, want %+v", tc.query, got, tc.want)
		}
	}
}

// A member is listed by first and last name, else by user name.
func TestDisplayName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		user command.User
		want string
	}{
		{command.User{Username: "scanner", FirstName: "Sam", LastName: "Scanner"}, "Sam Scanner"},
		{command.User{Username: "scanner", FirstName: " Sam "}, "Sam"},
		{command.User{Username: "scanner", LastName: "Scanner"}, "Scanner"},
		{command.User{Username: "scanner", FirstName: " ", LastName: ""}, "scanner"},
	} {
		if got := tc.user.DisplayName(); got != tc.want {
			t.Errorf("DisplayName(%+v) = %q, want %q", tc.user, got, tc.want)
		}
	}
}

func TestByIDIsCachedAbsencesToo(t *testing.T) {
	t.Parallel()
	f := &fakeRealm{users: []map[string]any{sam}}
	users, _, _ := newFake(t, f)
	ctx := context.Background()
	for range 3 {
		if u, err := users.ByID(ctx, sam["id"].(string)); err != nil || u.Username != "scanner" {
			t.Fatalf("ByID: %+v %v", u, err)
		}
		if _, err := users.ByID(ctx, "10000000-0000-4000-8000-00000000dead"); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("unknown id: %v, want not_found", err)
		}
	}
	if n := atomic.LoadInt64(&f.lookups); n != 2 {
		t.Errorf("%d admin API calls, want 2 (one per id, then the cache)", n)
	}
}

// A service account without view-users (403), a refused client secret and a Keycloak that
// is down are unavailable (503), never internal; the first two are logged as deployment
// errors naming what to fix.
func TestFailuresAreUnavailable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		realm   *fakeRealm
		down    bool
		wantLog string
	}{
		{"no view-users", failing(http.StatusForbidden), false, "view-users"},
		{"bad client secret", &fakeRealm{tokenFails: true}, false, "OIDC_CLIENT_SECRET"},
		{"admin API fails", failing(http.StatusBadGateway), false, "admin API failed"},
		{"down", &fakeRealm{}, true, "unreachable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			users, logs, srv := newFake(t, tc.realm)
			if tc.down {
				srv.Close()
			}
			if _, err := users.Find(context.Background(), "scanner"); apperr.CodeOf(err) != apperr.Unavailable {
				t.Errorf("Find: %v, want unavailable", err)
			}
			if _, err := users.ByID(context.Background(), sam["id"].(string)); apperr.CodeOf(err) != apperr.Unavailable {
				t.Errorf("ByID: %v, want unavailable", err)
			}
			if !strings.Contains(logs.String(), tc.wantLog) {
				t.Errorf("log %s does not mention %q", logs.String(), tc.wantLog)
			}
		})
	}
}

// Known lists what it can: cached users stay known while Keycloak is down, and it stops
// asking after the first failure.
func TestKnownWhileKeycloakIsDown(t *testing.T) {
	t.Parallel()
	f := &fakeRealm{users: []map[string]any{sam}}
	users, _, _ := newFake(t, f)
	ctx := context.Background()
	ids := []string{sam["id"].(string), "10000000-0000-4000-8000-00000000dead"}
	got, err := users.Known(ctx, ids)
	if err != nil || len(got) != 1 || got[ids[0]].Username != "scanner" {
		t.Fatalf("Known = %+v, %v; want only the scanner", got, err)
	}
	f.status.Store(http.StatusServiceUnavailable)
	more := []string{"10000000-0000-4000-8000-000000000101", "10000000-0000-4000-8000-000000000102", ids[0]}
	before := atomic.LoadInt64(&f.lookups)
	got, err = users.Known(ctx, more)
	if apperr.CodeOf(err) != apperr.Unavailable || len(got) != 1 || got[ids[0]].Username != "scanner" {
		t.Fatalf("Known while down = %+v, %v; want the cached scanner and unavailable", got, err)
	}
	if n := atomic.LoadInt64(&f.lookups) - before; n != 1 {
		t.Errorf("%d admin API calls while down, want 1", n)
	}
}

// TestRealKeycloak: event-command's service account (view-users) finds the realm's users
// by e-mail address, user name and id; another service's account, without the role, is
// refused by Keycloak and the client answers unavailable.
func TestRealKeycloak(t *testing.T) {
	t.Parallel()
	svctest.RequireStack(t, svctest.Keycloak)
	base := "http://localhost:8180"
	cfg := keycloak.Config{AdminURL: base + "/admin/realms/ticketly", TokenURL: base + "/realms/ticketly/protocol/openid-connect/token",
		ClientID: "svc-event-command", ClientSecret: "dev-secret-svc-event-command"}
	ctx := context.Background()
	users := keycloak.New(ctx, cfg, slog.New(slog.DiscardHandler))
	sub := svctest.Subject(t, "scanner")
	for _, q := range []string{"scanner@ticketly.example.com", "scanner", "Scanner"} {
		u, err := users.Find(ctx, q)
		if err != nil || u.ID != sub || u.Username != "scanner" || u.Email != "scanner@ticketly.example.com" || u.DisplayName() != "Sam Scanner" {
			t.Errorf("Find(%q) = %+v, %v; want the scanner %s", q, u, err, sub)
		}
	}
	if u, err := users.ByID(ctx, sub); err != nil || u.Username != "scanner" || u.FirstName != "Sam" || u.LastName != "Scanner" {
		t.Errorf("ByID = %+v, %v", u, err)
	}
	for _, q := range []string{"nobody-" + sub + "@nowhere.example", "service-account-svc-order"} {
		if _, err := users.Find(ctx, q); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("Find(%q): %v, want not_found", q, err)
		}
	}

	logs := &syncBuffer{}
	cfg.ClientID, cfg.ClientSecret = "svc-order", "dev-secret-svc-order"
	other := keycloak.New(ctx, cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	if _, err := other.Find(ctx, "scanner"); apperr.CodeOf(err) != apperr.Unavailable {
		t.Errorf("without view-users: %v, want unavailable", err)
	}
	if !strings.Contains(logs.String(), "view-users") {
		t.Errorf("no deployment error naming view-users in %s", logs.String())
	}
}
