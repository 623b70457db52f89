package domain_test

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"indberet/tenant/codes"
	"indberet/tenant/domain"
)

// Real codes from the CSV files (CODES.md).
const (
	ffbTilbud        = "498fe92c-d7f7-41cd-9404-5b38fe113be0" // Almindeligt længerevarende botilbud til voksne
	ffbYdelse        = "5af56051-8413-4115-aaa2-83a0767e1137" // Længerevarende ophold
	socialIsolation  = "ffb:16075f99-3694-4878-a48d-b2f4b515cb76"
	hjemloeshed      = "ffb:293bf940-c075-4e3d-b5ef-6e331202e556"
	prostitution     = "ffb:122f3f8e-84a0-476f-b9c5-0e40b1dcf113" // FFB, secondary only
	kommunikation13  = "old_2013:1.1.4"                           // valid 2013-07-01 – 2017-12-31
	intellektuel18   = "old_2018:1.2.1"                           // valid 2018-01-01 – 2024-12-31
	sindslidelse18   = "old_2018:1.2.2"
	oldBotilbud      = "old_2013:3.1.0"
	pNummer          = "9000000101"
	afdeling         = "3f2a6c1e-8b4d-4e7a-9c21-5d6e7f809a1b" // made up
	own              = "101"
	msgFFBOnlyTilbud = "Tilbuds-UUID bruges kun ved FFB-ydelser."
	msgFFBOnlyYdelse = "Ydelses-UUID bruges kun ved FFB-ydelser."
	msgNeedP         = "P-nummer skal udfyldes for denne indsats."
	msgNeedA         = "Afdelings-UUID skal udfyldes for denne indsats."
)

var today = time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC)

func snapshot(t testing.TB) *domain.Snapshot {
	t.Helper()
	s, err := codes.FromCSV()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// stay2025 is a valid §108 long-term stay under the FFB rules (Y4, Y5).
func stay2025() domain.YdelseInput {
	return domain.YdelseInput{Indsatskode: "1.8.1", Startdato: "01-02-2025", PrimaerMaalgruppe: socialIsolation,
		PNummer: pNummer, AfdelingsUUID: afdeling, TilbudsUUID: ffbTilbud, YdelsesUUID: ffbYdelse}
}

// stay2016 is the worked example's long-term stay under the 2013 rules.
func stay2016() domain.YdelseInput {
	return domain.YdelseInput{Indsatskode: "1.8.1", Bevillingsdato: "15-08-2016", Startdato: "01-09-2016",
		PrimaerMaalgruppe: kommunikation13, Tilbudstype: oldBotilbud, PNummer: pNummer, AfdelingsUUID: afdeling}
}

// treatment2014 is the worked example's psychological treatment (§102, not FFB, no tilbudssted).
func treatment2014() domain.YdelseInput {
	return domain.YdelseInput{Indsatskode: "1.3", Startdato: "01-03-2014", Slutdato: "31-08-2016",
		PrimaerMaalgruppe: kommunikation13}
}

// cti2025 is §85a support (tilbudssted only in a §107 botilbud).
func cti2025() domain.YdelseInput {
	return domain.YdelseInput{Indsatskode: "1.12.1.1", Startdato: "03-03-2025", PrimaerMaalgruppe: hjemloeshed,
		I107Botilbud: "nej"}
}

type ydelseCase struct {
	name string
	base func() domain.YdelseInput
	mod  func(*domain.YdelseInput)
	errs domain.Errors
}

func runYdelseCases(t *testing.T, c *domain.Snapshot, cases []ydelseCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.base()
			if tc.mod != nil {
				tc.mod(&in)
			}
			_, errs := domain.ValidateYdelse(in, c, own, today)
			if tc.errs == nil {
				tc.errs = domain.Errors{}
			}
			if !maps.Equal(errs, tc.errs) {
				t.Errorf("errors\n got %v\nwant %v", errs, tc.errs)
			}
		})
	}
}

func TestY1_ValidateYdelseFields(t *testing.T) {
	t.Parallel()
	runYdelseCases(t, snapshot(t), []ydelseCase{
		{name: "Y1 valid FFB stay", base: stay2025},
		{name: "Y1 valid 2013 stay", base: stay2016},
		{name: "Y1 valid treatment", base: treatment2014},
		{name: "Y1 indsatskode required", base: stay2025, mod: func(in *domain.YdelseInput) { in.Indsatskode = " " },
			errs: domain.Errors{domain.FieldIndsatskode: "Vælg en indsatskode."}},
		{name: "Y1 indsatskode unknown", base: stay2025, mod: func(in *domain.YdelseInput) { in.Indsatskode = "9.9" },
			errs: domain.Errors{domain.FieldIndsatskode: "Indsatskoden findes ikke."}},
		{name: "Y1 indsatskode not valid at start", base: treatment2014, mod: func(in *domain.YdelseInput) {
			in.Startdato, in.PrimaerMaalgruppe = "15-03-2013", socialIsolation
		}, errs: domain.Errors{domain.FieldIndsatskode: "Indsatskoden gælder ikke på startdatoen."}},
		{name: "Y1 varighed periode or styk", base: stay2025, mod: func(in *domain.YdelseInput) { in.Varighed = "uge" },
			errs: domain.Errors{domain.FieldVarighed: "Vælg periodeydelse eller stykydelse."}},
		{name: "Y1 startdato required", base: stay2025, mod: func(in *domain.YdelseInput) { in.Startdato = "" },
			errs: domain.Errors{domain.FieldStartdato: "Angiv en startdato."}},
		{name: "Y1 startdato format", base: stay2025, mod: func(in *domain.YdelseInput) { in.Startdato = "1. februar 2025" },
			errs: domain.Errors{domain.FieldStartdato: msgDateFormat}},
		{name: "Y1 startdato exists", base: stay2025, mod: func(in *domain.YdelseInput) { in.Startdato = "30-02-2025" },
			errs: domain.Errors{domain.FieldStartdato: msgDateNone}},
		{name: "Y1 bevillingsdato format", base: stay2025, mod: func(in *domain.YdelseInput) { in.Bevillingsdato = "31-02-2025" },
			errs: domain.Errors{domain.FieldBevillingsdato: msgDateNone}},
		{name: "Y1 forventet slutdato format", base: stay2025, mod: func(in *domain.YdelseInput) { in.ForventetSlutdato = "snart" },
			errs: domain.Errors{domain.FieldForventetSlutdato: msgDateFormat}},
		{name: "Y1 slutdato range", base: stay2025, mod: func(in *domain.YdelseInput) { in.Slutdato = "01-01-2100" },
			errs: domain.Errors{domain.FieldSlutdato: msgDateRange}},
		{name: "Y1 betalingskommune one of the 98", base: stay2025, mod: func(in *domain.YdelseInput) { in.Betalingskommune = "411" },
			errs: domain.Errors{domain.FieldBetalingskommune: "Vælg en af de 98 kommuner."}},
		{name: "Y1 betalingskommune zero-padded", base: stay2025, mod: func(in *domain.YdelseInput) { in.Betalingskommune = "0147" }},
		{name: "Y1 tilbudstype unknown", base: stay2016, mod: func(in *domain.YdelseInput) { in.Tilbudstype = "old_2013:9.9" },
			errs: domain.Errors{domain.FieldTilbudstype: "Tilbudstypen findes ikke."}},
		{name: "Y1 tilbudstype without scheme", base: stay2016, mod: func(in *domain.YdelseInput) { in.Tilbudstype = "3.1.0" },
			errs: domain.Errors{domain.FieldTilbudstype: "Tilbudstypen findes ikke."}},
		{name: "Y1 FFB tilbudstype", base: stay2025, mod: func(in *domain.YdelseInput) { in.Tilbudstype = "ffb:" + strings.ToUpper(ffbTilbud) }},
	})
}

func TestY2_Dates(t *testing.T) {
	t.Parallel()
	runYdelseCases(t, snapshot(t), []ydelseCase{
		{name: "Y2 slutdato after startdato", base: stay2025, mod: func(in *domain.YdelseInput) { in.Slutdato = "02-02-2025" }},
		{name: "Y2 slutdato = startdato neutralises", base: stay2025, mod: func(in *domain.YdelseInput) { in.Slutdato = "01-02-2025" }},
		{name: "Y2 slutdato before startdato", base: stay2025, mod: func(in *domain.YdelseInput) { in.Slutdato = "31-01-2025" },
			errs: domain.Errors{domain.FieldSlutdato: "Slutdatoen må ikke ligge før startdatoen."}},
		{name: "Y2 forventet slutdato = startdato", base: stay2025, mod: func(in *domain.YdelseInput) { in.ForventetSlutdato = "01-02-2025" }},
		{name: "Y2 forventet slutdato before startdato", base: stay2025, mod: func(in *domain.YdelseInput) { in.ForventetSlutdato = "2025-01-31" },
			errs: domain.Errors{domain.FieldForventetSlutdato: "Den forventede slutdato må ikke ligge før startdatoen."}},
		{name: "Y2 both before startdato", base: stay2025, mod: func(in *domain.YdelseInput) {
			in.Slutdato, in.ForventetSlutdato = "01-01-2025", "01-01-2025"
		}, errs: domain.Errors{domain.FieldSlutdato: "Slutdatoen må ikke ligge før startdatoen.",
			domain.FieldForventetSlutdato: "Den forventede slutdato må ikke ligge før startdatoen."}},
	})
}

func TestY3_Maalgrupper(t *testing.T) {
	t.Parallel()
	runYdelseCases(t, snapshot(t), []ydelseCase{
		{name: "Y3 primary required", base: stay2025, mod: func(in *domain.YdelseInput) { in.PrimaerMaalgruppe = "" },
			errs: domain.Errors{domain.FieldPrimaerMaalgruppe: "Vælg en primær målgruppe."}},
		{name: "Y3 primary unknown", base: stay2025, mod: func(in *domain.YdelseInput) { in.PrimaerMaalgruppe = "ffb:" + afdeling },
			errs: domain.Errors{domain.FieldPrimaerMaalgruppe: "Målgruppen findes ikke."}},
		{name: "Y3 primary without scheme", base: stay2025, mod: func(in *domain.YdelseInput) { in.PrimaerMaalgruppe = "1.1.4" },
			errs: domain.Errors{domain.FieldPrimaerMaalgruppe: "Målgruppen findes ikke."}},
		{name: "Y3 primary FFB code upper-case", base: stay2025, mod: func(in *domain.YdelseInput) {
			in.PrimaerMaalgruppe = strings.ToUpper(socialIsolation[4:])
			in.PrimaerMaalgruppe = "ffb:" + in.PrimaerMaalgruppe
		}},
		{name: "Y3 primary not allowed as primary", base: stay2025, mod: func(in *domain.YdelseInput) { in.PrimaerMaalgruppe = prostitution },
			errs: domain.Errors{domain.FieldPrimaerMaalgruppe: "Målgruppen kan kun bruges som sekundær målgruppe."}},
		{name: "Y3 old codes not from 2025", base: stay2025, mod: func(in *domain.YdelseInput) { in.PrimaerMaalgruppe = intellektuel18 },
			errs: domain.Errors{domain.FieldPrimaerMaalgruppe: "Målgruppen skal være en FFB-målgruppe, når startdatoen er 01-01-2025 eller senere."}},
		{name: "Y3 2018 codes until 2024-12-31", base: stay2025, mod: func(in *domain.YdelseInput) {
			in.Startdato, in.PrimaerMaalgruppe = "31-12-2024", intellektuel18
		}},
		{name: "Y3 2013 codes not from 2018", base: treatment2014, mod: func(in *domain.YdelseInput) { in.Startdato, in.Slutdato = "01-01-2018", "" },
			errs: domain.Errors{domain.FieldPrimaerMaalgruppe: "Målgruppen hører til en kodeliste, der ikke gælder på startdatoen."}},
		{name: "Y3 2018 codes not before 2018", base: treatment2014, mod: func(in *domain.YdelseInput) { in.PrimaerMaalgruppe = sindslidelse18 },
			errs: domain.Errors{domain.FieldPrimaerMaalgruppe: "Målgruppen hører til en kodeliste, der ikke gælder på startdatoen."}},
		{name: "Y3 FFB codes before 2025", base: treatment2014, mod: func(in *domain.YdelseInput) { in.PrimaerMaalgruppe = hjemloeshed }},
		{name: "Y3 secondary ones", base: stay2025, mod: func(in *domain.YdelseInput) {
			in.SekundaereMaalgrupper = []string{"", hjemloeshed, prostitution}
		}},
		{name: "Y3 secondary unknown", base: stay2025, mod: func(in *domain.YdelseInput) {
			in.SekundaereMaalgrupper = []string{hjemloeshed, "ffb:x"}
		}, errs: domain.Errors{domain.FieldSekundaereMaalgrupper: "En sekundær målgruppe findes ikke."}},
		{name: "Y3 secondary old code from 2025", base: stay2025, mod: func(in *domain.YdelseInput) {
			in.SekundaereMaalgrupper = []string{sindslidelse18}
		}, errs: domain.Errors{domain.FieldSekundaereMaalgrupper: "En sekundær målgruppe skal være en FFB-målgruppe, når startdatoen er 01-01-2025 eller senere."}},
		{name: "Y3 secondary from another old list", base: treatment2014, mod: func(in *domain.YdelseInput) {
			in.SekundaereMaalgrupper = []string{sindslidelse18}
		}, errs: domain.Errors{domain.FieldSekundaereMaalgrupper: "En sekundær målgruppe hører til en kodeliste, der ikke gælder på startdatoen."}},
		{name: "Y3 secondary equal to primary", base: stay2025, mod: func(in *domain.YdelseInput) {
			in.SekundaereMaalgrupper = []string{socialIsolation}
		}, errs: domain.Errors{domain.FieldSekundaereMaalgrupper: "Den primære målgruppe kan ikke også være sekundær."}},
		{name: "Y3 secondary twice", base: stay2025, mod: func(in *domain.YdelseInput) {
			in.SekundaereMaalgrupper = []string{hjemloeshed, " " + hjemloeshed}
		}, errs: domain.Errors{domain.FieldSekundaereMaalgrupper: "Den samme sekundære målgruppe er valgt flere gange."}},
	})
}

// Validity dates of målgrupper and FFB codes set by DST apply at the start date (Y3, Y4),
// in a snapshot where DST has retired codes.
func TestY3_Y4_RetiredCodes(t *testing.T) {
	t.Parallel()
	s := snapshot(t)
	retire := dayPtr("2025-01-31")
	var mg []domain.MaalgruppeKode
	for _, m := range s.Maalgrupper() {
		if "ffb:"+m.Code == hjemloeshed || "ffb:"+m.Code == socialIsolation {
			m.ValidTo = retire
		}
		mg = append(mg, m)
	}
	tt := s.Tilbudstyper("")
	for i := range tt {
		if tt[i].Code == ffbTilbud {
			tt[i].ValidTo = retire
		}
	}
	fy := s.FFBYdelser()
	for i := range fy {
		if fy[i].UUID == ffbYdelse {
			fy[i].ValidTo = retire
		}
	}
	retired := domain.NewSnapshot(s.Indsatser(), mg, tt, fy, s.Kommuner())
	runYdelseCases(t, retired, []ydelseCase{
		{name: "Y3 Y4 valid until the last day", base: stay2025, mod: func(in *domain.YdelseInput) {
			in.Startdato, in.SekundaereMaalgrupper = "31-01-2025", []string{hjemloeshed}
		}},
		{name: "Y3 Y4 retired codes", base: stay2025, mod: func(in *domain.YdelseInput) {
			in.SekundaereMaalgrupper = []string{hjemloeshed}
		}, errs: domain.Errors{
			domain.FieldPrimaerMaalgruppe:     "Målgruppen gælder ikke på startdatoen.",
			domain.FieldSekundaereMaalgrupper: "En sekundær målgruppe gælder ikke på startdatoen.",
			domain.FieldTilbudsUUID:           "Tilbuds-UUID gælder ikke på startdatoen.",
			domain.FieldYdelsesUUID:           "Ydelses-UUID gælder ikke på startdatoen.",
		}},
	})
}

func TestY4_FFB(t *testing.T) {
	t.Parallel()
	runYdelseCases(t, snapshot(t), []ydelseCase{
		{name: "Y4 Tilbuds-UUID only for FFB", base: treatment2014, mod: func(in *domain.YdelseInput) { in.TilbudsUUID = ffbTilbud },
			errs: domain.Errors{domain.FieldTilbudsUUID: msgFFBOnlyTilbud}},
		{name: "Y4 Ydelses-UUID only for FFB", base: treatment2014, mod: func(in *domain.YdelseInput) { in.YdelsesUUID = "ikke et uuid" },
			errs: domain.Errors{domain.FieldYdelsesUUID: msgFFBOnlyYdelse}},
		{name: "Y4 required for FFB from 2025", base: stay2025, mod: func(in *domain.YdelseInput) { in.TilbudsUUID, in.YdelsesUUID = "", " " },
			errs: domain.Errors{domain.FieldTilbudsUUID: "Tilbuds-UUID skal udfyldes for FFB-ydelser fra 01-01-2025.",
				domain.FieldYdelsesUUID: "Ydelses-UUID skal udfyldes for FFB-ydelser fra 01-01-2025."}},
		{name: "Y4 FFB §82 a without tilbudssted", base: stay2025, mod: func(in *domain.YdelseInput) {
			in.Indsatskode, in.PNummer, in.AfdelingsUUID, in.TilbudsUUID = "1.18.1", "", "", "5ea75f09-8eec-4edc-aafd-a330a523c33e"
		}},
		{name: "Y4 optional for FFB before 2025", base: stay2016, mod: func(in *domain.YdelseInput) { in.TilbudsUUID, in.YdelsesUUID = "", "" }},
		{name: "Y4 allowed for FFB before 2025", base: stay2016, mod: func(in *domain.YdelseInput) { in.TilbudsUUID, in.YdelsesUUID = ffbTilbud, ffbYdelse }},
		{name: "Y4 UUID form", base: stay2025, mod: func(in *domain.YdelseInput) { in.TilbudsUUID, in.YdelsesUUID = "{"+ffbTilbud+"}", "5af56051" },
			errs: domain.Errors{domain.FieldTilbudsUUID: msgUUID, domain.FieldYdelsesUUID: msgUUID}},
		{name: "Y4 not in the FFB lists", base: stay2025, mod: func(in *domain.YdelseInput) { in.TilbudsUUID, in.YdelsesUUID = ffbYdelse, ffbTilbud },
			errs: domain.Errors{domain.FieldTilbudsUUID: "Tilbuds-UUID findes ikke i FFB-listen.",
				domain.FieldYdelsesUUID: "Ydelses-UUID findes ikke i FFB-listen."}},
		{name: "Y4 upper-case accepted", base: stay2025, mod: func(in *domain.YdelseInput) {
			in.TilbudsUUID, in.YdelsesUUID = strings.ToUpper(ffbTilbud), " "+strings.ToUpper(ffbYdelse)+" "
		}},
	})
}

func TestY5_Tilbudssted(t *testing.T) {
	t.Parallel()
	runYdelseCases(t, snapshot(t), []ydelseCase{
		{name: "Y5 P-nummer required from 2025", base: stay2025, mod: func(in *domain.YdelseInput) { in.PNummer = "" },
			errs: domain.Errors{domain.FieldPNummer: msgNeedP}},
		{name: "Y5 Afdelings-UUID required from 2025", base: stay2025, mod: func(in *domain.YdelseInput) { in.AfdelingsUUID = "" },
			errs: domain.Errors{domain.FieldAfdelingsUUID: msgNeedA}},
		{name: "Y5 2013 fields do not replace them from 2025", base: stay2025, mod: func(in *domain.YdelseInput) {
			in.AfdelingsUUID, in.Tilbudstype, in.TilbudNavn, in.TilbudAdresse, in.TilbudPostnr = "", oldBotilbud, "Bostedet", "Vejen 1", "8000"
		}, errs: domain.Errors{domain.FieldAfdelingsUUID: msgNeedA}},
		{name: "Y5 P-nummer form", base: stay2025, mod: func(in *domain.YdelseInput) { in.PNummer = "900000010" },
			errs: domain.Errors{domain.FieldPNummer: msgPNummer}},
		{name: "Y5 Afdelings-UUID form", base: stay2025, mod: func(in *domain.YdelseInput) { in.AfdelingsUUID = "afd-1" },
			errs: domain.Errors{domain.FieldAfdelingsUUID: msgUUID}},
		{name: "Y5 optional where not required, checked when given", base: treatment2014, mod: func(in *domain.YdelseInput) {
			in.PNummer, in.AfdelingsUUID = "12345", afdeling
		}, errs: domain.Errors{domain.FieldPNummer: msgPNummer}},
		{name: "Y5 before 2025 nothing given", base: stay2016, mod: func(in *domain.YdelseInput) {
			in.Tilbudstype, in.PNummer, in.AfdelingsUUID = "", "", ""
		}, errs: domain.Errors{domain.FieldPNummer: msgNeedP, domain.FieldAfdelingsUUID: msgNeedA}},
		{name: "Y5 before 2025 P-nummer alone", base: stay2016, mod: func(in *domain.YdelseInput) { in.Tilbudstype, in.AfdelingsUUID = "", "" },
			errs: domain.Errors{domain.FieldAfdelingsUUID: msgNeedA}},
		{name: "Y5 before 2025 P-nummer and Afdelings-UUID", base: stay2016, mod: func(in *domain.YdelseInput) { in.Tilbudstype = "" }},
		{name: "Y5 2013 rules tilbudstype and P-nummer", base: stay2016, mod: func(in *domain.YdelseInput) { in.AfdelingsUUID = "" }},
		{name: "Y5 2013 rules tilbudstype and name, address, postcode", base: stay2016, mod: func(in *domain.YdelseInput) {
			in.PNummer, in.AfdelingsUUID, in.TilbudNavn, in.TilbudAdresse, in.TilbudPostnr = "", "", "Bostedet", "Vejen 1", "8000"
		}},
		{name: "Y5 2013 rules tilbudstype alone", base: stay2016, mod: func(in *domain.YdelseInput) { in.PNummer, in.AfdelingsUUID = "", "" },
			errs: domain.Errors{domain.FieldTilbudNavn: "Angiv P-nummer eller tilbuddets navn, adresse og postnummer."}},
		{name: "Y5 2013 rules name without tilbudstype", base: stay2016, mod: func(in *domain.YdelseInput) {
			in.Tilbudstype, in.PNummer, in.AfdelingsUUID, in.TilbudNavn, in.TilbudAdresse, in.TilbudPostnr = "", "", "", "Bostedet", "Vejen 1", "8000"
		}, errs: domain.Errors{domain.FieldTilbudstype: "Vælg en tilbudstype, eller angiv P-nummer og Afdelings-UUID."}},
		{name: "Y5 2013 rules a name needs address and postcode", base: stay2016, mod: func(in *domain.YdelseInput) {
			in.PNummer, in.AfdelingsUUID, in.TilbudNavn = "", "", "Bostedet"
		}, errs: domain.Errors{domain.FieldTilbudAdresse: "Angiv tilbuddets adresse, når navnet er udfyldt.",
			domain.FieldTilbudPostnr: "Angiv tilbuddets postnummer, når navnet er udfyldt."}},
		{name: "Y5 2013 rules postcode 4 digits", base: stay2016, mod: func(in *domain.YdelseInput) {
			in.PNummer, in.AfdelingsUUID, in.TilbudNavn, in.TilbudAdresse, in.TilbudPostnr = "", "", "Bostedet", "Vejen 1", "800"
		}, errs: domain.Errors{domain.FieldTilbudPostnr: "Postnummeret skal have 4 cifre."}},
		{name: "Y5 §85a not in a §107 botilbud", base: cti2025},
		{name: "Y5 §85a question required from 2025", base: cti2025, mod: func(in *domain.YdelseInput) { in.I107Botilbud = "" },
			errs: domain.Errors{domain.FieldI107Botilbud: "Svar på, om støtten gives i botilbud efter § 107."}},
		{name: "Y5 §85a question answered ja or nej", base: cti2025, mod: func(in *domain.YdelseInput) { in.I107Botilbud = "måske" },
			errs: domain.Errors{domain.FieldI107Botilbud: "Svar ja eller nej."}},
		{name: "Y5 §85a in a §107 botilbud needs tilbudssted", base: cti2025, mod: func(in *domain.YdelseInput) { in.I107Botilbud = "ja" },
			errs: domain.Errors{domain.FieldPNummer: msgNeedP, domain.FieldAfdelingsUUID: msgNeedA}},
		{name: "Y5 §85a in a §107 botilbud with tilbudssted", base: cti2025, mod: func(in *domain.YdelseInput) {
			in.I107Botilbud, in.PNummer, in.AfdelingsUUID = "Ja", pNummer, afdeling
		}},
		{name: "Y5 §85a before 2025 not asked", base: cti2025, mod: func(in *domain.YdelseInput) {
			in.Startdato, in.PrimaerMaalgruppe, in.I107Botilbud = "03-03-2024", intellektuel18, ""
		}},
		{name: "Y4 §85a is not FFB", base: cti2025, mod: func(in *domain.YdelseInput) { in.TilbudsUUID = ffbTilbud },
			errs: domain.Errors{domain.FieldTilbudsUUID: msgFFBOnlyTilbud}},
	})
}

func TestY1_ValidateYdelseOutput(t *testing.T) {
	t.Parallel()
	c := snapshot(t)
	in := stay2025()
	in.TilbudsUUID, in.AfdelingsUUID = strings.ToUpper(in.TilbudsUUID), " "+strings.ToUpper(afdeling)
	in.PNummer = "900 000 0101"
	in.SekundaereMaalgrupper = []string{"", hjemloeshed, prostitution}
	in.Startdato, in.ForventetSlutdato, in.Slutdato = "1-2-2025", "31.12.2026", "2025-12-31"
	in.Betalingskommune = "0147"
	y, errs := domain.ValidateYdelse(in, c, own, time.Date(2025, 6, 10, 23, 30, 0, 0, time.FixedZone("CEST", 7200)))
	if !errs.OK() {
		t.Fatal(errs)
	}
	want := domain.Ydelse{
		Indsatskode: "1.8.1", Varighed: "periode",
		Bevillingsdato: dayPtr("2025-06-10"), Startdato: day("2025-02-01"),
		ForventetSlutdato: dayPtr("2026-12-31"), Slutdato: dayPtr("2025-12-31"),
		Betalingskommune: "147", PNummer: pNummer, AfdelingsUUID: afdeling, TilbudsUUID: ffbTilbud, YdelsesUUID: ffbYdelse,
		Maalgrupper: []domain.Maalgruppe{
			{Scheme: "ffb", Code: socialIsolation[4:], Primaer: true},
			{Scheme: "ffb", Code: hjemloeshed[4:]},
			{Scheme: "ffb", Code: prostitution[4:]},
		},
	}
	if !reflect.DeepEqual(y, want) {
		t.Errorf("ydelse\n got %+v\nwant %+v", y, want)
	}

	// Defaults: Varighed from the indsats, Betalingskommune the user's own; tilbudstype kept.
	in = domain.YdelseInput{Indsatskode: "1.19.1", Startdato: "14-10-2024", Slutdato: "14-10-2024",
		PrimaerMaalgruppe: "old_2018:1.1.1", Tilbudstype: " " + oldBotilbud}
	y, errs = domain.ValidateYdelse(in, c, own, today)
	if !errs.OK() || y.Varighed != "styk" || y.Betalingskommune != own || y.TilbudstypeScheme != "old_2013" ||
		y.Tilbudstype != "3.1.0" || !y.Bevillingsdato.Equal(today) || y.I107Botilbud != nil {
		t.Errorf("defaults: %+v %v", y, errs)
	}
	in.Varighed = "Periode"
	if y, _ := domain.ValidateYdelse(in, c, own, today); y.Varighed != "periode" {
		t.Errorf("varighed %q", y.Varighed)
	}

	// Y5: the answer to the §107 question is kept for the §85a codes only.
	for answer, want := range map[string]*bool{"ja": ptr(true), "nej": ptr(false), "": nil} {
		in := cti2025()
		in.I107Botilbud, in.PNummer, in.AfdelingsUUID, in.Startdato = answer, pNummer, afdeling, "03-03-2024"
		in.PrimaerMaalgruppe = intellektuel18
		y, errs := domain.ValidateYdelse(in, c, own, today)
		if !errs.OK() || !reflect.DeepEqual(y.I107Botilbud, want) {
			t.Errorf("§107 answer %q: %v, %v", answer, y.I107Botilbud, errs)
		}
	}
	in = stay2025()
	in.I107Botilbud = "ja"
	if y, errs := domain.ValidateYdelse(in, c, own, today); !errs.OK() || y.I107Botilbud != nil {
		t.Errorf("§107 answer kept for 1.8.1: %v %v", y.I107Botilbud, errs)
	}
}

func ptr[T any](v T) *T { return &v }

func TestY1_NilSnapshot(t *testing.T) {
	t.Parallel()
	_, errs := domain.ValidateYdelse(stay2025(), nil, own, today)
	if errs[domain.FieldIndsatskode] != "Indsatskoden findes ikke." || errs[domain.FieldBetalingskommune] != "Vælg en af de 0 kommuner." {
		t.Errorf("nil snapshot: %v", errs)
	}
}

// Every check at once: all messages are collected, one per field.
func TestY1_AllErrorsCollected(t *testing.T) {
	t.Parallel()
	in := domain.YdelseInput{Indsatskode: "1.8.1", Varighed: "x", Startdato: "01-02-2025", Bevillingsdato: "x",
		Slutdato: "01-01-2025", ForventetSlutdato: "01-01-2025", PrimaerMaalgruppe: kommunikation13,
		SekundaereMaalgrupper: []string{"ffb:x"}, Betalingskommune: "999", Tilbudstype: "x:y",
		TilbudNavn: "Bostedet", TilbudPostnr: "x"}
	_, errs := domain.ValidateYdelse(in, snapshot(t), own, today)
	want := []string{domain.FieldAfdelingsUUID, domain.FieldBetalingskommune, domain.FieldBevillingsdato,
		domain.FieldForventetSlutdato, domain.FieldPNummer, domain.FieldPrimaerMaalgruppe, domain.FieldSekundaereMaalgrupper,
		domain.FieldSlutdato, domain.FieldTilbudAdresse, domain.FieldTilbudPostnr, domain.FieldTilbudsUUID,
		domain.FieldTilbudstype, domain.FieldVarighed, domain.FieldYdelsesUUID}
	slices.Sort(want)
	if got := slices.Sorted(maps.Keys(errs)); !slices.Equal(got, want) {
		t.Errorf("fields with errors\n got %v\nwant %v", got, want)
	}
}

func TestY3_MaalgruppeSchemes(t *testing.T) {
	t.Parallel()
	for d, want := range map[string][]string{
		"2013-07-01": {"old_2013", "ffb"},
		"2017-12-31": {"old_2013", "ffb"},
		"2018-01-01": {"old_2018", "ffb"},
		"2024-12-31": {"old_2018", "ffb"},
		"2025-01-01": {"ffb"},
		"2030-05-05": {"ffb"},
	} {
		if got := domain.MaalgruppeSchemes(day(d)); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", d, got, want)
		}
	}
	// The calendar date counts, in the time's own location.
	late := time.Date(2024, 12, 31, 23, 30, 0, 0, time.FixedZone("CET", 3600))
	if got := domain.MaalgruppeSchemes(late); !slices.Equal(got, []string{"old_2018", "ffb"}) {
		t.Errorf("31-12-2024 23:30 CET: %v", got)
	}
}

func TestY4_Y5_NeedsFor(t *testing.T) {
	t.Parallel()
	c := snapshot(t)
	all := []string{"old_2013", "old_2018", "ffb"}
	for _, tc := range []struct {
		name, code string
		start      *time.Time
		i107       string
		want       domain.Needs // Indsats is checked by code only
	}{
		{name: "no indsats", want: domain.Needs{Schemes: all, VarighedDefault: "periode"}},
		{name: "unknown indsats", code: "9.9", start: dayPtr("2025-03-01"), want: domain.Needs{Schemes: []string{"ffb"}, VarighedDefault: "periode"}},
		{name: "Y4 Y5 §108 without start date", code: "1.8.1", want: domain.Needs{FFB: true, TilbudsUUID: true, YdelsesUUID: true,
			PNummer: true, AfdelingsUUID: true, Schemes: all, VarighedDefault: "periode"}},
		{name: "Y4 Y5 §108 from 2025", code: "1.8.1", start: dayPtr("2025-01-01"), want: domain.Needs{FFB: true, TilbudsUUID: true,
			YdelsesUUID: true, PNummer: true, AfdelingsUUID: true, Schemes: []string{"ffb"}, VarighedDefault: "periode"}},
		{name: "Y4 Y5 §108 before 2025", code: "1.8.1", start: dayPtr("2016-09-01"), want: domain.Needs{FFB: true, Legacy: true,
			Schemes: []string{"old_2013", "ffb"}, VarighedDefault: "periode"}},
		{name: "Y4 §82 a FFB without tilbudssted", code: "1.18.1", start: dayPtr("2025-03-01"), want: domain.Needs{FFB: true,
			TilbudsUUID: true, YdelsesUUID: true, Schemes: []string{"ffb"}, VarighedDefault: "periode"}},
		{name: "Y4 §102 not FFB", code: "1.3", start: dayPtr("2025-03-01"), want: domain.Needs{Schemes: []string{"ffb"}, VarighedDefault: "periode"}},
		{name: "Y5 §85a asks", code: "1.12.1.1", start: dayPtr("2025-03-01"), want: domain.Needs{AskI107: true,
			Schemes: []string{"ffb"}, VarighedDefault: "periode"}},
		{name: "Y5 §85a in a §107 botilbud", code: "1.12.1.1", start: dayPtr("2025-03-01"), i107: "ja", want: domain.Needs{AskI107: true,
			PNummer: true, AfdelingsUUID: true, Schemes: []string{"ffb"}, VarighedDefault: "periode"}},
		{name: "Y5 §85a not in a §107 botilbud", code: "1.12.1.1", i107: "nej", want: domain.Needs{AskI107: true,
			Schemes: all, VarighedDefault: "periode"}},
		{name: "Y5 §85a before 2025 not asked", code: "1.12.1.1", start: dayPtr("2024-03-01"), i107: "ja", want: domain.Needs{
			Schemes: []string{"old_2018", "ffb"}, VarighedDefault: "periode"}},
		{name: "Y1 §117a Stykydelse", code: "1.19.1", start: dayPtr("2024-10-14"), want: domain.Needs{
			Schemes: []string{"old_2018", "ffb"}, VarighedDefault: "styk"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := domain.NeedsFor(c, tc.code, tc.start, tc.i107)
			known := tc.code != "" && tc.code != "9.9"
			if (got.Indsats != nil) != known || got.Indsats != nil && got.Indsats.Code != tc.code {
				t.Errorf("Indsats %+v for code %q", got.Indsats, tc.code)
			}
			got.Indsats = nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
	if n := domain.NeedsFor(nil, "1.8.1", nil, ""); n.Indsats != nil || len(n.Schemes) != 3 {
		t.Errorf("nil snapshot: %+v", n)
	}
}

// The form's Needs and ValidateYdelse agree: a field Needs requires is reported missing when
// left empty, and no other is, except where the 2013-rules alternative (Legacy) was not used
// either.
func TestY4_Y5_NeedsMatchValidation(t *testing.T) {
	t.Parallel()
	c := snapshot(t)
	for _, i := range c.Indsatser() {
		for _, start := range []string{"2016-09-01", "2025-03-01"} {
			for _, i107 := range []string{"ja", "nej"} {
				in := domain.YdelseInput{Indsatskode: i.Code, Startdato: start, PrimaerMaalgruppe: hjemloeshed, I107Botilbud: i107}
				_, errs := domain.ValidateYdelse(in, c, own, today)
				n := domain.NeedsFor(c, i.Code, dayPtr(start), i107)
				for field, need := range map[string]bool{domain.FieldTilbudsUUID: n.TilbudsUUID, domain.FieldYdelsesUUID: n.YdelsesUUID,
					domain.FieldPNummer: n.PNummer, domain.FieldAfdelingsUUID: n.AfdelingsUUID} {
					if _, missing := errs[field]; missing != need && !(n.Legacy && missing) {
						t.Errorf("%s %s %s: %s needed %v, reported missing %v", i.Code, start, i107, field, need, missing)
					}
				}
			}
		}
	}
}

func FuzzValidateYdelse(f *testing.F) {
	c := snapshot(f)
	f.Add("1.8.1", "01-02-2025", "", socialIsolation, hjemloeshed, ffbTilbud, pNummer, "")
	f.Add("1.12.1.1", "2025-03-03", "03-03-2025", hjemloeshed, "", "", "", "ja")
	f.Add("1.8.1", "01-09-2016", "", kommunikation13, "ffb:", "", "", "")
	f.Add("", "", "x", ":", "::", "{}", "\xff", "JA")
	f.Fuzz(func(t *testing.T, code, start, slut, prim, sek, tilbud, pnr, i107 string) {
		in := domain.YdelseInput{Indsatskode: code, Startdato: start, Slutdato: slut, PrimaerMaalgruppe: prim,
			SekundaereMaalgrupper: []string{sek}, TilbudsUUID: tilbud, YdelsesUUID: tilbud, PNummer: pnr,
			AfdelingsUUID: tilbud, I107Botilbud: i107, Tilbudstype: prim, Betalingskommune: code}
		y, errs := domain.ValidateYdelse(in, c, own, today)
		if !errs.OK() {
			return
		}
		if len(y.Maalgrupper) == 0 || !y.Maalgrupper[0].Primaer {
			t.Fatalf("valid ydelse without a primary målgruppe first: %+v", y)
		}
		if y.Slutdato != nil && y.Slutdato.Before(y.Startdato) {
			t.Fatalf("valid ydelse ends before it starts: %+v", y)
		}
		domain.NeedsFor(c, code, &y.Startdato, i107)
	})
}

// TestY8_VarighedOfAChange: a change keeps the stored Varighed when none is sent, may change
// it before delivery, and cannot after (issue 17 #5): a delivered Stykydelse made a
// Periodeydelse could be neutralised.
func TestY8_VarighedOfAChange(t *testing.T) {
	t.Parallel()
	c := snapshot(t)
	in := domain.YdelseInput{Indsatskode: "1.19.1", Startdato: "14-10-2024", Slutdato: "14-10-2024", PrimaerMaalgruppe: "old_2018:1.1.1"}
	stored, errs := domain.ValidateYdelse(in, c, own, today)
	if !errs.OK() || stored.Varighed != "styk" {
		t.Fatalf("Y1 1.19.1 without Varighed: %q %v, want the code list's styk", stored.Varighed, errs)
	}
	stored.ID = 7
	periode := stored
	periode.Varighed = "periode"
	if y, errs := domain.ValidateYdelseChange(in, periode, c, own, today); !errs.OK() || y.Varighed != "periode" {
		t.Errorf("Y1 a change without Varighed: %q %v, want the stored periode", y.Varighed, errs)
	}
	in.Varighed = "periode"
	if y, errs := domain.ValidateYdelseChange(in, stored, c, own, today); !errs.OK() || y.Varighed != "periode" {
		t.Errorf("Y7 undelivered styk to periode: %q %v", y.Varighed, errs)
	}
	delivered := today
	stored.IndberettetAt = &delivered
	_, errs = domain.ValidateYdelseChange(in, stored, c, own, today)
	if want, _ := domain.CheckVarighedUnchanged(true, "styk", "periode"); errs[domain.FieldVarighed] != want || len(errs) != 1 {
		t.Errorf("Y8 delivered styk to periode: %v", errs)
	}
	in.Varighed = "styk"
	if _, errs := domain.ValidateYdelseChange(in, stored, c, own, today); !errs.OK() {
		t.Errorf("Y8 delivered styk kept: %v", errs)
	}
}

// TestY1_TilbudstypeApplies (issue 17 #9): Tilbudstype is offered only for ydelser under the
// 2013 rules, before 2025.
func TestY1_TilbudstypeApplies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		start *time.Time
		want  bool
	}{{nil, false}, {dayPtr("2016-09-01"), true}, {dayPtr("2024-12-31"), true}, {dayPtr("2025-01-01"), false}, {dayPtr("2026-03-01"), false}} {
		if got := domain.TilbudstypeApplies(tc.start); got != tc.want {
			t.Errorf("TilbudstypeApplies(%v) = %v, want %v", tc.start, got, tc.want)
		}
	}
}
