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
//
// Each order to send an e-mail is recorded beside it (outbox_sends, 00028, I10): the first,
// made when the e-mail is recorded, and each *Send igen* of one that is fejlet or gemt lokalt,
// with who asked, when, to whom, with which link, and the result. At most one is open.

// MailStatus is where an e-mail stands.
type MailStatus string

// The states of an e-mail. Afventer changes to sendt, to fejlet (a permanent SMTP error, no
// recipient, or the last attempt failed) or, without SMTP_URL, to gemt lokalt (recorded and
// shown, not sent). Fejlet and gemt lokalt go back to afventer by a Send igen (I10,
// ResendMail); sendt is final.
const (
	MailAfventer   MailStatus = "afventer"
	MailSendt      MailStatus = "sendt"
	MailFejlet     MailStatus = "fejlet"
	MailGemtLokalt MailStatus = "gemt_lokalt"
)

// Final tells whether the state ends an order to send: the job has nothing more to do.
func (s MailStatus) Final() bool { return s != MailAfventer }

// Resendable tells whether an e-mail in this state may be sent again (I10): it was not sent
// (fejlet) or only recorded (gemt lokalt). A sent one is not sent twice, and one that waits
// is already on its way.
func (s MailStatus) Resendable() bool { return s == MailFejlet || s == MailGemtLokalt }

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
	// Link is the address of the leverance the e-mail carries, recorded with the order
	// (outbox_sends) so that the history tells which link each order sent.
	Link string
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

// InsertMail records m for the scope kommune with its first order to send (by the scope's
// actor) and an audit record, and returns it as stored.
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
	if _, err := t.insertMailSend(ctx, stored.ID, m); err != nil {
		return Mail{}, err
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

// SetMailStatus records the outcome of an attempt on the scope kommune's e-mail id, on the
// e-mail and on its open order (outbox_sends); a final state gets an audit record.
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
	// The open order, if any (every e-mail has one from 00028 on while it waits).
	if _, err := t.tx.Exec(ctx, `
		UPDATE outbox_sends SET status = $3, attempts = attempts + $4, last_error = $5,
			finished_at = CASE WHEN $3 <> 'afventer' THEN now() END
		WHERE kommune_kode = $1 AND mail_id = $2 AND status = 'afventer'`,
		t.scope.Kommune, id, a.Status, inc, a.Error); err != nil {
		return fmt.Errorf("set mail send status: %w", err)
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

// MailSend is one order to send an e-mail (outbox_sends, I10): the first, the receipt job's,
// or a Send igen by a user, with its result.
type MailSend struct {
	ID               int64
	MailID           int64
	RequestedBy      int64  // the user; 0 for the system
	RequestedByEmail string // the user's e-mail or the system actor (system:kvittering)
	RequestedAt      time.Time
	ToName           string
	ToAddress        string // "" when there was no recipient
	Link             string // the leverance's address in the e-mail; "" for orders before 00028
	Status           MailStatus
	Attempts         int // SMTP attempts of this order
	LastError        string
	FinishedAt       *time.Time
}

const mailSendColumns = `id, mail_id, coalesce(requested_by, 0), requested_by_email, requested_at, to_name, to_address, link,
	status, attempts, last_error, finished_at`

func scanMailSend(row pgx.Row) (MailSend, error) {
	var s MailSend
	err := row.Scan(&s.ID, &s.MailID, &s.RequestedBy, &s.RequestedByEmail, &s.RequestedAt, &s.ToName, &s.ToAddress, &s.Link,
		&s.Status, &s.Attempts, &s.LastError, &s.FinishedAt)
	return s, err
}

// insertMailSend records an order to send e-mail id as m says, by the scope's actor: open
// (afventer) unless m's state is final already (no recipient, gemt lokalt at once).
func (t *Tx) insertMailSend(ctx context.Context, id int64, m NewMail) (MailSend, error) {
	status := m.Status
	if status == "" {
		status = MailAfventer
	}
	a := t.scope.Actor
	s, err := scanMailSend(t.tx.QueryRow(ctx, `
		INSERT INTO outbox_sends (kommune_kode, mail_id, requested_by, requested_by_email, to_name, to_address, link,
			status, last_error, finished_at)
		VALUES ($1, $2, NULLIF($3, 0), $4, $5, $6, $7, $8, $9, CASE WHEN $8 <> 'afventer' THEN now() END)
		RETURNING `+mailSendColumns,
		t.scope.Kommune, id, a.UserID, a.Email, m.ToName, m.ToAddress, m.Link, status, m.LastError))
	if err != nil {
		return MailSend{}, fmt.Errorf("insert mail send: %w", err)
	}
	return s, nil
}

// MailSends returns the orders to send e-mail id, oldest first (the history of a Send igen,
// I10); none for another kommune's (T1).
func (t *Tx) MailSends(ctx context.Context, id int64) ([]MailSend, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+mailSendColumns+` FROM outbox_sends WHERE mail_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("mail sends: %w", err)
	}
	ss, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (MailSend, error) { return scanMailSend(r) })
	if err != nil {
		return nil, fmt.Errorf("mail sends: %w", err)
	}
	return ss, nil
}

// LockMail returns the scope kommune's e-mail id with its bodies, taken for the rest of the
// transaction (FOR UPDATE), so that two Send igen of it take turns; ErrNotFound for another
// kommune's (T1).
func (t *Tx) LockMail(ctx context.Context, id int64) (Mail, error) {
	m, err := scanMail(t.tx.QueryRow(ctx, `SELECT `+mailListColumns+`, body_text, body_html FROM outbox
		WHERE kommune_kode = $1 AND id = $2 FOR UPDATE`, t.scope.Kommune, id), true)
	return m, notFound(err, "mail")
}

// ResendMail orders the scope kommune's e-mail id sent again as m (I10): the e-mail becomes
// m (rendered again by the caller: its recipient, sender, subject, bodies and Message-ID)
// and waits (afventer) with its last error cleared, a new order by the scope's actor is
// recorded, and the audit log has the change. The caller holds the row (LockMail) and has
// checked that its state is Resendable; the open order's unique index refuses a second one.
func (t *Tx) ResendMail(ctx context.Context, id int64, m NewMail) (MailSend, error) {
	before, err := scanMail(t.tx.QueryRow(ctx, `SELECT `+mailListColumns+` FROM outbox WHERE kommune_kode = $1 AND id = $2`,
		t.scope.Kommune, id), false)
	if err != nil {
		return MailSend{}, notFound(err, "mail")
	}
	_, err = t.tx.Exec(ctx, `
		UPDATE outbox SET to_name = $3, to_address = $4, from_address = $5, subject = $6, body_text = $7, body_html = $8,
			message_id = $9, status = 'afventer', last_error = '', sent_at = NULL, updated_at = now()
		WHERE kommune_kode = $1 AND id = $2`,
		t.scope.Kommune, id, m.ToName, m.ToAddress, m.From, m.Subject, m.Text, m.HTML, m.MessageID)
	if err != nil {
		return MailSend{}, fmt.Errorf("resend mail: %w", err)
	}
	m.Status, m.LastError = MailAfventer, ""
	s, err := t.insertMailSend(ctx, id, m)
	if err != nil {
		return MailSend{}, err
	}
	return s, t.Audit(ctx, AuditEntry{Action: "mail.send_igen", Entity: "mail", EntityID: strconv.FormatInt(id, 10),
		Before: map[string]any{"status": before.Status, "to": before.ToAddress, "from": before.From,
			"message_id": before.MessageID, "last_error": before.LastError},
		After: map[string]any{"status": MailAfventer, "to": m.ToAddress, "from": m.From, "message_id": m.MessageID,
			"link": m.Link, "send_id": s.ID}})
}

// UnsentReceipts are the receipts that could not be sent, fejlet or gemt lokalt, and may be
// sent again (I10), for the Driftsstatus: how many of each kommune the scope reads, by
// state, and the newest limit of them (without their bodies), newest first.
func (t *Tx) UnsentReceipts(ctx context.Context, limit int) (map[string]map[MailStatus]int, []Mail, error) {
	rows, err := t.tx.Query(ctx, `SELECT kommune_kode, status, count(*) FROM outbox
		WHERE kind = $1 AND status IN ($2, $3) GROUP BY kommune_kode, status`, MailKvittering, MailFejlet, MailGemtLokalt)
	if err != nil {
		return nil, nil, fmt.Errorf("unsent receipts: %w", err)
	}
	counts := map[string]map[MailStatus]int{}
	var k string
	var s MailStatus
	var n int
	_, err = pgx.ForEachRow(rows, []any{&k, &s, &n}, func() error {
		if counts[k] == nil {
			counts[k] = map[MailStatus]int{}
		}
		counts[k][s] = n
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("unsent receipts: %w", err)
	}
	rows, err = t.tx.Query(ctx, `SELECT `+mailListColumns+` FROM outbox
		WHERE kind = $1 AND status IN ($2, $3) ORDER BY id DESC LIMIT $4`, MailKvittering, MailFejlet, MailGemtLokalt, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("unsent receipts: %w", err)
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Mail, error) { return scanMail(r, false) })
	if err != nil {
		return nil, nil, fmt.Errorf("unsent receipts: %w", err)
	}
	return counts, ms, nil
}

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
