package worker

import (
	"testing"
	"time"

	"indberet/tenant/domain"
)

// cph is s, "2006-01-02 15:04", in Copenhagen.
func cph(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, copenhagen)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// checkNext checks that s fires next at each case's second time after its first (Copenhagen).
func checkNext(t *testing.T, s Schedule, cases [][2]string) {
	t.Helper()
	for _, c := range cases {
		if got := s.Next(cph(t, c[0])); !got.Equal(cph(t, c[1])) {
			t.Errorf("Next(%s) = %s, want %s", c[0], got.In(copenhagen), c[1])
		}
	}
}

// TestDeliverySchedule: I1, the run starts on the 14th at 02:00 Danish time, winter and
// summer, and the next firing is always after the given time.
func TestDeliverySchedule(t *testing.T) {
	t.Parallel()
	checkNext(t, DeliverySchedule, [][2]string{
		{"2026-11-23 13:00", "2026-12-14 02:00"},
		{"2026-12-14 01:59", "2026-12-14 02:00"},
		{"2026-12-14 02:00", "2027-01-14 02:00"}, // strictly after
		{"2026-12-31 23:59", "2027-01-14 02:00"},
		{"2027-06-01 00:00", "2027-06-14 02:00"}, // summer time
	})
	// Summer time: 02:00 in Copenhagen is 00:00 UTC.
	if got := DeliverySchedule.Next(time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)); !got.Equal(time.Date(2027, 6, 14, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("June run at %s UTC", got.UTC())
	}
}

// TestLogRetentionSchedule: issue 14 #13, the retention job makes and drops the logs'
// partitions at night, 03:30 Danish time, once every day: the nights summer time begins and
// ends too, and the next firing is always after the given time.
func TestLogRetentionSchedule(t *testing.T) {
	t.Parallel()
	checkNext(t, LogRetentionSchedule, [][2]string{
		{"2026-11-23 13:00", "2026-11-24 03:30"},
		{"2026-11-24 03:29", "2026-11-24 03:30"},
		{"2026-11-24 03:30", "2026-11-25 03:30"}, // strictly after
		{"2026-12-31 23:59", "2027-01-01 03:30"},
		{"2027-03-28 01:00", "2027-03-28 03:30"}, // summer time begins at 02:00
		{"2027-10-31 01:00", "2027-10-31 03:30"}, // and ends at 03:00
		{"2027-02-28 12:00", "2027-03-01 03:30"},
	})
	// Every night once, a year long: 03:30 is 01:30 UTC in summer, 02:30 in winter.
	at := cph(t, "2027-01-01 00:00")
	for range 365 {
		next := LogRetentionSchedule.Next(at)
		if l := next.In(copenhagen); l.Hour() != 3 || l.Minute() != 30 || next.Sub(at) > 25*time.Hour {
			t.Fatalf("after %s the next run at %s", at.In(copenhagen), l)
		}
		at = next
	}
}

func TestPeriode(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 12, 14, 1, 0, 0, 0, time.UTC), "2026M11"}, // 02:00 in Copenhagen
		{time.Date(2027, 1, 14, 1, 0, 0, 0, time.UTC), "2026M12"},
		{time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC), "2026M11"}, // already 1 December in Copenhagen
		{time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC), "2026M02"},
	} {
		if got := domain.PeriodeBefore(c.at); got != c.want {
			t.Errorf("domain.PeriodeBefore(%s) = %s, want %s", c.at, got, c.want)
		}
	}
	if y, m, err := domain.ParsePeriode("2026M09"); err != nil || y != 2026 || m != time.September {
		t.Errorf("domain.ParsePeriode(2026M09) = %d %d %v", y, m, err)
	}
	for _, bad := range []string{"", "2026M9", "2026M13", "2026M00", "26M11", "2026-11", "2026m11", "2026M11 "} {
		if _, _, err := domain.ParsePeriode(bad); err == nil {
			t.Errorf("domain.ParsePeriode(%q) accepted", bad)
		}
	}
}
