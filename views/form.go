package views

import (
	"strconv"

	"github.com/a-h/templ"
)

// The form components (form.templ) render dkfds form groups: a label, an optional hint, the
// Danish error message of the field when the server refused the form (HTTP 422), and the
// control with the value the user typed. Required fields are marked with a star, as in the
// manual ("Disse felter skal udfyldes (*)"), and aria-required; the browser's own validation
// is off (forms carry novalidate): the server's messages are the ones users see.

// Input is a text-like input field.
type Input struct {
	ID, Name, Label string
	Hint            string // help text under the label
	Value           string
	Error           string // the Danish message; marks the field invalid
	Required        bool
	Type            string // "text" when empty; "email", "tel", "search"
	Width           string // a dkfds width class, e.g. "input-width-s"
	Autocomplete    string // "off" when empty
	InputMode       string // e.g. "numeric"
	Placeholder     string
	Attrs           templ.Attributes // extra attributes (htmx)
}

// Option is one choice of a Select, Radios or Checkboxes.
type Option struct {
	Value, Label string
	Search       string // extra words the searchable picker matches (codes, paragraphs)
	Hint         string // for radios and checkboxes: a line under the label
}

// Select is a drop-down; Combobox makes it a searchable picker (static/app.js), which
// remains a plain select without JavaScript.
type Select struct {
	ID, Name, Label string
	Hint            string
	Value           string
	Error           string
	Required        bool
	Options         []Option // a first Option with Value "" means "none chosen"
	Combobox        bool
	Width           string
	Attrs           templ.Attributes
}

// Textarea is a multi-line text field.
type Textarea struct {
	ID, Name, Label string
	Hint            string
	Value           string
	Error           string
	Rows            int
	MaxLength       int
}

// Choices is a group of radio buttons (one value) or checkboxes (several values) in a
// fieldset with a legend.
type Choices struct {
	ID, Name, Legend string
	Hint             string
	Values           []string // the chosen values
	Error            string
	Required         bool
	Options          []Option
	Multiple         bool // checkboxes instead of radio buttons
	// Picker makes the checkboxes one searchable multi-select (static/app.js): a search
	// field whose list adds and removes, and the chosen ones as a list of removable chips.
	// The checkboxes stay in the form, hidden, and carry the values; without JavaScript
	// they are the control.
	Picker bool
	Attrs  templ.Attributes
}

// FieldError is one entry of an ErrorSummary: the message and the id of its field.
type FieldError struct {
	FieldID, Message string
}

// presentErrors is the errors of a form for its ErrorSummary: those of es that have a
// message, in order.
func presentErrors(es ...FieldError) []FieldError {
	var out []FieldError
	for _, e := range es {
		if e.Message != "" {
			out = append(out, e)
		}
	}
	return out
}

func (x Input) inputType() string {
	if x.Type == "" {
		return "text"
	}
	return x.Type
}

func (x Input) autocomplete() string {
	if x.Autocomplete == "" {
		return "off"
	}
	return x.Autocomplete
}

func hintID(id string) string  { return id + "-hint" }
func errorID(id string) string { return id + "-error" }

// describedBy is the aria-describedby of a control: its hint and error message, if any.
func describedBy(id, hint, err string) string {
	s := ""
	if hint != "" {
		s = hintID(id)
	}
	if err != "" {
		if s != "" {
			s += " "
		}
		s += errorID(id)
	}
	return s
}

func contains(values []string, v string) bool {
	for _, x := range values {
		if x == v {
			return true
		}
	}
	return false
}

func optionID(groupID string, i int) string { return groupID + "-" + itoaDA(i) }

func itoaDA(i int) string { return strconv.Itoa(i) }
