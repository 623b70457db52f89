package tenant

// ListStatements returns the count and rows statements List runs for q in kommune, with
// their arguments, so that the plan test and the benchmark (make bench: EXPLAIN and the
// same SQL run directly with pgx) use exactly those.
func ListStatements(kommune string, q ListQuery) (count string, countArgs []any, rows string, rowsArgs []any, err error) {
	if q.Limit <= 0 || q.Limit > ListPageSize {
		q.Limit = ListPageSize
	}
	cur, err := decodeCursor(q.Visning, q.After)
	if err != nil {
		return "", nil, "", nil, err
	}
	s := listSQL(kommune, q, dateOnly(q.Today), cur)
	return s.count, s.countArgs, s.rows, s.rowsArgs, nil
}

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
	stmt, args := cprAccessSQL(kommune, q, cur)
	return stmt, args, nil
}
