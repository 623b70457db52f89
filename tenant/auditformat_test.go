package tenant

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"indberet/tenant/domain"
)

// updateGolden rewrites the golden files of the audit log's stored format instead of
// comparing against them: go test ./tenant -run AuditFormat -update. A changed golden file is
// a changed stored format: history written before the change keeps the old keys.
var updateGolden = flag.Bool("update", false, "rewrite the golden files of the audit log's stored format")

// domainSamples are values of the domain types the audit records copy, every field set.
type domainSamples struct {
	sag       domain.Sag
	ydelse    domain.Ydelse
	kontakt   domain.Kontaktperson
	leverance NewLeverance
	eksport   NewEksport
}

func samples() domainSamples {
	day := func(y int, m time.Month, d int) *time.Time {
		t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		return &t
	}
	ja := true
	return domainSamples{
		sag: domain.Sag{ID: 17, CPR: "0101801234", Navn: "Niels Hansen", Funktionsvurdering: "C", Bemaerkninger: "Ny bolig",
			Kilde: "egne", Version: 3, AntalYdelser: 2, SlutdatoMax: day(2026, 1, 31), IndberettetAt: day(2025, 12, 14),
			UpdatedAt: time.Date(2025, 12, 1, 9, 30, 0, 0, time.UTC), UpdatedBy: "indberetter.101@demo.invalid"},
		ydelse: domain.Ydelse{ID: 42, SagID: 17, Indsatskode: "1.4", Varighed: "periode", Bevillingsdato: day(2025, 1, 10),
			Startdato: *day(2025, 2, 1), ForventetSlutdato: day(2026, 1, 31), Slutdato: day(2026, 1, 31),
			Betalingskommune: "101", TilbudstypeScheme: "ffb", Tilbudstype: "5d1c0b7e-0000-4000-8000-000000000001",
			PNummer: "1234567890", AfdelingsUUID: "5d1c0b7e-0000-4000-8000-000000000002",
			TilbudsUUID: "5d1c0b7e-0000-4000-8000-000000000003", YdelsesUUID: "5d1c0b7e-0000-4000-8000-000000000004",
			I107Botilbud: &ja, TilbudNavn: "Bostedet", TilbudAdresse: "Vejen 1", TilbudPostnr: "8000",
			Maalgrupper: []domain.Maalgruppe{{Scheme: "ffb", Code: "m1", Primaer: true}, {Scheme: "ffb", Code: "m2"}},
			Version:     2, IndberettetAt: day(2025, 12, 14), UpdatedAt: time.Date(2025, 12, 1, 9, 30, 0, 0, time.UTC),
			UpdatedBy: "indberetter.101@demo.invalid"},
		kontakt: domain.Kontaktperson{Rolle: "kvitteringsmodtager", Navn: "Karen Jensen", Telefon: "12345678",
			Email: "karen@kommune.invalid", Version: 2},
		leverance: NewLeverance{ID: 9, Periode: "2025M11", Bytes: 123456, GzipSize: 2345, SHA256: "ab12",
			Tal:  LeveranceTal{Sager: 1, Ydelser: 2, Nye: 3, Aendrede: 4, Afsluttede: 5, Neutraliserede: 6},
			CPRs: []string{"0101801234"}, Version: 2, Aarsag: "Rettelser"},
		eksport: NewEksport{Art: EksportListe, Format: FormatXLSX,
			Parametre: EksportParametre{Liste: ListeAlle, Visning: VisningYdelserVedSag, Filter: FilterAfsluttede, SagID: 17}},
	}
}

// auditSamples are a record of each struct the audit log stores, by the name of its golden
// file (testdata/auditformat/<name>.json): every field set, and with the fields left empty
// that may be left out.
func auditSamples() map[string]any {
	d := samples()
	kort := domain.Ydelse{ID: 43, SagID: 17, Indsatskode: "2.1", Varighed: "styk",
		Startdato: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), Betalingskommune: "101"}
	periode := "2025M10"
	return map[string]any{
		"kommune":              kommuneRecord{Aktiv: true, FoerstePeriode: &periode},
		"kommune-uden-periode": kommuneRecord{Aktiv: false},
		"sag":                  sagRecordOf(d.sag),
		"sag-uden-kilde":       sagRecordOf(domain.Sag{ID: 18, CPR: "0202801234"}),
		"sag-delete":           sagDeleteRecordOf(d.sag, []domain.Ydelse{d.ydelse, kort}),
		"ydelse":               ydelseRecordOf(d.ydelse),
		"ydelse-kort":          ydelseRecordOf(kort),
		"kontaktperson":        kontaktpersonRecordOf(d.kontakt),
		"leverance":            leveranceRecordOf(d.leverance),
		"eksport":              eksportRecordOf(d.eksport),
		"eksport-uden-sag": eksportRecordOf(NewEksport{Art: EksportFejl, Format: FormatCSV,
			Parametre: EksportParametre{Liste: ListeEgne, Visning: VisningKunSager, Filter: FilterAlle}}),
		"log-retention": logRetentionRecord{KeepMonths: 60, Changes: []LogPartitionChange{
			{Partition: "audit_log_2020_11", Change: "dropped", Records: 12}, {Partition: "audit_log_2031_01", Change: "created"}}},
	}
}

// TestAuditRecordsCopyTheirTypes: a record holds every field of the domain type it is made
// from but those named here as no part of the history, with the value it has there. A field
// added to Sag or Ydelse is thus a decision: into the record (a new key) or onto this list.
func TestAuditRecordsCopyTheirTypes(t *testing.T) {
	d := samples()
	for _, c := range []struct {
		from, record any
		notStored    []string
	}{
		{d.sag, sagRecordOf(d.sag), []string{"Version", "AntalYdelser", "SlutdatoMax", "IndberettetAt", "UpdatedAt", "UpdatedBy"}},
		{d.ydelse, ydelseRecordOf(d.ydelse), []string{"Version", "IndberettetAt", "UpdatedAt", "UpdatedBy"}},
		{d.ydelse.Maalgrupper[0], ydelseRecordOf(d.ydelse).Maalgrupper[0], nil},
		{d.kontakt, kontaktpersonRecordOf(d.kontakt), nil},
		{d.leverance, leveranceRecordOf(d.leverance), []string{"ID", "GzipSize", "CPRs"}}, // CPRs: the access log's
		{d.leverance.Tal, leveranceRecordOf(d.leverance).Tal, nil},
		{d.eksport, eksportRecordOf(d.eksport), nil},
	} {
		from, rec := reflect.ValueOf(c.from), reflect.ValueOf(c.record)
		for i := range from.NumField() {
			f := from.Type().Field(i)
			r := rec.FieldByName(f.Name)
			switch {
			case slices.Contains(c.notStored, f.Name):
				if r.IsValid() {
					t.Errorf("%s.%s is in %s, though listed as not stored", from.Type(), f.Name, rec.Type())
				}
			case !r.IsValid():
				t.Errorf("%s.%s is not in %s: add it (a new key) or list it as not stored", from.Type(), f.Name, rec.Type())
			case from.Field(i).IsZero():
				t.Errorf("the sample of %s leaves %s empty", from.Type(), f.Name)
			case r.Kind() == reflect.Slice:
				if r.Len() != from.Field(i).Len() {
					t.Errorf("%s.%s: %d of %d copied", rec.Type(), f.Name, r.Len(), from.Field(i).Len())
				}
			case r.Kind() == reflect.Struct && r.Type() != f.Type:
				// a record of its own, compared above
			case !reflect.DeepEqual(r.Interface(), from.Field(i).Interface()):
				t.Errorf("%s.%s = %v, from %v", rec.Type(), f.Name, r.Interface(), from.Field(i).Interface())
			}
		}
		for i := range rec.NumField() {
			if _, ok := from.Type().FieldByName(rec.Type().Field(i).Name); !ok {
				t.Errorf("%s.%s comes from no field of %s", rec.Type(), rec.Type().Field(i).Name, from.Type())
			}
		}
	}
}

// TestAuditFormatGolden: each struct the audit log stores is written as its golden file says,
// so no rename of a Go field or tag changes the stored keys unnoticed (issue 16 #5).
func TestAuditFormatGolden(t *testing.T) {
	dir := filepath.Join("testdata", "auditformat")
	for name, v := range auditSamples() {
		got, err := jsonOrNil(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var indented bytes.Buffer
		if err := json.Indent(&indented, got, "", "  "); err != nil {
			t.Fatal(err)
		}
		indented.WriteByte('\n')
		path := filepath.Join(dir, name+".json")
		if *updateGolden {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, indented.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (a new record? go test ./tenant -run AuditFormat -update)", name, err)
		}
		if !bytes.Equal(indented.Bytes(), want) {
			t.Errorf("the stored format of %s changed (testdata/auditformat/%[1]s.json):\n%s", name,
				lineDiff(string(want), indented.String()))
		}
	}
}
