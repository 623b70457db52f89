package worker

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"indberet/tenant"
)

// E-mail over SMTP (K3: receipts go by e-mail), with github.com/wneessen/go-mail. The jobs
// record every e-mail in the outbox first (tenant/outbox.go) and send it from there.

// MailConfig is how e-mails leave the system, from the configuration (SMTP_URL, MAIL_FROM,
// BASE_URL).
type MailConfig struct {
	// SMTPURL is the server: smtp://user:password@host:587 (STARTTLS required; add
	// ?tls=opportunistic or ?tls=none for a relay without it) or smtps://user:password@host:465
	// (implicit TLS). Empty: e-mails are recorded as *gemt lokalt* and only shown in the
	// Udbakke, never sent.
	SMTPURL string
	// From is the sender, e.g. "Indberet <noreply@indberet.dk>".
	From string
	// BaseURL is where users reach the app; links in e-mails start with it.
	BaseURL string
	// TLSConfig, when set, replaces the system's TLS settings (the tests trust their own CA).
	TLSConfig *tls.Config
}

// mailTimeout bounds one SMTP conversation.
const mailTimeout = 30 * time.Second

// smtpClient builds a go-mail client from SMTPURL.
func (m MailConfig) smtpClient() (*gomail.Client, error) {
	u, err := url.Parse(m.SMTPURL)
	if err != nil || u.Hostname() == "" {
		return nil, errors.New("SMTP_URL: want smtp://user:password@host:port")
	}
	opts := []gomail.Option{gomail.WithTimeout(mailTimeout)}
	port := 587
	switch u.Scheme {
	case "smtp":
		policy := gomail.TLSMandatory
		switch u.Query().Get("tls") {
		case "", "starttls":
		case "opportunistic":
			policy = gomail.TLSOpportunistic
		case "none":
			policy = gomail.NoTLS
		default:
			return nil, fmt.Errorf("SMTP_URL: tls=%q: want starttls, opportunistic or none", u.Query().Get("tls"))
		}
		opts = append(opts, gomail.WithTLSPolicy(policy))
	case "smtps":
		port = 465
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("SMTP_URL: scheme %q: want smtp or smtps", u.Scheme)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("SMTP_URL: port %q", p)
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if m.TLSConfig != nil {
		tc := m.TLSConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = u.Hostname()
		}
		opts = append(opts, gomail.WithTLSConfig(tc))
	}
	if user := u.User.Username(); user != "" {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(user), gomail.WithPassword(pass))
	}
	return gomail.NewClient(u.Hostname(), opts...)
}

// message builds the MIME message of a recorded e-mail: plain text and HTML as
// multipart/alternative, with the recorded Message-ID (the same on every attempt, so that a
// receiver can tell a repeated delivery).
func message(e tenant.Mail) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(e.From); err != nil {
		return nil, fmt.Errorf("from %q: %w", e.From, err)
	}
	if err := msg.AddToFormat(e.ToName, e.ToAddress); err != nil {
		return nil, fmt.Errorf("to %q: %w", e.ToAddress, err)
	}
	msg.Subject(e.Subject)
	msg.SetMessageIDWithValue(e.MessageID)
	msg.SetDateWithValue(time.Now())
	msg.SetBodyString(gomail.TypeTextPlain, e.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, e.HTML)
	return msg, nil
}

// errMailPermanent marks a failure that sending again will not cure: the server refused the
// message or a recipient for good (5xx), or the message itself is wrong.
var errMailPermanent = errors.New("permanent")

// send sends e over SMTP. An error wrapping errMailPermanent will not go away by retrying;
// any other (the server unreachable, a 4xx answer) may.
func (m MailConfig) send(ctx context.Context, e tenant.Mail) error {
	msg, err := message(e)
	if err != nil {
		return fmt.Errorf("%w: %w", errMailPermanent, err)
	}
	c, err := m.smtpClient()
	if err != nil {
		return err
	}
	err = c.DialAndSendWithContext(ctx, msg)
	var se *gomail.SendError
	if errors.As(err, &se) && !se.IsTemp() && se.Reason != gomail.ErrConnCheck {
		return fmt.Errorf("%w: %w", errMailPermanent, err)
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return fmt.Errorf("smtp %s: %w", c.ServerAddr(), err)
	}
	return err
}
