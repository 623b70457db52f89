// Package codes holds the starting content of the code lists (CODES.md): the 98 kommuner,
// the indsatskoder, målgrupper, tilbudstyper and FFB ydelser, as the CSV files in data/
// (copied from the specification, embedded in the binary); Load, which puts them into
// their tables; FromCSV, which makes a domain.Snapshot (the lists as values) of the files
// (snapshot.go; tenant.DB.CodeSnapshot makes one of the tables); and DST's management of the
// lists on the code-list screens: each code with its use, adding, changing texts, retiring
// from a date, deleting a code added by mistake (manage.go). The statements are tenant's
// (koder.go); the rules of the changes live here.
//
// Load only adds rows that are missing: once a row exists, DST staff own it (they correct
// texts and retire codes through the code-list screens), and a new release never overwrites
// their changes.
package codes

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"indberet/tenant"
	"indberet/tenant/domain"
)

//go:embed data/*.csv
var data embed.FS

// Counts tells how many rows Load added to each table.
type Counts map[string]int64

// Load adds the missing rows of every code list in one transaction, as the tables' owner
// (tenant.OpenOwner). It is idempotent.
func Load(ctx context.Context, owner *tenant.DB) (Counts, error) {
	f, err := readFiles()
	if err != nil {
		return nil, err
	}
	counts, err := owner.LoadCodeLists(ctx, *f)
	return Counts(counts), err
}

// values are the parsed values of rows.
func values[T any](rows []tenant.SpecRow[T]) []T {
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = r.Val
	}
	return out
}

// readFiles parses the CSV files, shared by Load and FromCSV: each row's value, and the
// columns only the table keeps (evidence, source, status).
func readFiles() (*tenant.SpecCodeLists, error) {
	var f tenant.SpecCodeLists
	var err error
	if f.Kommuner, err = parseFile("kommuner.csv", func(r *record) tenant.SpecRow[domain.Kommune] {
		return tenant.SpecRow[domain.Kommune]{Val: domain.Kommune{Kode: r.get("kode"), Navn: r.get("navn")}}
	}); err != nil {
		return nil, err
	}
	if f.Indsatser, err = parseFile("indsatser.csv", func(r *record) tenant.SpecRow[domain.Indsats] {
		i := domain.Indsats{Code: r.get("code"), Name: r.get("name_da"), Paragraph: r.get("paragraph"), FFB: r.yesNo("ffb"),
			RequiresTilbudssted: r.get("requires_tilbudssted"), Residential: r.yesNo("residential"),
			VarighedDefault: r.get("varighed_default"), ValidTo: r.optDate("valid_to")}
		if i.VarighedDefault == "" {
			i.VarighedDefault = "periode"
		}
		// The table's default when the file has no validity: the start of the 2013 rules.
		i.ValidFrom = time.Date(2013, 7, 1, 0, 0, 0, 0, time.UTC)
		if from := r.optDate("valid_from"); from != nil {
			i.ValidFrom = *from
		}
		return tenant.SpecRow[domain.Indsats]{Val: i, Evidence: r.get("evidence"), Source: r.get("source")}
	}); err != nil {
		return nil, err
	}
	if f.Maalgrupper, err = parseFile("maalgrupper.csv", func(r *record) tenant.SpecRow[domain.MaalgruppeKode] {
		m := domain.MaalgruppeKode{Scheme: r.get("scheme"), Code: r.get("code"), Name: r.get("name_da"),
			ParentCode: r.get("parent_code"), PrimaryAllowed: r.yesNo("primary_allowed"),
			ValidFrom: r.optDate("valid_from"), ValidTo: r.optDate("valid_to")}
		if m.Scheme == "ffb" { // UUIDs, stored lower-case (CODES.md)
			m.Code, m.ParentCode = strings.ToLower(m.Code), strings.ToLower(m.ParentCode)
		}
		return tenant.SpecRow[domain.MaalgruppeKode]{Val: m, Evidence: r.get("evidence"), Source: r.get("source")}
	}); err != nil {
		return nil, err
	}
	if f.Tilbudstyper, err = parseFile("tilbudstyper.csv", func(r *record) tenant.SpecRow[domain.Tilbudstype] {
		t := domain.Tilbudstype{Scheme: tilbudScheme(r.get("scheme")), Code: r.get("code"), Name: r.get("name_da"),
			ParentPath: r.get("parent_path"), Leaf: r.optYesNo("leaf"),
			ValidFrom: r.optDate("valid_from"), ValidTo: r.optDate("valid_to")}
		if t.Scheme == "ffb" {
			t.Code = strings.ToLower(t.Code)
		}
		return tenant.SpecRow[domain.Tilbudstype]{Val: t, InNexusDSTOfferList: r.get("in_nexus_dst_offer_list"),
			Status: r.get("status"), Source: r.get("source")}
	}); err != nil {
		return nil, err
	}
	if f.FFBYdelser, err = parseFile("ffb_ydelser.csv", func(r *record) tenant.SpecRow[domain.FFBYdelse] {
		y := domain.FFBYdelse{UUID: strings.ToLower(r.get("uuid")), Name: r.get("name_da"), ParentPath: r.get("parent_path"),
			Leaf: r.yesNo("leaf"), ValidFrom: r.optDate("valid_from"), ValidTo: r.optDate("valid_to")}
		return tenant.SpecRow[domain.FFBYdelse]{Val: y, Status: r.get("status"), Source: r.get("source")}
	}); err != nil {
		return nil, err
	}
	return &f, nil
}

// parseFile reads one CSV file and converts every row with parse, failing on the first row
// with a conversion error or a missing column.
func parseFile[T any](name string, parse func(*record) tenant.SpecRow[T]) ([]tenant.SpecRow[T], error) {
	recs, err := readCSV(name)
	if err != nil {
		return nil, err
	}
	out := make([]tenant.SpecRow[T], len(recs))
	for i := range recs {
		out[i] = parse(&recs[i])
		out[i].At = fmt.Sprintf("%s row %d", name, i+2)
		if err := recs[i].err; err != nil {
			return nil, fmt.Errorf("%s: %w", out[i].At, err)
		}
	}
	return out, nil
}

// record is one CSV row with its header, collecting the first conversion error.
type record struct {
	header map[string]int
	fields []string
	err    error
}

func (r *record) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *record) get(col string) string {
	i, ok := r.header[col]
	if !ok {
		r.fail(fmt.Errorf("no column %q", col))
		return ""
	}
	return strings.TrimSpace(r.fields[i])
}

// opt is get for a column the file may leave out.
func (r *record) opt(col string) string {
	if _, ok := r.header[col]; !ok {
		return ""
	}
	return r.get(col)
}

func (r *record) yesNo(col string) bool {
	switch v := r.get(col); v {
	case "yes":
		return true
	case "no":
		return false
	default:
		r.fail(fmt.Errorf("column %q: want yes or no, got %q", col, v))
		return false
	}
}

func (r *record) optYesNo(col string) *bool {
	if r.get(col) == "" {
		return nil
	}
	b := r.yesNo(col)
	return &b
}

// optDate reads a YYYY-MM-DD date from a column that may be empty or missing.
func (r *record) optDate(col string) *time.Time {
	v := r.opt(col)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		r.fail(fmt.Errorf("column %q: %w", col, err))
		return nil
	}
	return &t
}

func readCSV(name string) ([]record, error) {
	b, err := data.ReadFile("data/" + name)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))))
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	header := map[string]int{}
	for i, h := range head {
		header[strings.TrimSpace(h)] = i
	}
	var out []record
	for {
		fields, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, record{header: header, fields: fields})
	}
}

// tilbudScheme shortens the scheme names of tilbudstyper.csv to the keys the tables use:
// "old_2013" for DST's old tilbudskoder (2013–2017), "ffb" for the FFB Tilbud hierarchy.
func tilbudScheme(s string) string {
	switch {
	case strings.HasPrefix(s, "DST"):
		return "old_2013"
	case strings.HasPrefix(s, "FFB"):
		return "ffb"
	}
	return s
}

// Fingerprint is a hash of the code-list files, for keying test template databases.
func Fingerprint() string {
	h := sha256.New()
	entries, _ := data.ReadDir("data")
	for _, e := range entries {
		b, _ := data.ReadFile("data/" + e.Name())
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
