package worker

import (
	"time"

	"indberet/tenant"
	"indberet/tenant/domain"
)

// The tables of the three kinds of export: their header (Danish, the lists' words) and the
// rows each sag gives.
//
//   - liste (E1): the list's rows in the chosen view, as the list screen shows them: a row
//     per ydelse (Sager og ydelser, Ydelser ved sag) or per sag (Kun sager).
//   - tabel3 (E2): the CPR list behind table 3 of DST's report. The manuals do not say what
//     table 3 is (the 2025 manual only says it is still ordered by e-mail). ASSUMPTION: it is
//     the table of the citizens in a stay (*ophold*) – the residential ydelser of Y6
//     (`residential` in the code list: §107, §108 and §85 in a housing-like offer) – with
//     the place of the stay (P-nummer, Afdelings-UUID). The help text of the export says so;
//     should DST define it otherwise, only eksportTabel3 changes.
//   - fejl (E2, *fejlopgørelser*): every sag and ydelse that breaks a rule of DOMAIN.md S/Y
//     as the forms check them (tenant/domain: ValidateSag, ValidateYdelse, CheckOphold), a row
//     per broken rule with its id and the rule's Danish message.

// eksportTabel is the table of an export.
type eksportTabel struct {
	sheet  string                             // the XLSX sheet's name
	header []string                           // the header row
	rows   func(s tenant.EksportSag) [][]cell // the rows of one sag; none leaves its CPR out
}

// eksportTabelFor returns the table of export e; snap names the indsatser, today is the date
// the status is derived against (S6) and the rules check with.
func eksportTabelFor(e tenant.Eksport, snap *domain.Snapshot, today time.Time) eksportTabel {
	switch e.Art {
	case tenant.EksportTabel3:
		return eksportTabel3(snap, today)
	case tenant.EksportFejl:
		return eksportFejl(snap, e.Kommune, today)
	}
	if e.Parametre.Visning == tenant.VisningKunSager {
		return eksportTabel{
			sheet:  "CPR-liste",
			header: []string{"CPR-nummer", "Navn", "Antal ydelser", "Status", "Indberettet"},
			rows: func(s tenant.EksportSag) [][]cell {
				return [][]cell{{domain.FormatCPR(s.Sag.CPR), s.Sag.Navn, len(s.Ydelser), sagStatus(s, today),
					indberettet(s.Sag.IndberettetAt)}}
			},
		}
	}
	return eksportTabel{
		sheet:  "CPR-liste",
		header: []string{"CPR-nummer", "Navn", "Status", "Indsatskode", "Indsats", "Startdato", "Slutdato", "Indberettet"},
		rows: func(s tenant.EksportSag) [][]cell {
			out := make([][]cell, 0, len(s.Ydelser))
			for _, y := range s.Ydelser {
				out = append(out, []cell{domain.FormatCPR(s.Sag.CPR), s.Sag.Navn, domain.YdelseStatus(y.Slutdato, today).Label(), y.Indsatskode,
					snap.IndsatsNavn(y.Indsatskode), y.Startdato, date(y.Slutdato), indberettet(y.IndberettetAt)})
			}
			return out
		},
	}
}

// eksportTabel3 is the CPR list behind table 3: the stays (see the top of this file).
func eksportTabel3(snap *domain.Snapshot, today time.Time) eksportTabel {
	return eksportTabel{
		sheet: "Tabel 3 (ophold)",
		header: []string{"CPR-nummer", "Navn", "Indsatskode", "Indsats", "Startdato", "Slutdato", "P-nummer",
			"Afdelings-UUID", "Status", "Indberettet"},
		rows: func(s tenant.EksportSag) [][]cell {
			var out [][]cell
			for _, y := range s.Ydelser {
				if i, ok := snap.Indsats(y.Indsatskode); !ok || !i.Residential {
					continue
				}
				out = append(out, []cell{domain.FormatCPR(s.Sag.CPR), s.Sag.Navn, y.Indsatskode, snap.IndsatsNavn(y.Indsatskode),
					y.Startdato, date(y.Slutdato), y.PNummer, y.AfdelingsUUID, domain.YdelseStatus(y.Slutdato, today).Label(), indberettet(y.IndberettetAt)})
			}
			return out
		},
	}
}

// eksportFejl is the fejlopgørelse: a row per rule a sag or ydelse breaks.
func eksportFejl(snap *domain.Snapshot, kommune string, today time.Time) eksportTabel {
	return eksportTabel{
		sheet: "Fejlopgørelse",
		header: []string{"CPR-nummer", "Navn", "Niveau", "Indsatskode", "Startdato", "Slutdato", "Indberettet",
			"Regel", "Felt", "Forklaring"},
		rows: func(s tenant.EksportSag) [][]cell {
			var out [][]cell
			for _, f := range domain.SagFejl(s.Sag, s.Ydelser, snap, kommune, today) {
				row := []cell{domain.FormatCPR(s.Sag.CPR), s.Sag.Navn, "Sag", nil, nil, nil, indberettet(s.Sag.IndberettetAt),
					f.Regel, f.Felt, f.Forklaring}
				if y := f.Ydelse; y != nil {
					row[2], row[3], row[4], row[5], row[6] = "Ydelse", y.Indsatskode, y.Startdato, date(y.Slutdato),
						indberettet(y.IndberettetAt)
				}
				out = append(out, row)
			}
			return out
		},
	}
}

// sagStatus is the sag's status (S6) as the lists show it: from the latest Slutdato of all
// its ydelser (set only when every one has one).
func sagStatus(s tenant.EksportSag, today time.Time) string {
	return domain.SagStatus([]*time.Time{s.Sag.SlutdatoMax}, today).Label()
}

// date is an optional date as a cell.
func date(t *time.Time) cell {
	if t == nil {
		return nil
	}
	return *t
}

// indberettet is when a row was delivered (I2), as a date in Denmark.
func indberettet(t *time.Time) cell {
	if t == nil {
		return nil
	}
	return domain.Today(*t)
}
