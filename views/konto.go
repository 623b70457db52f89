package views

import "strings"

// KontoPath is the address of *Min konto*, the user's own account.
const KontoPath = "/konto"

// KontoSessionerPath is where *Log ud af alle andre sessioner* posts.
const KontoSessionerPath = "/konto/sessioner"

// Konto is the content of *Min konto*.
type Konto struct {
	Navn, Email, Kommune, Roller string
	// The messages of the password form (its values are never sent back).
	AdgangskodeFejl, NyFejl, GentagFejl string
	Sessioner                           []Session
}

// Session is one of the user's sessions.
type Session struct {
	Startet, SenestAktiv string // DD-MM-YYYY HH:MM (Copenhagen)
	IP, Browser          string
	Denne                bool // the session the page is shown in
}

// andre tells whether the user has sessions besides this one.
func (k Konto) andre() bool {
	for _, s := range k.Sessioner {
		if !s.Denne {
			return true
		}
	}
	return false
}

func (k Konto) errors() []FieldError {
	return presentErrors(FieldError{"konto-adgangskode", k.AdgangskodeFejl}, FieldError{"konto-ny", k.NyFejl}, FieldError{"konto-gentag", k.GentagFejl})
}

// BrowserLabel names the browser and system of a User-Agent header in a few words
// ("Firefox på Windows"), for the list of sessions.
func BrowserLabel(ua string) string {
	browser := "Ukendt browser"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Chromium/", "Chromium"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, s := range []struct{ token, name string }{
		{"Windows", "Windows"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Mac OS X", "macOS"}, {"Android", "Android"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, s.token) {
			return browser + " på " + s.name
		}
	}
	return browser
}
