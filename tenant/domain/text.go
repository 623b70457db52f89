package domain

import (
	"strings"
	"unicode/utf8"
)

// StorableText tells whether s can be stored and delivered as typed (issue 14 #6): valid
// UTF-8 without the characters XML 1.0 cannot hold, which are the control characters below
// U+0020 other than tab, line feed and carriage return (NUL among them), and the
// non-characters U+FFFE and U+FFFF. PostgreSQL refuses NUL and invalid UTF-8 in text, and
// the delivery to DST is XML. Tab, line feed and carriage return are allowed in every
// field: a textarea sends line breaks, and the rules of each field decide its format.
func StorableText(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
			return false
		}
		i += n
	}
	return true
}

// StorableOnly is s without what StorableText refuses: the bytes that are not UTF-8 and the
// characters XML 1.0 cannot hold. The form that asks to correct refused text starts from it.
func StorableOnly(s string) string {
	if StorableText(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}
