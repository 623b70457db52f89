package worker

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"indberet/tenant/domain"
)

// TestContentHashCoversEveryField: a change of any field a record carries (but its reporting
// type) is a new state to deliver (I2), so ContentHash must see every field.
func TestContentHashCoversEveryField(t *testing.T) {
	t.Parallel()
	base := record{YdelseID: 1, SagID: 2, CPR: "1503621235", Indsatskode: "1.3", Varighed: "Periodeydelse",
		Startdato: "2014-03-01", Betalingskommune: "101",
		Maalgrupper: []domain.Maalgruppe{{Scheme: "old_2013", Code: "1.1.4", Primaer: true}}}
	h := base.ContentHash()
	v := reflect.ValueOf(&base).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		changed := base
		cv := reflect.ValueOf(&changed).Elem().Field(i)
		switch cv.Kind() {
		case reflect.String:
			cv.SetString(cv.String() + "x")
		case reflect.Int64:
			cv.SetInt(cv.Int() + 1)
		case reflect.Slice:
			changed.Maalgrupper = append([]domain.Maalgruppe{}, base.Maalgrupper...)
			changed.Maalgrupper[0].Code = "1.1.5"
		default:
			t.Fatalf("field %s: kind %s not covered by the test", name, cv.Kind())
		}
		if same := bytes.Equal(changed.ContentHash(), h); same != (name == "Type") {
			t.Errorf("field %s: hash unchanged = %v", name, same)
		}
	}
}

func TestRunKommuner(t *testing.T) {
	t.Parallel()
	active := []string{"101", "147", "751"}
	if d, s := runKommuner(active, nil); !reflect.DeepEqual(d, active) || s != nil {
		t.Errorf("all: %v %v", d, s)
	}
	if d, s := runKommuner(active, []string{"147", "999"}); !reflect.DeepEqual(d, []string{"147"}) || !reflect.DeepEqual(s, []string{"999"}) {
		t.Errorf("asked: %v %v", d, s)
	}
	if a := NewDeliveryRun("2026M10", []string{"751", "101", "751"}); !reflect.DeepEqual(a.Kommuner, []string{"101", "751"}) {
		t.Errorf("NewDeliveryRun kommuner %v", a.Kommuner)
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	if got := truncate("Søren Ærø", 5); got != "Søren" {
		t.Errorf("truncate = %q", got)
	}
	if got := truncate("Ib", 5); got != "Ib" {
		t.Errorf("truncate = %q", got)
	}
}

// The operator's answer names the kommuner Danish style, at most ten of them (I7, issue 15 #2).
func TestStartedDeliveryTekst(t *testing.T) {
	t.Parallel()
	labels := map[string]string{"101": "København (101)", "147": "Frederiksberg (147)", "751": "Aarhus (751)"}
	d := StartedDelivery{Periode: "2026M11", Enqueued: []string{"751"}, Delivered: []string{"101", "147"},
		Refused: []Refusal{{Kommune: "461", Naeste: "2026M10"}}, labels: labels}
	want := "Leveringen af 2026M11 er sat i kø for Aarhus (751). Allerede leveret for perioden, leveres ikke igen: " +
		"København (101) og Frederiksberg (147). Ikke startet, fordi perioderne leveres i rækkefølge: næste periode for 461 er 2026M10."
	if got := d.Tekst(); got != want {
		t.Errorf("Tekst() = %q, want %q", got, want)
	}
	var many []string
	for i := range 12 {
		many = append(many, fmt.Sprintf("%03d", 100+i))
	}
	if got := names(func(k string) string { return k }, many); got != "100, 101, 102, 103, 104, 105, 106, 107, 108, 109 og 2 andre" {
		t.Errorf("names of 12: %q", got)
	}
	if got := names(func(k string) string { return k }, nil); got != "" {
		t.Errorf("names of none: %q", got)
	}
}
