package tenant

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// The outbox (*Udbakke*, migration 00012): every e-mail the system sends, recorded before it
// is sent, with its state. Today the only kind is the receipt of a leverance to the
// kommune's Kvitteringsmodtager (I3, K3).

// MailStatus is where an e-mail stands.
type MailStatus string

// The states of an e-mail. Afventer is the only one that changes: to sendt, to fejlet (a
// permanent SMTP error, no recipient, or the last attempt failed) or, without SMTP_URL, to
// gemt lokalt (recorded and shown, not sent).
const (
	MailAfventer   MailStatus = "afventer"
	MailSendt      MailStatus = "sendt"
	MailFejlet     MailStatus = "fejlet"
	MailGemtLokalt MailStatus = "gemt_lokalt"
)

// Final tells whether the state is the last one the e-mail gets.
func (s MailStatus) Final() bool { return s != MailAfventer }

// Label is the state as the screens write it.
func (s MailStatus) Label() string {
	switch s {
	case MailAfventer:
		return "Afventer"
	case MailSendt:
		return "Sendt"
	case MailFejlet:
		return "Fejlet"
	case MailGemtLokalt:
		return "Gemt lokalt"
	}
	return string(s)
}

// MailKvittering is the kind of the receipt of a leverance.
const MailKvittering = "kvittering"

// NewMail is an e-mail to record (InsertMail).
type NewMail struct {
	Kind        string // MailKvittering
	LeveranceID int64
	ToName      string
	ToAddress   string // "" when there is no recipient: Status is then MailFejlet
	From        string
	Subject     string
	Text, HTML  string // the two bodies (multipart/alternative)
	MessageID   string // the Message-ID header, the same on every attempt
	Status      MailStatus
	LastError   string
}

// Mail is a recorded e-mail.
type Mail struct {
	ID          int64
	Kommune     string
	Kind        string
	LeveranceID int64 // 0: none
	ToName      string
	ToAddress   string
	From        string
	Subject     string
	Text, HTML  string // empty in lists (Mails)
	MessageID   string
	Status      MailStatus
	Attempts    int
	LastError   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SentAt      *time.Time
}

const mailListColumns = `kommune_kode, id, kind, coalesce(leverance_id, 0), to_name, to_address, from_address, subject,
	message_id, status, attempts, last_error, created_at, updated_at, sent_at`

func scanMail(row pgx.Row, bodies bool) (Mail, error) {
	var m Mail
	dest := []any{&m.Kommune, &m.ID, &m.Kind, &m.LeveranceID, &m.ToName, &m.ToAddress, &m.From, &m.Subject,
		&m.MessageID, &m.Status, &m.Attempts, &m.LastError, &m.CreatedAt, &m.UpdatedAt, &m.SentAt}
	if bodies {
		dest = append(dest, &m.Text, &m.HTML)
	}
	return m, row.Scan(dest...)
}

// InsertMail records m for the scope kommune, with an audit record, and returns it as stored.
func (t *Tx) InsertMail(ctx context.Context, m NewMail) (Mail, error) {
	if m.Status == "" {
		m.Status = MailAfventer
	}
	var lev *int64
	if m.LeveranceID != 0 {
		lev = &m.LeveranceID
	}
	stored, err := scanMail(t.tx.QueryRow(ctx, `
		INSERT INTO outbox (kommune_kode, kind, leverance_id, to_name, to_address, from_address, subject,
			body_text, body_html, message_id, status, last_error)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		RETURNING `+mailListColumns+`, body_text, body_html`,
		t.scope.Kommune, m.Kind, lev, m.ToName, m.ToAddress, m.From, m.Subject, m.Text, m.HTML, m.MessageID,
		m.Status, m.LastError), true)
	if err != nil {
		return Mail{}, fmt.Errorf("insert mail: %w", err)
	}
	return stored, t.Audit(ctx, AuditEntry{Action: "mail.create", Entity: "mail", EntityID: strconv.FormatInt(stored.ID, 10),
		After: map[string]any{"kind": m.Kind, "leverance_id": m.LeveranceID, "to": m.ToAddress, "subject": m.Subject,
			"status": m.Status, "last_error": m.LastError}})
}

// ReceiptMail returns the scope kommune's receipt of leverance leveranceID, or ErrNotFound.
// lock takes the row for the rest of the transaction (FOR UPDATE), so that one sender at a
// time works it.
func (t *Tx) ReceiptMail(ctx context.Context, leveranceID int64, lock bool) (Mail, error) {
	q := `SELECT ` + mailListColumns + `, body_text, body_html FROM outbox
		WHERE kommune_kode = $1 AND kind = $2 AND leverance_id = $3`
	if lock {
		q += ` FOR UPDATE`
	}
	m, err := scanMail(t.tx.QueryRow(ctx, q, t.scope.Kommune, MailKvittering, leveranceID), true)
	return m, notFound(err, "receipt mail")
}

// MailAttempt is the outcome of one attempt to send an e-mail, for SetMailStatus.
type MailAttempt struct {
	Status    MailStatus // MailSendt, MailFejlet, MailGemtLokalt, or MailAfventer (will be tried again)
	Attempted bool       // an SMTP attempt was made: counted in attempts
	Error     string     // the error of the attempt ("" on success)
}

// SetMailStatus records the outcome of an attempt on the scope kommune's e-mail id; a final
// state gets an audit record.
func (t *Tx) SetMailStatus(ctx context.Context, id int64, a MailAttempt) error {
	inc := 0
	if a.Attempted {
		inc = 1
	}
	tag, err := t.tx.Exec(ctx, `
		UPDATE outbox SET status = $3, attempts = attempts + $4, last_error = $5, updated_at = now(),
			sent_at = CASE WHEN $3 = 'sendt' THEN now() END
		WHERE kommune_kode = $1 AND id = $2`,
		t.scope.Kommune, id, a.Status, inc, a.Error)
	if err != nil {
		return fmt.Errorf("set mail status: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("set mail status %d: %w", id, ErrNotFound)
	}
	if !a.Status.Final() {
		return nil
	}
	return t.Audit(ctx, AuditEntry{Action: "mail." + string(a.Status), Entity: "mail", EntityID: strconv.FormatInt(id, 10),
		After: map[string]any{"status": a.Status, "error": a.Error}})
}

// MailQuery selects a page of the outbox.
type MailQuery struct {
	Kommune string // only this kommune's ("" : every kommune the scope reads)
	Before  int64  // only e-mails with a smaller id (the next page); 0: from the newest
	Limit   int
}

// Mails returns a page of the e-mails the scope may read, newest first, without their
// bodies, and whether there are more after it.
func (t *Tx) Mails(ctx context.Context, q MailQuery) ([]Mail, bool, error) {
	k, err := t.readKommune(q.Kommune) // T1: a kommune reads its own; T3: DST any or all
	if err != nil {
		return nil, false, err
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	rows, err := t.tx.Query(ctx, `SELECT `+mailListColumns+` FROM outbox
		WHERE ($1 = '' OR kommune_kode = $1) AND ($2::bigint = 0 OR id < $2::bigint)
		ORDER BY id DESC LIMIT $3`, k, q.Before, q.Limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("mails: %w", err)
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Mail, error) { return scanMail(r, false) })
	if err != nil {
		return nil, false, fmt.Errorf("mails: %w", err)
	}
	ms, more := onePage(ms, q.Limit)
	return ms, more, nil
}

// onePage cuts the limit+1 rows a paged query read to limit, and tells whether there were
// more.
func onePage[T any](rows []T, limit int) ([]T, bool) {
	if len(rows) > limit {
		return rows[:limit], true
	}
	return rows, false
}

// Mail returns the e-mail id with its bodies, or ErrNotFound (also another kommune's, T1).
func (t *Tx) Mail(ctx context.Context, id int64) (Mail, error) {
	m, err := scanMail(t.tx.QueryRow(ctx, `SELECT `+mailListColumns+`, body_text, body_html FROM outbox WHERE id = $1`, id), true)
	return m, notFound(err, "mail")
}
