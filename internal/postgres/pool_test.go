package postgres_test

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ticketly/ticketly/internal/postgres"
	"github.com/ticketly/ticketly/internal/svctest"
)

// testPool connects to the local stack's PostgreSQL as a service role (the URL in env, or
// def) after migrating schema, and closes the pool at the end of the test.
func testPool(t *testing.T, env, def, schema string, conns int32) *pgxpool.Pool {
	t.Helper()
	svctest.RequireStack(t, svctest.Postgres)
	url := os.Getenv(env)
	if url == "" {
		url = def
	}
	if err := postgres.Migrate(url, schema); err != nil {
		t.Fatalf("migrate %s at %s: %v (is the local stack up? make stack)", schema, url, err)
	}
	pool, err := postgres.Connect(context.Background(), url, conns)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
