package postgres

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // registers pgx5://
	"github.com/golang-migrate/migrate/v4/source/iofs"
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
