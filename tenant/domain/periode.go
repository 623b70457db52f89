package domain

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Periodes of the delivery to DST (I1, I7, I9). A periode is a calendar month written as
// DST's Period, "2026M11"; written so, periodes compare as strings in time order.

// The run of the 14th (I1): at LeveringsTime:00 on day LeveringsDag of every month, Danish
// time, the previous month is delivered.
const (
	LeveringsDag  = 14
	LeveringsTime = 2
)

// Indhentningsfrist is how long after the run of the 14th at 02:00 a kommune's periode may
// still be undelivered before it is *Forsinket* and the catch-up delivers it (I9): the run
// itself has this long to deliver every kommune (it takes about two minutes at national
// scale, README Performance; a failing kommune is retried with River's backoff meanwhile).
const Indhentningsfrist = 2 * time.Hour

// FoerstePeriodeMin is the earliest first periode a kommune can have: deliveries hold sager
// active on or after 2013-07-01 (I4).
const FoerstePeriodeMin = "2013M07"

var periodeRE = regexp.MustCompile(`^([0-9]{4})M(0[1-9]|1[0-2])$`)

// ParsePeriode checks a periode like "2026M11" and returns its year and month.
func ParsePeriode(p string) (year int, month time.Month, err error) {
	m := periodeRE.FindStringSubmatch(p)
	if m == nil {
		return 0, 0, fmt.Errorf("ugyldig periode %q: skriv år, M og måned, fx 2026M11", p)
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	return y, time.Month(mo), nil
}

// Periode writes year and month as DST's Period, e.g. "2026M11"; a month outside 1–12 is
// carried into the year (Periode(2026, 13) is "2027M01").
func Periode(year int, month time.Month) string {
	t := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	return fmt.Sprintf("%04dM%02d", t.Year(), int(t.Month()))
}

// PeriodeOf is the calendar month of t in Copenhagen.
func PeriodeOf(t time.Time) string {
	lt := t.In(Copenhagen)
	return Periode(lt.Year(), lt.Month())
}

// PeriodeBefore is the month before t's month in Copenhagen: the periode a run at t delivers
// (I1: the run of 2026-12-14 delivers "2026M11") and the latest periode that can be
// delivered at t (I7: the current and future months cannot).
func PeriodeBefore(t time.Time) string {
	lt := t.In(Copenhagen)
	return Periode(lt.Year(), lt.Month()-1)
}

// PeriodeAdd is the periode n months after p (before it for a negative n); p must be valid.
func PeriodeAdd(p string, n int) string {
	y, m, err := ParsePeriode(p)
	if err != nil {
		panic(err)
	}
	return Periode(y, m+time.Month(n))
}

// NaestePeriode is a kommune's next periode (I7): the month after its latest delivered
// periode senest, or its first periode foerste when it has delivered none (senest "").
func NaestePeriode(senest, foerste string) string {
	if senest == "" {
		return foerste
	}
	return PeriodeAdd(senest, 1)
}

// Frist is when periode p is due (I1, I9): the run of the 14th at 02:00 of the month after
// it, in Copenhagen.
func Frist(p string) time.Time {
	y, m, err := ParsePeriode(p)
	if err != nil {
		panic(err)
	}
	return time.Date(y, m+1, LeveringsDag, LeveringsTime, 0, 0, 0, Copenhagen)
}

// ForfaldenPeriode is the latest periode that at now should have been delivered for some
// time (I9): the latest whose Frist plus Indhentningsfrist has passed. A kommune whose next
// periode is not after it is *Forsinket*, and the catch-up delivers its next periode.
func ForfaldenPeriode(now time.Time) string {
	p := PeriodeBefore(now)
	if now.Before(Frist(p).Add(Indhentningsfrist)) {
		return PeriodeAdd(p, -1)
	}
	return p
}

// Forsinket tells whether a kommune whose next periode is naeste is late at now (I9).
func Forsinket(naeste string, now time.Time) bool {
	return naeste <= ForfaldenPeriode(now)
}

// PeriodeFejl is a periode refused for a kommune (I7), with the periode that is next.
type PeriodeFejl struct {
	Periode string
	Naeste  string // the kommune's next periode
	Seneste string // the latest periode that can be delivered now (PeriodeBefore)
	// IkkeAfsluttet: Periode is the current month or later; otherwise it is not Naeste.
	IkkeAfsluttet bool
}

func (e *PeriodeFejl) Error() string { return e.Besked("kommunen") }

// Besked is the Danish message of the refusal for the kommune named kommune ("København
// (101)"): it says which periode is next (I7).
func (e *PeriodeFejl) Besked(kommune string) string {
	if e.IkkeAfsluttet {
		return fmt.Sprintf("Periode %s er ikke afsluttet: den seneste periode, der kan leveres, er %s. Næste periode for %s er %s.",
			e.Periode, e.Seneste, kommune, e.Naeste)
	}
	return fmt.Sprintf("Periode %s kan ikke leveres for %s: perioderne leveres i rækkefølge, én gang hver, og næste periode for %s er %s.",
		e.Periode, kommune, kommune, e.Naeste)
}

// CheckPeriode checks a delivery of the valid periode p for a kommune whose next periode is
// naeste, at now (I7): only naeste can be delivered, and only once its month has ended. It
// returns nil or a *PeriodeFejl. A periode the kommune has delivered is the caller's to
// recognise first (it is not an error to find it delivered, I2).
func CheckPeriode(p, naeste string, now time.Time) error {
	seneste := PeriodeBefore(now)
	switch {
	case p > seneste:
		return &PeriodeFejl{Periode: p, Naeste: naeste, Seneste: seneste, IkkeAfsluttet: true}
	case p != naeste:
		return &PeriodeFejl{Periode: p, Naeste: naeste, Seneste: seneste}
	}
	return nil
}

// CheckFoerstePeriode checks the first periode a platform administrator gives a kommune when
// activating it (I7): a valid periode from 2013M07 (I4) to twelve months after the current
// one. It returns a Danish message, or "".
func CheckFoerstePeriode(p string, now time.Time) string {
	if _, _, err := ParsePeriode(p); err != nil {
		return fmt.Sprintf("Ugyldig periode %q: skriv år, M og måned, fx %s.", p, PeriodeBefore(now))
	}
	if p < FoerstePeriodeMin {
		return fmt.Sprintf("Første periode kan tidligst være %s: kun sager, der er aktive fra 01-07-2013, indberettes.", FoerstePeriodeMin)
	}
	if last := PeriodeAdd(PeriodeOf(now), 12); p > last {
		return fmt.Sprintf("Første periode kan senest være %s, et år frem.", last)
	}
	return ""
}
