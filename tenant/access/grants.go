package access

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/mmcloughlin/meow"
)

// Subject is the Casbin subject of a user.
func Subject(userID int64) string { return "u:" + strconv.FormatInt(userID, 10) }

// policyID is the row id casbin-pgx-adapter gives a rule, so rules written here and rules
// written by the adapter are the same rows.
func policyID(ptype string, rule []string) string {
	data := strings.Join(append([]string{ptype}, rule...), ",")
	sum := meow.Checksum(0, []byte(data))
	return fmt.Sprintf("%x", sum)
}

// Grant gives the user role in a kommune (or AllDomains for DST and platform roles), in tx.
// Granting what the user already holds is a no-op. It reports whether anything changed.
func Grant(ctx context.Context, tx pgx.Tx, userID int64, role, kommune string) (bool, error) {
	rule := []string{Subject(userID), role, Domain(kommune)}
	tag, err := tx.Exec(ctx, `
		INSERT INTO casbin_rule (id, p_type, v0, v1, v2) VALUES ($1, 'g', $2, $3, $4)
		ON CONFLICT (id) DO NOTHING`, policyID("g", rule), rule[0], rule[1], rule[2])
	if err != nil {
		return false, fmt.Errorf("grant %s to user %d: %w", role, userID, err)
	}
	return tag.RowsAffected() > 0, nil
}

// Revoke takes role in a kommune from the user, in tx. It reports whether anything changed.
func Revoke(ctx context.Context, tx pgx.Tx, userID int64, role, kommune string) (bool, error) {
	tag, err := tx.Exec(ctx, `DELETE FROM casbin_rule WHERE p_type = 'g' AND v0 = $1 AND v1 = $2 AND v2 = $3`,
		Subject(userID), role, Domain(kommune))
	if err != nil {
		return false, fmt.Errorf("revoke %s from user %d: %w", role, userID, err)
	}
	return tag.RowsAffected() > 0, nil
}

// RolesOf returns the roles granted to the user in a kommune (or AllDomains), from the
// database, in role order.
func RolesOf(ctx context.Context, tx pgx.Tx, userID int64, kommune string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT v1 FROM casbin_rule WHERE p_type = 'g' AND v0 = $1 AND v2 = $2`,
		Subject(userID), Domain(kommune))
	if err != nil {
		return nil, fmt.Errorf("roles of user %d: %w", userID, err)
	}
	roles, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("roles of user %d: %w", userID, err)
	}
	sortRoles(roles)
	return roles, nil
}

// Holders returns the ids of the users holding role in a kommune (or AllDomains), from the
// database, in tx, in id order.
func Holders(ctx context.Context, tx pgx.Tx, role, kommune string) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT v0 FROM casbin_rule WHERE p_type = 'g' AND v1 = $1 AND v2 = $2`, role, Domain(kommune))
	if err != nil {
		return nil, fmt.Errorf("holders of %s: %w", role, err)
	}
	subjects, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("holders of %s: %w", role, err)
	}
	ids := make([]int64, 0, len(subjects))
	for _, s := range subjects {
		if id, err := strconv.ParseInt(strings.TrimPrefix(s, "u:"), 10, 64); err == nil && strings.HasPrefix(s, "u:") {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

func sortRoles(roles []string) {
	slices.SortFunc(roles, func(a, b string) int {
		return slices.IndexFunc(Roles, func(r Role) bool { return r.Name == a }) -
			slices.IndexFunc(Roles, func(r Role) bool { return r.Name == b })
	})
}

// SyncPolicies makes the role policies in casbin_rule exactly Policies: missing ones are
// added, ones no longer in Policies removed. Grants ("g" rules) are left alone. Run by
// `indberet migrate` (schema.Prepare), the only way policies change; it returns what it
// added and removed ("role obj:act") for the audit record the caller writes in tx.
func SyncPolicies(ctx context.Context, tx pgx.Tx) (added, removed []string, err error) {
	var ids []string
	for role, perms := range Policies {
		for _, p := range perms {
			rule := []string{role, AllDomains, p.Obj, p.Act}
			id := policyID("p", rule)
			ids = append(ids, id)
			tag, err := tx.Exec(ctx, `
				INSERT INTO casbin_rule (id, p_type, v0, v1, v2, v3) VALUES ($1, 'p', $2, $3, $4, $5)
				ON CONFLICT (id) DO NOTHING`, id, rule[0], rule[1], rule[2], rule[3])
			if err != nil {
				return nil, nil, fmt.Errorf("add policy %v: %w", rule, err)
			}
			if tag.RowsAffected() > 0 {
				added = append(added, role+" "+p.String())
			}
		}
	}
	rows, err := tx.Query(ctx, `DELETE FROM casbin_rule WHERE p_type = 'p' AND NOT (id = ANY($1))
		RETURNING coalesce(v0, '') || ' ' || coalesce(v2, '') || ':' || coalesce(v3, '')`, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("remove old policies: %w", err)
	}
	if removed, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return nil, nil, fmt.Errorf("remove old policies: %w", err)
	}
	slices.Sort(added)
	slices.Sort(removed)
	return added, removed, nil
}
