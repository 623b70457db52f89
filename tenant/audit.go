package tenant

import (
	"context"
	"encoding/json"
	"fmt"
)

// PlatformKommune is the kommune_kode of audit records about the platform itself (a DST user
// created, a code list changed), which belong to no kommune.
const PlatformKommune = "000"

// AuditEntry is one state change: what was done to which thing, with its state before and
// after (nil where there is none). Who, when and from where come from the transaction's Actor.
type AuditEntry struct {
	Kommune  string // defaults to the scope's kommune
	Action   string // e.g. "sag.create", "user.grant"
	Entity   string // e.g. "sag"
	EntityID string
	Before   any
	After    any
}

// Audit writes e to the audit log in this transaction, so the record exists exactly when the
// change does.
func (t *Tx) Audit(ctx context.Context, e AuditEntry) error {
	kommune := e.Kommune
	if kommune == "" {
		kommune = t.scope.Kommune
	}
	if kommune == "" {
		kommune = PlatformKommune
	}
	before, err := jsonOrNil(e.Before)
	if err != nil {
		return err
	}
	after, err := jsonOrNil(e.After)
	if err != nil {
		return err
	}
	a := t.scope.Actor
	_, err = t.tx.Exec(ctx, `
		INSERT INTO audit_log (kommune_kode, user_id, user_email, ip, action, entity, entity_id, before, after)
		VALUES ($1, NULLIF($2, 0), $3, $4, $5, $6, $7, $8, $9)`,
		kommune, a.UserID, a.Email, a.IP, e.Action, e.Entity, e.EntityID, before, after)
	if err != nil {
		return fmt.Errorf("write audit record: %w", err)
	}
	return nil
}

// LogCPRAccess records that the actor saw or exported the given CPR numbers (action: list,
// search, view, export, download), in this transaction.
func (t *Tx) LogCPRAccess(ctx context.Context, action string, cprs []string, detail string) error {
	if cprs == nil {
		cprs = []string{}
	}
	a := t.scope.Actor
	kommune := t.scope.Kommune
	if kommune == "" {
		kommune = PlatformKommune
	}
	_, err := t.tx.Exec(ctx, `
		INSERT INTO cpr_access_log (kommune_kode, user_id, user_email, ip, action, cprs, detail)
		VALUES ($1, NULLIF($2, 0), $3, $4, $5, $6, $7)`,
		kommune, a.UserID, a.Email, a.IP, action, cprs, detail)
	if err != nil {
		return fmt.Errorf("write cpr access record: %w", err)
	}
	return nil
}

func jsonOrNil(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit value: %w", err)
	}
	return b, nil
}
