package views

// Refused input (issue 14 #6): text a request brings that cannot be stored is refused before
// any handler runs, with HTTP 422 and a message naming each field, and nothing typed is
// lost. A plain request gets InputFejlPage: the refused fields to correct, with the
// characters that cannot be stored taken out, and every other value sent along as it was,
// to the same address (the form's inputs have autocomplete="off", so the browser's Back
// would show them empty). An htmx request gets BeskedFejl, swapped into the page's message
// region (BeskedID), so the form the user typed in stays as it is. Other errors of htmx
// requests (a database out of reach, 503) use the region too.

// BeskedID is the id of the message region at the top of every page: the answer to an htmx
// request that failed is swapped into it (HX-Retarget) instead of into the part the request
// targeted; app.js empties it when the next htmx request starts.
const BeskedID = "side-besked"

// BeskedFejlID is the id of the alert BeskedFejl renders (selected with HX-Reselect, so an
// hx-select of the requesting element does not apply).
const BeskedFejlID = "besked-fejl"

// InputFejlHeading is the heading of a refusal of text that cannot be stored.
const InputFejlHeading = "Teksten kan ikke gemmes"

// Besked is an error message: a heading and its lines.
type Besked struct {
	Heading string
	Lines   []string
}

// InputRettelse is the form of InputFejlPage: the request again, with its refused fields to
// correct. Action "" means there is nothing to send again (the address itself was refused).
type InputRettelse struct {
	Besked
	Method, Action string      // "get" or "post", and where the request went
	CSRFToken      string      // POST only: a GET form would put it in the URL
	Felter         []InputFelt // the fields to see to, in the request's order
	Skjulte        [][2]string // the other values (name, value), sent along as they were
	Tilbage        string      // the page the request came from, for Annullér
}

// InputFelt is a field of InputRettelse.
type InputFelt struct {
	Name, Label, Value string
	Fejl               string // the message at the field; "" for a password to type again
	Besked             string // the message in the summary, naming the field
	Password           bool   // typed again, never sent back to the browser
	Multiline          bool
}

// summary is the refusal's messages for the ErrorSummary, each a link to its field.
func (r InputRettelse) summary() []FieldError {
	var out []FieldError
	for i, f := range r.Felter {
		if f.Besked != "" {
			out = append(out, FieldError{FieldID: inputFeltID(i), Message: f.Besked})
		}
	}
	return out
}

func inputFeltID(i int) string { return "ret-" + itoaDA(i+1) }
