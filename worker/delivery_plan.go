package worker

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"indberet/tenant"
	"indberet/tenant/domain"
)

// Which kommuner a run of a periode delivers (I7): those whose next periode it is. The
// others of the run either have delivered it (I2: nothing to do) or have another periode
// next and are refused with it. The same plan serves a run started by hand (StartDeliveryTx,
// with its answer to the operator) and the run of the 14th (DeliveryRunWorker).

// Refusal is a kommune of a run whose next periode is another (I7).
type Refusal struct {
	Kommune string
	Naeste  string // its next periode
}

// runPlan is what a run of Periode does for each kommune asked (every active one when none).
type runPlan struct {
	Periode   string
	Deliver   []string  // the periode is their next: deliver it
	Delivered []string  // have their leverance for the periode
	Refused   []Refusal // another periode is next (the periode is before it, or after)
	Inactive  []string  // asked for, but unknown or not active
	Labels    map[string]string
	ydelser   map[string]int64 // each kommune's ydelser, for largestFirst
}

// planRun plans a run of periode (valid, a past month) for asked (none: every active
// kommune) over the kommuner's periodes ks and the kommuner that have delivered the periode.
func planRun(periode string, asked []string, ks []tenant.KommunePeriode, delivered []string, now time.Time) runPlan {
	p := runPlan{Periode: periode, Labels: map[string]string{}, ydelser: map[string]int64{}}
	byKode := map[string]tenant.KommunePeriode{}
	var active []string
	for _, k := range ks {
		byKode[k.Kode] = k
		p.ydelser[k.Kode] = k.Ydelser
		p.Labels[k.Kode] = fmt.Sprintf("%s (%s)", k.Navn, k.Kode)
		if k.Aktiv {
			active = append(active, k.Kode)
		}
	}
	run, inactive := runKommuner(active, asked)
	p.Inactive = inactive
	for _, kode := range run {
		k := byKode[kode]
		naeste := domain.NaestePeriode(k.SenestLeveret, k.FoerstePeriode)
		switch {
		case slices.Contains(delivered, kode):
			p.Delivered = append(p.Delivered, kode)
		case domain.CheckPeriode(periode, naeste, now) != nil:
			p.Refused = append(p.Refused, Refusal{Kommune: kode, Naeste: naeste})
		default:
			p.Deliver = append(p.Deliver, kode)
		}
	}
	return p
}

// largestFirst is the order in which a run enqueues its kommune jobs (River works them in the
// order they were inserted): the largest kommuner first, ties by kommunekode. The levering
// queue works two at a time; with the kommuner in code order a large one late in the list
// (Aalborg, 851) ran at the end with the other worker idle (make bench's first delivery).
func (p runPlan) largestFirst() []string {
	order := slices.Clone(p.Deliver)
	slices.SortStableFunc(order, func(a, b string) int {
		if c := cmp.Compare(p.ydelser[b], p.ydelser[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return order
}

// label is the kommune as the messages name it, "København (101)".
func (p runPlan) label(kode string) string {
	if l, ok := p.Labels[kode]; ok {
		return l
	}
	return kode
}

// names are the kommuner by name, Danish style ("a, b og c"), at most 10 named.
func names(label func(string) string, kommuner []string) string {
	const most = 10
	var ns []string
	for i, k := range kommuner {
		if i == most {
			ns = append(ns, fmt.Sprintf("%d andre", len(kommuner)-most))
			break
		}
		ns = append(ns, label(k))
	}
	if len(ns) <= 1 {
		return strings.Join(ns, "")
	}
	return strings.Join(ns[:len(ns)-1], ", ") + " og " + ns[len(ns)-1]
}

// refusedText says which periode is next for each refused kommune (I7), grouped by periode:
// "næste periode for København (101) og Aarhus (751) er 2026M11".
func (p runPlan) refusedText() string {
	byNaeste := map[string][]string{}
	var order []string
	for _, r := range p.Refused {
		if _, ok := byNaeste[r.Naeste]; !ok {
			order = append(order, r.Naeste)
		}
		byNaeste[r.Naeste] = append(byNaeste[r.Naeste], r.Kommune)
	}
	slices.Sort(order)
	parts := make([]string, len(order))
	for i, n := range order {
		parts[i] = fmt.Sprintf("næste periode for %s er %s", names(p.label, byNaeste[n]), n)
	}
	return strings.Join(parts, "; ")
}

// refusal is the Danish message of a run that delivers nothing because every kommune asked
// for has another periode next (I7).
func (p runPlan) refusal(now time.Time) string {
	if len(p.Refused) == 1 {
		r := p.Refused[0]
		return domain.CheckPeriode(p.Periode, r.Naeste, now).(*domain.PeriodeFejl).Besked(p.label(r.Kommune))
	}
	return fmt.Sprintf("Periode %s kan ikke leveres: perioderne leveres i rækkefølge, én gang hver; %s.", p.Periode, p.refusedText())
}

// runKommuner picks the kommuner of a run: every active one when asked is empty, otherwise
// those asked for that are active; skipped are the asked ones that are not active.
func runKommuner(active, asked []string) (deliver, skipped []string) {
	if len(asked) == 0 {
		return active, nil
	}
	for _, k := range asked {
		if slices.Contains(active, k) {
			deliver = append(deliver, k)
		} else {
			skipped = append(skipped, k)
		}
	}
	return deliver, skipped
}
