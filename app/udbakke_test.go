package app

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/riverqueue/river"

	"indberet/tenant"
	"indberet/worker"
)

// Send igen in the Udbakke (I10): the kommune's administrator and DST order a receipt that
// is fejlet or gemt lokalt sent again; it is rendered again with the server's BASE_URL, its
// job enqueued, every order shown; a sent receipt, one already waiting and a kommune
// without a Kvitteringsmodtager are refused with a Danish message (422); other users and
// kommuner get 403 and 404 (T1). The sending itself, over SMTP, is worker's
// TestResendAfterPermanentFailure and TestResendStoredLocallyWithTheRightLink.

// receiptJobs are the receipt jobs in River's queue, by their args.
func (b *bundle) receiptJobs() []worker.ReceiptArgs {
	b.t.Helper()
	res, err := b.app.deps.Jobs.JobList(context.Background(), river.NewJobListParams().Kinds(worker.ReceiptArgs{}.Kind()))
	if err != nil {
		b.t.Fatal(err)
	}
	var out []worker.ReceiptArgs
	for _, j := range res.Jobs {
		var a worker.ReceiptArgs
		if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
			b.t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// mailOf is e-mail id as DST reads it, with its orders.
func (b *bundle) mailOf(id int64) (tenant.Mail, []tenant.MailSend) {
	b.t.Helper()
	var m tenant.Mail
	var ss []tenant.MailSend
	err := b.db.InScope(context.Background(), tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) (err error) {
		if m, err = tx.Mail(context.Background(), id); err != nil {
			return err
		}
		ss, err = tx.MailSends(context.Background(), id)
		return err
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return m, ss
}

func TestSendIgen(t *testing.T) {
	t.Parallel()
	b := setupEnv(t, map[string]string{"BASE_URL": "http://indberet.test:8080", "MAIL_FROM": "Indberet <noreply@indberet.test>"})
	lev, mails := b.deliveries() // gemt lokalt, recorded by a run whose link pointed to localhost
	b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
		return tx.SetMailStatus(ctx, mails["101"], tenant.MailAttempt{Status: tenant.MailFejlet, Attempted: true,
			Error: "550 5.1.1 Mailbox does not exist"})
	})
	id := strconv.FormatInt(mails["101"], 10)
	path := "/udbakke/" + id + "/send-igen"

	// Users who may not: a caseworker, a reader and the platform administrator (403);
	// another kommune's administrator (404, T1). Nothing is ordered.
	for _, email := range []string{"indberetter.101@demo.invalid", "laeser.101@demo.invalid", "platform@demo.invalid"} {
		c := b.client()
		c.login(email)
		c.post(path, nil, true).mustStatus(t, http.StatusForbidden)
	}
	other := b.client()
	other.login("kommuneadmin.147@demo.invalid")
	other.post(path, nil, true).mustStatus(t, http.StatusNotFound)
	other.get("/udbakke/"+id).mustStatus(t, http.StatusNotFound)
	platform := b.client()
	platform.login("platform@demo.invalid")
	if r := platform.get("/udbakke/"+id).mustStatus(t, http.StatusOK); contains(r.body, `action="`+path+`"`) {
		t.Errorf("the platform administrator is offered Send igen")
	}
	if n := len(b.receiptJobs()); n != 0 {
		t.Fatalf("%d receipt jobs after the refused requests", n)
	}

	// The administrator: the page offers Send igen with the link it will carry and lists the
	// first order; the order is enqueued, rendered with BASE_URL, and shown.
	admin := b.client()
	admin.login("kommuneadmin.101@demo.invalid")
	admin.get("/udbakke").mustStatus(t, http.StatusOK).mustContain(t, `href="/udbakke/`+id+`#send-igen"`)
	if r := platform.get("/udbakke").mustStatus(t, http.StatusOK); contains(r.body, "#send-igen") {
		t.Errorf("the platform administrator's Udbakke offers Send igen")
	}
	admin.get("/udbakke/"+id).mustStatus(t, http.StatusOK).mustContain(t, `action="`+path+`"`, "Send igen",
		"med link til http://indberet.test:8080", "<h2>Afsendelser</h2>", "550 5.1.1 Mailbox does not exist")
	r := admin.post(path, nil, true).mustStatus(t, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/udbakke/"+id {
		t.Errorf("Send igen went to %q", loc)
	}
	r = admin.get("/udbakke/"+id).mustStatus(t, http.StatusOK).mustContain(t,
		"Kvitteringen er sat i kø til afsendelse til Kvittering Demoperson <kvittering.101@demo.invalid>",
		"kommuneadmin.101@demo.invalid", "Afventer", "http://indberet.test:8080/leverancer/"+strconv.FormatInt(lev["101"], 10))
	if contains(r.body, `action="`+path+`"`) {
		t.Errorf("a waiting receipt is offered Send igen again")
	}
	m, ss := b.mailOf(mails["101"])
	link := "http://indberet.test:8080/leverancer/" + strconv.FormatInt(lev["101"], 10)
	if m.Status != tenant.MailAfventer || !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, link) ||
		m.From != "Indberet <noreply@indberet.test>" || m.LastError != "" || len(ss) != 2 || ss[1].Link != link ||
		ss[1].RequestedByEmail != "kommuneadmin.101@demo.invalid" || ss[0].Status != tenant.MailGemtLokalt {
		t.Errorf("after Send igen: %+v\norders %+v", m, ss)
	}
	if jobs := b.receiptJobs(); len(jobs) != 1 || jobs[0] != (worker.ReceiptArgs{Kommune: "101", LeveranceID: lev["101"], Send: ss[1].ID}) {
		t.Errorf("receipt jobs %+v, want one of order %d", jobs, ss[1].ID)
	}

	// A second click while it waits: refused, nothing more ordered.
	admin.post(path, nil, true).mustStatus(t, http.StatusUnprocessableEntity).mustContain(t,
		"Kvitteringen venter allerede på at blive sendt")
	// Once sent: refused.
	b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
		return tx.SetMailStatus(ctx, mails["101"], tenant.MailAttempt{Status: tenant.MailSendt, Attempted: true})
	})
	admin.post(path, nil, true).mustStatus(t, http.StatusUnprocessableEntity).mustContain(t,
		"Kvitteringen er allerede sendt. En sendt kvittering sendes ikke igen.")
	if jobs := b.receiptJobs(); len(jobs) != 1 {
		t.Errorf("%d receipt jobs after the refusals, want 1", len(jobs))
	}
	if _, ss := b.mailOf(mails["101"]); len(ss) != 2 {
		t.Errorf("%d orders after the refusals, want 2", len(ss))
	}

	// DST: any kommune's, in its scope; the audit record is 147's, by DST.
	dst := b.client()
	dst.login("dst@demo.invalid")
	id147 := strconv.FormatInt(mails["147"], 10)
	dst.post("/udbakke/"+id147+"/send-igen", nil, true).mustStatus(t, http.StatusSeeOther)
	if _, ss := b.mailOf(mails["147"]); len(ss) != 2 || ss[1].RequestedByEmail != "dst@demo.invalid" {
		t.Errorf("147's orders after DST's Send igen: %+v", ss)
	}
	var audit int
	b.in("147", func(ctx context.Context, tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'mail.send_igen' AND entity_id = $1
			AND user_email = 'dst@demo.invalid'`, id147).Scan(&audit)
	})
	if audit != 1 {
		t.Errorf("%d audit records of DST's Send igen in 147, want 1", audit)
	}
}

// A kommune without a Kvitteringsmodtager (751 in the demo): Send igen is refused with the
// reason and where to mend it (422), and nothing is ordered.
func TestSendIgenUdenKvitteringsmodtager(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var mail int64
	b.in("751", func(ctx context.Context, tx *tenant.Tx) (err error) {
		_, mail, err = insertReceipt(ctx, tx, "2026M09")
		return err
	})
	admin := b.client()
	admin.login("kommuneadmin.751@demo.invalid")
	id := strconv.FormatInt(mail, 10)
	admin.post("/udbakke/"+id+"/send-igen", nil, true).mustStatus(t, http.StatusUnprocessableEntity).mustContain(t,
		"Kvitteringen er ikke sendt igen", "Kommunen har ingen kvitteringsmodtager under Kontaktoplysninger")
	if n := len(b.receiptJobs()); n != 0 {
		t.Errorf("%d receipt jobs", n)
	}
	if _, ss := b.mailOf(mail); len(ss) != 1 {
		t.Errorf("%d orders, want 1", len(ss))
	}
}
