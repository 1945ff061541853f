package postgres

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ticketly/ticketly/internal/catalog"
	"github.com/ticketly/ticketly/internal/command"
)

// CatalogOrganizations stores organizations (catalog.organizations) and their members
// (catalog.organization_members).
type CatalogOrganizations struct{ pool *pgxpool.Pool }

var _ command.Organizations = (*CatalogOrganizations)(nil)

const catalogOrgColumns = `id, name, website, logo_url, owner_id, owner_email, created_at, updated_at`

func scanCatalogOrg(row pgx.Row) (catalog.OrganizationState, error) {
	var s catalog.OrganizationState
	err := row.Scan(&s.ID, &s.Name, &s.Website, &s.LogoURL, &s.OwnerID, &s.OwnerEmail, &s.CreatedAt, &s.UpdatedAt)
	return s, err
}

// loadCatalogOrg reads an organization and its members; lock is "" or a row-locking clause.
func loadCatalogOrg(ctx context.Context, q catalogQuerier, id uuid.UUID, lock string) (*catalog.Organization, error) {
	s, err := scanCatalogOrg(q.QueryRow(ctx, `SELECT `+catalogOrgColumns+` FROM catalog.organizations WHERE id = $1 `+lock, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, catalogNotFound("organization", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load organization %s: %w", id, err)
	}
	members, err := loadCatalogMembers(ctx, q, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	s.Members = members[id]
	return catalog.RestoreOrganization(s), nil
}

func loadCatalogMembers(ctx context.Context, q catalogQuerier, orgIDs []uuid.UUID) (map[uuid.UUID][]catalog.Member, error) {
	rows, err := q.Query(ctx, `SELECT organization_id, user_id, roles, created_at FROM catalog.organization_members
		WHERE organization_id = ANY($1) ORDER BY created_at, user_id`, orgIDs)
	if err != nil {
		return nil, fmt.Errorf("load members: %w", err)
	}
	out := map[uuid.UUID][]catalog.Member{}
	for rows.Next() {
		var (
			orgID uuid.UUID
			m     catalog.Member
			roles []string
		)
		if err := rows.Scan(&orgID, &m.UserID, &roles, &m.CreatedAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan member: %w", err)
		}
		m.CreatedAt = m.CreatedAt.UTC()
		for _, r := range roles {
			m.Roles = append(m.Roles, catalog.OrgRole(r))
		}
		out[orgID] = append(out[orgID], m)
	}
	return out, rows.Err()
}

func catalogRoleStrings(roles []catalog.OrgRole) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return out
}

// Create implements command.Organizations.
func (r *CatalogOrganizations) Create(ctx context.Context, owner string, fn func(owned int) (*catalog.Organization, error)) error {
	return catalogWrite(ctx, r.pool, func(tx pgx.Tx) error {
		if err := catalogLock(ctx, tx, "catalog.organizations.owner:"+owner); err != nil {
			return err
		}
		n, err := catalogCount(ctx, tx, `SELECT count(*) FROM catalog.organizations WHERE owner_id = $1`, owner)
		if err != nil {
			return err
		}
		o, err := fn(n)
		if err != nil {
			return err
		}
		s := o.State()
		if _, err := tx.Exec(ctx, `INSERT INTO catalog.organizations (`+catalogOrgColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			s.ID, s.Name, s.Website, s.LogoURL, s.OwnerID, s.OwnerEmail, s.CreatedAt, s.UpdatedAt); err != nil {
			return fmt.Errorf("insert organization: %w", err)
		}
		return writeCatalogMembers(ctx, tx, s.ID, nil, s.Members)
	})
}

// Get implements command.Organizations.
func (r *CatalogOrganizations) Get(ctx context.Context, id uuid.UUID) (*catalog.Organization, error) {
	var o *catalog.Organization
	err := catalogRead(ctx, r.pool, func(tx pgx.Tx) error {
		var err error
		o, err = loadCatalogOrg(ctx, tx, id, "")
		return err
	})
	return o, err
}

// Update implements command.Organizations.
func (r *CatalogOrganizations) Update(ctx context.Context, id uuid.UUID, fn func(*catalog.Organization) error) error {
	return catalogWrite(ctx, r.pool, func(tx pgx.Tx) error {
		o, err := loadCatalogOrg(ctx, tx, id, "FOR NO KEY UPDATE")
		if err != nil {
			return err
		}
		before := o.State()
		if err := fn(o); err != nil {
			return err
		}
		after := o.State()
		if before.Name != after.Name || before.Website != after.Website || before.LogoURL != after.LogoURL || !before.UpdatedAt.Equal(after.UpdatedAt) {
			if _, err := tx.Exec(ctx, `UPDATE catalog.organizations SET name = $2, website = $3, logo_url = $4, updated_at = $5 WHERE id = $1`,
				id, after.Name, after.Website, after.LogoURL, after.UpdatedAt); err != nil {
				return fmt.Errorf("update organization: %w", err)
			}
		}
		return writeCatalogMembers(ctx, tx, id, before.Members, after.Members)
	})
}

// writeCatalogMembers writes the difference between two member lists.
func writeCatalogMembers(ctx context.Context, tx pgx.Tx, orgID uuid.UUID, before, after []catalog.Member) error {
	for _, m := range before {
		i := slices.IndexFunc(after, func(a catalog.Member) bool { return a.UserID == m.UserID })
		if i < 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM catalog.organization_members WHERE organization_id = $1 AND user_id = $2`, orgID, m.UserID); err != nil {
				return fmt.Errorf("delete member: %w", err)
			}
		} else if !reflect.DeepEqual(m.Roles, after[i].Roles) {
			if _, err := tx.Exec(ctx, `UPDATE catalog.organization_members SET roles = $3 WHERE organization_id = $1 AND user_id = $2`,
				orgID, m.UserID, catalogRoleStrings(after[i].Roles)); err != nil {
				return fmt.Errorf("update member: %w", err)
			}
		}
	}
	for _, m := range after {
		if slices.ContainsFunc(before, func(b catalog.Member) bool { return b.UserID == m.UserID }) {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO catalog.organization_members (organization_id, user_id, roles, created_at) VALUES ($1, $2, $3, $4)`,
			orgID, m.UserID, catalogRoleStrings(m.Roles), m.CreatedAt); err != nil {
			return fmt.Errorf("insert member: %w", err)
		}
	}
	return nil
}

// Delete implements command.Organizations.
func (r *CatalogOrganizations) Delete(ctx context.Context, id uuid.UUID, fn func(*catalog.Organization, int) error) error {
	return catalogWrite(ctx, r.pool, func(tx pgx.Tx) error {
		o, err := loadCatalogOrg(ctx, tx, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		n, err := catalogCount(ctx, tx, `SELECT count(*) FROM catalog.events WHERE organization_id = $1`, id)
		if err != nil {
			return err
		}
		if err := fn(o, n); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM catalog.organizations WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete organization: %w", err)
		}
		return nil
	})
}

func (r *CatalogOrganizations) list(ctx context.Context, sql string, args ...any) ([]*catalog.Organization, error) {
	var out []*catalog.Organization
	err := catalogRead(ctx, r.pool, func(tx pgx.Tx) error {
		out = nil
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			return fmt.Errorf("list organizations: %w", err)
		}
		states, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (catalog.OrganizationState, error) { return scanCatalogOrg(row) })
		if err != nil {
			return fmt.Errorf("list organizations: %w", err)
		}
		ids := make([]uuid.UUID, len(states))
		for i, s := range states {
			ids[i] = s.ID
		}
		members, err := loadCatalogMembers(ctx, tx, ids)
		if err != nil {
			return err
		}
		for _, s := range states {
			s.Members = members[s.ID]
			out = append(out, catalog.RestoreOrganization(s))
		}
		return nil
	})
	return out, err
}

// ListForUser implements command.Organizations.
func (r *CatalogOrganizations) ListForUser(ctx context.Context, userID string) ([]*catalog.Organization, error) {
	return r.list(ctx, `SELECT `+catalogOrgColumns+` FROM catalog.organizations
		WHERE owner_id = $1 OR id IN (SELECT organization_id FROM catalog.organization_members WHERE user_id = $1)
		ORDER BY created_at, id`, userID)
}

// List implements command.Organizations.
func (r *CatalogOrganizations) List(ctx context.Context, p command.Page) ([]*catalog.Organization, int, error) {
	total, err := catalogCount(ctx, r.pool, `SELECT count(*) FROM catalog.organizations`)
	if err != nil {
		return nil, 0, catalogError(err)
	}
	orgs, err := r.list(ctx, `SELECT `+catalogOrgColumns+` FROM catalog.organizations ORDER BY created_at, id LIMIT $1 OFFSET $2`, p.Size, p.Offset())
	return orgs, total, err
}
