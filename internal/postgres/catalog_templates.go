package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/command"
)

// CatalogTemplates stores seating templates (catalog.seating_templates).
type CatalogTemplates struct{ pool *pgxpool.Pool }

var _ command.Templates = (*CatalogTemplates)(nil)

func loadCatalogTemplate(ctx context.Context, q catalogQuerier, id uuid.UUID, lock string) (*catalog.SeatingTemplate, error) {
	var (
		s      catalog.SeatingTemplateState
		layout []byte
	)
	err := q.QueryRow(ctx, `SELECT id, organization_id, name, layout, created_at, updated_at FROM catalog.seating_templates WHERE id = $1 `+lock, id).
		Scan(&s.ID, &s.OrganizationID, &s.Name, &layout, &s.CreatedAt, &s.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, catalogNotFound("seating template", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load seating template %s: %w", id, err)
	}
	l := &catalog.Layout{}
	if err := json.Unmarshal(layout, l); err != nil {
		return nil, fmt.Errorf("decode layout of seating template %s: %w", id, err)
	}
	s.Layout = l.Normalize()
	return catalog.RestoreSeatingTemplate(s), nil
}

// Create implements command.Templates.
func (r *CatalogTemplates) Create(ctx context.Context, orgID uuid.UUID, fn func(*catalog.Organization, int) (*catalog.SeatingTemplate, error)) error {
	return catalogWrite(ctx, r.pool, func(tx pgx.Tx) error {
		org, err := loadCatalogOrg(ctx, tx, orgID, "FOR NO KEY UPDATE")
		if err != nil {
			return err
		}
		n, err := catalogCount(ctx, tx, `SELECT count(*) FROM catalog.seating_templates WHERE organization_id = $1`, orgID)
		if err != nil {
			return err
		}
		t, err := fn(org, n)
		if err != nil {
			return err
		}
		s := t.State()
		layout, err := encodeCatalogLayout(s.Layout)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO catalog.seating_templates (id, organization_id, name, layout, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, s.ID, s.OrganizationID, s.Name, layout, s.CreatedAt, s.UpdatedAt); err != nil {
			return fmt.Errorf("insert seating template: %w", err)
		}
		return nil
	})
}

// Get implements command.Templates.
func (r *CatalogTemplates) Get(ctx context.Context, id uuid.UUID) (*catalog.SeatingTemplate, *catalog.Organization, error) {
	var (
		t   *catalog.SeatingTemplate
		org *catalog.Organization
	)
	err := catalogRead(ctx, r.pool, func(tx pgx.Tx) error {
		var err error
		if t, err = loadCatalogTemplate(ctx, tx, id, ""); err != nil {
			return err
		}
		org, err = loadCatalogOrg(ctx, tx, t.OrganizationID(), "")
		return err
	})
	return t, org, err
}

func (r *CatalogTemplates) change(ctx context.Context, id uuid.UUID, fn func(pgx.Tx, *catalog.Organization, *catalog.SeatingTemplate) error) error {
	return catalogWrite(ctx, r.pool, func(tx pgx.Tx) error {
		t, err := loadCatalogTemplate(ctx, tx, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		org, err := loadCatalogOrg(ctx, tx, t.OrganizationID(), "")
		if err != nil {
			return err
		}
		return fn(tx, org, t)
	})
}

// Update implements command.Templates.
func (r *CatalogTemplates) Update(ctx context.Context, id uuid.UUID, fn func(*catalog.Organization, *catalog.SeatingTemplate) error) error {
	return r.change(ctx, id, func(tx pgx.Tx, org *catalog.Organization, t *catalog.SeatingTemplate) error {
		before := t.State()
		if err := fn(org, t); err != nil {
			return err
		}
		after := t.State()
		if before.Name == after.Name && before.Layout == after.Layout && before.UpdatedAt.Equal(after.UpdatedAt) {
			return nil
		}
		layout, err := encodeCatalogLayout(after.Layout)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE catalog.seating_templates SET name = $2, layout = $3, updated_at = $4 WHERE id = $1`,
			id, after.Name, layout, after.UpdatedAt); err != nil {
			return fmt.Errorf("update seating template: %w", err)
		}
		return nil
	})
}

// Delete implements command.Templates.
func (r *CatalogTemplates) Delete(ctx context.Context, id uuid.UUID, fn func(*catalog.Organization, *catalog.SeatingTemplate) error) error {
	return r.change(ctx, id, func(tx pgx.Tx, org *catalog.Organization, t *catalog.SeatingTemplate) error {
		if err := fn(org, t); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM catalog.seating_templates WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete seating template: %w", err)
		}
		return nil
	})
}

// List implements command.Templates: by name, without layouts.
func (r *CatalogTemplates) List(ctx context.Context, orgID uuid.UUID) ([]*catalog.SeatingTemplate, error) {
	rows, err := r.pool.Query(ctx, `SELECT id, organization_id, name, created_at, updated_at FROM catalog.seating_templates
		WHERE organization_id = $1 ORDER BY name, id`, orgID)
	if err != nil {
		return nil, catalogError(fmt.Errorf("list seating templates: %w", err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*catalog.SeatingTemplate, error) {
		var s catalog.SeatingTemplateState
		err := row.Scan(&s.ID, &s.OrganizationID, &s.Name, &s.CreatedAt, &s.UpdatedAt)
		return catalog.RestoreSeatingTemplate(s), err
	})
	return out, catalogError(err)
}
