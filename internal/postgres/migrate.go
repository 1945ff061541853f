package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"time"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // registers pgx5://
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations
var migrations embed.FS

// Migrate applies the embedded migrations of schema (catalog, ordering, scheduling) to the
// database at databaseURL, as the schema's owning role. Safe to call from every replica:
// golang-migrate serialises runs with an advisory lock.
func Migrate(databaseURL, schema string) error {
	sub, err := fs.Sub(migrations, "migrations/"+schema)
	if err != nil {
		return fmt.Errorf("migrations of %s: %w", schema, err)
	}
	src, err := iofs.New(sub, ".")
	if err != nil {
		return fmt.Errorf("migrations of %s: %w", schema, err)
	}
	u, err := url.Parse(databaseURL)
	if err != nil {
		return fmt.Errorf("parse database url: %w", err)
	}
	u.Scheme = "pgx5"
	q := u.Query()
	q.Set("x-migrations-table", "schema_migrations")
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	m, err := migrate.NewWithSourceInstance("iofs", src, u.String())
	if err != nil {
		return fmt.Errorf("open migrations of %s: %w", schema, err)
	}
	defer m.Close()
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate %s: %w", schema, err)
	}
	return nil
}

// MigrateWhenReady applies schema's migrations before a service serves. While PostgreSQL
// does not answer yet (the stack is still starting) it retries for up to wait; a migration
// that fails while the database answers is a real problem and fails at once. It returns nil
// if ctx ends first (the service is shutting down anyway).
func MigrateWhenReady(ctx context.Context, log *slog.Logger, pool *pgxpool.Pool, databaseURL, schema string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	delay := 250 * time.Millisecond
	for {
		err := ping(ctx, pool)
		if err == nil {
			if err = Migrate(databaseURL, schema); err == nil {
				return nil
			}
			if ping(ctx, pool) == nil {
				return fmt.Errorf("apply %s migrations: %w", schema, err)
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not reachable after %s: %w", wait, err)
		}
		log.Warn("postgres not ready; retrying migrations", "schema", schema, "err", err, "retry_in", delay.String())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(delay*2, 5*time.Second)
	}
}

func ping(ctx context.Context, pool *pgxpool.Pool) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return pool.Ping(ctx)
}
