package worker

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"indberet/tenant"
)

// Send igen of a receipt (I10): see the top of receipt.go.

// The refusals of a Send igen, in Danish for the screen (422).
const (
	msgResendSendt          = "Kvitteringen er allerede sendt. En sendt kvittering sendes ikke igen."
	msgResendAfventer       = "Kvitteringen venter allerede på at blive sendt. Den sendes ikke to gange; følg resultatet under Afsendelser."
	msgResendIngenModtager  = "Kommunen har ingen kvitteringsmodtager under Kontaktoplysninger. Angiv en, og send så kvitteringen igen."
	msgResendIkkeKvittering = "Kun kvitteringer kan sendes igen."
)

// ResendError is a Send igen the rules refuse, with the Danish message for the user.
type ResendError struct{ Msg string }

func (e *ResendError) Error() string { return e.Msg }

// CheckResend tells whether e-mail m may be sent again (I10): a receipt that is fejlet or
// gemt lokalt. A sent one is refused, and so is one that waits (a second click while the
// first order is queued).
func CheckResend(m tenant.Mail) error {
	switch {
	case m.Kind != tenant.MailKvittering || m.LeveranceID == 0:
		return &ResendError{msgResendIkkeKvittering}
	case m.Status == tenant.MailSendt:
		return &ResendError{msgResendSendt}
	case !m.Status.Resendable():
		return &ResendError{msgResendAfventer}
	}
	return nil
}

// ResendReceiptTx orders receipt mailID of tx's kommune k sent again (I10), in tx (a
// kommune scope, DST's too; the caller's actor is the order's): it holds the e-mail, checks
// it (CheckResend), renders it again with cfg's link and sender to the kommune's current
// Kvitteringsmodtager (none: refused), records the order with its audit record, and
// enqueues its job in the same transaction. A refusal is a *ResendError.
func ResendReceiptTx(ctx context.Context, c *Client, tx *tenant.Tx, cfg MailConfig, k tenant.Kommune, mailID int64) (tenant.MailSend, error) {
	m, err := tx.LockMail(ctx, mailID)
	if err != nil {
		return tenant.MailSend{}, err
	}
	if err := CheckResend(m); err != nil {
		return tenant.MailSend{}, err
	}
	l, err := tx.LeveranceByID(ctx, m.LeveranceID)
	if err != nil {
		return tenant.MailSend{}, err
	}
	to, err := kvitteringsmodtager(ctx, tx)
	if err != nil {
		return tenant.MailSend{}, err
	}
	if to == nil {
		return tenant.MailSend{}, &ResendError{msgResendIngenModtager}
	}
	sends, err := tx.MailSends(ctx, m.ID)
	if err != nil {
		return tenant.MailSend{}, err
	}
	nm, err := receiptMail(cfg, l.Leverance, k, to)
	if err != nil {
		return tenant.MailSend{}, err
	}
	nm.MessageID = resendMessageID(nm.MessageID, len(sends)+1)
	s, err := tx.ResendMail(ctx, m.ID, nm)
	if err != nil {
		return tenant.MailSend{}, err
	}
	if _, err := c.InsertTx(ctx, tx.RiverTx(), ReceiptArgs{Kommune: m.Kommune, LeveranceID: m.LeveranceID, Send: s.ID}, nil); err != nil {
		return tenant.MailSend{}, fmt.Errorf("enqueue receipt: %w", err)
	}
	return s, nil
}

// resendMessageID is the Message-ID of the n-th order of a receipt: a rendered-again receipt
// is a message of its own (its recipient and link may differ), so a receiver that had the
// first does not take it for the same.
func resendMessageID(first string, n int) string {
	local, domain, _ := strings.Cut(first, "@")
	return local + "-" + strconv.Itoa(n) + "@" + domain
}
