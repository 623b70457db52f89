package worker

import (
	"fmt"
	"testing"
	"time"

	"indberet/tenant"
)

// Benchmarks of the export's two table writers on the shape of the largest CPR list.

// benchRows and benchCPRs are the size of the benchmark's CPR list of the largest kommune
// (Egne IDEP, Sager og ydelser: a row per ydelse; README.md, Performance).
const (
	benchRows = 317_490
	benchCPRs = 150_095
)

// benchIndsatser are some indsatser of the code list, as code and name.
var benchIndsatser = [][2]string{
	{"1.1", "Aktivitets- og samværsydelse"},
	{"1.3", "Behandling"},
	{"1.4", "Beskyttet beskæftigelsesydelse"},
	{"1.8.1", "Længerevarende botilbud inklusiv tilknyttede ydelser"},
	{"1.8.2", "Midlertidige botilbud inklusiv tilknyttede ydelser"},
	{"1.12.0.1", "Socialpædagogisk støtte i botilbudslignende tilbud"},
	{"1.12.0.2", "Andre former for socialpædagogisk støtte"},
	{"1.13.2", "Støttepersonsordning - Borgerstyret Personlig Assistance (BPA)"},
	{"1.13.4", "Støttepersonsordning - Ledsageordning"},
	{"1.17", "Personlig og praktisk hjælp (behov for mere end 20 timer)"},
	{"1.18.1", "Gruppebaseret socialpædagogisk hjælp og støtte"},
	{"1.18.3", "Socialt akuttilbud"},
}

var (
	benchFornavne   = []string{"Niels", "Anne", "Mette", "Jens", "Søren", "Kirsten", "Peter", "Hanne", "Lars", "Birgitte", "Michael", "Lone", "Henrik", "Susanne", "Thomas", "Inger"}
	benchEfternavne = []string{"Hansen", "Jensen", "Nielsen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen"}
)

// benchSager returns the CPR numbers and names of the benchmark's sager, made once.
var benchSager = func() func() ([]string, []string) {
	var cprs, navne []string
	return func() ([]string, []string) {
		if cprs == nil {
			for i := range benchCPRs {
				birth := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (i*7919)%(60*365))
				cprs = append(cprs, fmt.Sprintf("%02d%02d%02d-%04d", birth.Day(), birth.Month(), birth.Year()%100, (i*31)%10000))
				navne = append(navne, benchFornavne[i%len(benchFornavne)]+" "+benchEfternavne[(i/len(benchFornavne)+i*7)%len(benchEfternavne)])
			}
		}
		return cprs, navne
	}
}()

// benchTable writes the benchmark's table (8 cells a row, as eksportTabelFor's Sager og
// ydelser) in format f and reports the size of the file.
func benchTable(b *testing.B, f tenant.EksportFormat) {
	cprs, navne := benchSager()
	header := []string{"CPR-nummer", "Navn", "Status", "Indsatskode", "Indsats", "Startdato", "Slutdato", "Indberettet"}
	start := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
	row := make([]cell, 8)
	var size int64
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := new(countWriter) // delivery_xml.go: counts and drops
		tw, err := newTableWriter(f, w, "CPR-liste", header)
		if err != nil {
			b.Fatal(err)
		}
		for i := range benchRows {
			sag := i * benchCPRs / benchRows
			ind := benchIndsatser[(i*13)%len(benchIndsatser)]
			startdato := start.AddDate(0, 0, (i*37)%5000)
			row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] =
				cprs[sag], navne[sag], "Ikke afsluttet", ind[0], ind[1], startdato, nil, nil
			if i%3 == 0 {
				row[2], row[6] = "Afsluttet", startdato.AddDate(0, 0, 400)
			}
			if i%2 == 0 {
				row[7] = startdato.AddDate(0, 1, 0)
			}
			if err := tw.Row(row); err != nil {
				b.Fatal(err)
			}
		}
		if err := tw.Close(); err != nil {
			b.Fatal(err)
		}
		size = int64(*w)
	}
	b.ReportMetric(float64(size), "file-bytes")
}

func BenchmarkXLSXWriter(b *testing.B) { benchTable(b, tenant.FormatXLSX) }
func BenchmarkCSVWriter(b *testing.B)  { benchTable(b, tenant.FormatCSV) }
