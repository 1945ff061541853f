// Tests of the realm files: the production realm keeps the development realm's contract
// (SPEC section 5: roles, groups, client scopes, clients and their audience mappers) and
// drops everything that is for development only.
package keycloak_test

import (
	"encoding/json"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	devFile  = "ticketly-realm.json"
	prodFile = "ticketly-realm.production.json"
)

// The development realm's own users and clients (SPEC section 5).
var (
	devUsers   = []string{"organizer", "admin", "buyer", "scanner"}
	devClients = []string{"dev-cli"}
)

type realm struct {
	Realm                      string            `json:"realm"`
	Enabled                    bool              `json:"enabled"`
	SSLRequired                string            `json:"sslRequired"`
	RegistrationAllowed        bool              `json:"registrationAllowed"`
	RegistrationEmailAsUser    bool              `json:"registrationEmailAsUsername"`
	DuplicateEmailsAllowed     bool              `json:"duplicateEmailsAllowed"`
	BruteForceProtected        bool              `json:"bruteForceProtected"`
	PermanentLockout           bool              `json:"permanentLockout"`
	FailureFactor              int               `json:"failureFactor"`
	VerifyEmail                bool              `json:"verifyEmail"`
	PasswordPolicy             string            `json:"passwordPolicy"`
	SMTPServer                 map[string]string `json:"smtpServer"`
	Roles                      json.RawMessage   `json:"roles"`
	DefaultRole                json.RawMessage   `json:"defaultRole"`
	Groups                     json.RawMessage   `json:"groups"`
	DefaultGroups              []string          `json:"defaultGroups"`
	ClientScopes               json.RawMessage   `json:"clientScopes"`
	DefaultDefaultClientScopes []string          `json:"defaultDefaultClientScopes"`
	DefaultOptionalScopes      []string          `json:"defaultOptionalClientScopes"`
	ScopeMappings              json.RawMessage   `json:"scopeMappings"`
	Clients                    []client          `json:"clients"`
	Users                      []user            `json:"users"`
}

type client struct {
	ClientID                  string            `json:"clientId"`
	PublicClient              bool              `json:"publicClient"`
	Secret                    string            `json:"secret"`
	StandardFlowEnabled       bool              `json:"standardFlowEnabled"`
	ImplicitFlowEnabled       bool              `json:"implicitFlowEnabled"`
	DirectAccessGrantsEnabled bool              `json:"directAccessGrantsEnabled"`
	ServiceAccountsEnabled    bool              `json:"serviceAccountsEnabled"`
	RedirectURIs              []string          `json:"redirectUris"`
	Attributes                map[string]string `json:"attributes"`
	DefaultClientScopes       []string          `json:"defaultClientScopes"`
	OptionalClientScopes      []string          `json:"optionalClientScopes"`
	ProtocolMappers           json.RawMessage   `json:"protocolMappers"`
}

type user struct {
	Username               string              `json:"username"`
	EmailVerified          bool                `json:"emailVerified"`
	ServiceAccountClientID string              `json:"serviceAccountClientId"`
	RealmRoles             []string            `json:"realmRoles"`
	ClientRoles            map[string][]string `json:"clientRoles"`
	Credentials            []any               `json:"credentials"`
}

func load(t *testing.T, file string) (realm, []byte) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var r realm
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return r, b
}

func clientsByID(r realm) map[string]client {
	m := map[string]client{}
	for _, c := range r.Clients {
		m[c.ClientID] = c
	}
	return m
}

// equalJSON compares two JSON documents by value (key order and spacing aside).
func equalJSON(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

// TestProductionRealmHasNoDevelopmentAccess: no development user or client, no literal
// secret, no localhost, and the protections a public deployment needs.
func TestProductionRealmHasNoDevelopmentAccess(t *testing.T) {
	t.Parallel()
	dev, _ := load(t, devFile)
	prod, raw := load(t, prodFile)

	if prod.Realm != dev.Realm || !prod.Enabled {
		t.Errorf("realm %q enabled=%v, want %q enabled", prod.Realm, prod.Enabled, dev.Realm)
	}
	for _, u := range prod.Users {
		if u.ServiceAccountClientID == "" || slices.Contains(devUsers, u.Username) {
			t.Errorf("user %q: the production realm has service-account users only", u.Username)
		}
		if len(u.Credentials) > 0 {
			t.Errorf("user %q carries credentials", u.Username)
		}
	}
	for _, c := range prod.Clients {
		if slices.Contains(devClients, c.ClientID) {
			t.Errorf("development client %q in the production realm", c.ClientID)
		}
		if c.DirectAccessGrantsEnabled || c.ImplicitFlowEnabled {
			t.Errorf("client %q allows the password or implicit grant", c.ClientID)
		}
		if !c.PublicClient && !isPlaceholder(c.Secret) {
			t.Errorf("client %q: secret must come from the environment (${…}), not the file", c.ClientID)
		}
	}
	for _, bad := range []string{"localhost", "127.0.0.1", "dev-secret", "\"value\""} {
		if strings.Contains(string(raw), bad) {
			t.Errorf("the production realm contains %q", bad)
		}
	}

	if !prod.BruteForceProtected || prod.PermanentLockout || prod.FailureFactor < 1 || prod.FailureFactor > 10 {
		t.Errorf("brute-force detection: protected=%v permanent=%v failures=%d, want temporary lockout after at most 10 failures",
			prod.BruteForceProtected, prod.PermanentLockout, prod.FailureFactor)
	}
	if !prod.VerifyEmail {
		t.Error("verifyEmail must be true")
	}
	if prod.SSLRequired != "external" && prod.SSLRequired != "all" {
		t.Errorf("sslRequired %q, want external or all", prod.SSLRequired)
	}
	if prod.SMTPServer["host"] == "" || prod.SMTPServer["starttls"] != "true" && prod.SMTPServer["ssl"] != "true" {
		t.Errorf("verification mails need an SMTP server over TLS, got %v", prod.SMTPServer)
	}
	assertStrongPasswordPolicy(t, prod.PasswordPolicy)
}

// assertStrongPasswordPolicy: argon2 at its default cost, or pbkdf2-sha512 with at least
// Keycloak 24's 210,000 iterations; at least 12 characters; not the user name.
func assertStrongPasswordPolicy(t *testing.T, policy string) {
	t.Helper()
	p := map[string]string{}
	for _, term := range strings.Split(policy, " and ") {
		m := regexp.MustCompile(`^(\w+)(?:\((.*)\))?$`).FindStringSubmatch(strings.TrimSpace(term))
		if m == nil {
			t.Fatalf("unparsable password policy term %q", term)
		}
		p[m[1]] = m[2]
	}
	iterations, _ := strconv.Atoi(p["hashIterations"])
	switch p["hashAlgorithm"] {
	case "argon2":
		if _, set := p["hashIterations"]; set {
			t.Error("argon2 with hashIterations re-hashes at every login; tune argon2 through the server's SPI options")
		}
	case "pbkdf2-sha512":
		if iterations < 210000 {
			t.Errorf("pbkdf2-sha512 with %d iterations, want at least 210000", iterations)
		}
	default:
		t.Errorf("hash algorithm %q, want argon2 or pbkdf2-sha512", p["hashAlgorithm"])
	}
	if n, _ := strconv.Atoi(p["length"]); n < 12 {
		t.Errorf("minimum password length %q, want at least 12", p["length"])
	}
	if _, ok := p["notUsername"]; !ok {
		t.Error("the policy must refuse the user name as password")
	}
}

// TestProductionRealmKeepsTheContract: the same roles, groups, client scopes (with their
// mappers), default scopes and scope mappings as the development realm, the same clients
// but dev-cli, each with the same flows, scopes and mappers (the ticketly-api audience).
func TestProductionRealmKeepsTheContract(t *testing.T) {
	t.Parallel()
	dev, _ := load(t, devFile)
	prod, _ := load(t, prodFile)

	for name, pair := range map[string][2]json.RawMessage{
		"roles":         {dev.Roles, prod.Roles},
		"defaultRole":   {dev.DefaultRole, prod.DefaultRole},
		"groups":        {dev.Groups, prod.Groups},
		"clientScopes":  {dev.ClientScopes, prod.ClientScopes},
		"scopeMappings": {dev.ScopeMappings, prod.ScopeMappings},
	} {
		if !equalJSON(t, pair[0], pair[1]) {
			t.Errorf("%s differ between the realms", name)
		}
	}
	for name, pair := range map[string][2][]string{
		"defaultGroups":               {dev.DefaultGroups, prod.DefaultGroups},
		"defaultDefaultClientScopes":  {dev.DefaultDefaultClientScopes, prod.DefaultDefaultClientScopes},
		"defaultOptionalClientScopes": {dev.DefaultOptionalScopes, prod.DefaultOptionalScopes},
	} {
		if !slices.Equal(pair[0], pair[1]) {
			t.Errorf("%s: development %v, production %v", name, pair[0], pair[1])
		}
	}

	devClients, prodClients := clientsByID(dev), clientsByID(prod)
	for _, id := range []string{"dev-cli"} {
		delete(devClients, id)
	}
	if want, got := slices.Sorted(maps.Keys(devClients)), slices.Sorted(maps.Keys(prodClients)); !slices.Equal(want, got) {
		t.Fatalf("clients %v, want %v", got, want)
	}
	for id, d := range devClients {
		p := prodClients[id]
		if p.PublicClient != d.PublicClient || p.StandardFlowEnabled != d.StandardFlowEnabled ||
			p.ServiceAccountsEnabled != d.ServiceAccountsEnabled || p.DirectAccessGrantsEnabled != d.DirectAccessGrantsEnabled {
			t.Errorf("client %s: flows differ from the development realm", id)
		}
		if !slices.Equal(p.DefaultClientScopes, d.DefaultClientScopes) || !slices.Equal(p.OptionalClientScopes, d.OptionalClientScopes) {
			t.Errorf("client %s: scopes %v/%v, want %v/%v", id, p.DefaultClientScopes, p.OptionalClientScopes,
				d.DefaultClientScopes, d.OptionalClientScopes)
		}
		if !equalJSON(t, p.ProtocolMappers, d.ProtocolMappers) {
			t.Errorf("client %s: protocol mappers (audience, groups) differ from the development realm", id)
		}
		if !strings.Contains(string(p.ProtocolMappers), `"included.custom.audience": "ticketly-api"`) &&
			!strings.Contains(string(p.ProtocolMappers), `"included.custom.audience":"ticketly-api"`) {
			t.Errorf("client %s has no ticketly-api audience mapper", id)
		}
		if p.PublicClient {
			if p.Attributes["pkce.code.challenge.method"] != "S256" {
				t.Errorf("public client %s without PKCE S256", id)
			}
			for _, u := range append(slices.Clone(p.RedirectURIs), p.Attributes["post.logout.redirect.uris"]) {
				if !strings.HasPrefix(u, "${TICKETLY_WEB_ORIGIN}/") {
					t.Errorf("public client %s: redirect %q, want one under ${TICKETLY_WEB_ORIGIN}", id, u)
				}
			}
			if slices.Contains(p.DefaultClientScopes, "internal-api") || slices.Contains(p.OptionalClientScopes, "internal-api") {
				t.Errorf("public client %s may obtain internal-api", id)
			}
		}
	}
	type roles struct {
		Realm  []string
		Client map[string][]string
	}
	devAccounts, prodAccounts := map[string]roles{}, map[string]roles{}
	for _, u := range dev.Users {
		if u.ServiceAccountClientID != "" {
			devAccounts[u.Username] = roles{u.RealmRoles, u.ClientRoles}
		}
	}
	for _, u := range prod.Users {
		prodAccounts[u.Username] = roles{u.RealmRoles, u.ClientRoles}
	}
	if !reflect.DeepEqual(devAccounts, prodAccounts) {
		t.Errorf("service accounts %v, want %v", prodAccounts, devAccounts)
	}
}

// adminRoles are the realm-management roles each service account needs, and no more:
// event-command looks organization members up by user name or e-mail (GET
// /admin/realms/ticketly/users needs query-users, and only users the caller may view are
// returned: view-users, which includes query-users) and reads a member's name by id.
var adminRoles = map[string][]string{
	"service-account-svc-event-command": {"view-users"},
}

// TestServiceAccountsHoldTheLeastAdminRoles: in both realms, no user holds a client role but
// the service accounts listed in adminRoles, and those exactly the roles listed there (no
// manage-users, no realm-admin).
func TestServiceAccountsHoldTheLeastAdminRoles(t *testing.T) {
	t.Parallel()
	for _, file := range []string{devFile, prodFile} {
		r, _ := load(t, file)
		seen := map[string]bool{}
		for _, u := range r.Users {
			want, listed := adminRoles[u.Username]
			if listed {
				seen[u.Username] = true
				if u.ServiceAccountClientID == "" {
					t.Errorf("%s: %s must be a service account", file, u.Username)
				}
			}
			got := u.ClientRoles["realm-management"]
			for client := range u.ClientRoles {
				if client != "realm-management" {
					t.Errorf("%s: user %s holds roles of client %s", file, u.Username, client)
				}
			}
			if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
				t.Errorf("%s: user %s holds realm-management roles %v, want %v", file, u.Username, got, want)
			}
		}
		for name := range adminRoles {
			if !seen[name] {
				t.Errorf("%s: service account %s is missing", file, name)
			}
		}
	}
}

var placeholder = regexp.MustCompile(`\$\{([A-Z][A-Z0-9_]*)\}`)

func isPlaceholder(s string) bool {
	m := placeholder.FindStringSubmatchIndex(s)
	return m != nil && m[0] == 0 && m[1] == len(s)
}

// TestProductionRealmPlaceholdersAreDocumented: every ${VAR} Keycloak resolves from the
// environment at import is listed in keycloak/README.md, where the deploy files look.
// (Keycloak leaves an unset placeholder as it is: a secret would be the literal text.)
func TestProductionRealmPlaceholdersAreDocumented(t *testing.T) {
	t.Parallel()
	_, raw := load(t, prodFile)
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, m := range placeholder.FindAllStringSubmatch(string(raw), -1) {
		found[m[1]] = true
	}
	if len(found) == 0 {
		t.Fatal("no ${VAR} placeholders found")
	}
	for name := range found {
		if !strings.Contains(string(readme), "`"+name+"`") {
			t.Errorf("%s is not documented in keycloak/README.md", name)
		}
	}
}

// TestBuyersCanSignUp: both realms let a buyer register (a user name of their own and a
// unique e-mail address, which organizations look members up by); a new user lands in
// /Tiers/FREE only and holds the default role only, whose composites are Keycloak's
// offline_access and uma_authorization (no Ticketly or admin role); the FREE group grants
// nothing. Production verifies the address before the first sign-in, with mail through the
// deployment's SMTP relay; development does not (its users are all verified) and sends
// Keycloak's mail to the local catcher.
func TestBuyersCanSignUp(t *testing.T) {
	t.Parallel()
	for _, file := range []string{devFile, prodFile} {
		r, _ := load(t, file)
		if !r.RegistrationAllowed || r.RegistrationEmailAsUser || r.DuplicateEmailsAllowed {
			t.Errorf("%s: registration=%v emailAsUsername=%v duplicateEmails=%v, want registration with a user name and unique e-mail addresses",
				file, r.RegistrationAllowed, r.RegistrationEmailAsUser, r.DuplicateEmailsAllowed)
		}
		if !slices.Equal(r.DefaultGroups, []string{"/Tiers/FREE"}) {
			t.Errorf("%s: default groups %v, want [/Tiers/FREE]", file, r.DefaultGroups)
		}

		var defaultRole struct{ Name string }
		var roles struct {
			Realm []struct {
				Name       string
				Composites map[string]json.RawMessage
			}
			Client map[string]json.RawMessage
		}
		if err := json.Unmarshal(r.DefaultRole, &defaultRole); err != nil || defaultRole.Name == "" {
			t.Fatalf("%s: defaultRole %s: %v", file, r.DefaultRole, err)
		}
		if err := json.Unmarshal(r.Roles, &roles); err != nil {
			t.Fatalf("%s: roles: %v", file, err)
		}
		found := false
		for _, role := range roles.Realm {
			if role.Name != defaultRole.Name {
				continue
			}
			found = true
			var realmComposites []string
			if raw, ok := role.Composites["realm"]; ok {
				if err := json.Unmarshal(raw, &realmComposites); err != nil {
					t.Fatal(err)
				}
			}
			if want := []string{"offline_access", "uma_authorization"}; !slices.Equal(slices.Sorted(slices.Values(realmComposites)), want) {
				t.Errorf("%s: default role %s holds realm roles %v, want exactly %v", file, role.Name, realmComposites, want)
			}
			if _, ok := role.Composites["client"]; ok {
				t.Errorf("%s: default role %s holds client roles %s", file, role.Name, role.Composites["client"])
			}
		}
		if !found {
			t.Errorf("%s: default role %q is not among the realm roles", file, defaultRole.Name)
		}
		if len(roles.Client) > 0 {
			t.Errorf("%s: the realm defines client roles %v; a default client role would reach every new user", file, slices.Sorted(maps.Keys(roles.Client)))
		}

		var groups []group
		if err := json.Unmarshal(r.Groups, &groups); err != nil {
			t.Fatal(err)
		}
		free, ok := findGroup(groups, "/", "/Tiers/FREE")
		if !ok {
			t.Errorf("%s: group /Tiers/FREE is missing", file)
		}
		for _, g := range free {
			if len(g.RealmRoles) > 0 || len(g.ClientRoles) > 0 {
				t.Errorf("%s: group %s grants roles %v %v to every new user", file, g.Name, g.RealmRoles, g.ClientRoles)
			}
		}
	}

	dev, _ := load(t, devFile)
	prod, _ := load(t, prodFile)
	if !prod.VerifyEmail {
		t.Error("production: verifyEmail must be true")
	}
	for _, k := range []string{"host", "port", "from", "user", "password"} {
		if !isPlaceholder(prod.SMTPServer[k]) {
			t.Errorf("production: smtpServer.%s = %q, want a ${TICKETLY_*} placeholder", k, prod.SMTPServer[k])
		}
	}
	if dev.VerifyEmail {
		t.Error("development: verifyEmail must be false (sign-ups are used by local checks)")
	}
	if dev.SMTPServer["host"] != "127.0.0.1" || dev.SMTPServer["port"] != "1025" {
		t.Errorf("development: smtpServer %v, want the local mail catcher 127.0.0.1:1025", dev.SMTPServer)
	}
	for _, u := range dev.Users {
		if u.ServiceAccountClientID == "" && !u.EmailVerified {
			t.Errorf("development: user %s has no verified e-mail address", u.Username)
		}
	}
	for _, c := range dev.Clients {
		if c.ClientID == "web" && !slices.Contains(c.RedirectURIs, "http://localhost:3000/*") {
			t.Errorf("development: client web does not redirect to the web app at http://localhost:3000 (%v)", c.RedirectURIs)
		}
	}
}

// group is a realm group as the realm file has it.
type group struct {
	Name        string              `json:"name"`
	RealmRoles  []string            `json:"realmRoles"`
	ClientRoles map[string][]string `json:"clientRoles"`
	SubGroups   []group             `json:"subGroups"`
}

// findGroup returns the groups along path (each of them grants its roles to a member of
// the last) and whether the path exists.
func findGroup(groups []group, prefix, path string) ([]group, bool) {
	for _, g := range groups {
		p := prefix + g.Name
		if p == path {
			return []group{g}, true
		}
		if strings.HasPrefix(path, p+"/") {
			if below, ok := findGroup(g.SubGroups, p+"/", path); ok {
				return append([]group{g}, below...), true
			}
		}
	}
	return nil, false
}
