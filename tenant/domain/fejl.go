package domain

import (
	"time"
)

// The fejlopgørelse (E2): the rules a stored sag and its ydelser break, checked as the forms
// check what is typed.

// Fejl is one rule a stored sag or ydelse breaks.
type Fejl struct {
	Ydelse     *Ydelse // nil: the sag itself
	Regel      string  // the rule's id in DOMAIN.md, e.g. "Y6"
	Felt       string  // the field's label
	Forklaring string  // the rule's Danish message, as the form shows it
}

// SagFejl checks a stored sag and its ydelser with the rules the forms use (S3, S5, Y1–Y6)
// as of today, kommune being the sag's (the default Betalingskommune). Each field's message
// comes in the forms' order (Fields), so the fejlopgørelse is the same every time. Unlike the
// form, which checks Y6 only once a ydelse's own fields are right, it reports Y6 beside the
// others: a stored ydelse has its dates, and the report names every rule broken. Each ydelse
// is checked as a new one (ValidateYdelse), so a ydelse whose code DST retired from a day on
// or before its Startdato is named here, though the forms still save it (ValidateYdelseChange):
// its code does not apply on its Startdato.
func SagFejl(sag Sag, ydelser []Ydelse, snap *Snapshot, kommune string, today time.Time) []Fejl {
	var out []Fejl
	add := func(y *Ydelse, errs Errors) {
		for _, f := range Fields { // every field a rule puts a message on (TestFieldsNameEveryMessage)
			if msg, ok := errs[f.Name]; ok {
				out = append(out, Fejl{Ydelse: y, Regel: f.Rule, Felt: f.Label, Forklaring: msg})
			}
		}
	}
	_, errs := ValidateSag(SagInputOf(sag))
	add(nil, errs)
	for i := range ydelser {
		y := &ydelser[i]
		_, errs := ValidateYdelse(YdelseInputOf(*y), snap, kommune, today)
		add(y, errs)
		if msg, ok := CheckOphold(*y, ydelser, snap); !ok {
			// Y6's message is on Startdato, whose own rule (Fields) is Y1.
			out = append(out, Fejl{Ydelse: y, Regel: "Y6", Felt: FieldLabel(FieldStartdato), Forklaring: msg})
		}
	}
	return out
}
