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

// DateTimeDK formats t as a Danish date and time, DD-MM-YYYY HH:MM (e.g. 05-03-2025 14:07),
// in t's own location (convert to Europe/Copenhagen first). The zero time gives "".
func DateTimeDK(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("02-01-2006 15:04")
}
