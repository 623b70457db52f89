package config

import (
	"log/slog"
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
