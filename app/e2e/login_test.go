package e2e

import (
	"net/http"
	"testing"

	"indberet/tenant/demo"
)

func TestBrowser_LoginPage(t *testing.T) {
	t.Parallel()
	b := setup(t)

	b.visit("/login")
	if b.status != http.StatusOK {
		t.Fatalf("GET /login: status %d", b.status)
	}
	if got := b.text("h1"); got != "Log ind" {
		t.Errorf("login heading %q", got)
	}
	b.axe("login")
	b.screenshot("login")

	b.login("indberetter.101@demo.invalid", demo.Password)
	if b.status != http.StatusOK {
		t.Errorf("front page: status %d", b.status)
	}
	if got := b.text("main h1"); got != "Velkommen til Indberet" {
		t.Errorf("front page heading %q", got)
	}
	b.axe("forside")
	b.screenshot("forside")

	b.logout()
	b.waitVisible("#login-email")
}
