// Package stack_test proves the local stack (make run / make test) is the real thing: each
// component is reached through the library the services use. Every test fails loudly when
// its component is down; none of them skips (except under go test -short, see svctest.RequireStack).
package stack_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/smtp"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/paymentintent"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/svctest"
)

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

var (
	pgSuperURL = env("TEST_PG_SUPER_URL", "postgres://postgres@127.0.0.1:5432/ticketly")
	pgHost     = env("TEST_PG_HOSTPORT", "127.0.0.1:5432")
	redisAddr  = env("TEST_REDIS_ADDR", "127.0.0.1:6379")
	brokers    = strings.Split(env("TEST_KAFKA_BROKERS", "127.0.0.1:9092"), ",")
	issuer     = env("TEST_OIDC_ISSUER", "http://localhost:8180/realms/ticketly")
	stripeURL  = env("TEST_STRIPE_URL", "http://127.0.0.1:12111")
	smtpAddr   = env("TEST_SMTP_ADDR", "127.0.0.1:1025")
	smtpHTTP   = env("TEST_SMTP_HTTP", "http://127.0.0.1:8025")
	mongoURI   = env("TEST_MONGO_URI", "mongodb://127.0.0.1:27017/")
)

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func connect(t *testing.T, ctx context.Context, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect %s: %v (is the stack up? make run)", strings.Split(url, "@")[0], err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func roleURL(role, schema string) string {
	return fmt.Sprintf("postgres://%s:%s@%s/ticketly?search_path=%s", role, role, pgHost, schema)
}

func TestPostgresLogicalWALAndSchemaPerService(t *testing.T) {
	svctest.RequireStack(t, svctest.Postgres)
	t.Parallel()
	ctx := ctxT(t, 30*time.Second)
	su := connect(t, ctx, pgSuperURL)
	var walLevel, version string
	if err := su.QueryRow(ctx, "SHOW wal_level").Scan(&walLevel); err != nil {
		t.Fatal(err)
	}
	if walLevel != "logical" {
		t.Fatalf("wal_level = %q, want logical", walLevel)
	}
	if err := su.QueryRow(ctx, "SHOW server_version").Scan(&version); err != nil || !strings.HasPrefix(version, "15.") {
		t.Fatalf("server_version %q, want 15.x (%v)", version, err)
	}
	var pubSchemas []string
	if err := su.QueryRow(ctx, `SELECT array_agg(n.nspname ORDER BY n.nspname) FROM pg_publication_namespace pn
		JOIN pg_publication p ON p.oid = pn.pnpubid JOIN pg_namespace n ON n.oid = pn.pnnspid
		WHERE p.pubname = 'ticketly_pub'`).Scan(&pubSchemas); err != nil {
		t.Fatal(err)
	}
	if strings.Join(pubSchemas, ",") != "catalog,cdc,ordering,scheduling" {
		t.Fatalf("publication schemas %v", pubSchemas)
	}

	// The owner writes its schema; the order service may read catalog but never write it.
	table := "grant_probe_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	owner := connect(t, ctx, roleURL("ticketly_command", "catalog"))
	if _, err := owner.Exec(ctx, "CREATE TABLE catalog."+table+" (id int PRIMARY KEY)"); err != nil {
		t.Fatalf("event-command role cannot create in catalog: %v", err)
	}
	t.Cleanup(func() { _, _ = su.Exec(context.Background(), "DROP TABLE IF EXISTS catalog."+table) })
	if _, err := owner.Exec(ctx, "INSERT INTO catalog."+table+" VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	reader := connect(t, ctx, roleURL("ticketly_order", "ordering"))
	var n int
	if err := reader.QueryRow(ctx, "SELECT count(*) FROM catalog."+table).Scan(&n); err != nil || n != 1 {
		t.Fatalf("order role reading catalog: n=%d err=%v", n, err)
	}
	_, err := reader.Exec(ctx, "INSERT INTO catalog."+table+" VALUES (2)")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Fatalf("order role writing catalog: want insufficient_privilege, got %v", err)
	}
	if _, err := reader.Exec(ctx, "CREATE TABLE catalog.nope (id int)"); !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Fatalf("order role creating in catalog: want insufficient_privilege, got %v", err)
	}
}

func TestRedisHoldScript(t *testing.T) {
	svctest.RequireStack(t, svctest.Redis)
	t.Parallel()
	ctx := ctxT(t, 10*time.Second)
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	t.Cleanup(func() { _ = rdb.Close() })
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis ping: %v (is the stack up? make run)", err)
	}
	// All-or-nothing hold of several keys sharing one hash slot, as the order service does.
	hold := redis.NewScript(`
for i, k in ipairs(KEYS) do if redis.call('EXISTS', k) == 1 then return {0, k} end end
for i, k in ipairs(KEYS) do redis.call('SET', k, ARGV[1], 'PX', ARGV[2]) end
return {1}`)
	s := "{session:" + uuid.NewString() + "}"
	keys := []string{s + ":A1", s + ":A2"}
	t.Cleanup(func() { rdb.Del(context.Background(), append(keys, s+":A3")...) })
	res, err := hold.Run(ctx, rdb, keys, "order-1", 60000).Slice()
	if err != nil || res[0].(int64) != 1 {
		t.Fatalf("first hold: %v %v", res, err)
	}
	res, err = hold.Run(ctx, rdb, []string{s + ":A3", s + ":A2"}, "order-2", 60000).Slice()
	if err != nil || res[0].(int64) != 0 || res[1].(string) != s+":A2" {
		t.Fatalf("conflicting hold: %v %v", res, err)
	}
	if n, _ := rdb.Exists(ctx, s+":A3").Result(); n != 0 {
		t.Fatal("a failed hold left a key behind")
	}
	if ttl := rdb.PTTL(ctx, keys[0]).Val(); ttl <= 0 || ttl > time.Minute {
		t.Fatalf("hold TTL %v", ttl)
	}
}

func TestKafkaProduceAndConsumeInGroup(t *testing.T) {
	svctest.RequireStack(t, svctest.Kafka)
	t.Parallel()
	ctx := ctxT(t, 60*time.Second)
	topic := "stack-test-" + uuid.NewString()
	admin, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(admin.Close)
	adm := kadm.NewClient(admin)
	if _, err := adm.CreateTopic(ctx, 2, 1, nil, topic); err != nil {
		t.Fatalf("create topic: %v (is the stack up? make run)", err)
	}
	t.Cleanup(func() { _, _ = adm.DeleteTopics(context.Background(), topic) })

	want := map[string]bool{}
	for i := 0; i < 20; i++ {
		k := fmt.Sprintf("key-%d", i)
		want[k] = true
		if err := admin.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte(k), Value: []byte("v")}).FirstErr(); err != nil {
			t.Fatalf("produce: %v", err)
		}
	}
	group := "stack-test-" + uuid.NewString()
	consumer, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(consumer.Close)
	for len(want) > 0 {
		fs := consumer.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("still missing %d records: %v", len(want), err)
		}
		fs.EachRecord(func(r *kgo.Record) { delete(want, string(r.Key)) })
	}
	if err := consumer.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatalf("commit: %v", err)
	}
	lags, err := adm.Lag(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	if total := lags[group].Lag.Total(); total != 0 {
		t.Fatalf("group lag after commit = %d, want 0", total)
	}
	_, _ = adm.DeleteGroup(context.Background(), group)
}

// A row inserted into a captured table arrives on its topic as a Debezium envelope.
func TestDebeziumStreamsWALToKafka(t *testing.T) {
	svctest.RequireStack(t, svctest.Postgres, svctest.Debezium, svctest.Kafka)
	t.Parallel()
	ctx := ctxT(t, 60*time.Second)
	const topic = "ticketly.cdc.probe"
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	// Make sure the consumer has its end offsets before the insert.
	cl.PollRecords(ctxT(t, 2*time.Second), 1)

	su := connect(t, ctx, pgSuperURL)
	id, note := uuid.NewString(), "stack-test "+time.Now().Format(time.RFC3339Nano)
	committed := time.Now()
	if _, err := su.Exec(ctx, "INSERT INTO cdc.probe (id, note) VALUES ($1, $2)", id, note); err != nil {
		t.Fatal(err)
	}
	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("row %s never reached %s: is Debezium running? (%v)", id, topic, fs.Errors())
		}
		var found *kgo.Record
		fs.EachRecord(func(r *kgo.Record) {
			if strings.Contains(string(r.Key), id) {
				found = r
			}
		})
		if found == nil {
			continue
		}
		t.Logf("commit to Kafka: %v", time.Since(committed))
		var key struct {
			ID string `json:"id"`
		}
		var env struct {
			Op     string          `json:"op"`
			Before json.RawMessage `json:"before"`
			After  struct {
				ID        string `json:"id"`
				Note      string `json:"note"`
				CreatedAt string `json:"created_at"`
			} `json:"after"`
			Source struct {
				Connector string `json:"connector"`
				Schema    string `json:"schema"`
				Table     string `json:"table"`
				LSN       int64  `json:"lsn"`
				TxID      int64  `json:"txId"`
			} `json:"source"`
		}
		if err := json.Unmarshal(found.Key, &key); err != nil || key.ID != id {
			t.Fatalf("key %s: %v", found.Key, err)
		}
		if err := json.Unmarshal(found.Value, &env); err != nil {
			t.Fatalf("envelope %s: %v", found.Value, err)
		}
		if env.Op != "c" || string(env.Before) != "null" || env.After.ID != id || env.After.Note != note ||
			env.Source.Connector != "postgresql" || env.Source.Schema != "cdc" || env.Source.Table != "probe" ||
			env.Source.LSN == 0 || env.Source.TxID == 0 {
			t.Fatalf("unexpected envelope %s", found.Value)
		}
		if _, err := time.Parse(time.RFC3339Nano, env.After.CreatedAt); err != nil {
			t.Fatalf("timestamptz as %q: %v", env.After.CreatedAt, err)
		}
		return
	}
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	Scope       string `json:"scope"`
	Error       string `json:"error"`
}

func passwordGrant(t *testing.T, base, user, scope string) (int, tokenResponse) {
	t.Helper()
	form := url.Values{"grant_type": {"password"}, "client_id": {"dev-cli"}, "username": {user}, "password": {user}, "scope": {scope}}
	resp, err := http.PostForm(base+"/realms/ticketly/protocol/openid-connect/token", form)
	if err != nil {
		t.Fatalf("token request: %v (is the stack up? make run)", err)
	}
	defer resp.Body.Close()
	var tr tokenResponse
	_ = json.NewDecoder(resp.Body).Decode(&tr)
	return resp.StatusCode, tr
}

func TestKeycloakTokensVerifyWithGoOIDC(t *testing.T) {
	svctest.RequireStack(t, svctest.Keycloak)
	t.Parallel()
	ctx := ctxT(t, 60*time.Second)
	// Discovery: the issuer is pinned, whatever host name the client used.
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		t.Fatalf("discovery: %v (is the stack up? make run)", err)
	}
	if !strings.HasSuffix(provider.Endpoint().TokenURL, "/protocol/openid-connect/token") {
		t.Fatalf("token endpoint %q", provider.Endpoint().TokenURL)
	}
	v, err := auth.NewVerifier(ctx, auth.Config{Issuer: issuer, Audience: "ticketly-api"})
	if err != nil {
		t.Fatal(err)
	}
	for _, base := range []string{"http://localhost:8180", "http://127.0.0.1:8180"} {
		code, tr := passwordGrant(t, base, "organizer", "openid")
		if code != http.StatusOK {
			t.Fatalf("password grant via %s: %d %s", base, code, tr.Error)
		}
		p, err := v.Verify(ctx, tr.AccessToken)
		if err != nil {
			t.Fatalf("token fetched via %s: %v", base, err)
		}
		if p.Username != "organizer" || !p.InGroup("/Tiers/ENTERPRISE") || p.Subject == "" || p.ClientID != "dev-cli" {
			t.Fatalf("principal %+v", p)
		}
	}
	// go-oidc's own verifier agrees on issuer and audience.
	_, tr := passwordGrant(t, issuerBase(), "admin", "openid")
	if _, err := provider.Verifier(&oidc.Config{ClientID: "ticketly-api"}).Verify(ctx, tr.AccessToken); err != nil {
		t.Fatalf("go-oidc verify: %v", err)
	}
	p, err := v.Verify(ctx, tr.AccessToken)
	if err != nil || !p.HasRole("event_admin") || !p.HasRole("category_admin") || !p.HasRole("organization_admin") {
		t.Fatalf("admin principal %+v %v", p, err)
	}
	if _, err := provider.Verifier(&oidc.Config{ClientID: "some-other-api"}).Verify(ctx, tr.AccessToken); err == nil {
		t.Fatal("a token for ticketly-api verified for another audience")
	}
	// A tampered token (payload changed, signature kept) is rejected.
	parts := strings.Split(tr.AccessToken, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := strings.Replace(string(payload), `"admin"`, `"organizer"`, 1)
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(forged))
	if _, err := v.Verify(ctx, strings.Join(parts, ".")); apperr.CodeOf(err) != apperr.Unauthorized {
		t.Fatalf("tampered token: %v", err)
	}
	// Numbered buyers exist, and a public client never gets internal-api.
	code, tr := passwordGrant(t, issuerBase(), "buyer1000", "openid internal-api")
	if code == http.StatusOK && strings.Contains(tr.Scope, "internal-api") {
		t.Fatalf("dev-cli obtained internal-api: scope %q", tr.Scope)
	}
	code, tr = passwordGrant(t, issuerBase(), "buyer1000", "openid")
	if code != http.StatusOK {
		t.Fatalf("buyer1000: %d %s", code, tr.Error)
	}
	if p, err := v.Verify(ctx, tr.AccessToken); err != nil || !p.InGroup("/Tiers/FREE") || p.HasScope("internal-api") {
		t.Fatalf("buyer1000 principal %+v %v", p, err)
	}
}

func issuerBase() string { return strings.TrimSuffix(issuer, "/realms/ticketly") }

func TestStripeMockPaymentIntent(t *testing.T) {
	svctest.RequireStack(t, svctest.StripeMock)
	t.Parallel()
	backend := stripe.GetBackendWithConfig(stripe.APIBackend, &stripe.BackendConfig{
		URL: stripe.String(stripeURL), MaxNetworkRetries: stripe.Int64(0)})
	client := paymentintent.Client{B: backend, Key: "sk_test_123"}
	params := &stripe.PaymentIntentParams{Amount: stripe.Int64(4500), Currency: stripe.String(string(stripe.CurrencyEUR))}
	params.SetIdempotencyKey("order:" + uuid.NewString() + ":pi")
	params.AddMetadata("order_id", "stack-test")
	pi, err := client.New(params)
	if err != nil {
		t.Fatalf("create payment intent: %v (is the stack up? make run)", err)
	}
	if !strings.HasPrefix(pi.ID, "pi_") || pi.ClientSecret == "" {
		t.Fatalf("payment intent %+v", pi)
	}
}

func TestSMTPCatcherKeepsMail(t *testing.T) {
	svctest.RequireStack(t, svctest.MailCatcher)
	t.Parallel()
	to := "stack-" + uuid.NewString()[:8] + "@example.test"
	subject := "Your tickets " + uuid.NewString()
	msg := "From: orders@ticketly.test\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n\r\nSee you there.\r\n"
	if err := smtp.SendMail(smtpAddr, nil, "orders@ticketly.test", []string{to}, []byte(msg)); err != nil {
		t.Fatalf("send: %v (is the stack up? make run)", err)
	}
	resp, err := http.Get(smtpHTTP + "/api/messages?to=" + url.QueryEscape(to))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var msgs []struct {
		ID      string   `json:"id"`
		To      []string `json:"to"`
		Subject string   `json:"subject"`
	}
	if err := json.Unmarshal(body, &msgs); err != nil {
		t.Fatalf("messages %s: %v", body, err)
	}
	if len(msgs) != 1 || msgs[0].Subject != subject || len(msgs[0].To) != 1 || msgs[0].To[0] != to {
		t.Fatalf("messages for %s: %s", to, body)
	}
}

func TestMongoWireServer(t *testing.T) {
	svctest.RequireStack(t, svctest.Documents)
	t.Parallel()
	ctx := ctxT(t, 30*time.Second)
	client, err := mongo.Connect(options.Client().ApplyURI(mongoURI))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	if err := client.Ping(ctx, nil); err != nil {
		t.Fatalf("ping: %v (is the stack up? make run)", err)
	}
	coll := client.Database("stacktest").Collection("c_" + strings.ReplaceAll(uuid.NewString(), "-", ""))
	t.Cleanup(func() { _ = coll.Drop(context.Background()) })
	if _, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "code", Value: 1}},
		Options: options.Index().SetUnique(true)}); err != nil {
		t.Fatalf("unique index: %v", err)
	}
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "code", Value: "X1"}, {Key: "n", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "b"}, {Key: "code", Value: "X1"}})
	if !mongo.IsDuplicateKeyError(err) {
		t.Fatalf("duplicate code: want duplicate key error, got %v", err)
	}
	var got struct {
		ID   string `bson:"_id"`
		Code string `bson:"code"`
		N    int    `bson:"n"`
	}
	if err := coll.FindOne(ctx, bson.D{{Key: "code", Value: "X1"}}).Decode(&got); err != nil || got.ID != "a" || got.N != 1 {
		t.Fatalf("find: %+v %v", got, err)
	}
}
