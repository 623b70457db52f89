package domain

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Longest Navn and Bemærkninger, in characters.
const (
	MaxNavn          = 200
	MaxBemaerkninger = 2000
)

// SagInput is what the sag form sends (S3), as typed.
type SagInput struct {
	CPR, Navn, Funktionsvurdering, Bemaerkninger string
}

// ValidateSag checks the fields of a sag (S3) and returns the sag to store, with the CPR
// number as 10 digits (S5) and every text trimmed. The sag is usable only when the
// Errors are OK.
func ValidateSag(in SagInput) (Sag, Errors) {
	errs := Errors{}
	s := Sag{
		Navn:          strings.TrimSpace(in.Navn),
		Bemaerkninger: strings.TrimSpace(in.Bemaerkninger),
	}
	if strings.TrimSpace(in.CPR) == "" {
		errs.Add(FieldCPR, "Angiv CPR-nummeret.")
	} else if cpr, err := ParseCPR(in.CPR); err != nil {
		errs.Add(FieldCPR, err.Error())
	} else {
		s.CPR = cpr
	}
	fv := strings.ToUpper(strings.TrimSpace(in.Funktionsvurdering))
	if fv == "" || FunktionsvurderingText(fv) != "" {
		s.Funktionsvurdering = fv
	} else {
		errs.Add(FieldFunktionsvurdering, "Vælg en samlet funktionsvurdering fra A til E.")
	}
	checkText(errs, FieldNavn, s.Navn, MaxNavn, "Navnet")
	checkText(errs, FieldBemaerkninger, s.Bemaerkninger, MaxBemaerkninger, "Bemærkningerne")
	return s, errs
}

// checkText refuses text that cannot be stored (StorableText) and text longer than max
// characters; what names the field in the message.
func checkText(errs Errors, field, s string, max int, what string) {
	switch {
	case !StorableText(s):
		errs.Add(field, "Teksten indeholder tegn, der ikke kan gemmes.")
	case utf8.RuneCountInString(s) > max:
		errs.Add(field, fmt.Sprintf("%s må højst være %d tegn.", what, max))
	}
}

// FunktionsvurderingText returns the meaning of a samlet funktionsvurdering A–E (DOMAIN.md;
// lower-case accepted), or "" for anything else.
func FunktionsvurderingText(code string) string {
	switch strings.ToUpper(strings.TrimSpace(code)) {
	case "A":
		return "Intet problem"
	case "B":
		return "Let problem"
	case "C":
		return "Moderat problem"
	case "D":
		return "Svært problem"
	case "E":
		return "Fuldstændigt problem"
	}
	return ""
}
