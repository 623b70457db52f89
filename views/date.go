package views

import "time"

// DateDK formats t as a Danish date, DD-MM-YYYY (e.g. 05-03-2025), in t's own
// location (convert first if needed). The zero time gives "".
func DateDK(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("02-01-2006")
}
