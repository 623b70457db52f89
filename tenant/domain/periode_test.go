package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"indberet/tenant/domain"
)

func cph(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, domain.Copenhagen)
	if err != nil {
		panic(err)
	}
	return t
}

// I7: the next periode is the month after the latest delivered one, or the first.
func TestI7_NaestePeriode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ senest, foerste, want string }{
		{"", "2026M11", "2026M11"},        // I7 nothing delivered: the first periode
		{"2026M11", "2026M10", "2026M12"}, // I7 the month after the latest
		{"2026M12", "2026M10", "2027M01"}, // I7 over the new year
		{"2026M08", "2026M11", "2026M09"}, // I7 delivered before its first (data from before 00026): the month after
	} {
		if got := domain.NaestePeriode(tc.senest, tc.foerste); got != tc.want {
			t.Errorf("NaestePeriode(%q, %q) = %s, want %s", tc.senest, tc.foerste, got, tc.want)
		}
	}
}

// I7: only the next periode, and only once its month has ended.
func TestI7_TjekPeriode(t *testing.T) {
	t.Parallel()
	now := cph("2026-12-07 16:00")
	for _, tc := range []struct {
		name, periode, naeste string
		ok, ikkeAfsluttet     bool
		msg                   string
	}{
		{name: "I7 the next periode", periode: "2026M11", naeste: "2026M11", ok: true},
		{name: "I7 an old month", periode: "2012M01", naeste: "2026M11", msg: "næste periode for København (101) er 2026M11"},
		{name: "I7 a month already passed", periode: "2026M10", naeste: "2026M11", msg: "perioderne leveres i rækkefølge"},
		{name: "I7 skipping a month", periode: "2026M11", naeste: "2026M10", msg: "næste periode for København (101) er 2026M10"},
		{name: "I7 the current month", periode: "2026M12", naeste: "2026M11", ikkeAfsluttet: true,
			msg: "Periode 2026M12 er ikke afsluttet: den seneste periode, der kan leveres, er 2026M11. Næste periode for København (101) er 2026M11."},
		{name: "I7 a future month", periode: "2999M01", naeste: "2026M11", ikkeAfsluttet: true, msg: "ikke afsluttet"},
		{name: "I7 next is the current month", periode: "2026M12", naeste: "2026M12", ikkeAfsluttet: true, msg: "ikke afsluttet"},
	} {
		err := domain.CheckPeriode(tc.periode, tc.naeste, now)
		if tc.ok {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var fejl *domain.PeriodeFejl
		if !errors.As(err, &fejl) {
			t.Errorf("%s: %v, want a *PeriodeFejl", tc.name, err)
			continue
		}
		if fejl.IkkeAfsluttet != tc.ikkeAfsluttet || fejl.Naeste != tc.naeste || fejl.Seneste != "2026M11" {
			t.Errorf("%s: %+v", tc.name, fejl)
		}
		if msg := fejl.Besked("København (101)"); !strings.Contains(msg, tc.msg) {
			t.Errorf("%s: %q, want %q", tc.name, msg, tc.msg)
		}
	}
}

// I9: a periode is due at the run of the 14th at 02:00 after it, late Indhentningsfrist later.
func TestI9_ForfaldenPeriode(t *testing.T) {
	t.Parallel()
	if got, want := domain.Frist("2026M11"), cph("2026-12-14 02:00"); !got.Equal(want) {
		t.Errorf("Frist(2026M11) = %s, want %s", got, want)
	}
	if got, want := domain.Frist("2026M12"), cph("2027-01-14 02:00"); !got.Equal(want) {
		t.Errorf("Frist(2026M12) = %s, want %s", got, want)
	}
	for _, tc := range []struct{ now, want string }{
		{"2026-12-07 16:00", "2026M10"},
		{"2026-12-14 02:00", "2026M10"}, // I9 the run's time: not late yet
		{"2026-12-14 03:59", "2026M10"}, // I9 within the grace period
		{"2026-12-14 04:00", "2026M11"}, // I9 the grace period has passed
		{"2026-12-31 23:59", "2026M11"},
		{"2027-01-01 00:00", "2026M11"},
		{"2027-01-14 04:00", "2026M12"},
	} {
		if got := domain.ForfaldenPeriode(cph(tc.now)); got != tc.want {
			t.Errorf("ForfaldenPeriode(%s) = %s, want %s", tc.now, got, tc.want)
		}
	}
	for _, tc := range []struct {
		naeste, now string
		want        bool
	}{
		{"2026M11", "2026-12-14 03:59", false}, // I9 the run has until 04:00
		{"2026M11", "2026-12-14 04:00", true},  // I9 late
		{"2026M10", "2026-12-07 16:00", true},  // I9 a month behind
		{"2026M12", "2026-12-14 05:00", false}, // I9 delivered up to date
	} {
		if got := domain.Forsinket(tc.naeste, cph(tc.now)); got != tc.want {
			t.Errorf("Forsinket(%s, %s) = %v, want %v", tc.naeste, tc.now, got, tc.want)
		}
	}
}

func TestI7_Periode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p    string
		n    int
		want string
	}{
		{"2026M11", 1, "2026M12"}, {"2026M12", 1, "2027M01"}, {"2027M01", -1, "2026M12"}, {"2026M11", -12, "2025M11"},
	} {
		if got := domain.PeriodeAdd(tc.p, tc.n); got != tc.want {
			t.Errorf("PeriodeAdd(%s, %d) = %s, want %s", tc.p, tc.n, got, tc.want)
		}
	}
	if got := domain.PeriodeOf(time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC)); got != "2026M12" {
		t.Errorf("PeriodeOf(2026-11-30 23:30 UTC) = %s, want 2026M12 (Copenhagen)", got)
	}
}

// I7: the first periode a platform administrator may give a kommune.
func TestI7_CheckFoerstePeriode(t *testing.T) {
	t.Parallel()
	now := cph("2026-12-07 16:00")
	for _, tc := range []struct{ p, msg string }{
		{"2026M11", ""},
		{"2013M07", ""},
		{"2027M12", ""},
		{"2026-11", `Ugyldig periode "2026-11": skriv år, M og måned, fx 2026M11.`},
		{"2013M06", "Første periode kan tidligst være 2013M07"},
		{"2028M01", "Første periode kan senest være 2027M12, et år frem."},
	} {
		got := domain.CheckFoerstePeriode(tc.p, now)
		if (tc.msg == "") != (got == "") || !strings.Contains(got, tc.msg) {
			t.Errorf("CheckFoerstePeriode(%q) = %q, want %q", tc.p, got, tc.msg)
		}
	}
}
