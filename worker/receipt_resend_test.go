package worker

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"indberet/tenant"
	"indberet/tenant/accounts"
	"indberet/tenant/demo"
	"indberet/tenant/domain"
	"indberet/tenant/tenanttest"
)

// Send igen of a receipt (I10) through the test's real SMTP server (mail_test.go): each
// order is the job's of its own, its result recorded on the order; the receipt is rendered
// again to the current Kvitteringsmodtager with the configuration's link.

// adminScope is the scope of the kommune's administrator ordering a Send igen.
func adminScope(kommune string) tenant.Scope {
	return tenant.Scope{Kommune: kommune, Actor: tenant.Actor{UserID: 42, Email: "kommuneadmin." + kommune + "@demo.invalid",
		IP: "192.0.2.7"}}
}

// resend orders the Send igen of kommune's receipt mailID as scope, rendered with cfg.
func resend(t *testing.T, db *tenant.DB, c *Client, scope tenant.Scope, cfg MailConfig, mailID int64) (tenant.MailSend, error) {
	t.Helper()
	ctx := context.Background()
	k, err := db.Kommune(ctx, scope.Kommune)
	if err != nil {
		t.Fatal(err)
	}
	var s tenant.MailSend
	err = db.InScope(ctx, scope, func(tx *tenant.Tx) (err error) {
		s, err = ResendReceiptTx(ctx, c, tx, cfg, k, mailID)
		return err
	})
	return s, err
}

// sends returns the orders of e-mail id.
func sends(t *testing.T, db *tenant.DB, id int64) []tenant.MailSend {
	t.Helper()
	var ss []tenant.MailSend
	err := db.InScope(context.Background(), tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) (err error) {
		ss, err = tx.MailSends(context.Background(), id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

// refusal is the Danish message of a refused Send igen, or "" when err is none.
func refusal(t *testing.T, err error) string {
	t.Helper()
	var r *ResendError
	if errors.As(err, &r) {
		return r.Msg
	}
	if err != nil {
		t.Fatalf("Send igen: %v, want a refusal or success", err)
	}
	return ""
}

// I10: the server refuses the Kvitteringsmodtager's address (550), the receipt is fejlet;
// the administrator orders Send igen, the server now takes it, and it is sendt, the first
// order fejlet with the 550 and the second sendt, each with who asked. A second Send igen of
// the sent receipt is refused, and nothing is sent twice.
func TestResendAfterPermanentFailure(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, false)
	srv.refuse = "kvittering.101@demo.invalid"
	cfg := srv.config("smtp")
	b := setupDeliveryMail(t, cfg)
	if _, err := b.client.Insert(context.Background(), NewDeliveryRun("2026M10", []string{"101"}), nil); err != nil {
		t.Fatal(err)
	}
	b.receiptJobs(t, 1)
	m := mails(t, b.db)["101"]
	if m.Status != tenant.MailFejlet || !strings.Contains(m.LastError, "550") {
		t.Fatalf("receipt before Send igen: %+v, want fejlet with the 550", m)
	}

	srv.mu.Lock()
	srv.refuse = "" // the mailbox exists now
	srv.mu.Unlock()
	s, err := resend(t, b.db, b.client, adminScope("101"), cfg, m.ID)
	if msg := refusal(t, err); msg != "" {
		t.Fatalf("Send igen refused: %s", msg)
	}
	// A second click while it waits orders nothing more (it may have been sent already).
	if msg := refusal(t, second(t, b, cfg, m.ID)); msg != msgResendAfventer && msg != msgResendSendt {
		t.Errorf("second Send igen: %q, want the refusal of a waiting or sent receipt", msg)
	}
	jobs := b.receiptJobs(t, 2)
	if got := srv.to("kvittering.101@demo.invalid"); len(got) != 1 {
		t.Fatalf("the server received %d receipts after Send igen, want 1", len(got))
	} else if want := "<kvittering-101-" + strconv.FormatInt(m.LeveranceID, 10) + "-2@indberet.test>"; got[0].header.Get("Message-Id") != want {
		t.Errorf("Message-ID of the Send igen %q, want %q", got[0].header.Get("Message-Id"), want)
	}
	after := mails(t, b.db)["101"]
	if after.Status != tenant.MailSendt || after.SentAt == nil || after.LastError != "" || after.Attempts != 2 {
		t.Errorf("receipt after Send igen: %+v, want sendt after 2 attempts in all", after)
	}
	ss := sends(t, b.db, m.ID)
	if len(ss) != 2 {
		t.Fatalf("%d orders, want 2: %+v", len(ss), ss)
	}
	if o := ss[0]; o.RequestedByEmail != ReceiptActor || o.Status != tenant.MailFejlet || o.Attempts != 1 ||
		!strings.Contains(o.LastError, "550") || o.FinishedAt == nil || o.Link != testBaseURL+"/leverancer/"+strconv.FormatInt(m.LeveranceID, 10) {
		t.Errorf("first order: %+v, want the job's, fejlet with the 550", o)
	}
	if o := ss[1]; o.ID != s.ID || o.RequestedByEmail != "kommuneadmin.101@demo.invalid" || o.RequestedBy != 42 ||
		o.Status != tenant.MailSendt || o.Attempts != 1 || o.LastError != "" || o.FinishedAt == nil {
		t.Errorf("Send igen's order: %+v, want the administrator's, sendt", o)
	}
	for _, j := range jobs {
		var args ReceiptArgs
		if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
			t.Fatal(err)
		}
		if args.Send == s.ID && j.State != rivertype.JobStateCompleted {
			t.Errorf("Send igen's job %d: %s", j.ID, j.State)
		}
	}

	// A sent receipt is not sent again.
	if msg := refusal(t, second(t, b, cfg, m.ID)); msg != msgResendSendt {
		t.Errorf("Send igen of a sent receipt: %q, want %q", msg, msgResendSendt)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(srv.received()); n != 1 || len(sends(t, b.db, m.ID)) != 2 {
		t.Errorf("after the refusals: %d messages, %d orders; want 1 and 2", n, len(sends(t, b.db, m.ID)))
	}
	// The audit log has the order, by the administrator, from their address.
	var audit int
	err = b.db.InScope(context.Background(), tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'mail.send_igen'
			AND user_email = 'kommuneadmin.101@demo.invalid' AND ip = '192.0.2.7' AND entity_id = $1`,
			strconv.FormatInt(m.ID, 10)).Scan(&audit)
	})
	if err != nil || audit != 1 {
		t.Errorf("%d audit records of the Send igen (%v), want 1", audit, err)
	}
}

// second orders another Send igen of mailID as DST, in the kommune's scope.
func second(t *testing.T, b *deliveryBundle, cfg MailConfig, mailID int64) error {
	t.Helper()
	_, err := resend(t, b.db, b.client, tenant.Scope{Kommune: "101", AllKommuner: true, Actor: tenant.Actor{UserID: 3,
		Email: "dst@demo.invalid"}}, cfg, mailID)
	return err
}

// I10: `indberet deliver --wait` without SMTP_URL and BASE_URL records the receipt gemt
// lokalt with a link to localhost. DST orders Send igen with the server's configuration: the
// receipt goes out over SMTP with the server's link (BASE_URL) and sender, to the
// Kvitteringsmodtager the kommune has now.
func TestResendStoredLocallyWithTheRightLink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := tenanttest.DB(t)
	if _, err := demo.Load(ctx, db, accounts.NewStore(db)); err != nil {
		t.Fatal(err)
	}
	// The CLI's run, with the defaults of an unset configuration.
	cli := MailConfig{From: "Indberet <noreply@localhost>", BaseURL: "http://localhost:8080"}
	c, stop := startWorker(t, db, cli)
	if _, err := c.Insert(ctx, NewDeliveryRun(domain.PeriodeBefore(time.Now()), []string{"101"}), nil); err != nil {
		t.Fatal(err)
	}
	(&deliveryBundle{db: db, client: c}).receiptJobs(t, 1)
	stop()
	m := mails(t, db)["101"]
	localLink := "http://localhost:8080/leverancer/" + strconv.FormatInt(m.LeveranceID, 10)
	if m.Status != tenant.MailGemtLokalt || !strings.Contains(m.Text, localLink) {
		t.Fatalf("the CLI's receipt: %s with text\n%s\nwant gemt lokalt with %s", m.Status, m.Text, localLink)
	}
	// The kommune has a new Kvitteringsmodtager since.
	err := db.InScope(ctx, tenant.Scope{Kommune: "101", Actor: tenant.Actor{Email: "kommuneadmin.101@demo.invalid"}}, func(tx *tenant.Tx) error {
		ks, err := tx.Kontaktpersoner(ctx)
		if err != nil {
			return err
		}
		for _, k := range ks {
			if k.Rolle == domain.Kvitteringsmodtager {
				k.Navn, k.Email = "Ny Modtager", "ny.modtager@demo.invalid"
				return tx.SaveKontaktperson(ctx, k)
			}
		}
		return errors.New("no Kvitteringsmodtager")
	})
	if err != nil {
		t.Fatal(err)
	}

	// The server's worker, with SMTP; DST orders Send igen with the server's configuration.
	srv := startSMTP(t, false)
	server := srv.config("smtp")
	c, _ = startWorker(t, db, server)
	s, err := resend(t, db, c, tenant.Scope{Kommune: "101", AllKommuner: true, Actor: tenant.Actor{UserID: 3, Email: "dst@demo.invalid"}},
		server, m.ID)
	if msg := refusal(t, err); msg != "" {
		t.Fatalf("Send igen refused: %s", msg)
	}
	(&deliveryBundle{db: db, client: c}).receiptJobs(t, 2)
	got := srv.to("ny.modtager@demo.invalid")
	if len(got) != 1 {
		t.Fatalf("the new Kvitteringsmodtager received %d receipts, want 1 (server has %d)", len(got), len(srv.received()))
	}
	link := testBaseURL + "/leverancer/" + strconv.FormatInt(m.LeveranceID, 10)
	if !strings.Contains(got[0].text, link) || !strings.Contains(got[0].html, `<a href="`+link+`">`) ||
		strings.Contains(got[0].text, "localhost") || strings.Contains(got[0].html, "localhost") ||
		!strings.Contains(got[0].text, "Kære Ny Modtager") || got[0].from != "noreply@indberet.test" {
		t.Errorf("the receipt sent again, from %s:\n%s\n%s\nwant the link %s to Ny Modtager", got[0].from, got[0].text, got[0].html, link)
	}
	after := mails(t, db)["101"]
	if after.Status != tenant.MailSendt || after.ToAddress != "ny.modtager@demo.invalid" || strings.Contains(after.Text, "localhost") {
		t.Errorf("the receipt after Send igen: %+v", after)
	}
	ss := sends(t, db, m.ID)
	if len(ss) != 2 || ss[0].Status != tenant.MailGemtLokalt || ss[0].Link != localLink || ss[0].ToAddress != "kvittering.101@demo.invalid" ||
		ss[1].ID != s.ID || ss[1].Status != tenant.MailSendt || ss[1].Link != link || ss[1].RequestedByEmail != "dst@demo.invalid" ||
		ss[1].ToAddress != "ny.modtager@demo.invalid" {
		t.Errorf("orders: %+v", ss)
	}
}

// I10: a kommune without a Kvitteringsmodtager (751 in the demo) has its receipt fejlet;
// Send igen is refused with the reason until it registers one, and nothing is ordered.
func TestResendRefusedWithoutKvitteringsmodtager(t *testing.T) {
	t.Parallel()
	b := setupDeliveryMail(t, MailConfig{From: testFrom, BaseURL: testBaseURL})
	if _, err := b.client.Insert(context.Background(), NewDeliveryRun("2026M10", []string{"751"}), nil); err != nil {
		t.Fatal(err)
	}
	b.receiptJobs(t, 1)
	m := mails(t, b.db)["751"]
	if m.Status != tenant.MailFejlet {
		t.Fatalf("751's receipt: %+v, want fejlet", m)
	}
	_, err := resend(t, b.db, b.client, adminScope("751"), MailConfig{From: testFrom, BaseURL: testBaseURL}, m.ID)
	if msg := refusal(t, err); msg != msgResendIngenModtager {
		t.Errorf("Send igen without a Kvitteringsmodtager: %q, want %q", msg, msgResendIngenModtager)
	}
	if ss := sends(t, b.db, m.ID); len(ss) != 1 {
		t.Errorf("%d orders after the refusal, want 1", len(ss))
	}
	// Another kommune's administrator does not reach it (T1).
	if _, err := resend(t, b.db, b.client, adminScope("101"), MailConfig{From: testFrom, BaseURL: testBaseURL}, m.ID); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("Send igen of 751's receipt in 101: %v, want ErrNotFound", err)
	}
}

// TestCheckResend: the rule of I10 on its own.
func TestCheckResend(t *testing.T) {
	t.Parallel()
	for status, want := range map[tenant.MailStatus]string{tenant.MailFejlet: "", tenant.MailGemtLokalt: "",
		tenant.MailSendt: msgResendSendt, tenant.MailAfventer: msgResendAfventer} {
		var got string
		if err := CheckResend(tenant.Mail{Kind: tenant.MailKvittering, LeveranceID: 1, Status: status}); err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("%s: %q, want %q", status, got, want)
		}
	}
	if err := CheckResend(tenant.Mail{Kind: tenant.MailKvittering, Status: tenant.MailFejlet}); err == nil {
		t.Errorf("an e-mail of no leverance may be sent again")
	}
	if got := resendMessageID("kvittering-101-7@indberet.dk", 3); got != "kvittering-101-7-3@indberet.dk" {
		t.Errorf("resendMessageID: %q", got)
	}
}

// startWorker starts a working River client on db sending e-mail as mail says; stop stops
// it (also at the test's end).
func startWorker(t *testing.T, db *tenant.DB, mail MailConfig) (*Client, func()) {
	t.Helper()
	c, err := NewClient(Deps{DB: db, Accounts: accounts.NewStore(db), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Mail: mail},
		Options{Work: true, NoPeriodic: true, SoftStopTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c, runClient(t, c)
}
