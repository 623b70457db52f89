package domain_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"indberet/tenant/domain"
)

// TestStorableText (issue 14 #6): what PostgreSQL and the XML delivery cannot hold is
// refused; Danish letters, line breaks and tabs are text.
func TestStorableText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"", true},
		{"Søren Ærø-Åberg", true},
		{"Linje 1\r\nLinje 2\tmed tab", true},
		{"§ 108 – “citat” 😀", true},
		{"\u007f\u0085\u00a0", true}, // DEL and C1 controls are XML 1.0 characters
		{"a\x00b", false},
		{"a\x01b", false},
		{"a\x0bb", false}, // vertical tab, pasted from word processors
		{"a\x1fb", false},
		{"a\xffb", false},
		{"a\xc3", false},        // cut in the middle of a character
		{"\xed\xa0\x80", false}, // an encoded surrogate is not UTF-8
		{"a\uFFFEb", false},
		{"a\uFFFFb", false},
		{"a\uFFFDb", true}, // the replacement character itself is a character
	} {
		if got := domain.StorableText(tc.in); got != tc.want {
			t.Errorf("StorableText(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if got := domain.StorableOnly("Bo\x00 Te\xffk\x0bnik\r\n"); got != "Bo Teknik\r\n" {
		t.Errorf("StorableOnly = %q", got)
	}
}

// FuzzStorableText: a storable text is valid UTF-8 and holds no character XML 1.0 forbids;
// StorableOnly makes any text storable and leaves a storable one as it is.
func FuzzStorableText(f *testing.F) {
	for _, s := range []string{"Niels", "a\x00b", "a\xffb", "x\r\ny", "\uFFFE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if clean := domain.StorableOnly(s); !domain.StorableText(clean) || (clean == s) != domain.StorableText(s) {
			t.Fatalf("StorableOnly(%q) = %q", s, clean)
		}
		if !domain.StorableText(s) {
			return
		}
		if !utf8.ValidString(s) {
			t.Fatalf("%q is not UTF-8", s)
		}
		if strings.ContainsFunc(s, func(r rune) bool {
			return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF
		}) {
			t.Fatalf("%q holds a character XML 1.0 forbids", s)
		}
	})
}
