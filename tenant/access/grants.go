package access

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mmcloughlin/meow"

	"indberet/tenant"
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
func Grant(ctx context.Context, tx *tenant.Tx, userID int64, role, kommune string) (bool, error) {
	rule := []string{Subject(userID), role, Domain(kommune)}
	added, err := tx.AddGrantRule(ctx, policyID("g", rule), rule[0], rule[1], rule[2])
	if err != nil {
		return false, fmt.Errorf("grant %s to user %d: %w", role, userID, err)
	}
	return added, nil
}

// Revoke takes role in a kommune from the user, in tx. It reports whether anything changed.
func Revoke(ctx context.Context, tx *tenant.Tx, userID int64, role, kommune string) (bool, error) {
	deleted, err := tx.DeleteGrantRule(ctx, Subject(userID), role, Domain(kommune))
	if err != nil {
		return false, fmt.Errorf("revoke %s from user %d: %w", role, userID, err)
	}
	return deleted, nil
}

// RolesOf returns the roles granted to the user in a kommune (or AllDomains), from the
// database, in role order.
func RolesOf(ctx context.Context, tx *tenant.Tx, userID int64, kommune string) ([]string, error) {
	roles, err := tx.GrantedRoles(ctx, Subject(userID), Domain(kommune))
	if err != nil {
		return nil, fmt.Errorf("roles of user %d: %w", userID, err)
	}
	sortRoles(roles)
	return roles, nil
}

// Holders returns the ids of the users holding role in a kommune (or AllDomains), from the
// database, in tx, in id order.
func Holders(ctx context.Context, tx *tenant.Tx, role, kommune string) ([]int64, error) {
	subjects, err := tx.RoleHolders(ctx, role, Domain(kommune))
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
func SyncPolicies(ctx context.Context, tx *tenant.Tx) (added, removed []string, err error) {
	var ids []string
	for role, perms := range Policies {
		for _, p := range perms {
			rule := []string{role, AllDomains, p.Obj, p.Act}
			id := policyID("p", rule)
			ids = append(ids, id)
			ok, err := tx.AddPolicyRule(ctx, id, rule[0], rule[1], rule[2], rule[3])
			if err != nil {
				return nil, nil, fmt.Errorf("add policy %v: %w", rule, err)
			}
			if ok {
				added = append(added, role+" "+p.String())
			}
		}
	}
	if removed, err = tx.DeletePolicyRulesExcept(ctx, ids); err != nil {
		return nil, nil, fmt.Errorf("remove old policies: %w", err)
	}
	slices.Sort(added)
	slices.Sort(removed)
	return added, removed, nil
}
