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

// issue 14 #5: the wait of a throttled login in seconds, then in minutes, rounded up.
func TestVentetidDK(t *testing.T) {
	for _, tt := range []struct {
		in   time.Duration
		want string
	}{
		{0, "1 sekund"}, {time.Second, "1 sekund"}, {1500 * time.Millisecond, "2 sekunder"}, {59 * time.Second, "59 sekunder"},
		{60 * time.Second, "1 minut"}, {61 * time.Second, "2 minutter"}, {15 * time.Minute, "15 minutter"},
	} {
		if got := VentetidDK(tt.in); got != tt.want {
			t.Errorf("VentetidDK(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
