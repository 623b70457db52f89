package tenant_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"indberet/tenant"
	"indberet/tenant/accounts"
	"indberet/tenant/demo"
	"indberet/tenant/tenanttest"
)

// kommuneTables are the tables that hold a kommune's data. TestEveryKommuneTableHasRLS
// fails when a table with a kommune_kode column is missing here, so a new table cannot
// escape the tests below.
var kommuneTables = []string{"kontaktpersoner", "sager", "ydelser", "ydelse_maalgrupper", "audit_log", "cpr_access_log",
	"cpr_access_log_cprs", "cpr_access_log_nye", "leverancer", "liste_taelling", "liste_taelling_cpr", "leverance_dele", "outbox", "outbox_sends", "eksporter", "eksport_dele"}

// notKommuneData are tables with a kommune_kode column that are not one kommune's data.
var notKommuneData = []string{"kommuner", "users"}

func setup(t *testing.T) (*tenant.DB, string) {
	t.Helper()
	db, owner := tenanttest.DB(t)
	if _, err := demo.Load(context.Background(), db, accounts.NewStore(db)); err != nil {
		t.Fatalf("demo: %v", err)
	}
	return db, owner
}

// TestEveryKommuneTableHasRLS: every table with a kommune_kode column (a partitioned one
// counted once, its partitions in TestLogPartitionsOnlyThroughTheirLog) is in kommuneTables
// or notKommuneData, and a kommune table has forced row-level security and kommune_kode first
// in its primary key.
func TestEveryKommuneTableHasRLS(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	ctx := context.Background()
	rows, err := db.ToolPool().Query(ctx, `
		SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
			(SELECT a.attname FROM pg_attribute a JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
			 WHERE a.attrelid = c.oid AND a.attnum = i.indkey[0])
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
		  AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'kommune_kode')`)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for rows.Next() {
		var name, firstPK string
		var rls, force bool
		if err := rows.Scan(&name, &rls, &force, &firstPK); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(notKommuneData, name) {
			continue
		}
		found = append(found, name)
		if !rls || !force {
			t.Errorf("table %s: row level security enabled=%v forced=%v, want both", name, rls, force)
		}
		if firstPK != "kommune_kode" {
			t.Errorf("table %s: first primary key column is %s, want kommune_kode", name, firstPK)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(found)
	want := slices.Clone(kommuneTables)
	slices.Sort(want)
	if !slices.Equal(found, want) {
		t.Errorf("kommune tables = %v, want %v (add new tables to kommuneTables)", found, want)
	}
}

// TestPoliciesReadSettingsOnce: every policy reads the scope's settings through a scalar
// sub-select (00018), which PostgreSQL computes once per statement; a bare current_setting()
// in a policy runs for every row a scan reads. A table of a later migration whose policies
// copy an older migration's block fails here.
func TestPoliciesReadSettingsOnce(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	rows, err := db.ToolPool().Query(context.Background(), `
		SELECT tablename || '.' || policyname, coalesce(qual, ''), coalesce(with_check, '')
		FROM pg_policies WHERE schemaname = 'public'`)
	if err != nil {
		t.Fatal(err)
	}
	policies, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([3]string, error) {
		var p [3]string
		return p, r.Scan(&p[0], &p[1], &p[2])
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(policies) < 2*len(kommuneTables) {
		t.Fatalf("%d policies, want at least two per kommune table", len(policies))
	}
	for _, p := range policies {
		for _, expr := range p[1:] {
			calls := strings.Count(expr, "current_setting(")
			once := strings.Count(expr, "( SELECT current_setting(")
			if calls != once {
				t.Errorf("policy %s: %d of %d current_setting() calls not in a scalar sub-select: %s", p[0], calls-once, calls, expr)
			}
		}
	}
}

func TestAppRoleIsNotOwnerNorSuperuser(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	var user string
	var super, bypass bool
	var owns int
	err := db.ToolPool().QueryRow(context.Background(), `
		SELECT current_user, rolsuper, rolbypassrls,
			(SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user)
		FROM pg_roles WHERE rolname = current_user`).Scan(&user, &super, &bypass, &owns)
	if err != nil {
		t.Fatal(err)
	}
	if user != tenant.AppRole || super || bypass || owns != 0 {
		t.Errorf("app connection runs as %s (superuser %v, bypassrls %v, owns %d tables), want %s owning nothing",
			user, super, bypass, owns, tenant.AppRole)
	}
}

// count returns how many rows of table the transaction sees, and how many of them belong to
// kommune k.
func count(ctx context.Context, t *testing.T, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, table, k string) (all, ofK int) {
	t.Helper()
	err := q.QueryRow(ctx, fmt.Sprintf(`SELECT count(*), count(*) FILTER (WHERE kommune_kode = $1) FROM %s`, table), k).Scan(&all, &ofK)
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return all, ofK
}

func TestRLSKommuneSeesOnlyItsOwnRows(t *testing.T) {
	t.Parallel()
	db, _ := setup(t)
	ctx := context.Background()
	// Give every table rows in both kommuner (the demo has sager in 101 and 147; CPR access
	// records, a leverance and an export with its file for each).
	for _, k := range []string{"101", "147"} {
		err := db.InScope(ctx, tenant.Scope{Kommune: k}, func(tx *tenant.Tx) error {
			id, err := tenanttest.Leverance(ctx, tx, tenant.NewLeverance{Periode: "2026M10", SHA256: strings.Repeat("0", 64)}, []byte("<x/>"))
			if err != nil {
				return err
			}
			if _, err := tx.InsertMail(ctx, tenant.NewMail{Kind: tenant.MailKvittering, LeveranceID: id, From: "a@b.dk",
				Subject: "s", MessageID: "m"}); err != nil {
				return err
			}
			// and one written in parts (leverance_dele).
			id, err = tx.ReserveLeveranceID(ctx)
			if err != nil {
				return err
			}
			w := tx.NewLeveranceDocument(ctx, id)
			if _, err := w.Write([]byte("<x/>")); err != nil || w.Close() != nil {
				return fmt.Errorf("write parts: %v", err)
			}
			if _, err := tx.InsertLeverance(ctx, tenant.NewLeverance{ID: id, Periode: "2026M11", Bytes: 4, GzipSize: w.GzipSize(),
				SHA256: strings.Repeat("0", 64)}); err != nil {
				return err
			}
			// A CPR access record with its index rows (the job's), and one still waiting for them.
			for i := range 2 {
				if err := tx.LogCPRAccess(ctx, "view", []string{demo.NielsHansenCPR}, "test"); err != nil {
					return err
				}
				if i == 0 {
					if _, err := tx.IndexCPRAccess(ctx); err != nil {
						return err
					}
				}
			}
			e, err := tx.CreateEksport(ctx, tenant.NewEksport{Art: tenant.EksportListe, Format: tenant.FormatCSV,
				Parametre: tenant.EksportParametre{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, Filter: tenant.FilterAlle}})
			if err != nil {
				return err
			}
			fil := tx.EksportFil(ctx, e.ID)
			if _, err := fil.Write([]byte("CPR-nummer\r\n")); err != nil {
				return err
			}
			return fil.Close()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range kommuneTables {
		t.Run(table, func(t *testing.T) {
			// Both kommuner have rows: DST's read-all scope sees them.
			err := db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
				all, of101 := count(ctx, t, tx.ToolTx(), table, "101")
				if of101 == 0 || all == of101 {
					t.Errorf("read-all scope sees %d rows, %d of 101: want rows of both kommuner", all, of101)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			err = db.InScope(ctx, tenant.Scope{Kommune: "147"}, func(tx *tenant.Tx) error {
				all, of101 := count(ctx, t, tx.ToolTx(), table, "101")
				if all == 0 || of101 != 0 {
					t.Errorf("kommune 147 sees %d rows, %d of them 101's: want only its own", all, of101)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			// Update and delete of 101's rows from 147 touch nothing (or are not allowed at
			// all, for the append-only logs). Each in its own transaction, rolled back.
			for _, stmt := range []string{
				`UPDATE %s SET kommune_kode = kommune_kode WHERE kommune_kode = '101'`,
				`DELETE FROM %s WHERE kommune_kode = '101'`,
				`UPDATE %s SET kommune_kode = '101'`,
			} {
				sql := fmt.Sprintf(stmt, table)
				err := db.InScope(ctx, tenant.Scope{Kommune: "147"}, func(tx *tenant.Tx) error {
					tag, err := tx.ToolTx().Exec(ctx, sql)
					if err != nil {
						return err
					}
					if tag.RowsAffected() != 0 {
						t.Errorf("%s from kommune 147 changed %d rows", sql, tag.RowsAffected())
					}
					return errRollback
				})
				if err != nil && !errors.Is(err, errRollback) && !isDenied(err) {
					t.Errorf("%s: %v", sql, err)
				}
			}
			// 101's rows are all still there.
			_ = db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
				if _, n := count(ctx, t, tx.ToolTx(), table, "101"); n == 0 {
					t.Errorf("kommune 101 lost its rows")
				}
				return nil
			})
		})
	}
}

var errRollback = errors.New("rollback")

// isDenied tells whether err is PostgreSQL refusing the statement for lack of privilege or
// by a row-level security policy.
func isDenied(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42501"
}

func TestRLSRefusesWritingAnotherKommunesRows(t *testing.T) {
	t.Parallel()
	db, _ := setup(t)
	ctx := context.Background()
	err := db.InScope(ctx, tenant.Scope{Kommune: "147"}, func(tx *tenant.Tx) error {
		_, err := tx.ToolTx().Exec(ctx, `INSERT INTO sager (kommune_kode, cpr) VALUES ('101', '0203041234')`)
		return err
	})
	if !isDenied(err) {
		t.Errorf("insert of a sag for 101 from 147: err = %v, want a row-level security violation", err)
	}
	// Moving one's own sag to another kommune fails the policy's check.
	err = db.InScope(ctx, tenant.Scope{Kommune: "147"}, func(tx *tenant.Tx) error {
		_, err := tx.ToolTx().Exec(ctx, `UPDATE sager SET navn = navn, kommune_kode = '101' WHERE id = (SELECT min(id) FROM sager)`)
		return err
	})
	if err == nil {
		t.Errorf("moving a sag of 147 to 101 succeeded")
	}
	// DST reads everything but writes nothing.
	err = db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
		tag, err := tx.ToolTx().Exec(ctx, `UPDATE sager SET navn = 'x'`)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 0 {
			t.Errorf("read-all scope updated %d sager", tag.RowsAffected())
		}
		_, err = tx.ToolTx().Exec(ctx, `INSERT INTO sager (kommune_kode, cpr) VALUES ('101', '0203041234')`)
		if !isDenied(err) {
			t.Errorf("insert from read-all scope: err = %v, want a row-level security violation", err)
		}
		return errRollback
	})
	if err != nil && !errors.Is(err, errRollback) && !isDenied(err) {
		t.Fatal(err)
	}
}

func TestRLSWithoutScopeSeesNothing(t *testing.T) {
	t.Parallel()
	db, owner := setup(t)
	ctx := context.Background()
	// The app role on a bare connection, and even the tables' owner (FORCE ROW LEVEL
	// SECURITY): no setting, no rows.
	ownerDB, err := tenant.OpenOwner(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	defer ownerDB.Close()
	ownerPool := ownerDB.ToolPool()
	for _, table := range kommuneTables {
		if all, _ := count(ctx, t, db.ToolPool(), table, ""); all != 0 {
			t.Errorf("app role without scope sees %d rows of %s", all, table)
		}
		if all, _ := count(ctx, t, ownerPool, table, ""); all != 0 {
			t.Errorf("owner without scope sees %d rows of %s", all, table)
		}
	}
	// The setting does not outlive its transaction on a pooled connection.
	conn, err := db.ToolPool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('indberet.kommune', '101', true)`); err != nil {
		t.Fatal(err)
	}
	if all, _ := count(ctx, t, tx, "sager", "101"); all == 0 {
		t.Fatal("scoped transaction sees no sager")
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if all, _ := count(ctx, t, conn, "sager", ""); all != 0 {
		t.Errorf("after the scoped transaction the connection still sees %d sager", all)
	}
	if err := db.InScope(ctx, tenant.Scope{}, func(*tenant.Tx) error { return nil }); !errors.Is(err, tenant.ErrNoScope) {
		t.Errorf("InScope without kommune: err = %v, want ErrNoScope", err)
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	db, _ := setup(t)
	ctx := context.Background()
	for _, sql := range []string{`UPDATE audit_log SET action = 'x'`, `DELETE FROM audit_log`,
		`UPDATE cpr_access_log SET action = 'x'`, `DELETE FROM cpr_access_log`,
		`UPDATE cpr_access_log_cprs SET cpr = 'x'`, `DELETE FROM cpr_access_log_cprs`} {
		err := db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
			_, err := tx.ToolTx().Exec(ctx, sql)
			return err
		})
		if !isDenied(err) {
			t.Errorf("%s: err = %v, want permission denied", sql, err)
		}
	}
}
