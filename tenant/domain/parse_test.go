package domain_test

import (
	"strings"
	"testing"
	"time"

	"indberet/tenant/domain"
)

const (
	msgCPRFormat  = "CPR-nummeret skal have 10 cifre (DDMMÅÅ-LLLL)."
	msgCPRDate    = "CPR-nummerets første seks cifre er ikke en gyldig dato."
	msgCPRCentury = "CPR-nummerets løbenummer passer ikke med fødselsåret."
	msgDateFormat = "Skriv datoen som DD-MM-ÅÅÅÅ."
	msgDateNone   = "Datoen findes ikke."
	msgDateRange  = "Datoen skal ligge mellem 1900 og 2099."
	msgPNummer    = "P-nummeret skal have 10 cifre."
	msgUUID       = "Skriv UUID'et som 8-4-4-4-12 hexadecimale tegn."
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func dayPtr(s string) *time.Time {
	t := day(s)
	return &t
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestS5_ParseCPR(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, in, want, msg string
		born                string
	}{
		{name: "S5 with dash", in: "150362-1235", want: "1503621235", born: "1962-03-15"},
		{name: "S5 without dash", in: "1503621235", want: "1503621235", born: "1962-03-15"},
		{name: "S5 spaces around and inside", in: " 15 03 62 - 12 35\t", want: "1503621235", born: "1962-03-15"},
		{name: "S5 en dash (issue 17)", in: "150362\u20131235", want: "1503621235", born: "1962-03-15"},
		{name: "S5 em dash", in: "150362\u20141235", want: "1503621235", born: "1962-03-15"},
		{name: "S5 minus sign", in: "150362\u22121235", want: "1503621235", born: "1962-03-15"},
		{name: "S5 non-breaking hyphen", in: "150362\u20111235", want: "1503621235", born: "1962-03-15"},
		{name: "S5 en dash in wrong place", in: "15036\u201321235", msg: msgCPRFormat},
		{name: "S5 no modulus 11 check", in: "150362-1234", want: "1503621234", born: "1962-03-15"},
		{name: "S5 digit 0-3 gives 1900s", in: "290200-1235", msg: msgCPRDate}, // 1900 was no leap year
		{name: "S5 digit 4 year 00 gives 2000", in: "290200-4235", want: "2902004235", born: "2000-02-29"},
		{name: "S5 digit 4 year 37 gives 1937", in: "150337-4235", want: "1503374235", born: "1937-03-15"},
		{name: "S5 digit 9 year 62 gives 1962", in: "150362-9235", want: "1503629235", born: "1962-03-15"},
		{name: "S5 digit 5 year 36 gives 2036", in: "150336-5235", want: "1503365235", born: "2036-03-15"},
		{name: "S5 digit 5 year 60 gives 1860", in: "150360-5235", want: "1503605235", born: "1860-03-15"},
		{name: "S5 digit 5 year 45 rejected", in: "150345-5235", msg: msgCPRCentury},
		{name: "S5 day 32", in: "320362-1235", msg: msgCPRDate},
		{name: "S5 month 13", in: "151362-1235", msg: msgCPRDate},
		{name: "S5 day 00", in: "000362-1235", msg: msgCPRDate},
		{name: "S5 29 February not leap", in: "290262-1235", msg: msgCPRDate},
		{name: "S5 too short", in: "150362-123", msg: msgCPRFormat},
		{name: "S5 too long", in: "150362-12355", msg: msgCPRFormat},
		{name: "S5 letter", in: "150362-123a", msg: msgCPRFormat},
		{name: "S5 dash in wrong place", in: "15036-21235", msg: msgCPRFormat},
		{name: "S5 two dashes", in: "150362--1235", msg: msgCPRFormat},
		{name: "S5 empty", in: "", msg: msgCPRFormat},
		{name: "S5 non-ASCII digits", in: "١٥٠٣٦٢١٢٣٥", msg: msgCPRFormat},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := domain.ParseCPR(c.in)
			if got != c.want || errText(err) != c.msg {
				t.Fatalf("ParseCPR(%q) = %q, %q; want %q, %q", c.in, got, errText(err), c.want, c.msg)
			}
			born, err := domain.CPRBirthDate(c.in)
			if errText(err) != c.msg {
				t.Errorf("CPRBirthDate error %q, want %q", errText(err), c.msg)
			}
			if c.msg != "" {
				return
			}
			if domain.PassesMod11(got) {
				t.Errorf("%s passes modulus 11: not demo-safe", got)
			}
			if !born.Equal(day(c.born)) {
				t.Errorf("born %v, want %s", born, c.born)
			}
		})
	}
}

func TestS5_FormatCPR(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"1503621235": "150362-1235", "150362-1235": "150362-1235", "abc": "abc", "": ""} {
		if got := domain.FormatCPR(in); got != want {
			t.Errorf("FormatCPR(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestS8_CPRPrefix(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"   ", "", true},
		{"1", "1", true},
		{"1503", "1503", true},
		{"150362-", "150362", true},
		{"150362-12", "15036212", true},
		{" 150362 1235 ", "1503621235", true},
		{"150362-1235", "1503621235", true},
		{"15036212351", "", false},
		{"150362-1235-", "1503621235", true},
		// Issue 16: the list's own reading and this one disagreed on these two.
		{"15-03-62", "150362", true},
		{"150362\t12", "15036212", true},
		{"15\u00a003\u00a062", "150362", true},
		{"15/03/62", "", false},
		{"150362-12345", "", false},
		{"abc", "", false},
		{"1503%", "", false},
		{"15_03", "", false},
		{"150362\u201312", "15036212", true}, // issue 17: an en dash as the hyphen
		{"150362\u20141235", "1503621235", true},
		{"15\u201303\u201362", "150362", true},
	} {
		got, ok := domain.CPRPrefix(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("CPRPrefix(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want, msg string }{
		{in: "05-03-2025", want: "2025-03-05"},
		{in: "5-3-2025", want: "2025-03-05"},
		{in: "05.03.2025", want: "2025-03-05"},
		{in: "5.3.2025", want: "2025-03-05"},
		{in: "05/03/2025", want: "2025-03-05"},
		{in: "05032025", want: "2025-03-05"},
		{in: "2025-03-05", want: "2025-03-05"},
		{in: " 05-03-2025 ", want: "2025-03-05"},
		{in: "29-02-2024", want: "2024-02-29"},
		{in: "01-01-1900", want: "1900-01-01"},
		{in: "31-12-2099", want: "2099-12-31"},
		{in: "", msg: msgDateFormat},
		{in: "5. marts 2025", msg: msgDateFormat},
		{in: "050325", want: "2025-03-05"},
		{in: "011125", want: "2025-11-01"},
		{in: "010100", want: "2000-01-01"},
		{in: "311299", want: "2099-12-31"},
		{in: "05-03-25", want: "2025-03-05"},
		{in: "1/11/25", want: "2025-11-01"},
		{in: "1.11.25", want: "2025-11-01"},
		{in: "5-3-2", msg: msgDateFormat},
		{in: "5-3-025", msg: msgDateFormat},
		{in: "25-03-05", want: "2005-03-25"},
		{in: "25-03", msg: msgDateFormat},
		{in: "05032", msg: msgDateFormat},
		{in: "0503251", msg: msgDateFormat},
		{in: "310425", msg: msgDateNone},
		{in: "290223", msg: msgDateNone},
		{in: "290224", want: "2024-02-29"},
		{in: "001125", msg: msgDateNone},
		{in: "05-03/2025", msg: msgDateFormat},
		{in: "2025.03.05", msg: msgDateFormat},
		{in: "2025/03/05", msg: msgDateFormat},
		{in: "05-03-2025x", msg: msgDateFormat},
		{in: "005-03-2025", msg: msgDateFormat},
		{in: "-05-03-2025", msg: msgDateFormat},
		{in: "0503202", msg: msgDateFormat},
		{in: "+5-3-2025", msg: msgDateFormat},
		{in: "31-04-2025", msg: msgDateNone},
		{in: "29-02-2023", msg: msgDateNone},
		{in: "00-03-2025", msg: msgDateNone},
		{in: "05-13-2025", msg: msgDateNone},
		{in: "2025-02-30", msg: msgDateNone},
		{in: "31-12-1899", msg: msgDateRange},
		{in: "01-01-2100", msg: msgDateRange},
	} {
		got, err := domain.ParseDate(c.in)
		if errText(err) != c.msg {
			t.Errorf("ParseDate(%q) error %q, want %q", c.in, errText(err), c.msg)
			continue
		}
		if c.msg == "" && (!got.Equal(day(c.want)) || got.Location() != time.UTC) {
			t.Errorf("ParseDate(%q) = %v, want %s UTC", c.in, got, c.want)
		}
	}
	if got := domain.FormatDate(day("2025-03-05")); got != "05-03-2025" {
		t.Errorf("FormatDate = %q", got)
	}
}

func TestY5_ParsePNummer(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want, msg string }{
		{in: "9000000101", want: "9000000101"},
		{in: " 9000000101 ", want: "9000000101"},
		{in: "900 000 0101", want: "9000000101"},
		{in: "900000010", msg: msgPNummer},
		{in: "90000001011", msg: msgPNummer},
		{in: "90000001a1", msg: msgPNummer},
		{in: "9000-000101", msg: msgPNummer},
		{in: "", msg: msgPNummer},
	} {
		got, err := domain.ParsePNummer(c.in)
		if got != c.want || errText(err) != c.msg {
			t.Errorf("ParsePNummer(%q) = %q, %q; want %q, %q", c.in, got, errText(err), c.want, c.msg)
		}
	}
}

func TestY4_ParseUUID(t *testing.T) {
	t.Parallel()
	const u = "498fe92c-d7f7-41cd-9404-5b38fe113be0"
	for _, c := range []struct{ in, want, msg string }{
		{in: u, want: u},
		{in: strings.ToUpper(u), want: u},
		{in: "  " + u + "\n", want: u},
		{in: "{" + u + "}", msg: msgUUID},
		{in: "urn:uuid:" + u, msg: msgUUID},
		{in: strings.ReplaceAll(u, "-", ""), msg: msgUUID},
		{in: "498fe92c-d7f7-41cd-9404-5b38fe113be", msg: msgUUID},
		{in: "498fe92c-d7f7-41cd-9404-5b38fe113beg", msg: msgUUID},
		{in: "498fe92cd-7f7-41cd-9404-5b38fe113be0", msg: msgUUID},
		{in: "", msg: msgUUID},
	} {
		got, err := domain.ParseUUID(c.in)
		if got != c.want || errText(err) != c.msg {
			t.Errorf("ParseUUID(%q) = %q, %q; want %q, %q", c.in, got, errText(err), c.want, c.msg)
		}
	}
}

func FuzzParseCPR(f *testing.F) {
	for _, s := range []string{"150362-1235", "1503621235", " 15 03 62 1235 ", "290200-4235", "150360-5235",
		"150345-5235", "290262-1235", "320362-1235", "150362-123", "150362--1235", "", "-", "١٥٠٣٦٢١٢٣٥",
		"\xff\xfe", "0000000000", "9999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cpr, err := domain.ParseCPR(s)
		if err != nil {
			if cpr != "" {
				t.Fatalf("error %v with result %q", err, cpr)
			}
			return
		}
		if len(cpr) != 10 || strings.Trim(cpr, "0123456789") != "" {
			t.Fatalf("ParseCPR(%q) = %q, not 10 digits", s, cpr)
		}
		for _, again := range []string{cpr, domain.FormatCPR(cpr)} {
			if got, err := domain.ParseCPR(again); got != cpr || err != nil {
				t.Fatalf("ParseCPR(%q) = %q, %v; want %q", again, got, err, cpr)
			}
		}
		born, err := domain.CPRBirthDate(cpr)
		if err != nil {
			t.Fatalf("CPRBirthDate(%q): %v", cpr, err)
		}
		if born.Format("020106") != cpr[:6] {
			t.Fatalf("CPRBirthDate(%q) = %v", cpr, born)
		}
		if p, ok := domain.CPRPrefix(s); !ok || p != cpr {
			t.Fatalf("CPRPrefix(%q) = %q, %v; want the number", s, p, ok)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"05-03-2025", "5-3-2025", "05.03.2025", "05/03/2025", "05032025", "2025-03-05",
		"29-02-2023", "31-12-1899", "01-01-2100", "2025-3", "", "٠٥-٠٣-٢٠٢٥", "99999999", "1-1-1", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := domain.ParseDate(s)
		if err != nil {
			return
		}
		if d.Location() != time.UTC || d.Hour() != 0 || d.Minute() != 0 || d.Second() != 0 || d.Nanosecond() != 0 {
			t.Fatalf("ParseDate(%q) = %v, not UTC midnight", s, d)
		}
		if d.Year() < 1900 || d.Year() > 2099 {
			t.Fatalf("ParseDate(%q) = %v, outside 1900–2099", s, d)
		}
		for _, again := range []string{domain.FormatDate(d), d.Format(time.DateOnly)} {
			if got, err := domain.ParseDate(again); err != nil || !got.Equal(d) {
				t.Fatalf("ParseDate(%q) = %v, %v; want %v", again, got, err, d)
			}
		}
	})
}

func FuzzParsePNummer(f *testing.F) {
	for _, s := range []string{"9000000101", " 900 000 0101 ", "900000010", "90000001a1", "", "١٢٣٤٥٦٧٨٩٠"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := domain.ParsePNummer(s)
		if err != nil {
			return
		}
		if len(p) != 10 || strings.Trim(p, "0123456789") != "" {
			t.Fatalf("ParsePNummer(%q) = %q", s, p)
		}
		if again, err := domain.ParsePNummer(p); again != p || err != nil {
			t.Fatalf("ParsePNummer(%q) = %q, %v", p, again, err)
		}
	})
}

func FuzzParseUUID(f *testing.F) {
	for _, s := range []string{"498fe92c-d7f7-41cd-9404-5b38fe113be0", "498FE92C-D7F7-41CD-9404-5B38FE113BE0",
		" 498fe92c-d7f7-41cd-9404-5b38fe113be0 ", "{498fe92c-d7f7-41cd-9404-5b38fe113be0}",
		"498fe92cd7f741cd94045b38fe113be0", "", "ÆØÅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := domain.ParseUUID(s)
		if err != nil {
			return
		}
		if len(u) != 36 || u != strings.ToLower(u) || strings.Count(u, "-") != 4 {
			t.Fatalf("ParseUUID(%q) = %q", s, u)
		}
		for _, again := range []string{u, strings.ToUpper(u)} {
			if got, err := domain.ParseUUID(again); got != u || err != nil {
				t.Fatalf("ParseUUID(%q) = %q, %v; want %q", again, got, err, u)
			}
		}
	})
}

// TestPassesMod11: 070761-4285, the textbook example, passes; its neighbour does not; a
// []byte is checked as its string.
func TestPassesMod11(t *testing.T) {
	if !domain.PassesMod11("0707614285") || domain.PassesMod11("0707614286") || !domain.PassesMod11([]byte("0707614285")) {
		t.Error("modulus 11 of 0707614285 (passes) and 0707614286 (fails) wrong")
	}
}

// TestValidKommunekode: issue 16, one check of the kommunekode's form for the scope of a
// transaction (tenant) and the jobs (worker), which had one each.
func TestValidKommunekode(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"101", true}, {"851", true}, {"000", true},
		{"", false}, {"10", false}, {"1011", false}, {"10a", false}, {" 101", false},
		{"١٠١", false}, // Arabic-Indic digits are digits to unicode, not to a kommunekode
		{"*", false},
	} {
		if got := domain.ValidKommunekode(c.in); got != c.want {
			t.Errorf("ValidKommunekode(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
