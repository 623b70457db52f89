package domain

import (
	"strings"
	"time"
	"unicode"
)

// Messages of the parsers.
const (
	errCPRFormat   = message("CPR-nummeret skal have 10 cifre (DDMMÅÅ-LLLL).")
	errCPRDate     = message("CPR-nummerets første seks cifre er ikke en gyldig dato.")
	errCPRCentury  = message("CPR-nummerets løbenummer passer ikke med fødselsåret.")
	errDateFormat  = message("Skriv datoen som DD-MM-ÅÅÅÅ.")
	errDateMissing = message("Datoen findes ikke.")
	errDateRange   = message("Datoen skal ligge mellem 1900 og 2099.")
	errPNummer     = message("P-nummeret skal have 10 cifre.")
	errUUID        = message("Skriv UUID'et som 8-4-4-4-12 hexadecimale tegn.")
)

// ParseCPR checks a CPR number for form (S5) and returns its 10 digits. It accepts
// "DDMMYY-SSSS" and "DDMMYYSSSS" with spaces anywhere. The first six digits must be a real
// date under the century rule of CODES.md (the 7th digit and the year give the century);
// numbers whose 7th digit is 5–8 with a year 37–57 would be born 2037–2057 and are
// rejected. There is no modulus-11 check: numbers failing it have been issued since 2007.
func ParseCPR(s string) (string, error) {
	digits, err := cprDigits(s)
	if err != nil {
		return "", err
	}
	if _, err := cprBirthDate(digits); err != nil {
		return "", err
	}
	return digits, nil
}

// CPRBirthDate returns the date of birth (UTC midnight) of a CPR number in any form
// ParseCPR accepts, with ParseCPR's error when it is not valid.
func CPRBirthDate(cpr string) (time.Time, error) {
	digits, err := cprDigits(cpr)
	if err != nil {
		return time.Time{}, err
	}
	return cprBirthDate(digits)
}

// FormatCPR writes 10 digits as "DDMMYY-SSSS"; anything else is returned unchanged.
func FormatCPR(cpr string) string {
	if len(cpr) != 10 || !allDigits(cpr) {
		return cpr
	}
	return cpr[:6] + "-" + cpr[6:]
}

// CPRPrefix turns what a user typed in the CPR search field (S8) into a prefix of digits
// to search for: white space of any kind (a tab, a no-break space) and dashes anywhere are
// dropped ("150362-12", "15-03-62", "150362\t12"), at most 10 digits remain. It returns
// ("", true) for an empty field and false when anything else was typed. The one reading of
// the search field: the list's search (app/lister.go) and every other caller use it.
func CPRPrefix(s string) (string, bool) {
	s = strings.ReplaceAll(cprTyped(s), "-", "")
	if len(s) > 10 || !allDigits(s) {
		return "", false
	}
	return s, true
}

// ValidKommunekode tells whether k has the form of a kommunekode: three digits (CODES.md;
// whether it is one of the 98 is the code list's to say). The scope of a transaction and
// every job that names a kommune check it.
func ValidKommunekode(k string) bool {
	return len(k) == 3 && allDigits(k)
}

// cprDigits drops spaces and the dash after the sixth digit and checks for 10 digits.
func cprDigits(s string) (string, error) {
	s = cprTyped(s)
	if len(s) == 11 && s[6] == '-' {
		s = s[:6] + s[7:]
	}
	if len(s) != 10 || !allDigits(s) {
		return "", errCPRFormat
	}
	return s, nil
}

// cprBirthDate applies the century rule of CODES.md to 10 digits.
func cprBirthDate(d string) (time.Time, error) {
	day, month, yy := num(d[0:2]), num(d[2:4]), num(d[4:6])
	var century int
	switch d[6] {
	case '0', '1', '2', '3':
		century = 1900
	case '4', '9':
		century = 1900
		if yy <= 36 {
			century = 2000
		}
	default: // 5–8
		switch {
		case yy <= 36:
			century = 2000
		case yy >= 58:
			century = 1800
		default:
			return time.Time{}, errCPRCentury
		}
	}
	t, ok := date(century+yy, month, day)
	if !ok {
		return time.Time{}, errCPRDate
	}
	return t, nil
}

// ParseDate reads a date typed as "DD-MM-YYYY" (also "D-M-YYYY", with "." or "/" instead
// of "-"), "DDMMYYYY" or ISO "YYYY-MM-DD", and returns it as UTC midnight. Years outside
// 1900–2099 are refused. For fewer keystrokes (issue 17) the year may have two digits,
// "DDMMYY" or "D-M-YY", and is then 20YY: the dates of sager and ydelser are this century's.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	var y, m, d string
	if (len(s) == 8 || len(s) == 6) && allDigits(s) {
		d, m, y = s[0:2], s[2:4], s[4:]
	} else {
		i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
		if i < 0 || !strings.ContainsRune("-./", rune(s[i])) {
			return time.Time{}, errDateFormat
		}
		parts := strings.Split(s, s[i:i+1])
		if len(parts) != 3 {
			return time.Time{}, errDateFormat
		}
		for _, p := range parts {
			if p == "" || !allDigits(p) {
				return time.Time{}, errDateFormat
			}
		}
		if len(parts[0]) == 4 && s[i] == '-' {
			y, m, d = parts[0], parts[1], parts[2]
		} else {
			d, m, y = parts[0], parts[1], parts[2]
		}
		if len(d) > 2 || len(m) > 2 || len(y) != 4 && len(y) != 2 {
			return time.Time{}, errDateFormat
		}
	}
	year := num(y)
	if len(y) == 2 {
		year += 2000
	}
	if year < 1900 || year > 2099 {
		return time.Time{}, errDateRange
	}
	t, ok := date(year, num(m), num(d))
	if !ok {
		return time.Time{}, errDateMissing
	}
	return t, nil
}

// FormatDate writes the calendar date of t as "DD-MM-YYYY".
func FormatDate(t time.Time) string { return t.Format("02-01-2006") }

// ParsePNummer checks a P-nummer (Y5): exactly 10 digits once spaces are dropped.
func ParsePNummer(s string) (string, error) {
	s = removeSpace(s)
	if len(s) != 10 || !allDigits(s) {
		return "", errPNummer
	}
	return s, nil
}

// ParseUUID checks a UUID in the canonical 8-4-4-4-12 hexadecimal form (surrounding spaces
// allowed; no braces, no "urn:uuid:") and returns it lower-case (CODES.md).
func ParseUUID(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) != 36 {
		return "", errUUID
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", errUUID
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return "", errUUID
			}
		}
	}
	return strings.ToLower(s), nil
}

// date returns the date (UTC midnight) if year, month and day name a real one.
func date(year, month, day int) (time.Time, bool) {
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	return t, t.Day() == day
}

// DateOf is the calendar date of t (in t's own location) as UTC midnight.
func DateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// cprTyped is a CPR number as typed without white space and with every dash a hyphen: an
// en dash (–) or em dash (—), which a word processor makes of a hyphen and a paste brings,
// a minus sign or a non-breaking hyphen is read as the hyphen it stands for (issue 17 #9).
func cprTyped(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case r == '\u2010', r == '\u2011', r == '\u2012', r == '\u2013', r == '\u2014', r == '\u2212':
			return '-'
		}
		return r
	}, s)
}

func removeSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// allDigits tells whether s holds only the ASCII digits 0–9 (true for "").
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// num is the value of a short string of ASCII digits.
func num(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// PassesMod11 tells whether the ten digits of a CPR number pass the modulus-11 check
// (weights 4,3,2,7,6,5,4,3,2,1). The forms do not check it (S5: numbers failing it have been
// issued since 2007); test and demo data use numbers that fail it, so that none is a real
// person's (CODES.md).
func PassesMod11[T ~string | ~[]byte](cpr T) bool {
	sum := 0
	for i, w := range [10]int{4, 3, 2, 7, 6, 5, 4, 3, 2, 1} {
		sum += int(cpr[i]-'0') * w
	}
	return sum%11 == 0
}
