package views

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func kontaktPersoner() []Kontaktperson {
	return []Kontaktperson{
		{Rolle: "faglig", Navn: "Anne <Faglig>", Telefon: "x", Email: "anne@kk.dk", Version: "3", TelefonFejl: "Angiv et telefonnummer."},
		{Rolle: "teknisk", Version: "0"},
		{Rolle: "kvittering", Navn: "Carl", Telefon: "+45 33 92 73 00", Email: "carl@kk.dk", Version: "1"},
	}
}

// TestKontaktPage: K1, the form's fieldsets, labels and hidden versions pass the checks of
// every page; the read-only view has no form.
func TestKontaktPage(t *testing.T) {
	p := Page{Title: "Kontaktoplysninger", User: kommuneUser, CSRFToken: testToken}
	doc := checkPage(t, render(t, KontaktpersonerPage(p, KontaktpersonerForm{Personer: kontaktPersoner()})), p)
	var legends []string
	for _, l := range findAll(doc, byTag("legend")) {
		legends = append(legends, text(l))
	}
	if strings.Join(legends, "|") != "Fagligt ansvarlig|Teknisk ansvarlig|Kvitteringsmodtager" {
		t.Errorf("legends %v", legends)
	}
	forms := findAll(doc, func(n *html.Node) bool {
		a, _ := attr(n, "action")
		return n.Data == "form" && a == KontaktpersonerPath
	})
	if len(forms) != 1 {
		t.Fatalf("%d kontakt forms, want 1", len(forms))
	}
	checkCSRFField(t, forms[0], testToken)
	summary := mainText(doc)
	if !strings.Contains(summary, "Fagligt ansvarlig: Angiv et telefonnummer.") {
		t.Errorf("error summary does not name the role: %s", summary)
	}

	ro := checkPage(t, render(t, KontaktpersonerPage(p, KontaktpersonerForm{Personer: kontaktPersoner(), ReadOnly: true})), p)
	if n := len(findAll(ro, byTag("input"))) - 2; n != 0 { // the two logout forms' tokens
		t.Errorf("read-only page has %d inputs", n)
	}
	if txt := mainText(ro); !strings.Contains(txt, "Anne <Faglig>") || !strings.Contains(txt, "Ikke angivet") {
		t.Errorf("read-only page: %s", txt)
	}

	dp := Page{Title: "Kontaktoplysninger", User: dstUser, CSRFToken: testToken}
	checkPage(t, render(t, KontaktOversigtPage(dp, []KommuneKontaktpersoner{{Label: "København (101)", Personer: kontaktPersoner()}})), dp)
}

func TestKontaktManglerAlert(t *testing.T) {
	doc := parse(t, render(t, KontaktManglerAlert()))
	if txt := text(doc); !strings.Contains(txt, KontaktManglerText) || !strings.Contains(txt, "Angiv kontaktoplysninger") {
		t.Errorf("alert text %q", txt)
	}
	links := findAll(doc, byTag("a"))
	if len(links) != 1 {
		t.Fatalf("%d links, want 1", len(links))
	}
	if h, _ := attr(links[0], "href"); h != "/kontaktoplysninger" {
		t.Errorf("link to %q", h)
	}
}
