// Package keycloak reads a realm's users through Keycloak's Admin REST API, signed in as a
// confidential client's service account (client-credentials grant). The service account
// needs the realm-management client role view-users and nothing more: GET
// /admin/realms/{realm}/users needs query-users and returns only the users the caller may
// view; view-users grants both (keycloak/README.md).
package keycloak

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/command"
)

// Config is where the realm's Admin REST API is and how to sign in to it.
type Config struct {
	// AdminURL is the realm's admin base, e.g. http://localhost:8180/admin/realms/ticketly.
	AdminURL string
	// TokenURL is the realm's token endpoint.
	TokenURL     string
	ClientID     string
	ClientSecret string
	// CacheTTL is how long a user found by id is remembered (0: one minute).
	CacheTTL time.Duration
	// Timeout bounds one call to Keycloak, token included (0: five seconds).
	Timeout time.Duration
}

// serviceAccountPrefix starts the user name of every client's service account.
const serviceAccountPrefix = "service-account-"

// maxCached bounds the cache; past it, it starts afresh.
const maxCached = 10000

// Users implements command.Users over the Admin REST API. The access token is cached and
// renewed before it expires (oauth2's reuse token source); users found by id are cached for
// CacheTTL, absences too.
type Users struct {
	admin  string
	client *http.Client
	ttl    time.Duration
	log    *slog.Logger
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	user  command.User
	found bool
	at    time.Time
}

var _ command.Users = (*Users)(nil)

// New returns a client of the realm's users. ctx bounds the token fetches' lifetime only
// through its values: tokens are fetched on behalf of requests long after New returns.
func New(ctx context.Context, c Config, log *slog.Logger) *Users {
	if c.CacheTTL <= 0 {
		c.CacheTTL = time.Minute
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	cc := clientcredentials.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, TokenURL: c.TokenURL,
		AuthStyle: oauth2.AuthStyleInHeader}
	base := &http.Client{Timeout: c.Timeout}
	hc := cc.Client(context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, base))
	hc.Timeout = 2 * c.Timeout
	return &Users{admin: strings.TrimRight(c.AdminURL, "/"), client: hc, ttl: c.CacheTTL, log: log,
		now: time.Now, cache: map[string]cached{}}
}

// representation is the part of Keycloak's UserRepresentation read here.
type representation struct {
	ID        string `json:"id"`
	Username  string `json:"username"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Email     string `json:"email"`
}

func (r representation) user() command.User {
	return command.User{ID: r.ID, Username: r.Username, FirstName: r.FirstName, LastName: r.LastName, Email: r.Email}
}

func (r representation) person() bool { return !strings.HasPrefix(r.Username, serviceAccountPrefix) }

// Find implements command.Users: an address with '@' is looked up as an e-mail address
// first, then (as anything else) as a user name; both exactly, in lower case as Keycloak
// keeps them.
func (u *Users) Find(ctx context.Context, nameOrEmail string) (command.User, error) {
	q := strings.ToLower(strings.TrimSpace(nameOrEmail))
	var searches []string
	if strings.Contains(q, "@") {
		searches = append(searches, "email")
	}
	searches = append(searches, "username")
	for _, by := range searches {
		var found []representation
		v := url.Values{by: {q}, "exact": {"true"}, "briefRepresentation": {"true"}, "max": {"5"}}
		if err := u.get(ctx, "/users?"+v.Encode(), &found); err != nil {
			return command.User{}, err
		}
		var people []representation
		for _, r := range found {
			if r.person() && (by == "email" && strings.EqualFold(r.Email, q) || by == "username" && strings.EqualFold(r.Username, q)) {
				people = append(people, r)
			}
		}
		switch len(people) {
		case 0:
			continue
		case 1:
			user := people[0].user()
			u.remember(user.ID, user, true)
			return user, nil
		default:
			return command.User{}, apperr.New(apperr.Conflict, "several users have the e-mail address %q; name the user by user name", q)
		}
	}
	return command.User{}, apperr.New(apperr.NotFound, "no user %q: the user name or e-mail address is not known", q)
}

// ByID implements command.Users.
func (u *Users) ByID(ctx context.Context, id string) (command.User, error) {
	if c, ok := u.recall(id); ok {
		if !c.found {
			return command.User{}, notFound(id)
		}
		return c.user, nil
	}
	var r representation
	err := u.get(ctx, "/users/"+url.PathEscape(id), &r)
	switch {
	case apperr.CodeOf(err) == apperr.NotFound || err == nil && !r.person():
		u.remember(id, command.User{}, false)
		return command.User{}, notFound(id)
	case err != nil:
		return command.User{}, err
	}
	user := r.user()
	u.remember(id, user, true)
	return user, nil
}

// Known implements command.Users. After the first failure to reach Keycloak it asks no
// more (one timeout, not one per member) and returns what the cache knows.
func (u *Users) Known(ctx context.Context, ids []string) (map[string]command.User, error) {
	out := make(map[string]command.User, len(ids))
	var failed error
	for _, id := range ids {
		if c, ok := u.recall(id); ok || failed != nil {
			if ok && c.found {
				out[id] = c.user
			}
			continue
		}
		user, err := u.ByID(ctx, id)
		switch {
		case err == nil:
			out[id] = user
		case apperr.CodeOf(err) != apperr.NotFound:
			failed = err
		}
	}
	return out, failed
}

func notFound(id string) error {
	return apperr.New(apperr.NotFound, "no user with id %s", id)
}

func (u *Users) recall(id string) (cached, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	c, ok := u.cache[id]
	if !ok || u.now().Sub(c.at) >= u.ttl {
		return cached{}, false
	}
	return c, true
}

func (u *Users) remember(id string, user command.User, found bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.cache) >= maxCached {
		clear(u.cache)
	}
	u.cache[id] = cached{user: user, found: found, at: u.now()}
}

// unavailable is what a caller is told when the realm cannot be asked.
func unavailable(err error) error {
	return apperr.Wrap(err, apperr.Unavailable, "the user directory is unavailable; retry shortly")
}

// get reads path of the realm's admin API into out. 404 is not_found; every other failure
// is unavailable (a deployment error, such as a service account without view-users, is
// logged as one).
func (u *Users) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.admin+path, nil)
	if err != nil {
		return fmt.Errorf("keycloak admin request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := u.client.Do(req)
	if err != nil {
		var re *oauth2.RetrieveError
		switch {
		case ctx.Err() != nil: // the caller gave up: nothing to report
		case errors.As(err, &re):
			status := 0
			if re.Response != nil {
				status = re.Response.StatusCode
			}
			u.log.ErrorContext(ctx, "deployment error: Keycloak refused the service account's token request; check OIDC_CLIENT_ID and OIDC_CLIENT_SECRET",
				"status", status, "error_code", re.ErrorCode)
		default:
			u.log.WarnContext(ctx, "Keycloak's admin API is unreachable", "err", err)
		}
		return unavailable(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case err != nil:
		u.log.WarnContext(ctx, "reading Keycloak's admin API answer failed", "err", err)
		return unavailable(err)
	case resp.StatusCode == http.StatusNotFound:
		return apperr.New(apperr.NotFound, "not found")
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		u.log.ErrorContext(ctx, "deployment error: Keycloak refused the user lookup; event-command's service account needs the realm-management client role view-users (keycloak/README.md)",
			"status", resp.StatusCode, "url", u.admin+strings.SplitN(path, "?", 2)[0])
		return unavailable(fmt.Errorf("keycloak admin API: status %d", resp.StatusCode))
	case resp.StatusCode != http.StatusOK:
		u.log.WarnContext(ctx, "Keycloak's admin API failed", "status", resp.StatusCode)
		return unavailable(fmt.Errorf("keycloak admin API: status %d", resp.StatusCode))
	}
	if err := json.Unmarshal(body, out); err != nil {
		u.log.WarnContext(ctx, "Keycloak's admin API answered something else than users", "err", err)
		return unavailable(err)
	}
	return nil
}
