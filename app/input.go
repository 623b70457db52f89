package app

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"indberet/tenant/domain"
	"indberet/views"
)

// The one check of the text every request brings (issue 14 #6): query, form body
// (urlencoded or multipart) and route parameters, before the handler runs. Text that cannot
// be stored (domain.StorableText: invalid UTF-8, NUL and the other control characters but
// tab, line feed and carriage return) is refused with 422 and a Danish message naming each
// field, so no handler ever hands such text to PostgreSQL (which answers it with an error,
// formerly a 500) or to the XML of a delivery. Tab and line breaks pass everywhere: a
// textarea sends them, and each field's own rules decide its format.
//
// What was typed is kept. An htmx request gets the message in the page's message region
// (views.BeskedID), its form untouched. A plain request gets the request again as a form
// (views.InputRettelse): the refused fields with the characters taken out, to see to, and
// every other value in hidden fields, sent to the same address; passwords are typed again.
// The browser's Back would not do: the forms' fields have autocomplete="off", so Chromium
// shows them empty. Re-rendering each screen's own form would need each handler to take
// part, and a check in every handler is what let sixteen inputs through.

// checkInput refuses a request with a value that is not storable text; see above.
func (a *App) checkInput(c *fiber.Ctx) error {
	var bad []string
	inParams := false
	eachInput(c, func(name string, value []byte, param bool) {
		if !domain.StorableText(string(value)) && !slices.Contains(bad, name) {
			bad = append(bad, name)
			inParams = inParams || param
		}
	})
	if len(bad) == 0 {
		return c.Next()
	}
	if hxRequest(c).Enabled {
		b := views.Besked{Heading: views.InputFejlHeading}
		for _, name := range bad {
			b.Lines = append(b.Lines, inputFejl(name))
		}
		b.Lines[len(b.Lines)-1] += " " + msgRetTeksten
		return a.renderBesked(c, fiber.StatusUnprocessableEntity, b)
	}
	r := views.InputRettelse{Besked: views.Besked{Heading: views.InputFejlHeading}, Tilbage: backURL(c)}
	if inParams {
		r.Lines = []string{"Adressen indeholder tegn, der ikke kan bruges."}
	} else {
		r = rettelse(c, r)
	}
	return a.render(c, fiber.StatusUnprocessableEntity, views.InputFejlPage(a.page(c, r.Heading), r))
}

// inputPasswords are the names of the password fields: a refusal page never sends them
// back to the browser; they are typed again.
var inputPasswords = []string{"password", "adgangskode", "ny", "gentag"}

// rettelse fills r with the request again as a form: a GET's query, or a POST's form body
// (to its address with its query; a refused query goes into the form instead), each refused
// value as a field to see to without what cannot be stored, the others as they came.
func rettelse(c *fiber.Ctx, r views.InputRettelse) views.InputRettelse {
	query := func(c *fiber.Ctx, fn func(string, []byte)) {
		c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) { fn(string(k), v) })
	}
	r.Method, r.Action = "post", c.OriginalURL()
	values := []func(*fiber.Ctx, func(string, []byte)){eachBodyValue}
	switch {
	case c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead:
		r.Method, r.Action, values = "get", c.Path(), values[:0]
		values = append(values, query)
	case !storableArgs(c.Request().URI().QueryArgs().VisitAll):
		r.Action, values = c.Path(), append(values, query)
	}
	if r.Method == "post" {
		r.CSRFToken = csrfToken(reqOf(c).session)
	}
	for _, each := range values {
		each(c, func(name string, v []byte) { r = rettelseFelt(r, name, string(v)) })
	}
	return r
}

// rettelseFelt adds a value of the request to r: a password as a field to type again, a
// refused value as a field to see to, any other as a hidden field (a name that is not text
// itself is left out).
func rettelseFelt(r views.InputRettelse, name, value string) views.InputRettelse {
	switch {
	case name == views.CSRFFieldName || !domain.StorableText(name):
	case slices.Contains(inputPasswords, name):
		f := views.InputFelt{Name: name, Label: inputLabel(name), Password: true}
		if !domain.StorableText(value) {
			f.Fejl, f.Besked = "Adgangskoden indeholdt tegn, der ikke kan bruges.", inputFejl(name)+" Skriv den igen."
		}
		r.Felter = append(r.Felter, f)
	case !domain.StorableText(value):
		value = domain.StorableOnly(value)
		r.Felter = append(r.Felter, views.InputFelt{Name: name, Label: inputLabel(name), Value: value,
			Fejl:      "Teksten indeholdt tegn, der ikke kan gemmes. De er taget ud her.",
			Besked:    inputFejl(name) + " " + msgRetTeksten,
			Multiline: strings.ContainsAny(value, "\r\n") || name == domain.FieldBemaerkninger || name == domain.FieldKilde})
	default:
		r.Skjulte = append(r.Skjulte, [2]string{name, value})
	}
	return r
}

// storableArgs tells whether every value visit visits is storable text.
func storableArgs(visit func(func(k, v []byte))) bool {
	ok := true
	visit(func(_, v []byte) { ok = ok && domain.StorableText(string(v)) })
	return ok
}

// renderBesked answers an htmx request with b in the message region of the page that sent
// it (views.BeskedID), leaving the part the request targeted as it is.
func (a *App) renderBesked(c *fiber.Ctx, status int, b views.Besked) error {
	c.Set("HX-Retarget", "#"+views.BeskedID)
	c.Set("HX-Reswap", "innerHTML show:top")
	c.Set("HX-Reselect", "#"+views.BeskedFejlID)
	return a.render(c, status, views.BeskedFejl(b))
}

// msgRetTeksten ends the messages of refused text.
const msgRetTeksten = "Ret teksten, og prøv igen."

// inputFejl is the message of a field whose text cannot be stored.
func inputFejl(name string) string {
	return fmt.Sprintf("Feltet «%s» indeholder tegn, der ikke kan gemmes (fx et nul-tegn).", inputLabel(name))
}

// eachInput calls fn with every value the request brings: its route parameters (param
// true), its query and its form body (urlencoded or multipart; the values of a multipart
// body, not its files).
func eachInput(c *fiber.Ctx, fn func(name string, value []byte, param bool)) {
	for name, v := range c.AllParams() {
		fn(name, []byte(v), true)
	}
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) { fn(string(k), v, false) })
	eachBodyValue(c, func(k string, v []byte) { fn(k, v, false) })
}

// eachBodyValue calls fn with every value of the form body: urlencoded or multipart (its
// values, not its files). Unlike Fiber's FormValue it never reads the query string.
func eachBodyValue(c *fiber.Ctx, fn func(name string, value []byte)) {
	req := c.Request()
	if bytes.HasPrefix(req.Header.ContentType(), []byte(fiber.MIMEMultipartForm)) {
		form, err := req.MultipartForm()
		if err != nil {
			return // no values: the handler sees none either
		}
		for name, vs := range form.Value {
			for _, v := range vs {
				fn(name, []byte(v))
			}
		}
		return
	}
	req.PostArgs().VisitAll(func(k, v []byte) { fn(string(k), v) })
}

// bodyValue is the first value of the form body's field name ("" when there is none),
// never from the query string.
func bodyValue(c *fiber.Ctx, name string) string {
	var got []byte
	found := false
	eachBodyValue(c, func(k string, v []byte) {
		if !found && k == name {
			got, found = v, true
		}
	})
	return string(got)
}

// maxStoredHeader is the most bytes of a request header the app stores (the sessions'
// User-Agent).
const maxStoredHeader = 300

// storableHeader is a request header's value as the app may store it (issue 14 review #3):
// without what StorableText refuses (NUL and the other control characters, bytes that are no
// UTF-8; DEL and the C1 controls too), tabs and line breaks as spaces, and at most maxStoredHeader bytes, cut between
// characters. A header is the client's to write, and PostgreSQL refuses such text with an
// error: the request failed with 500.
func storableHeader(v string) string {
	v = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\r' || r == '\n':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, domain.StorableOnly(v))
	if len(v) <= maxStoredHeader {
		return v
	}
	cut := maxStoredHeader
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut]
}

// backURL is where Annullér on a refusal page leads: the page the request came from when it
// is one of the app's own, else the front page.
func backURL(c *fiber.Ctx) string {
	ref, err := url.Parse(c.Get(fiber.HeaderReferer))
	if err != nil || ref.Host != string(c.Request().URI().Host()) || !strings.HasPrefix(ref.Path, "/") {
		return "/"
	}
	return ref.RequestURI()
}

// inputLabels are the labels the forms show for their fields' names (those the rules do
// not name: domain.FieldLabel), for the message of a refusal.
var inputLabels = map[string]string{
	"email": "E-mail", "password": "Adgangskode", // login, users
	domain.FieldKode: "Kode", domain.FieldTekst: "Tekst", domain.FieldParagraf: "Paragraf", domain.FieldKilde: "Kilde",
	domain.FieldOverordnet: "Overordnet målgruppe", domain.FieldSti: "Overordnede begreber",
	domain.FieldGyldigFra: "Gyldig fra", domain.FieldUdgaarFra: "Udgår fra", // code lists
	views.LogFeltKommune: "Kommune", views.LogFeltBruger: "Bruger", views.LogFeltHandling: "Handling",
	views.LogFeltSag: "Sag", views.LogFeltFra: "Fra dato", views.LogFeltTil: "Til dato", // logs
	"adgangskode": "Nuværende adgangskode", "ny": "Ny adgangskode", "gentag": "Gentag ny adgangskode", // Min konto
	"periode": "Periode", "liste": "Liste", "visning": "Visning", "filter": "Filter", "format": "Format", // exports, deliveries
}

// inputLabel names a field for a message: by its label on the form, or, for a field the
// user does not type in (hidden fields, the address), by its name ("?" for a name that is
// not text itself).
func inputLabel(name string) string {
	if l := domain.FieldLabel(name); l != "" {
		return l
	}
	if l := views.KontaktFeltLabel(name); l != "" {
		return l
	}
	if l, ok := inputLabels[name]; ok {
		return l
	}
	if !domain.StorableText(name) || len(name) > 40 {
		return "?"
	}
	return name
}
