package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"indberet/tenant"
	"indberet/tenant/domain"
)

// The receipt of a leverance (I3, K1, K3): an e-mail to the kommune's Kvitteringsmodtager
// that says what was delivered, recorded in the outbox (tenant/outbox.go) and sent over SMTP
// (mail.go). The job
//
//  1. records the e-mail in its own committed transaction, unless it is recorded already (a
//     retry): from then on it cannot be lost, and the Udbakke shows it;
//  2. sends it while holding its outbox row, and marks it sendt in the transaction that
//     completes the job (JobCompleteTx), so that a retry finds it sent and sends nothing. Only
//     a process that dies between the server's acceptance and that commit sends it again,
//     with the same Message-ID;
//  3. on failure records the error and the attempt; River retries with its backoff, and the
//     last attempt, or a permanent refusal, leaves it fejlet with the error for DST and the
//     kommune's administrator to see.
//
// A kommune without a Kvitteringsmodtager gets the e-mail recorded as fejlet with the reason
// at once, not retried. Without SMTP_URL the e-mail is recorded as *gemt lokalt*: shown in
// the Udbakke, never sent.
//
// *Send igen* (I10, ResendReceiptTx): the kommune's administrator or DST orders a receipt
// that is fejlet or gemt lokalt sent again. The receipt is rendered again in that
// transaction, to the kommune's current Kvitteringsmodtager, with the link and sender of the
// configuration of the process that takes the order (BASE_URL, MAIL_FROM: the web's, the
// address users reach) and a Message-ID of its own; its counts are the leverance's, which
// do not change. So a receipt recorded by `indberet deliver --wait` without BASE_URL, whose
// link pointed to localhost, goes out with the right link, and one refused for a wrong
// address goes to the address the kommune has corrected since. The order (outbox_sends) and
// its job (ReceiptArgs with the order's id, so River's uniqueness does not take it for the
// first job) are written in the transaction of the order's audit record; the job then sends
// it as above, and its result is the order's. A sent receipt is refused (422), and so is a
// second order while one waits: nothing is sent twice.

// ReceiptActor is the actor of the receipt job in the audit log.
const ReceiptActor = "system:kvittering"

// receiptMaxAttempts: a receipt that cannot be sent is tried for about four hours with
// River's backoff (attempt⁴ seconds), then left fejlet.
const receiptMaxAttempts = 10

// ReceiptArgs is the receipt of one leverance to the kommune's Kvitteringsmodtager (I3, K3):
// enqueued by the delivery_kommune job in the transaction that stores the leverance, so it
// exists exactly when the leverance does.
type ReceiptArgs struct {
	Kommune     string `json:"kommune"`
	LeveranceID int64  `json:"leverance_id"`
	// Send is the order of a Send igen (outbox_sends, I10); 0 for the first. It makes the
	// job's args, and so River's unique key, the order's own.
	Send int64 `json:"send,omitempty"`
}

// Kind is River's name of the job.
func (ReceiptArgs) Kind() string { return "receipt_email" }

// InsertOpts keeps one receipt per leverance in the queue.
func (ReceiptArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: receiptMaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// ReceiptWorker works ReceiptArgs. It keeps the client's job timeout (shortJobTimeout, or
// less with a short RescueStuckJobsAfter), which holds one SMTP conversation (mailTimeout).
type ReceiptWorker struct {
	river.WorkerDefaults[ReceiptArgs]
	deps Deps
}

// Work records and sends the receipt; see the top of this file.
func (w *ReceiptWorker) Work(ctx context.Context, job *river.Job[ReceiptArgs]) error {
	a := job.Args
	if !domain.ValidKommunekode(a.Kommune) {
		return river.JobCancel(fmt.Errorf("invalid kommunekode %q", a.Kommune))
	}
	scope := tenant.Scope{Kommune: a.Kommune, Actor: tenant.Actor{Email: ReceiptActor}}
	m, err := w.record(ctx, scope, a.LeveranceID)
	if errors.Is(err, tenant.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("kommune %s has no leverance %d", a.Kommune, a.LeveranceID))
	}
	if err != nil {
		return err
	}
	if m.Status.Final() {
		w.log(ctx, job, m, "receipt already final")
		return nil
	}
	var sendErr error
	err = w.deps.DB.InScope(ctx, scope, func(tx *tenant.Tx) error {
		m, err = tx.ReceiptMail(ctx, a.LeveranceID, true) // one sender at a time
		if err != nil || m.Status.Final() {
			return err
		}
		outcome := tenant.MailAttempt{Status: tenant.MailGemtLokalt}
		if w.deps.Mail.SMTPURL != "" {
			if sendErr = w.deps.Mail.send(ctx, m); sendErr != nil {
				return sendErr // rolls back; the failure is recorded below
			}
			outcome = tenant.MailAttempt{Status: tenant.MailSendt, Attempted: true}
		}
		if err := tx.SetMailStatus(ctx, m.ID, outcome); err != nil {
			return err
		}
		m.Status = outcome.Status
		_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx.RiverTx(), job)
		return err
	})
	if sendErr != nil {
		return w.failed(ctx, scope, job, m, sendErr)
	}
	if err != nil {
		return fmt.Errorf("receipt of leverance %d: %w", a.LeveranceID, err)
	}
	w.log(ctx, job, m, "receipt "+string(m.Status))
	return nil
}

// record returns the receipt of leverance id, recording it first when the outbox does not
// hold it yet.
func (w *ReceiptWorker) record(ctx context.Context, scope tenant.Scope, id int64) (tenant.Mail, error) {
	k, err := w.deps.DB.Kommune(ctx, scope.Kommune)
	if err != nil {
		return tenant.Mail{}, err
	}
	var m tenant.Mail
	err = w.deps.DB.InScope(ctx, scope, func(tx *tenant.Tx) error {
		m, err = tx.ReceiptMail(ctx, id, false)
		if !errors.Is(err, tenant.ErrNotFound) {
			return err
		}
		l, err := tx.LeveranceByID(ctx, id)
		if err != nil {
			return err
		}
		to, err := kvitteringsmodtager(ctx, tx)
		if err != nil {
			return err
		}
		nm, err := receiptMail(w.deps.Mail, l.Leverance, k, to)
		if err != nil {
			return err
		}
		m, err = tx.InsertMail(ctx, nm)
		return err
	})
	return m, err
}

// kvitteringsmodtager is the scope kommune's Kvitteringsmodtager (K1), nil when it has none.
func kvitteringsmodtager(ctx context.Context, tx *tenant.Tx) (*domain.Kontaktperson, error) {
	contacts, err := tx.Kontaktpersoner(ctx)
	if err != nil {
		return nil, err
	}
	for i := range contacts {
		if contacts[i].Rolle == domain.Kvitteringsmodtager {
			return &contacts[i], nil
		}
	}
	return nil, nil
}

// failed records a failed attempt to send m and tells River what to do: try again with its
// backoff, or, after the last attempt or a permanent refusal, nothing more (the e-mail is
// then fejlet).
func (w *ReceiptWorker) failed(ctx context.Context, scope tenant.Scope, job *river.Job[ReceiptArgs], m tenant.Mail, sendErr error) error {
	permanent := errors.Is(sendErr, errMailPermanent)
	outcome := tenant.MailAttempt{Status: tenant.MailAfventer, Attempted: true, Error: sendErr.Error()}
	if permanent || job.Attempt >= job.MaxAttempts {
		outcome.Status = tenant.MailFejlet
	}
	err := w.deps.DB.InScope(ctx, scope, func(tx *tenant.Tx) error {
		return tx.SetMailStatus(ctx, m.ID, outcome)
	})
	if err != nil {
		return errors.Join(sendErr, fmt.Errorf("record failed receipt: %w", err))
	}
	m.Status = outcome.Status
	w.deps.Logger.WarnContext(ctx, "receipt not sent", "job_id", job.ID, "kommune", m.Kommune, "leverance_id", m.LeveranceID,
		"mail_id", m.ID, "attempt", job.Attempt, "max_attempts", job.MaxAttempts, "status", m.Status, "err", sendErr)
	if permanent {
		return river.JobCancel(sendErr)
	}
	return sendErr
}

func (w *ReceiptWorker) log(ctx context.Context, job *river.Job[ReceiptArgs], m tenant.Mail, msg string) {
	w.deps.Logger.InfoContext(ctx, msg, "job_id", job.ID, "kommune", m.Kommune, "leverance_id", m.LeveranceID,
		"mail_id", m.ID, "status", m.Status, "to", m.ToAddress)
}
