package tenant

import (
	"context"
	"errors"
	"fmt"

	"indberet/tenant/domain"

	"github.com/jackc/pgx/v5"
)

// Scope and Tx: every read and write of kommune data runs in a transaction of a scope (one
// kommune, or all), which sets the row-level security settings and names its Actor.

// Actor is who does the work of a transaction: written into the audit and CPR access logs.
type Actor struct {
	UserID int64  // 0 for the system (jobs, CLI)
	Email  string // or the system's name, e.g. "system:delivery"
	IP     string // the client address; "" for jobs and the CLI
	// Probe: the work only asks what the answer would be and shows none of it (an HTTP HEAD).
	// InScope rolls its transactions back, so it leaves no CPR access record (nothing was
	// shown), no audit record and no other change.
	Probe bool
}

// Scope is what a transaction may see (T1, T3): the rows of one kommune, or, for DST and
// platform administrators, reading every kommune.
type Scope struct {
	Kommune     string // the kommunekode the transaction works in; "" for none
	AllKommuner bool   // read every kommune's rows (DST, platform administrators)
	Actor       Actor
}

// ErrNoScope is returned when a scope names neither a kommune nor all kommuner.
var ErrNoScope = errors.New("tenant: scope names no kommune")

// Tx is a transaction scoped to a Scope. Stores of the kommune tables are methods on it.
type Tx struct {
	tx    pgx.Tx
	scope Scope
}

// Scope returns the scope the transaction runs in.
func (t *Tx) Scope() Scope { return t.scope }

// RiverTx returns the underlying transaction for one of River's transactional calls
// (InsertTx, InsertManyTx, JobCompleteTx, JobRetryTx, JobListTx …), so that a job is
// enqueued, completed or retried in the same transaction as the data that causes it
// (ARCHITECTURE.md: "A job is enqueued with InsertTx in the same transaction as the change
// that causes it"). It is the only way to the transaction outside this package: its call must
// be written as that River call's argument, and TestSQLOnlyInTenant (sqlplace_test.go)
// refuses any other use.
func (t *Tx) RiverTx() pgx.Tx { return t.tx }

// ToolTx returns the underlying transaction to code that is not the product and sets up or
// inspects data with SQL of its own: tests (_test.go files and tenant/tenanttest) and the
// developer tools of tenant/generate. TestSQLOnlyInTenant refuses it anywhere else.
func (t *Tx) ToolTx() pgx.Tx { return t.tx }

// InScope runs fn in one transaction in which row-level security shows exactly what s may
// see: the kommune setting and the read-all setting are SET LOCAL, so they end with the
// transaction and a pooled connection never carries them to the next request. fn's error
// rolls everything back, and so does a probe's success (Actor.Probe). This is the only way code outside this package reaches kommune data.
func (db *DB) InScope(ctx context.Context, s Scope, fn func(tx *Tx) error) error {
	if s.Kommune == "" && !s.AllKommuner {
		return ErrNoScope
	}
	if s.Kommune != "" && !domain.ValidKommunekode(s.Kommune) {
		return fmt.Errorf("tenant: invalid kommunekode %q", s.Kommune)
	}
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{BeginQuery: beginInScope(s)}, func(tx pgx.Tx) error {
		if err := fn(&Tx{tx: tx, scope: s}); err != nil {
			return err
		}
		if s.Actor.Probe {
			return errProbe // roll back: a probe keeps nothing
		}
		return nil
	})
	if errors.Is(err, errProbe) {
		return nil
	}
	return err
}

// errProbe rolls back the transaction of a probe (Actor.Probe) that succeeded.
var errProbe = errors.New("tenant: probe rolled back")

// beginInScope is the statement that begins a transaction of scope s and sets its settings,
// one round trip for both (a multi-statement simple query). The values are literals, safe
// as such: the kommunekode is three digits (InScope checks it) and the read-all setting is
// a constant.
func beginInScope(s Scope) string {
	alle := ""
	if s.AllKommuner {
		alle = "read"
	}
	return "BEGIN; SELECT set_config('indberet.kommune', '" + s.Kommune + "', true), set_config('indberet.alle', '" +
		alle + "', true)"
}

// readsDeliveredOnly tells whether the scope reads only what All (read only) shows, the
// delivered sager and ydelser (S9, T3): a scope that reads every kommune (DST, platform
// administrators), also when it acts in one kommune (an export DST orders for it).
func (t *Tx) readsDeliveredOnly() bool { return t.scope.AllKommuner }

// readKommune is the kommune a read asks for, checked against the scope: in a kommune's
// scope its own kommune (k "" or that kommune; another kommune is ErrNotFound, T1), in a
// read-all scope k, which is "" for every kommune (T3).
func (t *Tx) readKommune(k string) (string, error) {
	switch {
	case t.scope.Kommune != "":
		if k != "" && k != t.scope.Kommune {
			return "", ErrNotFound
		}
		return t.scope.Kommune, nil
	case t.scope.AllKommuner:
		if k != "" && !domain.ValidKommunekode(k) {
			return "", fmt.Errorf("tenant: invalid kommunekode %q", k)
		}
		return k, nil
	}
	return "", ErrNoScope
}
