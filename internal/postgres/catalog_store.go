package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ticketly/ticketly/internal/apperr"
)

// Catalog is event-command's storage in schema catalog: one repository per aggregate,
// all over the same pool. Every write is one transaction that locks what it changes and
// writes only the rows that changed, so each change reaches CDC as exactly the row changes
// it made.
type Catalog struct {
	Organizations *CatalogOrganizations
	Categories    *CatalogCategories
	Events        *CatalogEvents
	Templates     *CatalogTemplates
}

// NewCatalog returns the catalog repositories over pool.
func NewCatalog(pool *pgxpool.Pool) *Catalog {
	return &Catalog{
		Organizations: &CatalogOrganizations{pool: pool},
		Categories:    &CatalogCategories{pool: pool},
		Events:        &CatalogEvents{pool: pool},
		Templates:     &CatalogTemplates{pool: pool},
	}
}

// catalogQuerier is what both a pool and a transaction can do.
type catalogQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

const catalogTxAttempts = 4

// catalogWrite runs fn in a READ COMMITTED transaction, rerunning it on a deadlock or a
// serialization failure, and maps database errors to application errors.
func catalogWrite(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return catalogRunTx(ctx, pool, pgx.TxOptions{}, fn)
}

// catalogRead runs fn in a read-only REPEATABLE READ transaction: one consistent snapshot for
// reads that take several queries.
func catalogRead(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return catalogRunTx(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

func catalogRunTx(ctx context.Context, pool *pgxpool.Pool, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginTxFunc(ctx, pool, opts, fn)
		if err == nil {
			return nil
		}
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01") && attempt < catalogTxAttempts {
			continue
		}
		return catalogError(err)
	}
}

// catalogError turns what the database refused into application errors; application errors
// from closures pass unchanged.
func catalogError(err error) error {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505" && pgErr.ConstraintName == "discounts_event_id_code_key":
			return apperr.Wrap(err, apperr.Conflict, "this discount code exists already for the event")
		case pgErr.Code == "23505" && pgErr.ConstraintName == "categories_name_key":
			return apperr.Wrap(err, apperr.Conflict, "a category with this name exists already")
		case pgErr.Code == "23505":
			return apperr.Wrap(err, apperr.Conflict, "a resource with these values exists already")
		case pgErr.Code == "23503":
			return apperr.Wrap(err, apperr.Conflict, "a related resource was changed or deleted meanwhile; reload and retry")
		case strings.HasPrefix(pgErr.Code, "22"):
			return apperr.Wrap(err, apperr.Invalid, "the request holds a value that cannot be stored")
		}
	}
	return err
}

// catalogLock takes a transaction-scoped advisory lock on key (serialising counts that a plan
// limits, such as the organizations of one owner).
func catalogLock(ctx context.Context, tx pgx.Tx, key string) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key); err != nil {
		return fmt.Errorf("advisory lock %s: %w", key, err)
	}
	return nil
}

func catalogNotFound(what string, id any) error {
	return apperr.New(apperr.NotFound, "%s %v not found", what, id)
}

func catalogCount(ctx context.Context, q catalogQuerier, sql string, args ...any) (int, error) {
	var n int
	if err := q.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count: %w", err)
	}
	return n, nil
}
