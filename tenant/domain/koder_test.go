package domain_test

import (
	"maps"
	"testing"
	"time"

	"indberet/tenant/domain"
)

// retired is the CSV snapshot with 1.8.1, the FFB målgruppe socialIsolation and the FFB
// tilbud ffbTilbud retired from udgaarFra: valid to the day before, as codes.Retire stores it.
func retired(t *testing.T, udgaarFra time.Time) *domain.Snapshot {
	t.Helper()
	s := snapshot(t)
	validTo := udgaarFra.AddDate(0, 0, -1)
	ind := s.Indsatser()
	for i := range ind {
		if ind[i].Code == "1.8.1" {
			ind[i].ValidTo = &validTo
		}
	}
	mg := s.Maalgrupper()
	for i := range mg {
		if mg[i].Scheme+":"+mg[i].Code == socialIsolation {
			mg[i].ValidTo = &validTo
		}
	}
	tt := s.Tilbudstyper("")
	for i := range tt {
		if tt[i].Scheme == "ffb" && tt[i].Code == ffbTilbud {
			tt[i].ValidTo = &validTo
		}
	}
	return domain.NewSnapshot(ind, mg, tt, s.FFBYdelser(), s.Kommuner())
}

// Retiring a code from a date (DOMAIN.md "Code lists") applies to ydelser whose Startdato is
// on or after that date (Y1 for the indsatskode, Y3 for the målgruppe, Y4 for the
// Tilbuds-UUID) and keeps every ydelse starting before it valid: such a ydelse, registered
// before or after the retirement, still saves with the retired code. The Bevillingsdato does
// not count (Y2: it stands in for the Startdato only under the 2013 rules, where a ydelse had
// none).
func TestRetiredCodeRefusedFromItsDate(t *testing.T) {
	udgaar := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	c := retired(t, udgaar)
	cases := []struct {
		name  string
		mod   func(*domain.YdelseInput)
		wants []string
	}{
		{"old ydelse starting before the date keeps its codes", func(*domain.YdelseInput) {}, nil},
		{"the last day before the date", func(in *domain.YdelseInput) { in.Startdato = "28-02-2025" }, nil},
		{"granted after the date, starting before it", func(in *domain.YdelseInput) {
			in.Bevillingsdato = "15-03-2025"
		}, nil},
		{"new ydelse starting on the date", func(in *domain.YdelseInput) { in.Startdato = "01-03-2025" },
			[]string{domain.FieldIndsatskode, domain.FieldPrimaerMaalgruppe, domain.FieldTilbudsUUID}},
		{"new ydelse starting after the date", func(in *domain.YdelseInput) { in.Startdato = "01-04-2026" },
			[]string{domain.FieldIndsatskode, domain.FieldPrimaerMaalgruppe, domain.FieldTilbudsUUID}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := stay2025() // starts 01-02-2025
			tc.mod(&in)
			_, errs := domain.ValidateYdelse(in, c, own, today)
			if len(errs) != len(tc.wants) {
				t.Fatalf("errors %v, want on %v", errs, tc.wants)
			}
			for _, f := range tc.wants {
				if errs[f] == "" {
					t.Errorf("no error on %s: %v", f, errs)
				}
			}
			if len(tc.wants) > 0 && errs[domain.FieldIndsatskode] != "Indsatskoden gælder ikke på startdatoen." {
				t.Errorf("indsatskode: %q", errs[domain.FieldIndsatskode])
			}
		})
	}
	// Before the retirement the same ydelser pass.
	in := stay2025()
	in.Startdato = "01-04-2026"
	if _, errs := domain.ValidateYdelse(in, snapshot(t), own, today); !errs.OK() {
		t.Errorf("unretired: %v", errs)
	}
}

// registered is in stored as the form stored it while its codes were valid (c), failing
// the test when it was refused then.
func registered(t *testing.T, in domain.YdelseInput, c *domain.Snapshot) domain.Ydelse {
	t.Helper()
	y, errs := domain.ValidateYdelse(in, c, own, today)
	if !errs.OK() {
		t.Fatalf("registering %v: %v", in, errs)
	}
	y.ID = 7
	return y
}

// A stored ydelse whose code was valid when it was registered can always be ended and edited
// as far as its codes go (Y1, Y3, Y4; DOMAIN.md "Code lists"; issue 15 #6): the codes are
// checked on the Startdato only for a new ydelse, a code new on the ydelse or a changed
// Startdato. The case of the issue: DST retires 1.3 from 01-01-2016, after kommuner
// registered 1.3 ydelser starting 04-04-2016; they can still set Slutdato.
func TestRetiredCodeKeptByStoredYdelse(t *testing.T) {
	before := snapshot(t)
	// 1.3 retired from 01-01-2016.
	udgaar13 := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	validTo := udgaar13.AddDate(0, 0, -1)
	ind := before.Indsatser()
	for i := range ind {
		if ind[i].Code == "1.3" {
			ind[i].ValidTo = &validTo
		}
	}
	after13 := domain.NewSnapshot(ind, before.Maalgrupper(), before.Tilbudstyper(""), before.FFBYdelser(), before.Kommuner())
	// 1.8.1, socialIsolation and ffbTilbud retired from 01-03-2025.
	after25 := retired(t, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))

	treatment2016 := func() domain.YdelseInput {
		return domain.YdelseInput{Indsatskode: "1.3", Bevillingsdato: "21-03-2016", Startdato: "04-04-2016",
			PrimaerMaalgruppe: "old_2013:1.1.2"}
	}
	stay := func() domain.YdelseInput { in := stay2025(); in.Startdato = "01-04-2025"; return in }
	const msgIndsats = "Indsatskoden gælder ikke på startdatoen."
	cases := []struct {
		name   string
		c      *domain.Snapshot
		stored func() domain.YdelseInput // nil: a new ydelse
		mod    func(*domain.YdelseInput)
		errs   domain.Errors
	}{
		{"1.3: Slutdato on a stored ydelse", after13, treatment2016,
			func(in *domain.YdelseInput) { in.Slutdato = "30-06-2016" }, nil},
		{"1.3: neutralised (Slutdato = Startdato, Y2)", after13, treatment2016,
			func(in *domain.YdelseInput) { in.Slutdato = in.Startdato }, nil},
		{"1.3: other fields changed", after13, treatment2016, func(in *domain.YdelseInput) {
			in.ForventetSlutdato, in.Bevillingsdato, in.Betalingskommune = "31-12-2016", "01-04-2016", "147"
		}, nil},
		{"1.3: Startdato moved on or after the date", after13, treatment2016,
			func(in *domain.YdelseInput) { in.Startdato = "01-01-2016" }, domain.Errors{domain.FieldIndsatskode: msgIndsats}},
		{"1.3: Startdato moved before the date", after13, treatment2016,
			func(in *domain.YdelseInput) { in.Startdato = "31-12-2015" }, nil},
		{"1.3: a new ydelse starting after the date", after13, nil,
			func(in *domain.YdelseInput) { *in = treatment2016() }, domain.Errors{domain.FieldIndsatskode: msgIndsats}},
		{"1.3: a new ydelse starting before the date", after13, nil,
			func(in *domain.YdelseInput) { *in = treatment2016(); in.Startdato = "31-12-2015" }, nil},
		{"1.3: a new ydelse copied from a stored one", after13, nil,
			func(in *domain.YdelseInput) { *in = treatment2016(); in.Slutdato = "30-06-2016" }, domain.Errors{domain.FieldIndsatskode: msgIndsats}},
		{"FFB: every retired code kept, Slutdato set", after25, stay,
			func(in *domain.YdelseInput) { in.Slutdato = "30-06-2025" }, nil},
		{"FFB: Startdato changed checks every code", after25, stay,
			func(in *domain.YdelseInput) { in.Startdato = "02-04-2025" }, domain.Errors{domain.FieldIndsatskode: msgIndsats,
				domain.FieldPrimaerMaalgruppe: "Målgruppen gælder ikke på startdatoen.",
				domain.FieldTilbudsUUID:       "Tilbuds-UUID gælder ikke på startdatoen."}},
		{"FFB: the retired primary målgruppe kept as secondary", after25, stay, func(in *domain.YdelseInput) {
			in.PrimaerMaalgruppe, in.SekundaereMaalgrupper = hjemloeshed, []string{socialIsolation}
		}, nil},
		{"FFB: a retired målgruppe new on the ydelse", after25, func() domain.YdelseInput {
			in := stay()
			in.PrimaerMaalgruppe = hjemloeshed
			return in
		}, func(in *domain.YdelseInput) { in.SekundaereMaalgrupper = []string{socialIsolation} },
			domain.Errors{domain.FieldSekundaereMaalgrupper: "En sekundær målgruppe gælder ikke på startdatoen."}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var in domain.YdelseInput
			var errs domain.Errors
			if tc.stored == nil {
				tc.mod(&in)
				_, errs = domain.ValidateYdelse(in, tc.c, own, today)
			} else {
				stored := registered(t, tc.stored(), before)
				in = domain.YdelseInputOf(stored)
				tc.mod(&in)
				_, errs = domain.ValidateYdelseChange(in, stored, tc.c, own, today)
			}
			if !maps.Equal(errs, tc.errs) && !(len(errs) == 0 && len(tc.errs) == 0) {
				t.Errorf("errors %v, want %v", errs, tc.errs)
			}
		})
	}
	// The fejlopgørelse (E2) still names a stored 1.3 starting after the date: its code does
	// not apply on its Startdato, though the form saves it.
	stored := registered(t, treatment2016(), before)
	fejl := domain.SagFejl(domain.Sag{CPR: "1503621235"}, []domain.Ydelse{stored}, after13, own, today)
	if len(fejl) != 1 || fejl[0].Regel != "Y1" || fejl[0].Forklaring != msgIndsats {
		t.Errorf("fejlopgørelse %+v", fejl)
	}
}

func kodeInput() domain.KodeInput {
	return domain.KodeInput{Kode: "1.99", Tekst: "Ny indsats", Paragraf: "SEL  § 999", FFB: "nej", Tilbudssted: "no",
		Ophold: "nej", Varighed: "periode", GyldigFra: "01-01-2026"}
}

func TestValidateKode(t *testing.T) {
	c := snapshot(t)
	ffbParent := socialIsolation[len("ffb:"):]
	cases := []struct {
		name  string
		list  string
		mod   func(*domain.KodeInput)
		field string // "" when valid
		msg   string
	}{
		{"valid indsatskode", "indsatskoder", func(*domain.KodeInput) {}, "", ""},
		{"no code", "indsatskoder", func(in *domain.KodeInput) { in.Kode = " " }, domain.FieldKode, "Angiv koden."},
		{"code with letters", "indsatskoder", func(in *domain.KodeInput) { in.Kode = "1.x" }, domain.FieldKode,
			"Koden skal være tal adskilt af punktum, fx 1.8.3."},
		{"no text", "indsatskoder", func(in *domain.KodeInput) { in.Tekst = "" }, domain.FieldTekst, "Angiv kodens tekst."},
		{"no paragraph", "indsatskoder", func(in *domain.KodeInput) { in.Paragraf = "" }, domain.FieldParagraf,
			"Angiv paragraffen, fx SEL § 108."},
		{"FFB not answered", "indsatskoder", func(in *domain.KodeInput) { in.FFB = "" }, domain.FieldFFB,
			"Svar, om indsatsen er omfattet af FFB fra 01-01-2025."},
		{"unknown tilbudssted", "indsatskoder", func(in *domain.KodeInput) { in.Tilbudssted = "maybe" }, domain.FieldTilbudssted,
			"Vælg, hvornår P-nummer og Afdelings-UUID skal udfyldes."},
		{"no varighed", "indsatskoder", func(in *domain.KodeInput) { in.Varighed = "" }, domain.FieldVarighedStd,
			"Vælg periodeydelse eller stykydelse."},
		{"no gyldig fra", "indsatskoder", func(in *domain.KodeInput) { in.GyldigFra = "" }, domain.FieldGyldigFra,
			"Angiv datoen, koden gælder fra."},
		{"bad gyldig fra", "indsatskoder", func(in *domain.KodeInput) { in.GyldigFra = "31-02-2026" }, domain.FieldGyldigFra,
			"Datoen findes ikke."},
		{"udgår before gyldig fra", "indsatskoder", func(in *domain.KodeInput) { in.UdgaarFra = "01-01-2026" }, domain.FieldUdgaarFra,
			"Datoen, koden udgår fra, skal ligge efter den dato, koden gælder fra (01-01-2026)."},
		{"udgår after gyldig fra", "indsatskoder", func(in *domain.KodeInput) { in.UdgaarFra = "02-01-2026" }, "", ""},
		{"bad udgår", "indsatskoder", func(in *domain.KodeInput) { in.UdgaarFra = "2026" }, domain.FieldUdgaarFra,
			"Skriv datoen som DD-MM-ÅÅÅÅ."},
		{"målgruppe without primary answer", "maalgrupper-2018", func(*domain.KodeInput) {}, domain.FieldPrimaerTilladt,
			"Svar, om målgruppen kan være primær."},
		{"målgruppe", "maalgrupper-2018", func(in *domain.KodeInput) { in.PrimaerTilladt = "ja" }, "", ""},
		{"FFB målgruppe needs a UUID", "maalgrupper-ffb", func(in *domain.KodeInput) { in.PrimaerTilladt = "ja" }, domain.FieldKode,
			"Skriv UUID'et som 8-4-4-4-12 hexadecimale tegn."},
		{"FFB målgruppe with unknown parent", "maalgrupper-ffb", func(in *domain.KodeInput) {
			in.Kode, in.PrimaerTilladt, in.Overordnet = "6F1B2C3D-0000-4000-8000-000000000001", "nej", afdeling
		}, domain.FieldOverordnet, "Den overordnede målgruppe findes ikke i listen."},
		{"FFB målgruppe with parent", "maalgrupper-ffb", func(in *domain.KodeInput) {
			in.Kode, in.PrimaerTilladt, in.Overordnet = "6F1B2C3D-0000-4000-8000-000000000001", "nej", ffbParent
		}, "", ""},
		{"FFB ydelse without leaf answer", "ffb-ydelser", func(in *domain.KodeInput) {
			in.Kode = "6f1b2c3d-0000-4000-8000-000000000002"
		}, domain.FieldLavesteNiveau, "Svar, om koden er på laveste niveau."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, _ := domain.ListeByKey(tc.list)
			in := kodeInput()
			tc.mod(&in)
			k, errs := domain.ValidateKode(l, in, c)
			switch {
			case tc.field == "" && !errs.OK():
				t.Fatalf("errors %v", errs)
			case tc.field != "" && (len(errs) != 1 || errs[tc.field] != tc.msg):
				t.Fatalf("errors %v, want %s: %q", errs, tc.field, tc.msg)
			}
			if tc.field == "" && tc.list == "indsatskoder" && (k.Paragraph != "SEL § 999" || k.ValidFrom == nil) {
				t.Errorf("code %+v", k)
			}
		})
	}
	// A retire date is stored as the last valid day.
	in := kodeInput()
	in.UdgaarFra = "01-07-2026"
	l, _ := domain.ListeByKey("indsatskoder")
	if k, _ := domain.ValidateKode(l, in, c); k.ValidTo == nil || k.ValidTo.Format("02-01-2006") != "30-06-2026" {
		t.Errorf("valid to %v", k.ValidTo)
	}
	// FFB UUIDs lower-case, parent kept.
	fl, _ := domain.ListeByKey("maalgrupper-ffb")
	in.Kode, in.PrimaerTilladt, in.Overordnet, in.UdgaarFra = "6F1B2C3D-0000-4000-8000-000000000001", "ja", ffbParent, ""
	if k, errs := domain.ValidateKode(fl, in, c); !errs.OK() || k.Code != "6f1b2c3d-0000-4000-8000-000000000001" || k.ParentCode != ffbParent {
		t.Errorf("FFB målgruppe %+v %v", k, errs)
	}
}

func TestValidateUdgaar(t *testing.T) {
	from := time.Date(2013, 7, 1, 0, 0, 0, 0, time.UTC)
	k := domain.Kode{ValidFrom: &from}
	for in, want := range map[string]string{
		"":           "Angiv datoen, koden udgår fra.",
		"1-7-2013":   "Datoen, koden udgår fra, skal ligge efter den dato, koden gælder fra (01-07-2013).",
		"30-06-2013": "Datoen, koden udgår fra, skal ligge efter den dato, koden gælder fra (01-07-2013).",
		"32-01-2026": "Datoen findes ikke.",
		"02-07-2013": "",
	} {
		d, errs := domain.ValidateUdgaar(k, in)
		if got := errs[domain.FieldUdgaarFra]; got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
		if want == "" && !d.Equal(from.AddDate(0, 0, 1)) {
			t.Errorf("%q: %v", in, d)
		}
	}
	// Without a first valid day any date goes.
	if _, errs := domain.ValidateUdgaar(domain.Kode{}, "01-01-1990"); !errs.OK() {
		t.Errorf("no valid_from: %v", errs)
	}
}

func TestValidateTexts(t *testing.T) {
	l, _ := domain.ListeByKey("tilbudstyper")
	tx, errs := domain.ValidateTexts(l, " Botilbud ", "ignored", " DST ")
	if !errs.OK() || tx != (domain.Texts{Name: "Botilbud", Source: "DST"}) {
		t.Errorf("%+v %v", tx, errs)
	}
	long := make([]byte, domain.KodeTekstMax+1)
	for i := range long {
		long[i] = 'a'
	}
	_, errs = domain.ValidateTexts(l, string(long), "", "")
	if want := map[string]string{domain.FieldTekst: "Teksten må højst være på 300 tegn."}; !maps.Equal(errs, domain.Errors(want)) {
		t.Errorf("%v", errs)
	}
}
