package worker

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"indberet/tenant"
	"indberet/tenant/tenanttest"
)

// The receipt e-mails (I3, K1, K3) sent through a real SMTP server on a port of 127.0.0.1
// inside the test (github.com/emersion/go-smtp), which requires STARTTLS (or implicit TLS for
// smtps://) with a certificate made by the test, and AUTH PLAIN.

const (
	smtpUser     = "kvittering"
	smtpPassword = "hemmeligt-kodeord"
	testFrom     = "Indberet <noreply@indberet.test>"
	testBaseURL  = "https://indberet.test"
)

// received is one message the test server accepted.
type received struct {
	from     string
	to       []string
	user     string // the authenticated user
	tls      bool   // the message came over TLS
	data     []byte
	subject  string
	header   mail.Header
	text     string
	html     string
	multiAlt bool // multipart/alternative
}

// smtpServer is the test's SMTP server.
type smtpServer struct {
	t    *testing.T
	addr string
	ca   *x509.CertPool

	mu       sync.Mutex
	messages []received
	// failData answers the next n DATA commands with a temporary failure (451).
	failData int
	// refuse answers RCPT TO of this address with a permanent failure (550).
	refuse string
}

// startSMTP starts the server: STARTTLS on a plain port, or TLS from the first byte when
// implicit (smtps).
func startSMTP(t *testing.T, implicit bool) *smtpServer {
	t.Helper()
	cert, pool := selfSignedCert(t)
	srv := &smtpServer{t: t, ca: pool}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{srv: srv, conn: c}, nil
	}))
	s.Domain = "localhost"
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if implicit {
		ln = tls.NewListener(ln, tlsConfig)
	} else {
		s.TLSConfig = tlsConfig // offers STARTTLS; AUTH only after it (AllowInsecureAuth false)
	}
	srv.addr = ln.Addr().String()
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close() })
	return srv
}

// config is the MailConfig that sends to the server.
func (s *smtpServer) config(scheme string) MailConfig {
	return MailConfig{SMTPURL: scheme + "://" + smtpUser + ":" + smtpPassword + "@" + s.addr, From: testFrom,
		BaseURL: testBaseURL, TLSConfig: &tls.Config{RootCAs: s.ca, MinVersion: tls.VersionTLS12}}
}

func (s *smtpServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.messages...)
}

// to returns the messages to address.
func (s *smtpServer) to(address string) []received {
	var out []received
	for _, m := range s.received() {
		for _, r := range m.to {
			if r == address {
				out = append(out, m)
			}
		}
	}
	return out
}

type smtpSession struct {
	srv  *smtpServer
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != smtpUser || password != smtpPassword {
			return errors.New("invalid username or password")
		}
		s.user = username
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if to == s.srv.refuse {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "Mailbox does not exist"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if s.srv.failData > 0 {
		s.srv.failData--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	_, isTLS := s.conn.TLSConnectionState()
	m := received{from: s.from, to: s.to, user: s.user, tls: isTLS, data: data}
	parseMessage(s.srv.t, &m)
	s.srv.messages = append(s.srv.messages, m)
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }

// parseMessage reads the subject and the two bodies of m.data.
func parseMessage(t *testing.T, m *received) {
	msg, err := mail.ReadMessage(strings.NewReader(string(m.data)))
	if err != nil {
		t.Errorf("received message does not parse: %v", err)
		return
	}
	m.header = msg.Header
	if m.subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Errorf("subject: %v", err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Errorf("content type: %v", err)
		return
	}
	m.multiAlt = mediaType == "multipart/alternative"
	if !m.multiAlt {
		return
	}
	parts := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := parts.NextPart() // decodes quoted-printable
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Errorf("part: %v", err)
			return
		}
		body, _ := io.ReadAll(p)
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch ct {
		case "text/plain":
			m.text = string(body)
		case "text/html":
			m.html = string(body)
		}
	}
}

// selfSignedCert makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSignedCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "indberet test smtp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// receiptJobs waits until there are n receipt jobs and River is done with every one
// (completed, cancelled or discarded), and returns them.
func (b *deliveryBundle) receiptJobs(t *testing.T, n int) []*rivertype.JobRow {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := b.client.JobList(context.Background(), river.NewJobListParams().Kinds(ReceiptArgs{}.Kind()).First(100))
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, j := range res.Jobs {
			switch j.State {
			case rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
				done++
			}
		}
		if len(res.Jobs) == n && done == n {
			return res.Jobs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d receipt jobs, %d done; want %d done", len(res.Jobs), done, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mails returns every recorded e-mail with its bodies, by kommune.
func mails(t *testing.T, db *tenant.DB) map[string]tenant.Mail {
	t.Helper()
	ctx := context.Background()
	out := map[string]tenant.Mail{}
	err := db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
		list, _, err := tx.Mails(ctx, tenant.MailQuery{Limit: 100})
		if err != nil {
			return err
		}
		for _, m := range list {
			if _, dup := out[m.Kommune]; dup {
				t.Errorf("kommune %s has more than one e-mail", m.Kommune)
			}
			if out[m.Kommune], err = tx.Mail(ctx, m.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// I3: after a delivery every kommune's Kvitteringsmodtager gets one receipt with the counts
// of the leverance and the link to it, in Danish, as text and HTML, over STARTTLS with AUTH.
// K1: a kommune without one gets the receipt recorded as fejlet with the reason, not retried.
// A second run of a finished receipt job sends nothing.
func TestReceiptSentOverSMTP(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, false)
	b := setupDeliveryMail(t, srv.config("smtp"))
	b.deliver(t, "2026M10")
	jobs := b.receiptJobs(t, 3) // 101, 147 and 751 (751 has no contact persons)

	got := srv.received()
	if len(got) != 2 {
		t.Fatalf("server received %d messages, want 2 (101 and 147)", len(got))
	}
	l, _ := leverance(t, b.db, "101", "2026M10")
	k, err := b.db.Kommune(context.Background(), "101")
	if err != nil {
		t.Fatal(err)
	}
	ms := srv.to("kvittering.101@demo.invalid")
	if len(ms) != 1 {
		t.Fatalf("kvittering.101@demo.invalid received %d messages, want 1", len(ms))
	}
	m := ms[0]
	if !m.tls || m.user != smtpUser || m.from != "noreply@indberet.test" {
		t.Errorf("received over TLS %v as %q from %q; want TLS, %q, noreply@indberet.test", m.tls, m.user, m.from, smtpUser)
	}
	wantSubject := "Kvittering for indberetning til Danmarks Statistik: " + k.Navn + " (101), oktober 2026"
	if m.subject != wantSubject {
		t.Errorf("subject %q, want %q", m.subject, wantSubject)
	}
	if got, want := m.header.Get("Message-Id"), "<kvittering-101-"+strconv.FormatInt(l.ID, 10)+"@indberet.test>"; got != want {
		t.Errorf("Message-ID %q, want %q", got, want)
	}
	if !m.multiAlt {
		t.Fatalf("message is not multipart/alternative:\n%s", m.data)
	}
	link := testBaseURL + "/leverancer/" + strconv.FormatInt(l.ID, 10)
	if l.Tal.Sager == 0 || l.Tal.Ydelser == 0 {
		t.Fatalf("the demo delivery of 101 is empty: %+v", l.Tal)
	}
	for _, want := range []string{"Kære Kvittering Demoperson", "modtaget indberetningen", k.Navn + " (101)", "2026M10",
		"Sager:                " + strconv.Itoa(l.Tal.Sager), "Ydelser:              " + strconv.Itoa(l.Tal.Ydelser),
		"heraf nye:          " + strconv.Itoa(l.Tal.Nye), "heraf ændrede:      " + strconv.Itoa(l.Tal.Aendrede),
		"heraf neutraliserede: " + strconv.Itoa(l.Tal.Neutraliserede), "Afsluttede sager:     " + strconv.Itoa(l.Tal.Afsluttede),
		l.SHA256, link} {
		if !strings.Contains(m.text, want) {
			t.Errorf("text body lacks %q:\n%s", want, m.text)
		}
	}
	for _, want := range []string{"<p>Kære Kvittering Demoperson</p>", `<a href="` + link + `">`,
		"<th align=\"left\">Sager</th><td align=\"right\">" + strconv.Itoa(l.Tal.Sager) + "</td>",
		"<th align=\"left\">Ydelser</th><td align=\"right\">" + strconv.Itoa(l.Tal.Ydelser) + "</td>",
		"<td>heraf nye</td><td align=\"right\">" + strconv.Itoa(l.Tal.Nye) + "</td>", "heraf ændrede", l.SHA256} {
		if !strings.Contains(m.html, want) {
			t.Errorf("HTML body lacks %q:\n%s", want, m.html)
		}
	}

	// The outbox holds each e-mail as sent.
	rec := mails(t, b.db)
	for _, kode := range []string{"101", "147"} {
		e := rec[kode]
		if e.Status != tenant.MailSendt || e.Attempts != 1 || e.SentAt == nil || e.LastError != "" ||
			e.ToAddress != "kvittering."+kode+"@demo.invalid" {
			t.Errorf("outbox of %s: %+v, want sendt after 1 attempt", kode, e)
		}
	}
	crlf := strings.NewReplacer("\r\n", "\n")
	if e := rec["101"]; e.Text != crlf.Replace(m.text) || e.HTML != crlf.Replace(m.html) || e.Subject != m.subject {
		t.Errorf("outbox of 101 holds another e-mail than was sent:\n%q\n%q", e.Text, m.text)
	}
	if e := rec["751"]; e.Status != tenant.MailFejlet || e.LastError != msgNoKvitteringsmodtager || e.Attempts != 0 || e.ToAddress != "" {
		t.Errorf("outbox of 751 (no Kvitteringsmodtager): %+v, want fejlet with the reason", e)
	}
	for _, j := range jobs {
		if j.State != rivertype.JobStateCompleted || len(j.Errors) != 0 {
			t.Errorf("receipt job %d %s: %s with %d errors, want completed without", j.ID, j.EncodedArgs, j.State, len(j.Errors))
		}
	}

	// Run every receipt job again: nothing more is sent, nothing changes.
	for _, j := range jobs {
		if _, err := b.client.JobRetry(context.Background(), j.ID); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	b.receiptJobs(t, 3)
	if n := len(srv.received()); n != 2 {
		t.Errorf("after running the receipt jobs again the server has %d messages, want 2", n)
	}
	again := mails(t, b.db)
	for kode, e := range rec {
		if a := again[kode]; a.Status != e.Status || a.Attempts != e.Attempts || !a.UpdatedAt.Equal(e.UpdatedAt) {
			t.Errorf("outbox of %s changed by the second run: %+v → %+v", kode, e, a)
		}
	}
}

// A temporary failure (451) is retried with River's backoff, and the second attempt sends the
// receipt once; the outbox counts both attempts.
func TestReceiptRetriedAfterTemporaryFailure(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, false)
	srv.failData = 1
	b := setupDeliveryMail(t, srv.config("smtp"))
	if _, err := b.client.Insert(context.Background(), NewDeliveryRun("2026M10", []string{"101"}), nil); err != nil {
		t.Fatal(err)
	}
	jobs := b.receiptJobs(t, 1)
	if j := jobs[0]; j.State != rivertype.JobStateCompleted || len(j.Errors) != 1 || !strings.Contains(j.Errors[0].Error, "451") {
		t.Errorf("receipt job: %s, errors %v; want completed after one 451", j.State, j.Errors)
	}
	if n := len(srv.to("kvittering.101@demo.invalid")); n != 1 {
		t.Errorf("received %d receipts, want 1", n)
	}
	if e := mails(t, b.db)["101"]; e.Status != tenant.MailSendt || e.Attempts != 2 || e.SentAt == nil {
		t.Errorf("outbox: %+v, want sendt after 2 attempts", e)
	}
}

// A permanent refusal (550) is not retried: the receipt is fejlet at once with the server's
// answer. A temporary failure at the last attempt leaves it fejlet too. Both are visible in
// the outbox (the Udbakke).
func TestReceiptPermanentFailureVisible(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, true) // and over smtps://
	srv.refuse = "kvittering.101@demo.invalid"
	b := setupDeliveryMail(t, srv.config("smtps"))
	if _, err := b.client.Insert(context.Background(), NewDeliveryRun("2026M10", []string{"101"}), nil); err != nil {
		t.Fatal(err)
	}
	jobs := b.receiptJobs(t, 1)
	if j := jobs[0]; j.State != rivertype.JobStateCancelled || len(j.Errors) != 1 {
		t.Errorf("receipt job: %s, errors %v; want cancelled after one attempt", j.State, j.Errors)
	}
	e := mails(t, b.db)["101"]
	if e.Status != tenant.MailFejlet || e.Attempts != 1 || !strings.Contains(e.LastError, "550") || e.SentAt != nil {
		t.Errorf("outbox: %+v, want fejlet with the 550", e)
	}
	if n := len(srv.received()); n != 0 {
		t.Errorf("server received %d messages", n)
	}

	// 147: the server fails temporarily, and the job has one attempt only.
	srv.mu.Lock()
	srv.failData = 1
	srv.mu.Unlock()
	ctx := context.Background()
	var id int64
	err := b.db.InScope(ctx, tenant.Scope{Kommune: "147"}, func(tx *tenant.Tx) (err error) {
		id, err = tenanttest.Leverance(ctx, tx, tenant.NewLeverance{Periode: "2026M09", SHA256: strings.Repeat("0", 64)}, []byte("<x/>"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.client.Insert(ctx, ReceiptArgs{Kommune: "147", LeveranceID: id}, &river.InsertOpts{MaxAttempts: 1}); err != nil {
		t.Fatal(err)
	}
	b.receiptJobs(t, 2)
	e = mails(t, b.db)["147"]
	if e.Status != tenant.MailFejlet || e.Attempts != 1 || !strings.Contains(e.LastError, "451") {
		t.Errorf("outbox of 147 after the last attempt: %+v, want fejlet with the 451", e)
	}
}

// Without SMTP_URL (the local default) the receipt is recorded as gemt lokalt, whole, and
// nothing is sent.
func TestReceiptWithoutSMTPStoredLocally(t *testing.T) {
	t.Parallel()
	b := setupDeliveryMail(t, MailConfig{From: testFrom, BaseURL: testBaseURL})
	b.deliver(t, "2026M10")
	b.receiptJobs(t, 3)
	l, _ := leverance(t, b.db, "147", "2026M10")
	e := mails(t, b.db)["147"]
	if e.Status != tenant.MailGemtLokalt || e.Attempts != 0 || e.SentAt != nil ||
		!strings.Contains(e.Text, "Sager:                "+strconv.Itoa(l.Tal.Sager)) ||
		!strings.Contains(e.HTML, testBaseURL+"/leverancer/"+strconv.FormatInt(l.ID, 10)) {
		t.Errorf("outbox of 147: %+v, want gemt lokalt with the receipt", e)
	}
}

func TestSMTPURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"smtp://host:587", "smtps://u:p@host", "smtp://host?tls=opportunistic", "smtp://host:25?tls=none"} {
		if _, err := (MailConfig{SMTPURL: u}).smtpClient(); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"mail.example", "http://host", "smtp://host?tls=maybe", "smtp://host:port"} {
		if _, err := (MailConfig{SMTPURL: u}).smtpClient(); err == nil {
			t.Errorf("%s: accepted", u)
		}
		// …and refused when the process starts, before any receipt is sent.
		if _, err := NewClient(Deps{Mail: MailConfig{SMTPURL: u}}, Options{}); err == nil {
			t.Errorf("%s: NewClient accepted it", u)
		}
	}
}

func TestPeriodeDK(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"2026M10": "oktober 2026", "2025M01": "januar 2025", "x": "x"} {
		if got := periodeDK(in); got != want {
			t.Errorf("periodeDK(%q) = %q, want %q", in, got, want)
		}
	}
}
