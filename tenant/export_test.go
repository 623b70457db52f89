package tenant

// Test-only access to the log readers' page queries, so the plan test (log_plan_test.go) can
// EXPLAIN exactly what AuditLog and CPRAccessLog run.

// AuditStatement returns the page query AuditLog runs for q in kommune ("" for every
// kommune), with its arguments, so the plan test can EXPLAIN exactly that.
func AuditStatement(kommune string, q AuditQuery) (string, []any, error) {
	cur, err := decodeLogCursor(q.After)
	if err != nil {
		return "", nil, err
	}
	q.Limit = logLimit(q.Limit)
	stmt, args, _ := auditSQL(kommune, q, cur)
	return stmt, args, nil
}

// CPRAccessStatement returns the page query CPRAccessLog runs for q in kommune.
func CPRAccessStatement(kommune string, q CPRAccessQuery) (string, []any, error) {
	cur, err := decodeLogCursor(q.After)
	if err != nil {
		return "", nil, err
	}
	q.Limit = logLimit(q.Limit)
	stmt, args, _ := cprAccessSQL(kommune, q, cur)
	return stmt, args, nil
}
