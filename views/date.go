package views

import (
	"strconv"
	"time"
)

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

// VentetidDK says how long to wait in Danish words: whole seconds under a minute ("1
// sekund", "8 sekunder"), whole minutes from then on ("1 minut", "15 minutter"), rounded up.
func VentetidDK(d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	switch {
	case secs <= 1:
		return "1 sekund"
	case secs < 60:
		return strconv.Itoa(secs) + " sekunder"
	case secs == 60:
		return "1 minut"
	}
	return strconv.Itoa((secs+59)/60) + " minutter"
}
