// Package config reads the configuration from the environment, the only place it comes
// from. Every variable has a default that works on a developer's machine; README.md lists
// them.
package config

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// Config is the process configuration.
type Config struct {
	// DatabaseURL is DATABASE_URL; empty means the local cluster under .data/pg.
	DatabaseURL string
	// DatabasePoolMax is DATABASE_POOL_MAX, the most database connections a process opens
	// (default DefaultDatabasePoolMax); `serve` with workers splits them between the web and
	// the workers (issue 14 #1).
	DatabasePoolMax int
	// Port is PORT (default 8080).
	Port int
	// BaseURL is BASE_URL, the address users reach the app at (default http://localhost:PORT).
	// An https BASE_URL makes cookies Secure and turns on HSTS.
	BaseURL string
	// BaseURLSet tells that BASE_URL was set (not the default).
	BaseURLSet bool
	// SessionKeys are from SESSION_KEYS: comma-separated keys of at least 32 bytes (raw,
	// hex or base64); the first signs, all verify. Empty: a random key per process, so
	// sessions end when it restarts (fine locally, wrong for several instances).
	SessionKeys [][]byte
	// SessionKeysGenerated tells that SessionKeys were made up at start.
	SessionKeysGenerated bool
	// SMTPURL is SMTP_URL: smtp://user:pass@host:587 (STARTTLS; ?tls=opportunistic or
	// ?tls=none for a relay without it) or smtps://user:pass@host:465 (implicit TLS); empty:
	// e-mails are recorded (*gemt lokalt*), not sent. Empty with MAIL_MODE=outbox.
	SMTPURL string
	// MailMode is MAIL_MODE: MailSMTP sends the e-mails through SMTPURL, MailOutbox only
	// records them in the Udbakke. Default: smtp when SMTP_URL is set, else outbox.
	MailMode MailMode
	// mailModeSet tells that MAIL_MODE was set: an https start without SMTP_URL needs
	// MAIL_MODE=outbox said explicitly (CheckStart).
	mailModeSet bool
	// MailFrom is MAIL_FROM, the sender of the e-mails (default "Indberet <noreply@HOST>",
	// HOST from BASE_URL).
	MailFrom string
	// LogLevel is LOG_LEVEL: debug, info (default), warn, error.
	LogLevel slog.Level
	// Proxies are TRUSTED_PROXIES, the reverse proxies whose word on the client's address the
	// app takes (proxies.go); none by default.
	Proxies Proxies
	// LogRetentionMonths is LOG_RETENTION in months: how long the audit and CPR access logs
	// are kept (retention.go); 0 when unset: the worker's default, 5 years.
	LogRetentionMonths int
	// MetricsAddr is METRICS_ADDR, the host:port of the process's own /metrics server
	// (package metrics); empty: none. Never the public PORT: the app's port is the one the
	// proxy exposes.
	MetricsAddr string
}

// FromEnv reads the configuration from the environment.
func FromEnv() (Config, error) { return Parse(os.Getenv) }

// Parse reads the configuration through getenv.
func Parse(getenv func(string) string) (Config, error) {
	c := Config{DatabaseURL: getenv("DATABASE_URL"), SMTPURL: getenv("SMTP_URL"), Port: 8080}
	var err error
	if c.DatabasePoolMax, err = databasePoolMax(getenv("DATABASE_POOL_MAX")); err != nil {
		return c, err
	}
	if p := getenv("PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return c, fmt.Errorf("PORT: not a port number: %q", p)
		}
		c.Port = n
	}
	c.BaseURL = strings.TrimRight(getenv("BASE_URL"), "/")
	c.BaseURLSet = c.BaseURL != ""
	if c.BaseURL == "" {
		c.BaseURL = fmt.Sprintf("http://localhost:%d", c.Port)
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("BASE_URL: want http(s)://host, got %q", c.BaseURL)
	}
	if err := c.LogLevel.UnmarshalText([]byte(orDefault(getenv("LOG_LEVEL"), "info"))); err != nil {
		return c, fmt.Errorf("LOG_LEVEL: %w", err)
	}
	if s := getenv("LOG_RETENTION"); s != "" {
		n, err := parseRetention(s)
		if err != nil {
			return c, fmt.Errorf("LOG_RETENTION: %w", err)
		}
		c.LogRetentionMonths = n
	}
	if s := getenv("SMTP_URL"); s != "" {
		if u, err := url.Parse(s); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			return c, fmt.Errorf("SMTP_URL: want smtp://user:password@host:port, got an unparsable value")
		}
	}
	switch m := MailMode(getenv("MAIL_MODE")); m {
	case "":
		c.MailMode = MailOutbox
		if c.SMTPURL != "" {
			c.MailMode = MailSMTP
		}
	case MailSMTP:
		if c.SMTPURL == "" {
			return c, fmt.Errorf("MAIL_MODE=smtp: SMTP_URL is not set")
		}
		c.MailMode, c.mailModeSet = m, true
	case MailOutbox:
		c.MailMode, c.mailModeSet, c.SMTPURL = m, true, "" // recorded in the Udbakke, not sent
	default:
		return c, fmt.Errorf("MAIL_MODE: want smtp or outbox, got %q", m)
	}
	c.MailFrom = getenv("MAIL_FROM")
	if c.MailFrom == "" {
		u, _ := url.Parse(c.BaseURL)
		c.MailFrom = "Indberet <noreply@" + u.Hostname() + ">"
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		return c, fmt.Errorf("MAIL_FROM: want an address such as \"Indberet <noreply@example.dk>\": %w", err)
	}
	if c.MetricsAddr, err = metricsAddr(getenv("METRICS_ADDR"), c.Port); err != nil {
		return c, err
	}
	proxies, err := parseProxies(getenv("TRUSTED_PROXIES"), getenv("FLY_APP_NAME") != "")
	if err != nil {
		return c, fmt.Errorf("TRUSTED_PROXIES: %w", err)
	}
	c.Proxies = proxies
	if ks := getenv("SESSION_KEYS"); ks != "" {
		for _, k := range strings.Split(ks, ",") {
			key, err := decodeKey(strings.TrimSpace(k))
			if err != nil {
				return c, fmt.Errorf("SESSION_KEYS: %w", err)
			}
			c.SessionKeys = append(c.SessionKeys, key)
		}
	} else {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return c, err
		}
		c.SessionKeys = [][]byte{key}
		c.SessionKeysGenerated = true
	}
	return c, nil
}

// DefaultDatabasePoolMax is DATABASE_POOL_MAX's default. PostgreSQL accepts 100 connections
// by default (max_connections, 3 of them kept for superusers); fly.toml runs two web
// processes and a worker, 60 connections at most, 80 while a rolling deploy starts a fourth,
// and leaves room for the release command's migration, River's LISTEN connection of each
// working process (outside the pool) and an operator's psql. It is also plenty: a request
// holds a connection for milliseconds (make bench's 1,000 requests a second ran on 4), and
// the workers' long transactions are few (worker/client.go).
const DefaultDatabasePoolMax = 20

// databasePoolMax reads DATABASE_POOL_MAX.
func databasePoolMax(v string) (int, error) {
	if v == "" {
		return DefaultDatabasePoolMax, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 || n > 10000 {
		return 0, fmt.Errorf("DATABASE_POOL_MAX: want a number of connections from 1 to 10000, got %q", v)
	}
	return n, nil
}

// metricsAddr reads METRICS_ADDR: "" (no metrics server) or host:port with a port of its own,
// not the app's (port): /metrics must not be reachable where the app's users are.
func metricsAddr(v string, port int) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	_, p, err := net.SplitHostPort(v)
	if err != nil {
		return "", fmt.Errorf("METRICS_ADDR: want host:port or :port, e.g. :9091, got %q", v)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("METRICS_ADDR: want a port from 1 to 65535 after the colon, e.g. :9091, got %q", v)
	}
	if n == port { // the app listens on every address of PORT
		return "", fmt.Errorf("METRICS_ADDR: port %d is PORT, the app's public port; give /metrics a port of its own, e.g. :9091", n)
	}
	return v, nil
}

// Secure tells whether the app is reached over https.
func (c Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// MailMode is how e-mails leave the system (MAIL_MODE).
type MailMode string

// The mail modes.
const (
	MailSMTP   MailMode = "smtp"   // sent through SMTP_URL
	MailOutbox MailMode = "outbox" // recorded in the Udbakke (*gemt lokalt*), not sent
)

// CheckStart refuses a start in production (an https BASE_URL) that lacks what production
// needs (issue 14 #12): a process that serves the web (web) needs SESSION_KEYS, since a
// random key logs everyone out at each restart and differs between instances; one that
// sends e-mails (mail: it works jobs) needs SMTP_URL, or the receipts would stay unsent in
// the Udbakke, unless MAIL_MODE=outbox says so on purpose. Over http (a developer's
// machine) the defaults stand. The messages are Danish, for the operator.
func (c Config) CheckStart(web, mail bool) error {
	if !c.Secure() {
		return nil
	}
	var errs []error
	if web && c.SessionKeysGenerated {
		errs = append(errs, errors.New("SESSION_KEYS er ikke sat, og BASE_URL er https (drift): med en tilfældig nøgle "+
			"logges alle ud ved hver genstart, og flere instanser afviser hinandens sessioner. Sæt SESSION_KEYS til "+
			"nøgler på mindst 32 byte (fx fra `openssl rand -hex 32`), de samme i alle instanser"))
	}
	if mail && c.MailMode == MailOutbox && !c.mailModeSet {
		errs = append(errs, errors.New("SMTP_URL er ikke sat, og BASE_URL er https (drift): kvitteringerne ville kun "+
			"blive gemt i Udbakken, ikke sendt. Sæt SMTP_URL, eller MAIL_MODE=outbox, hvis e-mails med vilje kun skal gemmes"))
	}
	return errors.Join(errs...)
}

// MailNotes are the lines a process that sends the receipts (a worker, serve with its
// workers, deliver --wait) says at its start when its e-mails will not reach their
// receivers as the server's would (I3, I10): not sent (no SMTP_URL, or MAIL_MODE=outbox),
// or with links to the default address (no BASE_URL), and the address the links start with.
// None when both are set. Danish, for the operator, as the CLI's other messages.
func (c Config) MailNotes() []string {
	var notes []string
	switch {
	case c.MailMode == MailOutbox && c.mailModeSet:
		notes = append(notes, "Kvitteringer gemmes lokalt i Udbakken og sendes ikke: MAIL_MODE=outbox.")
	case c.SMTPURL == "":
		notes = append(notes, "Kvitteringer gemmes lokalt i Udbakken og sendes ikke: SMTP_URL er ikke sat.")
	}
	switch {
	case !c.BaseURLSet:
		notes = append(notes, "Links i kvitteringer peger på "+c.BaseURL+": BASE_URL er ikke sat.")
	case len(notes) > 0:
		notes = append(notes, "Links i kvitteringer peger på "+c.BaseURL+" (BASE_URL).")
	}
	if len(notes) > 0 {
		notes = append(notes, "En kvittering, der ikke er sendt, kan sendes igen fra Udbakken (Send igen) af en server med SMTP_URL og BASE_URL.")
	}
	return notes
}

func decodeKey(k string) ([]byte, error) {
	for _, dec := range []func(string) ([]byte, error){
		hex.DecodeString, base64.StdEncoding.DecodeString, base64.RawURLEncoding.DecodeString,
	} {
		if b, err := dec(k); err == nil && len(b) >= 32 {
			return b, nil
		}
	}
	if len(k) >= 32 {
		return []byte(k), nil
	}
	return nil, fmt.Errorf("a key must have at least 32 bytes")
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
