package tenant

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The retention of the logs (issue 14 #13): the audit log, the CPR access log and its index
// by CPR number are partitioned by calendar month (UTC) of at (00024), and a month is removed
// whole, by dropping its partition, once it ended longer ago than the retention period. The
// database function log_partitions_maintain does the work as the tables' owner; it refuses a
// period under the owner's floor (LogRetentionFloor, at least MinLogRetentionMonths) whoever
// asks, so the application's role cannot empty a log, nor drop a month it ought to keep.

// Logs are the tables partitioned by month, in the order the retention job works them: a CPR
// access record's index rows go after the record (in a transaction of their own), so for a
// moment index rows may name a record that is gone (the look-up by CPR number joins them to
// the records and shows nothing of them), but a record never lacks its index rows.
var Logs = []string{"audit_log", "cpr_access_log", "cpr_access_log_cprs"}

// LogMonthsAhead is how many months after the current one have their partitions made in
// advance (00024 makes the same), so that a month's first record never waits for DDL.
const LogMonthsAhead = 3

// MinLogRetentionMonths is the shortest retention period the database ever accepts; the
// floor it accepts now (LogRetentionFloor) may be longer.
const MinLogRetentionMonths = 12

// LogRetentionFloor is the shortest retention period in months that log_partitions_maintain
// accepts now: log_retention_floor (00025), which only the database's owner changes (README,
// *Retention of the logs*).
func (db *DB) LogRetentionFloor(ctx context.Context) (int, error) {
	var months int
	if err := db.pool.QueryRow(ctx, `SELECT months FROM log_retention_floor`).Scan(&months); err != nil {
		return 0, fmt.Errorf("log retention floor: %w", err)
	}
	return months, nil
}

// LogPartitionChange is one change to a log's partitions.
type LogPartitionChange struct {
	Partition string `json:"partition"` // e.g. "audit_log_2021_11", "audit_log_earlier"
	Change    string `json:"change"`    // "dropped", "created" or "moved" (a catch-all's records moved into new months)
	Records   int64  `json:"records"`   // dropped: the records it held; moved: how many; created: 0
}

// logRetentionRecord is the audit record of a retention run that changed a log: its stored
// format (the after of action "log.retention").
type logRetentionRecord struct {
	KeepMonths int                  `json:"keep_months"`
	Changes    []LogPartitionChange `json:"changes"`
}

// KeepLog drops the monthly partitions of log (one of Logs) whose month ended more than
// keepMonths ago, with the records in them, makes the partitions of the months up to
// LogMonthsAhead after this one, and records what changed in the audit log (action
// "log.retention", under PlatformKommune) in this transaction. It must run in a read-all
// scope. Most days nothing changes and nothing is locked; on a change the log is locked
// exclusively for a few milliseconds, and an error (e.g. the lock not granted within 3 s,
// because a long transaction writes to the log) leaves everything as it was.
func (t *Tx) KeepLog(ctx context.Context, log string, keepMonths int) ([]LogPartitionChange, error) {
	rows, err := t.tx.Query(ctx, `SELECT log_partition, change, coalesce(records, 0)
		FROM log_partitions_maintain($1, $2, $3)`, log, keepMonths, LogMonthsAhead)
	if err != nil {
		return nil, fmt.Errorf("keep %s: %w", log, err)
	}
	changes, err := pgx.CollectRows(rows, pgx.RowToStructByPos[LogPartitionChange])
	if err != nil {
		return nil, fmt.Errorf("keep %s: %w", log, err)
	}
	if len(changes) == 0 {
		return nil, nil
	}
	err = t.Audit(ctx, AuditEntry{Kommune: PlatformKommune, Action: "log.retention", Entity: "log", EntityID: log,
		After: logRetentionRecord{KeepMonths: keepMonths, Changes: changes}})
	return changes, err
}
