package tenant

import "indberet/tenant/domain"

// The SQL of the lists (lister.go), for the plan tests and make bench's EXPLAIN.

// ListStatements returns the count and rows statements List runs for q in kommune, with
// their arguments, so that the plan tests and make bench's EXPLAIN use exactly those.
func ListStatements(kommune string, q ListQuery) (count string, countArgs []any, rows string, rowsArgs []any, err error) {
	if q.Limit <= 0 || q.Limit > ListPageSize {
		q.Limit = ListPageSize
	}
	cur, err := decodeCursor(q.Visning, q.After)
	if err != nil {
		return "", nil, "", nil, err
	}
	s := listSQL(kommune, q, domain.DateOf(q.Today), cur)
	return s.count, s.countArgs, s.rows, s.rowsArgs, nil
}

// ListPrevStatement returns the statement List runs for q after its cursor (q.After) for the
// previous page's cursor, with its arguments; "" when List runs none (no cursor, or the
// previous page is the first).
func ListPrevStatement(kommune string, q ListQuery) (prev string, args []any, err error) {
	if q.Limit <= 0 || q.Limit > ListPageSize {
		q.Limit = ListPageSize
	}
	cur, err := decodeCursor(q.Visning, q.After)
	if err != nil {
		return "", nil, err
	}
	s := listSQL(kommune, q, domain.DateOf(q.Today), cur)
	return s.prev, s.prevArgs, nil
}
