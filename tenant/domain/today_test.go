package domain

import (
	"testing"
	"time"
)

// TestToday: the date is Denmark's, also around midnight UTC in winter and summer time (S6).
func TestToday(t *testing.T) {
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2026, 11, 23, 22, 59, 0, 0, time.UTC), "2026-11-23"}, // 23:59 CET
		{time.Date(2026, 11, 23, 23, 0, 0, 0, time.UTC), "2026-11-24"},  // 00:00 CET
		{time.Date(2026, 6, 30, 21, 59, 0, 0, time.UTC), "2026-06-30"},  // 23:59 CEST
		{time.Date(2026, 6, 30, 22, 0, 0, 0, time.UTC), "2026-07-01"},   // 00:00 CEST
	} {
		got := Today(c.now)
		if got.Format(time.DateOnly) != c.want || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("Today(%s) = %s, want %s at UTC midnight", c.now, got, c.want)
		}
	}
}
