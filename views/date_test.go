package views

import (
	"testing"
	"time"
)

func TestDateDK(t *testing.T) {
	cph := time.FixedZone("CET", 3600)
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2025, time.March, 5, 0, 0, 0, 0, time.UTC), "05-03-2025"},
		{time.Date(1999, time.December, 31, 23, 59, 59, 0, time.UTC), "31-12-1999"},
		{time.Date(2024, time.February, 29, 0, 30, 0, 0, cph), "29-02-2024"},
		{time.Time{}, ""},
	}
	for _, tt := range tests {
		if got := DateDK(tt.in); got != tt.want {
			t.Errorf("DateDK(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDateTimeDK(t *testing.T) {
	cph := time.FixedZone("CEST", 7200)
	for _, tt := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2025, time.March, 5, 14, 7, 59, 0, time.UTC), "05-03-2025 14:07"},
		{time.Date(2025, time.June, 30, 23, 30, 0, 0, time.UTC).In(cph), "01-07-2025 01:30"},
		{time.Time{}, ""},
	} {
		if got := DateTimeDK(tt.in); got != tt.want {
			t.Errorf("DateTimeDK(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
