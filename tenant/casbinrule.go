package tenant

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// casbin_rule, the table of Casbin's policies ("p" rules: role, domain, object, action) and
// grants ("g" rules: subject, role, domain), in the schema of casbin-pgx-adapter, which loads
// them for the Enforcer (package access). Package access alone writes it, through these
// methods, in the caller's transaction, so a grant, its audit record and the end of the
// user's sessions commit together (access's audit test holds that); a trigger bumps
// authz_version and every Enforcer reloads. A rule's id is the adapter's hash of it
// (access.policyID), so rules written here and by the adapter are the same rows. The table
// holds no kommune data and has no row-level security.

// AddGrantRule inserts the "g" rule (subject, role, domain) with id, unless it is there. It
// reports whether it was added.
func (t *Tx) AddGrantRule(ctx context.Context, id, subject, role, domain string) (bool, error) {
	tag, err := t.tx.Exec(ctx, `
		INSERT INTO casbin_rule (id, p_type, v0, v1, v2) VALUES ($1, 'g', $2, $3, $4)
		ON CONFLICT (id) DO NOTHING`, id, subject, role, domain)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() > 0, nil
}

// DeleteGrantRule deletes the "g" rule (subject, role, domain). It reports whether there was
// one.
func (t *Tx) DeleteGrantRule(ctx context.Context, subject, role, domain string) (bool, error) {
	tag, err := t.tx.Exec(ctx, `DELETE FROM casbin_rule WHERE p_type = 'g' AND v0 = $1 AND v1 = $2 AND v2 = $3`,
		subject, role, domain)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() > 0, nil
}

// GrantedRoles returns the roles granted to subject in domain, in no order.
func (t *Tx) GrantedRoles(ctx context.Context, subject, domain string) ([]string, error) {
	rows, err := t.tx.Query(ctx, `SELECT v1 FROM casbin_rule WHERE p_type = 'g' AND v0 = $1 AND v2 = $2`, subject, domain)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// RoleHolders returns the subjects granted role in domain, in no order.
func (t *Tx) RoleHolders(ctx context.Context, role, domain string) ([]string, error) {
	rows, err := t.tx.Query(ctx, `SELECT v0 FROM casbin_rule WHERE p_type = 'g' AND v1 = $1 AND v2 = $2`, role, domain)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// AddPolicyRule inserts the "p" rule (role, domain, obj, act) with id, unless it is there. It
// reports whether it was added.
func (t *Tx) AddPolicyRule(ctx context.Context, id, role, domain, obj, act string) (bool, error) {
	tag, err := t.tx.Exec(ctx, `
		INSERT INTO casbin_rule (id, p_type, v0, v1, v2, v3) VALUES ($1, 'p', $2, $3, $4, $5)
		ON CONFLICT (id) DO NOTHING`, id, role, domain, obj, act)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() > 0, nil
}

// DeletePolicyRulesExcept deletes every "p" rule whose id is not in keep, and returns the
// deleted ones as "role obj:act", in no order.
func (t *Tx) DeletePolicyRulesExcept(ctx context.Context, keep []string) ([]string, error) {
	rows, err := t.tx.Query(ctx, `DELETE FROM casbin_rule WHERE p_type = 'p' AND NOT (id = ANY($1))
		RETURNING coalesce(v0, '') || ' ' || coalesce(v2, '') || ':' || coalesce(v3, '')`, keep)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// AuthzVersion returns the policies' version (authz_version), which every change of
// casbin_rule moves: an Enforcer reloads when it differs from the one it loaded.
func (db *DB) AuthzVersion(ctx context.Context) (int64, error) {
	var v int64
	b := &pgx.Batch{}
	queueAuthzVersion(b, &v)
	err := db.pool.SendBatch(ctx, b).Close()
	return v, err
}

// queueAuthzVersion adds the read of the policies' version to b, to be sent with other
// reads in one round trip (UserForRequest); running b sets *v.
func queueAuthzVersion(b *pgx.Batch, v *int64) {
	b.Queue(`SELECT version FROM authz_version`).QueryRow(func(row pgx.Row) error {
		if err := row.Scan(v); err != nil {
			return fmt.Errorf("authz version: %w", err)
		}
		return nil
	})
}
