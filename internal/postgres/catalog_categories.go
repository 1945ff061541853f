package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/command"
)

// CatalogCategories stores the category tree (catalog.categories).
type CatalogCategories struct{ pool *pgxpool.Pool }

var _ command.Categories = (*CatalogCategories)(nil)

func loadCatalogCategories(ctx context.Context, q catalogQuerier) ([]*catalog.Category, error) {
	rows, err := q.Query(ctx, `SELECT id, name, parent_id, created_at, updated_at FROM catalog.categories ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("load categories: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*catalog.Category, error) {
		var s catalog.CategoryState
		err := row.Scan(&s.ID, &s.Name, &s.ParentID, &s.CreatedAt, &s.UpdatedAt)
		return catalog.RestoreCategory(s), err
	})
}

// List implements command.Categories.
func (r *CatalogCategories) List(ctx context.Context) ([]*catalog.Category, error) {
	cats, err := loadCatalogCategories(ctx, r.pool)
	return cats, catalogError(err)
}

// Change implements command.Categories.
func (r *CatalogCategories) Change(ctx context.Context, fn func(*catalog.CategoryTree) error) error {
	return r.change(ctx, func(ctx context.Context, tx pgx.Tx, t *catalog.CategoryTree) error { return fn(t) })
}

// Remove implements command.Categories.
func (r *CatalogCategories) Remove(ctx context.Context, id uuid.UUID, fn func(*catalog.CategoryTree, int) error) error {
	return r.change(ctx, func(ctx context.Context, tx pgx.Tx, t *catalog.CategoryTree) error {
		n, err := catalogCount(ctx, tx, `SELECT count(*) FROM catalog.events WHERE category_id = $1`, id)
		if err != nil {
			return err
		}
		return fn(t, n)
	})
}

func (r *CatalogCategories) change(ctx context.Context, fn func(context.Context, pgx.Tx, *catalog.CategoryTree) error) error {
	return catalogWrite(ctx, r.pool, func(tx pgx.Tx) error {
		if err := catalogLock(ctx, tx, "catalog.categories"); err != nil {
			return err
		}
		cats, err := loadCatalogCategories(ctx, tx)
		if err != nil {
			return err
		}
		before := map[uuid.UUID]catalog.CategoryState{}
		for _, c := range cats {
			before[c.ID()] = c.State()
		}
		tree := catalog.NewCategoryTree(cats)
		if err := fn(ctx, tx, tree); err != nil {
			return err
		}
		after := tree.All()
		// Top-level categories first, so a new child's parent exists when it is inserted.
		slices.SortStableFunc(after, func(a, b *catalog.Category) int {
			return catalogBoolInt(a.State().ParentID != nil) - catalogBoolInt(b.State().ParentID != nil)
		})
		seen := map[uuid.UUID]bool{}
		for _, c := range after {
			s := c.State()
			seen[s.ID] = true
			old, ok := before[s.ID]
			switch {
			case !ok:
				if _, err := tx.Exec(ctx, `INSERT INTO catalog.categories (id, name, parent_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)`,
					s.ID, s.Name, s.ParentID, s.CreatedAt, s.UpdatedAt); err != nil {
					return fmt.Errorf("insert category: %w", err)
				}
			case old.Name != s.Name || !old.UpdatedAt.Equal(s.UpdatedAt) || !catalogSameID(old.ParentID, s.ParentID):
				if _, err := tx.Exec(ctx, `UPDATE catalog.categories SET name = $2, parent_id = $3, updated_at = $4 WHERE id = $1`,
					s.ID, s.Name, s.ParentID, s.UpdatedAt); err != nil {
					return fmt.Errorf("update category: %w", err)
				}
			}
		}
		for id := range before {
			if !seen[id] {
				if _, err := tx.Exec(ctx, `DELETE FROM catalog.categories WHERE id = $1`, id); err != nil {
					return fmt.Errorf("delete category: %w", err)
				}
			}
		}
		return nil
	})
}

func catalogBoolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func catalogSameID(a, b *uuid.UUID) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
