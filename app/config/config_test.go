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
		"port":      {"PORT": "otte"},
		"base url":  {"BASE_URL": "localhost"},
		"log level": {"LOG_LEVEL": "snak"},
		"short key": {"SESSION_KEYS": "kort"},
		"smtp":      {"SMTP_URL": "mail.example"},
		"smtp http": {"SMTP_URL": "http://mail.example"},
		"mail from": {"MAIL_FROM": "ikke en adresse"},
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
