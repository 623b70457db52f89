package tenant

import (
	"context"
	"fmt"
)

// The counts /metrics reads at each scrape (package metrics; issue 15, the run's health).
// They are kept in a file of their own, apart from outbox.go, so that the metrics and the
// receipts' own changes (I10) touch different files; each reads one table.

// MailCounts counts the e-mails of kind (MailKvittering) per state, in the kommuner the
// scope may read: every kommune's in a read-all scope. Every state is in the map, 0 when no
// e-mail has it. Only counts: no address, subject or kommune.
func (t *Tx) MailCounts(ctx context.Context, kind string) (map[MailStatus]int, error) {
	rows, err := t.tx.Query(ctx, `SELECT status, count(*) FROM outbox WHERE kind = $1 GROUP BY status`, kind)
	if err != nil {
		return nil, fmt.Errorf("mail counts: %w", err)
	}
	defer rows.Close()
	counts := map[MailStatus]int{MailAfventer: 0, MailSendt: 0, MailFejlet: 0, MailGemtLokalt: 0}
	for rows.Next() {
		var s MailStatus
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("mail counts: %w", err)
		}
		counts[s] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mail counts: %w", err)
	}
	return counts, nil
}
