package domain

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A kommune's contact persons (K1): the three roles, which a kommune still lacks, and the
// check of the form (K1, K2). tenant stores them (kontaktpersoner.go).

// Kontaktrolle is one of the three kinds of contact person of K1.
type Kontaktrolle string

// The three contact persons every kommune registers (K1).
const (
	FagligAnsvarlig     Kontaktrolle = "faglig"
	TekniskAnsvarlig    Kontaktrolle = "teknisk"
	Kvitteringsmodtager Kontaktrolle = "kvittering"
)

// Kontaktroller lists the roles in the order the form shows them.
var Kontaktroller = []Kontaktrolle{FagligAnsvarlig, TekniskAnsvarlig, Kvitteringsmodtager}

// Kontaktperson is a kommune's contact person for one role (K1).
type Kontaktperson struct {
	Rolle   Kontaktrolle
	Navn    string
	Telefon string
	Email   string
	Version int // optimistic locking: a save names the version it read (0: none registered yet)
}

// MissingKontaktroller are the roles of Kontaktroller that have does not hold, in that order (K1).
func MissingKontaktroller(have []Kontaktrolle) []Kontaktrolle {
	var missing []Kontaktrolle
	for _, r := range Kontaktroller {
		if !slices.Contains(have, r) {
			missing = append(missing, r)
		}
	}
	return missing
}

// The fields of a contact person, the keys of the errors of ValidateKontaktperson.
const (
	KontaktNavn    = "navn"
	KontaktTelefon = "telefon"
	KontaktEmail   = "email"
)

// Limits of the fields of a contact person.
const (
	KontaktNavnMax  = 200
	KontaktEmailMax = 254 // the longest address SMTP can carry (RFC 5321 path limit)
)

// ValidateKontaktperson checks one contact person of K1 and returns it normalised, with a
// Danish message per wrong field (keys KontaktNavn, KontaktTelefon, KontaktEmail; none when
// it is valid). All three fields are required (K1).
//
//   - *Kontaktperson*: the name, trimmed, at most 200 characters.
//   - *Telefonnr.*: digits, with spaces and dashes as the user likes. A Danish number has
//     8 digits, optionally after +45 (or 0045), and is stored as "+45 33 92 73 00"; a
//     foreign one starts with + (or 00) and the country code and has 7–15 digits in all
//     (E.164), stored as "+" and the digits ("+4681234567"). The stored form is the same
//     however the user typed the number, so saving it again changes nothing.
//   - *Email-adresse*: one address as net/mail parses it, without display name or angle
//     brackets, with a dot in the domain; the domain is lower-cased, the local part kept;
//     at most 254 characters. Receipts go by email (K3), so it must be deliverable.
func ValidateKontaktperson(k Kontaktperson) (Kontaktperson, Errors) {
	errs := Errors{}
	k.Navn = strings.TrimSpace(k.Navn)
	switch {
	case k.Navn == "":
		errs[KontaktNavn] = "Angiv navnet på kontaktpersonen."
	case utf8.RuneCountInString(k.Navn) > KontaktNavnMax:
		errs[KontaktNavn] = fmt.Sprintf("Navnet må højst være på %d tegn.", KontaktNavnMax)
	}
	k.Telefon = strings.TrimSpace(k.Telefon)
	if k.Telefon == "" {
		errs[KontaktTelefon] = "Angiv et telefonnummer."
	} else if tel, ok := normaliseTelefon(k.Telefon); ok {
		k.Telefon = tel
	} else {
		errs[KontaktTelefon] = "Angiv et dansk telefonnummer med 8 cifre, fx 33 92 73 00, " +
			"eller et udenlandsk nummer med + og landekode, fx +46 8 123 456 78."
	}
	k.Email = strings.TrimSpace(k.Email)
	if k.Email == "" {
		errs[KontaktEmail] = "Angiv en email-adresse."
	} else if email, msg := normaliseEmail(k.Email); msg != "" {
		errs[KontaktEmail] = msg
	} else {
		k.Email = email
	}
	if len(errs) == 0 {
		errs = nil
	}
	return k, errs
}

// normaliseTelefon returns the stored form of a phone number (see ValidateKontaktperson).
func normaliseTelefon(s string) (string, bool) {
	international := false
	switch {
	case strings.HasPrefix(s, "+"):
		international, s = true, s[1:]
	case strings.HasPrefix(s, "00"):
		international, s = true, s[2:]
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || unicode.IsSpace(r):
		default:
			return "", false
		}
	}
	d := b.String()
	switch {
	case !international && len(d) == 8:
		return formatDansk(d), true
	case international && strings.HasPrefix(d, "45"):
		// 45 is Denmark's country code, and no other country code starts with it.
		if len(d) != 10 {
			return "", false
		}
		return formatDansk(d[2:]), true
	case international && len(d) >= 7 && len(d) <= 15 && d[0] != '0':
		return "+" + d, true
	}
	return "", false
}

// formatDansk writes 8 digits as "+45 33 92 73 00".
func formatDansk(d string) string {
	return "+45 " + d[0:2] + " " + d[2:4] + " " + d[4:6] + " " + d[6:8]
}

// normaliseEmail returns the stored form of an email address, or a Danish message.
func normaliseEmail(s string) (string, string) {
	const invalid = "Angiv en gyldig email-adresse, fx navn@kommune.dk."
	if utf8.RuneCountInString(s) > KontaktEmailMax {
		return "", fmt.Sprintf("Email-adressen må højst være på %d tegn.", KontaktEmailMax)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", invalid
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, "[") {
		return "", invalid
	}
	return local + "@" + strings.ToLower(domain), ""
}
