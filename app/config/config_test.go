package config

import (
	"log/slog"
	"maps"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Parse(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8080 || c.BaseURL != "http://localhost:8080" || c.Secure() || c.LogLevel != slog.LevelInfo ||
		!c.SessionKeysGenerated || len(c.SessionKeys[0]) != 32 || c.DatabaseURL != "" || c.SMTPURL != "" ||
		c.MailFrom != "Indberet <noreply@localhost>" {
		t.Errorf("defaults: %+v", c)
	}
}

func TestValues(t *testing.T) {
	key := strings.Repeat("k", 40)
	c, err := Parse(env(map[string]string{"PORT": "9000", "BASE_URL": "https://indberet.example/", "LOG_LEVEL": "debug",
		"SESSION_KEYS": key + ", " + strings.Repeat("ab", 32), "SMTP_URL": "smtp://u:p@mail.example:587",
		"DATABASE_URL": "postgres://x@y/z", "MAIL_FROM": "DST <indberet@dst.dk>"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 9000 || c.BaseURL != "https://indberet.example" || !c.Secure() || c.LogLevel != slog.LevelDebug ||
		c.SessionKeysGenerated || len(c.SessionKeys) != 2 || string(c.SessionKeys[0]) != key || len(c.SessionKeys[1]) != 32 ||
		c.MailFrom != "DST <indberet@dst.dk>" || c.SMTPURL != "smtp://u:p@mail.example:587" {
		t.Errorf("parsed: %+v", c)
	}
}

func TestBadValues(t *testing.T) {
	for name, m := range map[string]map[string]string{
		"port":              {"PORT": "otte"},
		"base url":          {"BASE_URL": "localhost"},
		"log level":         {"LOG_LEVEL": "snak"},
		"short key":         {"SESSION_KEYS": "kort"},
		"smtp":              {"SMTP_URL": "mail.example"},
		"smtp http":         {"SMTP_URL": "http://mail.example"},
		"mail from":         {"MAIL_FROM": "ikke en adresse"},
		"mail mode":         {"MAIL_MODE": "brevdue"},
		"smtp mode":         {"MAIL_MODE": "smtp"}, // without SMTP_URL
		"retention unit":    {"LOG_RETENTION": "5"},
		"retention minutes": {"LOG_RETENTION": "60m"},
		"retention short":   {"LOG_RETENTION": "11 months"},
		"retention zero":    {"LOG_RETENTION": "0y"},
	} {
		if _, err := Parse(env(m)); err == nil {
			t.Errorf("%s: accepted %v", name, m)
		}
	}
}

// TestDatabasePoolMax: DATABASE_POOL_MAX is a positive number of connections, 20 unless set
// (issue 14 #1); anything else stops the start with the variable's name.
func TestDatabasePoolMax(t *testing.T) {
	for v, want := range map[string]int{"": DefaultDatabasePoolMax, "1": 1, "8": 8, " 40 ": 40, "10000": 10000} {
		c, err := Parse(env(map[string]string{"DATABASE_POOL_MAX": v}))
		if err != nil || c.DatabasePoolMax != want {
			t.Errorf("DATABASE_POOL_MAX=%q: %d, %v; want %d", v, c.DatabasePoolMax, err, want)
		}
	}
	for _, v := range []string{"0", "-4", "fire", "2.5", "10001", "99999999999999999999"} {
		_, err := Parse(env(map[string]string{"DATABASE_POOL_MAX": v}))
		if err == nil || !strings.Contains(err.Error(), "DATABASE_POOL_MAX") {
			t.Errorf("DATABASE_POOL_MAX=%q: %v, want an error naming the variable", v, err)
		}
	}
}

// MAIL_MODE (issue 14 #12): smtp when SMTP_URL is set, else outbox; outbox on purpose holds
// the e-mails in the Udbakke even with SMTP_URL set.
func TestMailMode(t *testing.T) {
	const smtp = "smtp://u:p@mail.example:587"
	for _, tc := range []struct {
		env      map[string]string
		mode     MailMode
		smtpURL  string
		explicit bool
	}{
		{nil, MailOutbox, "", false},
		{map[string]string{"SMTP_URL": smtp}, MailSMTP, smtp, false},
		{map[string]string{"SMTP_URL": smtp, "MAIL_MODE": "smtp"}, MailSMTP, smtp, true},
		{map[string]string{"SMTP_URL": smtp, "MAIL_MODE": "outbox"}, MailOutbox, "", true},
		{map[string]string{"MAIL_MODE": "outbox"}, MailOutbox, "", true},
	} {
		c, err := Parse(env(tc.env))
		if err != nil || c.MailMode != tc.mode || c.SMTPURL != tc.smtpURL || c.mailModeSet != tc.explicit {
			t.Errorf("%v: mode %q, SMTP_URL %q, set %v (%v); want %q, %q, %v", tc.env, c.MailMode, c.SMTPURL,
				c.mailModeSet, err, tc.mode, tc.smtpURL, tc.explicit)
		}
	}
}

// Issue 14 #12: with an https BASE_URL (production) a web server needs SESSION_KEYS and a
// process that sends e-mails needs SMTP_URL unless MAIL_MODE=outbox; over http the defaults
// stand.
func TestCheckStart(t *testing.T) {
	key := strings.Repeat("ab", 32)
	https := map[string]string{"BASE_URL": "https://indberet.example"}
	with := func(kv ...string) map[string]string {
		m := maps.Clone(https)
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name      string
		env       map[string]string
		web, mail bool
		want      []string // in the error; none: no error
	}{
		{"http without either", nil, true, true, nil},
		{"https without either", https, true, true, []string{"SESSION_KEYS er ikke sat", "SMTP_URL er ikke sat", "MAIL_MODE=outbox"}},
		{"web only without keys", with("SMTP_URL", "smtp://mail.example:587"), true, false, []string{"SESSION_KEYS er ikke sat"}},
		{"web only without smtp", with("SESSION_KEYS", key), true, false, nil},
		{"worker without keys", with("SMTP_URL", "smtp://mail.example:587"), false, true, nil},
		{"worker without smtp", with("SESSION_KEYS", key), false, true, []string{"SMTP_URL er ikke sat"}},
		{"outbox on purpose", with("SESSION_KEYS", key, "MAIL_MODE", "outbox"), true, true, nil},
		{"both set", with("SESSION_KEYS", key, "SMTP_URL", "smtps://u:p@mail.example:465"), true, true, nil},
	} {
		c, err := Parse(env(tc.env))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		err = c.CheckStart(tc.web, tc.mail)
		if (err != nil) != (len(tc.want) > 0) {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", tc.name, err, w)
			}
		}
	}
}

// TestLogRetention: LOG_RETENTION in years or months (issue 14 #13), unset the worker's
// default (0).
func TestLogRetention(t *testing.T) {
	for in, want := range map[string]int{"": 0, "5y": 60, "5 years": 60, "1 Year": 12, "18mo": 18, " 18 months ": 18, "12 month": 12} {
		c, err := Parse(env(map[string]string{"LOG_RETENTION": in}))
		if err != nil || c.LogRetentionMonths != want {
			t.Errorf("LOG_RETENTION=%q: %d months, %v; want %d", in, c.LogRetentionMonths, err, want)
		}
	}
}

// TestMetricsAddr: METRICS_ADDR (issue 15, the run's health) is off unless set, host:port or
// :port, never the app's PORT; a wrong value stops the start with a message naming the
// variable and an example.
func TestMetricsAddr(t *testing.T) {
	for v, want := range map[string]string{"": "", ":9091": ":9091", " 127.0.0.1:9091 ": "127.0.0.1:9091",
		"[::1]:9091": "[::1]:9091", "localhost:65535": "localhost:65535"} {
		c, err := Parse(env(map[string]string{"METRICS_ADDR": v}))
		if err != nil || c.MetricsAddr != want {
			t.Errorf("METRICS_ADDR=%q: %q, %v; want %q", v, c.MetricsAddr, err, want)
		}
	}
	for v, want := range map[string]string{
		"9091":           "want host:port or :port",
		"localhost":      "want host:port or :port",
		":metrics":       "want a port from 1 to 65535",
		":0":             "want a port from 1 to 65535",
		":65536":         "want a port from 1 to 65535",
		":8080":          "port 8080 is PORT",
		"127.0.0.1:8080": "port 8080 is PORT",
	} {
		_, err := Parse(env(map[string]string{"METRICS_ADDR": v}))
		if err == nil || !strings.Contains(err.Error(), "METRICS_ADDR") || !strings.Contains(err.Error(), want) ||
			!strings.Contains(err.Error(), ":9091") {
			t.Errorf("METRICS_ADDR=%q: %v, want an error with %q and an example", v, err, want)
		}
	}
	if _, err := Parse(env(map[string]string{"METRICS_ADDR": ":9000", "PORT": "9000"})); err == nil ||
		!strings.Contains(err.Error(), "port 9000 is PORT") {
		t.Errorf("METRICS_ADDR on PORT 9000: %v", err)
	}
}

// TestMailNotes (I3, I10): a process that sends receipts says when they will not be sent or
// will carry links to the default address, with the address they carry; nothing when SMTP_URL
// and BASE_URL are set.
func TestMailNotes(t *testing.T) {
	for name, tc := range map[string]struct {
		env  map[string]string
		want []string
	}{
		"nothing set": {nil, []string{"gemmes lokalt i Udbakken og sendes ikke: SMTP_URL er ikke sat",
			"Links i kvitteringer peger på http://localhost:8080: BASE_URL er ikke sat", "Send igen"}},
		"port": {map[string]string{"PORT": "9000", "SMTP_URL": "smtp://mail.example:587"},
			[]string{"Links i kvitteringer peger på http://localhost:9000: BASE_URL er ikke sat", "Send igen"}},
		"no smtp": {map[string]string{"BASE_URL": "https://indberet.example"},
			[]string{"SMTP_URL er ikke sat", "Links i kvitteringer peger på https://indberet.example (BASE_URL)"}},
		"outbox": {map[string]string{"BASE_URL": "https://indberet.example", "SMTP_URL": "smtp://mail.example:587", "MAIL_MODE": "outbox"},
			[]string{"sendes ikke: MAIL_MODE=outbox", "https://indberet.example (BASE_URL)"}},
		"both": {map[string]string{"BASE_URL": "https://indberet.example", "SMTP_URL": "smtp://mail.example:587"}, nil},
	} {
		c, err := Parse(env(tc.env))
		if err != nil {
			t.Fatal(err)
		}
		notes := c.MailNotes()
		if len(tc.want) == 0 && len(notes) != 0 {
			t.Errorf("%s: %q, want none", name, notes)
		}
		all := strings.Join(notes, "\n")
		for _, w := range tc.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: %q lacks %q", name, notes, w)
			}
		}
	}
}
