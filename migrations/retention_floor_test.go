package migrations_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"indberet/tenant"
)

// TestLogRetentionFloor: issue 14 #13. log_partitions_maintain refuses a retention period
// below the owner's floor (60 months unless the owner moves it), whoever asks; the app role
// reads the floor and cannot move it; the owner moves it with one UPDATE, never below 12.
func TestLogRetentionFloor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, owner, _ := migrationDB(t)
	keep := func(months int) error {
		return db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
			_, err := tx.KeepLog(ctx, "audit_log", months)
			return err
		})
	}
	code := func(err error) string {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			return pgErr.Code
		}
		return ""
	}
	for _, months := range []int{12, 36, 59} {
		if err := keep(months); code(err) != "22023" {
			t.Errorf("keep %d months under the default floor: %v, want invalid_parameter_value", months, err)
		}
	}
	if err := keep(60); err != nil {
		t.Errorf("keep 60 months: %v", err)
	}
	if floor, err := db.LogRetentionFloor(ctx); err != nil || floor != 60 {
		t.Errorf("LogRetentionFloor = %d, %v; want 60", floor, err)
	}
	for _, stmt := range []string{
		`UPDATE log_retention_floor SET months = 12`,
		`DELETE FROM log_retention_floor`,
		`INSERT INTO log_retention_floor (one, months) VALUES (true, 12) ON CONFLICT (one) DO UPDATE SET months = 12`,
		`TRUNCATE log_retention_floor`,
	} {
		if _, err := db.ToolPool().Exec(ctx, stmt); code(err) != "42501" {
			t.Errorf("the app role: %s: %v, want permission denied", stmt, err)
		}
	}
	if _, err := owner.Exec(ctx, `UPDATE log_retention_floor SET months = 36`); err != nil {
		t.Fatalf("the owner moves the floor: %v", err)
	}
	if err := keep(36); err != nil {
		t.Errorf("keep 36 months under a floor of 36: %v", err)
	}
	if err := keep(35); code(err) != "22023" {
		t.Errorf("keep 35 months under a floor of 36: %v, want invalid_parameter_value", err)
	}
	if _, err := owner.Exec(ctx, `UPDATE log_retention_floor SET months = 11`); code(err) != "23514" {
		t.Errorf("a floor of 11 months: %v, want a check violation", err)
	}
}
