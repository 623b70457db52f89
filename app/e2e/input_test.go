package e2e

import (
	"net/http"
	"strings"
	"testing"

	"indberet/tenant/demo"
)

// TestBrowser_RefusedText (issue 14 #6): text that cannot be stored (here a NUL byte, which a
// paste can bring; a browser cannot send invalid UTF-8) is refused with 422 and the field
// named, and nothing typed is lost: a plain form comes back as the request again, the
// refused field without the NUL to see to and the rest sent along, and an htmx form stays
// as it was, the message above it.
func TestBrowser_RefusedText(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("kommuneadmin.751@demo.invalid", demo.Password)

	b.visit("/kontaktoplysninger")
	for sel, v := range map[string]string{
		"#faglig-navn": "Anne Faglig", "#faglig-telefon": "89 40 20 00", "#faglig-email": "anne@aarhus.dk",
		"#teknisk-navn": "Bo Teknik", "#teknisk-telefon": "89 40 20 01", "#teknisk-email": "bo@aarhus.dk",
		"#kvittering-navn": "Carl Kvittering", "#kvittering-telefon": "89 40 20 02", "#kvittering-email": "carl@aarhus.dk",
	} {
		b.fill(sel, v)
	}
	evaluate[bool](b, `(el => { el.value = "Bo\u0000 Teknik"; return true })(document.querySelector("#teknisk-navn"))`)
	b.follow("main form button[type=submit]")
	if b.status != http.StatusUnprocessableEntity ||
		!strings.Contains(b.text("#error-summary"), "Feltet «Teknisk ansvarlig: Kontaktperson» indeholder tegn, der ikke kan gemmes") {
		t.Fatalf("NUL in a name: status %d, %q", b.status, b.text("main"))
	}
	b.axe("tekst-afvist")
	b.screenshot("tekst-afvist")
	if got := b.value("#ret-1"); got != "Bo Teknik" {
		t.Errorf("the refused field holds %q, want the text without the NUL", got)
	}
	b.follow("main form button.button-primary") // Send igen
	if b.status != http.StatusOK || !strings.Contains(b.text("main"), "Kontaktoplysningerne er gemt.") {
		t.Fatalf("sent again: status %d on %s: %q", b.status, b.path(), b.text("main"))
	}
	b.visit("/kontaktoplysninger")
	for sel, v := range map[string]string{"#faglig-navn": "Anne Faglig", "#teknisk-navn": "Bo Teknik",
		"#kvittering-navn": "Carl Kvittering", "#kvittering-email": "carl@aarhus.dk"} {
		if got := b.value(sel); got != v {
			t.Errorf("saved: %s is %q, want %q as typed", sel, got, v)
		}
	}

	b.visit("/revision")
	b.fill("#log-sag", "7")
	evaluate[bool](b, `(el => { el.value = "a\u0000b@aarhus.dk"; return true })(document.querySelector("#log-bruger"))`)
	b.click("form.log-filter button[type=submit]")
	b.waitVisible("#side-besked #besked-fejl")
	if msg := b.text("#besked-fejl"); !strings.Contains(msg, "Feltet «Bruger» indeholder tegn, der ikke kan gemmes") {
		t.Errorf("htmx filter: message %q", msg)
	}
	if b.value("#log-sag") != "7" || b.value("#log-bruger") != "a\u0000b@aarhus.dk" || b.path() != "/revision" {
		t.Errorf("htmx filter: the form changed: sag %q, bruger %q", b.value("#log-sag"), b.value("#log-bruger"))
	}
	b.axe("tekst-afvist-htmx")
	b.fill("#log-bruger", "kommuneadmin.751@demo.invalid")
	b.click("form.log-filter button[type=submit]")
	b.waitGone("#besked-fejl")
}
