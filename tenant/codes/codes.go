// Package codes holds the starting content of the code lists (CODES.md): the 98 kommuner,
// the indsatskoder, målgrupper, tilbudstyper and FFB ydelser, as the CSV files in data/
// (copied from the specification, embedded in the binary), and Load, which puts them into
// their tables.
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

	"github.com/jackc/pgx/v5"
)

//go:embed data/*.csv
var data embed.FS

// Counts tells how many rows Load added to each table.
type Counts map[string]int64

// Load adds the missing rows of every code list in one transaction. It is idempotent.
func Load(ctx context.Context, db interface {
	Begin(context.Context) (pgx.Tx, error)
}) (Counts, error) {
	tx, err := db.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	counts := Counts{}
	for _, l := range lists {
		rows, err := readCSV(l.file)
		if err != nil {
			return nil, err
		}
		for i := range rows {
			args := l.args(&rows[i])
			if err := rows[i].err; err != nil {
				return nil, fmt.Errorf("%s row %d: %w", l.file, i+2, err)
			}
			tag, err := tx.Exec(ctx, l.insert, args...)
			if err != nil {
				return nil, fmt.Errorf("%s row %d: %w", l.file, i+2, err)
			}
			counts[l.table] += tag.RowsAffected()
		}
	}
	return counts, tx.Commit(ctx)
}

type list struct {
	file, table, insert string
	args                func(r *record) []any
}

var lists = []list{
	{
		file: "kommuner.csv", table: "kommuner",
		insert: `INSERT INTO kommuner (kommune_kode, navn) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		args:   func(r *record) []any { return []any{r.get("kode"), r.get("navn")} },
	},
	{
		file: "indsatser.csv", table: "indsatskoder",
		insert: `INSERT INTO indsatskoder (code, name_da, paragraph, ffb, requires_tilbudssted, residential,
			varighed_default, evidence, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
		args: func(r *record) []any {
			varighed := r.get("varighed_default")
			if varighed == "" {
				varighed = "periode"
			}
			return []any{r.get("code"), r.get("name_da"), r.get("paragraph"), r.yesNo("ffb"),
				r.get("requires_tilbudssted"), r.yesNo("residential"), varighed, r.get("evidence"), r.get("source")}
		},
	},
	{
		file: "maalgrupper.csv", table: "maalgrupper",
		insert: `INSERT INTO maalgrupper (code, name_da, scheme, parent_code, primary_allowed, valid_from, valid_to,
			evidence, source) VALUES ($1, $2, $3, NULLIF($4, ''), $5, NULLIF($6, '')::date, NULLIF($7, '')::date, $8, $9)
			ON CONFLICT DO NOTHING`,
		args: func(r *record) []any {
			return []any{r.get("code"), r.get("name_da"), r.get("scheme"), r.get("parent_code"), r.yesNo("primary_allowed"),
				r.get("valid_from"), r.get("valid_to"), r.get("evidence"), r.get("source")}
		},
	},
	{
		file: "tilbudstyper.csv", table: "tilbudstyper",
		insert: `INSERT INTO tilbudstyper (code, name_da, parent_path, scheme, leaf, valid_from, valid_to,
			in_nexus_dst_offer_list, status, source) VALUES ($1, $2, $3, $4, $5, NULLIF($6, '')::date, NULLIF($7, '')::date,
			$8, $9, $10) ON CONFLICT DO NOTHING`,
		args: func(r *record) []any {
			return []any{r.get("code"), r.get("name_da"), r.get("parent_path"), tilbudScheme(r.get("scheme")), r.optYesNo("leaf"),
				r.get("valid_from"), r.get("valid_to"), r.get("in_nexus_dst_offer_list"), r.get("status"), r.get("source")}
		},
	},
	{
		file: "ffb_ydelser.csv", table: "ffb_ydelser",
		insert: `INSERT INTO ffb_ydelser (uuid, name_da, parent_path, leaf, status, source)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
		args: func(r *record) []any {
			return []any{strings.ToLower(r.get("uuid")), r.get("name_da"), r.get("parent_path"), r.yesNo("leaf"),
				r.get("status"), r.get("source")}
		},
	},
}

// record is one CSV row with its header, collecting the first conversion error.
type record struct {
	header map[string]int
	fields []string
	err    error
}

func (r *record) get(col string) string {
	i, ok := r.header[col]
	if !ok {
		if r.err == nil {
			r.err = fmt.Errorf("no column %q", col)
		}
		return ""
	}
	return strings.TrimSpace(r.fields[i])
}

func (r *record) yesNo(col string) bool {
	switch v := r.get(col); v {
	case "yes":
		return true
	case "no":
		return false
	default:
		if r.err == nil {
			r.err = fmt.Errorf("column %q: want yes or no, got %q", col, v)
		}
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
