package views

import "github.com/a-h/templ"

// kladde marks a form whose values static/app.js keeps in the tab's sessionStorage when it
// is sent, so they come back if the server refuses it because the session ended (issue 17
// #3). data-kladde-bruger ties them to the user who typed them: after a login as someone
// else they are thrown away, not shown.
func kladde(p Page) templ.Attributes {
	a := templ.Attributes{"data-kladde": ""}
	if p.User != nil {
		a["data-kladde-bruger"] = p.User.Email
	}
	return a
}
