// Package config reads the configuration from the environment, the only place it comes
// from. Every variable has a default that works on a developer's machine; README.md lists
// them.
package config

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
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
	// Port is PORT (default 8080).
	Port int
	// BaseURL is BASE_URL, the address users reach the app at (default http://localhost:PORT).
	// An https BASE_URL makes cookies Secure and turns on HSTS.
	BaseURL string
	// SessionKeys are from SESSION_KEYS: comma-separated keys of at least 32 bytes (raw,
	// hex or base64); the first signs, all verify. Empty: a random key per process, so
	// sessions end when it restarts (fine locally, wrong for several instances).
	SessionKeys [][]byte
	// SessionKeysGenerated tells that SessionKeys were made up at start.
	SessionKeysGenerated bool
	// SMTPURL is SMTP_URL: smtp://user:pass@host:587 (STARTTLS; ?tls=opportunistic or
	// ?tls=none for a relay without it) or smtps://user:pass@host:465 (implicit TLS); empty:
	// e-mails are recorded (*gemt lokalt*), not sent.
	SMTPURL string
	// MailFrom is MAIL_FROM, the sender of the e-mails (default "Indberet <noreply@HOST>",
	// HOST from BASE_URL).
	MailFrom string
	// LogLevel is LOG_LEVEL: debug, info (default), warn, error.
	LogLevel slog.Level
	// LogRetentionMonths is LOG_RETENTION in months: how long the audit and CPR access logs
	// are kept (retention.go); 0 when unset: the worker's default, 5 years.
	LogRetentionMonths int
}

// FromEnv reads the configuration from the environment.
func FromEnv() (Config, error) { return Parse(os.Getenv) }

// Parse reads the configuration through getenv.
func Parse(getenv func(string) string) (Config, error) {
	c := Config{DatabaseURL: getenv("DATABASE_URL"), SMTPURL: getenv("SMTP_URL"), Port: 8080}
	if p := getenv("PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return c, fmt.Errorf("PORT: not a port number: %q", p)
		}
		c.Port = n
	}
	c.BaseURL = strings.TrimRight(getenv("BASE_URL"), "/")
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
	c.MailFrom = getenv("MAIL_FROM")
	if c.MailFrom == "" {
		u, _ := url.Parse(c.BaseURL)
		c.MailFrom = "Indberet <noreply@" + u.Hostname() + ">"
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		return c, fmt.Errorf("MAIL_FROM: want an address such as \"Indberet <noreply@example.dk>\": %w", err)
	}
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

// Secure tells whether the app is reached over https.
func (c Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

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
