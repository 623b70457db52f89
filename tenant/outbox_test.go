package tenant_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"indberet/tenant"
	"indberet/tenant/tenanttest"
)

// TestOutboxStore: e-mails are recorded with their state (I3), listed newest first a page at
// a time, one receipt per leverance, read by scope (T1, T3), and their content cannot be
// changed by the application: only the state moves.
func TestOutboxStore(t *testing.T) {
	t.Parallel()
	db, _ := setup(t)
	ctx := context.Background()
	sum := strings.Repeat("b", 64)
	var ids, levs []int64
	for i, k := range []string{"101", "147", "101"} {
		err := db.InScope(ctx, tenant.Scope{Kommune: k}, func(tx *tenant.Tx) error {
			lev, err := tenanttest.Leverance(ctx, tx, tenant.NewLeverance{Periode: fmt.Sprintf("2026M0%d", i+1), SHA256: sum}, []byte("<a/>"))
			if err != nil {
				return err
			}
			m, err := tx.InsertMail(ctx, tenant.NewMail{Kind: tenant.MailKvittering, LeveranceID: lev, ToAddress: "k@" + k + ".dk",
				From: "noreply@dst.dk", Subject: "Kvittering " + k, Text: "tekst", HTML: "<p>html</p>", MessageID: "m" + k})
			if m.Status != tenant.MailAfventer || m.Kommune != k || m.Text != "tekst" {
				t.Errorf("stored %+v", m)
			}
			ids, levs = append(ids, m.ID), append(levs, lev)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// One receipt per leverance.
	err := db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		_, err := tx.InsertMail(ctx, tenant.NewMail{Kind: tenant.MailKvittering, LeveranceID: levs[0], From: "x@y.dk",
			Subject: "igen", MessageID: "m"})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "outbox_leverance_key") {
		t.Errorf("a second receipt of a leverance: %v, want outbox_leverance_key", err)
	}
	err = db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		if err := tx.SetMailStatus(ctx, ids[0], tenant.MailAttempt{Status: tenant.MailAfventer, Attempted: true, Error: "451 senere"}); err != nil {
			return err
		}
		if err := tx.SetMailStatus(ctx, ids[0], tenant.MailAttempt{Status: tenant.MailSendt, Attempted: true}); err != nil {
			return err
		}
		m, err := tx.ReceiptMail(ctx, levs[0], true)
		if err != nil {
			return err
		}
		if m.Status != tenant.MailSendt || m.Attempts != 2 || m.SentAt == nil || m.LastError != "" {
			t.Errorf("after two attempts: %+v", m)
		}
		// 147's e-mail is not 101's to change or read.
		if err := tx.SetMailStatus(ctx, ids[1], tenant.MailAttempt{Status: tenant.MailFejlet}); err == nil {
			t.Errorf("101 changed 147's e-mail")
		}
		if _, err := tx.Mail(ctx, ids[1]); err != tenant.ErrNotFound {
			t.Errorf("101 reads 147's e-mail: %v", err)
		}
		// Nor does a kommune list another's e-mails or leverancer by naming it (T1).
		if _, _, err := tx.Mails(ctx, tenant.MailQuery{Kommune: "147"}); err != tenant.ErrNotFound {
			t.Errorf("101 lists 147's e-mails: %v, want ErrNotFound", err)
		}
		if _, _, err := tx.LeveranceListe(ctx, tenant.LeveranceQuery{Kommune: "147"}); err != tenant.ErrNotFound {
			t.Errorf("101 lists 147's leverancer: %v, want ErrNotFound", err)
		}
		if own, _, err := tx.Mails(ctx, tenant.MailQuery{Kommune: "101"}); err != nil || len(own) == 0 {
			t.Errorf("101 lists its own e-mails by name: %d, %v", len(own), err)
		}
		// The e-mail's identity and the orders' history are not the application's to change,
		// and nothing is deleted (the content changes only by a Send igen, ResendMail, I10).
		for _, stmt := range []string{`UPDATE outbox SET created_at = now()`, `UPDATE outbox SET leverance_id = NULL`,
			`DELETE FROM outbox`, `UPDATE outbox_sends SET requested_by_email = 'x'`, `UPDATE outbox_sends SET link = 'x'`,
			`DELETE FROM outbox_sends`} {
			err := db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
				_, err := tx.ToolTx().Exec(ctx, stmt)
				return err
			})
			if !isDenied(err) {
				t.Errorf("%s: %v, want permission denied", stmt, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// DST reads every kommune's, newest first, a page at a time; a kommune filter narrows it.
	err = db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
		page, more, err := tx.Mails(ctx, tenant.MailQuery{Limit: 2})
		if err != nil {
			return err
		}
		if got := []int64{page[0].ID, page[1].ID}; !slices.Equal(got, []int64{ids[2], ids[1]}) || !more || page[0].Text != "" {
			t.Errorf("first page %v more %v, want %v and more, without bodies", got, more, []int64{ids[2], ids[1]})
		}
		rest, more, err := tx.Mails(ctx, tenant.MailQuery{Before: page[1].ID, Limit: 2})
		if err != nil {
			return err
		}
		if len(rest) != 1 || rest[0].ID != ids[0] || more {
			t.Errorf("second page %+v more %v", rest, more)
		}
		only, _, err := tx.Mails(ctx, tenant.MailQuery{Kommune: "147"})
		if err != nil {
			return err
		}
		if len(only) != 1 || only[0].ID != ids[1] {
			t.Errorf("147's: %+v", only)
		}
		// The leverancer with their receipts, and the newest per kommune.
		ls, _, err := tx.LeveranceListe(ctx, tenant.LeveranceQuery{Kommune: "101"})
		if err != nil {
			return err
		}
		if len(ls) != 2 || ls[0].ID != levs[2] || ls[1].Kvittering != tenant.MailSendt || ls[0].Kvittering != tenant.MailAfventer {
			t.Errorf("101's leverancer: %+v", ls)
		}
		seneste, err := tx.SenesteLeverancer(ctx)
		if err != nil {
			return err
		}
		if len(seneste) != 2 || seneste[0].Kommune != "101" || seneste[0].ID != levs[2] || seneste[1].ID != levs[1] {
			t.Errorf("seneste: %+v", seneste)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMailSends (I10): each e-mail has its orders to send: the first by whoever recorded it,
// each Send igen by the user who asked, with the recipient and link it went with and its
// result; at most one is open, and another kommune's are not read or changed (T1).
func TestMailSends(t *testing.T) {
	t.Parallel()
	db, _ := setup(t)
	ctx := context.Background()
	job := tenant.Scope{Kommune: "101", Actor: tenant.Actor{Email: "system:kvittering"}}
	var id int64
	err := db.InScope(ctx, job, func(tx *tenant.Tx) error {
		lev, err := tenanttest.Leverance(ctx, tx, tenant.NewLeverance{Periode: "2026M01", SHA256: strings.Repeat("b", 64)}, []byte("<a/>"))
		if err != nil {
			return err
		}
		m, err := tx.InsertMail(ctx, tenant.NewMail{Kind: tenant.MailKvittering, LeveranceID: lev, ToName: "Gammel",
			ToAddress: "gammel@101.dk", From: "noreply@localhost", Subject: "Kvittering", Text: "http://localhost:8080/leverancer/1",
			MessageID: "m1@localhost", Link: "http://localhost:8080/leverancer/1", Status: tenant.MailGemtLokalt})
		id = m.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	admin := tenant.Scope{Kommune: "101", Actor: tenant.Actor{UserID: 7, Email: "admin@101.dk", IP: "192.0.2.1"}}
	err = db.InScope(ctx, admin, func(tx *tenant.Tx) error {
		m, err := tx.LockMail(ctx, id)
		if err != nil {
			return err
		}
		if !m.Status.Resendable() {
			t.Errorf("gemt lokalt is not resendable")
		}
		_, err = tx.ResendMail(ctx, id, tenant.NewMail{ToName: "Ny", ToAddress: "ny@101.dk", From: "noreply@indberet.dk",
			Subject: "Kvittering", Text: "https://indberet.dk/leverancer/1", HTML: "<p>ny</p>", MessageID: "m2@indberet.dk",
			Link: "https://indberet.dk/leverancer/1"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A second order while one is open is refused by the database too.
	err = db.InScope(ctx, admin, func(tx *tenant.Tx) error {
		_, err := tx.ResendMail(ctx, id, tenant.NewMail{From: "x@y.dk", Subject: "s", MessageID: "m3"})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "outbox_sends_open_key") {
		t.Errorf("a second open order: %v, want outbox_sends_open_key", err)
	}
	err = db.InScope(ctx, job, func(tx *tenant.Tx) error {
		if err := tx.SetMailStatus(ctx, id, tenant.MailAttempt{Status: tenant.MailAfventer, Attempted: true, Error: "451"}); err != nil {
			return err
		}
		return tx.SetMailStatus(ctx, id, tenant.MailAttempt{Status: tenant.MailSendt, Attempted: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	// DST reads them; 147 does not.
	err = db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
		m, err := tx.Mail(ctx, id)
		if err != nil {
			return err
		}
		if m.Status != tenant.MailSendt || m.ToAddress != "ny@101.dk" || m.MessageID != "m2@indberet.dk" || m.HTML != "<p>ny</p>" ||
			m.Attempts != 2 || m.LastError != "" {
			t.Errorf("after the Send igen: %+v", m)
		}
		ss, err := tx.MailSends(ctx, id)
		if err != nil {
			return err
		}
		if len(ss) != 2 {
			t.Fatalf("%d orders, want 2: %+v", len(ss), ss)
		}
		if s := ss[0]; s.RequestedByEmail != "system:kvittering" || s.RequestedBy != 0 || s.Status != tenant.MailGemtLokalt ||
			s.ToAddress != "gammel@101.dk" || s.Link != "http://localhost:8080/leverancer/1" || s.FinishedAt == nil || s.Attempts != 0 {
			t.Errorf("first order: %+v", s)
		}
		if s := ss[1]; s.RequestedByEmail != "admin@101.dk" || s.RequestedBy != 7 || s.Status != tenant.MailSendt ||
			s.ToAddress != "ny@101.dk" || s.Link != "https://indberet.dk/leverancer/1" || s.FinishedAt == nil || s.Attempts != 2 ||
			s.LastError != "" {
			t.Errorf("Send igen: %+v", s)
		}
		var audit int
		if err := tx.ToolTx().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'mail.send_igen' AND entity_id = $1
			AND user_email = 'admin@101.dk' AND ip = '192.0.2.1' AND after->>'to' = 'ny@101.dk' AND before->>'status' = 'gemt_lokalt'`,
			fmt.Sprint(id)).Scan(&audit); err != nil || audit != 1 {
			t.Errorf("%d audit records of the Send igen (%v), want 1", audit, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.InScope(ctx, tenant.Scope{Kommune: "147"}, func(tx *tenant.Tx) error {
		if ss, err := tx.MailSends(ctx, id); err != nil || len(ss) != 0 {
			t.Errorf("147 reads 101's orders: %d, %v", len(ss), err)
		}
		if _, err := tx.LockMail(ctx, id); err != tenant.ErrNotFound {
			t.Errorf("147 locks 101's e-mail: %v", err)
		}
		if _, err := tx.ResendMail(ctx, id, tenant.NewMail{From: "x@y.dk", Subject: "s", MessageID: "m"}); err != tenant.ErrNotFound {
			t.Errorf("147 resends 101's e-mail: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
