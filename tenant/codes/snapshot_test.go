package codes_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"indberet/tenant"
	"indberet/tenant/codes"
	"indberet/tenant/domain"
	"indberet/tenant/tenanttest"
)

func fromCSV(t *testing.T) *domain.Snapshot {
	t.Helper()
	s, err := codes.FromCSV()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFromCSVCounts(t *testing.T) {
	t.Parallel()
	s := fromCSV(t)
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"kommuner", len(s.Kommuner()), 98},
		{"indsatser", len(s.Indsatser()), 21},
		{"målgrupper", len(s.Maalgrupper()), 89},
		{"målgrupper old_2013", len(s.Maalgrupper("old_2013")), 22},
		{"målgrupper old_2018", len(s.Maalgrupper("old_2018")), 10},
		{"målgrupper ffb", len(s.Maalgrupper("ffb")), 57},
		{"tilbudstyper", len(s.Tilbudstyper("")), 30},
		{"tilbudstyper old_2013", len(s.Tilbudstyper("old_2013")), 18},
		{"tilbudstyper ffb", len(s.Tilbudstyper("ffb")), 12},
		{"FFB ydelser", len(s.FFBYdelser()), 43},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
}

// The facts the rules package relies on (Y3–Y6), as parsed from the files.
func TestFromCSVRows(t *testing.T) {
	t.Parallel()
	s := fromCSV(t)
	i, ok := s.Indsats("1.8.1")
	if !ok || !i.FFB || !i.Residential || i.RequiresTilbudssted != "yes" || i.VarighedDefault != "periode" ||
		i.ValidFrom.Format("2006-01-02") != "2013-07-01" || i.ValidTo != nil {
		t.Errorf("1.8.1: %+v %v", i, ok)
	}
	if i, _ := s.Indsats("1.19.1"); i.VarighedDefault != "styk" {
		t.Errorf("1.19.1 varighed %q", i.VarighedDefault)
	}
	if i, _ := s.Indsats("1.12.1.1"); i.RequiresTilbudssted != "if_in_107_botilbud" || i.FFB {
		t.Errorf("1.12.1.1: %+v", i)
	}
	m, ok := s.Maalgruppe("old_2013", "1.1.4")
	if !ok || m.Name != "Kommunikations-nedsættelse" || m.ValidFrom.Format("2006-01-02") != "2013-07-01" ||
		m.ValidTo.Format("2006-01-02") != "2017-12-31" || m.Path() != m.Name {
		t.Errorf("old_2013 1.1.4: %+v %v", m, ok)
	}
	if m, ok := s.Maalgruppe("ffb", "f3ec0ccd-2b0c-4a60-85fc-3cdd0ca73cef"); !ok || m.PrimaryAllowed || m.ValidFrom != nil {
		t.Errorf("ffb Funktionsnedsættelse: %+v %v", m, ok)
	}
	tt, ok := s.Tilbudstype("ffb", "498fe92c-d7f7-41cd-9404-5b38fe113be0")
	if !ok || tt.Leaf == nil || !*tt.Leaf || tt.Path() != "Tilbud > Botilbud til voksne > Længerevarende botilbud til voksne > Almindeligt længerevarende botilbud til voksne" {
		t.Errorf("ffb tilbud: %+v %v", tt, ok)
	}
	if tt, ok := s.Tilbudstype("old_2013", "3.1.0"); !ok || tt.Leaf != nil || tt.ValidTo.Format("2006-01-02") != "2017-12-31" {
		t.Errorf("old tilbudstype 3.1.0: %+v %v", tt, ok)
	}
	if f, ok := s.FFBYdelse("5af56051-8413-4115-aaa2-83a0767e1137"); !ok || !f.Leaf || f.Path() != "Ydelse > Ophold > Længerevarende ophold" {
		t.Errorf("FFB ydelse: %+v %v", f, ok)
	}
	if k, ok := s.Kommune("751"); !ok || k.Navn != "Aarhus" {
		t.Errorf("751: %+v %v", k, ok)
	}
	if _, ok := s.Kommune("411"); ok {
		t.Error("Christiansø is not a kommune")
	}
	if k := s.Kommuner(); k[0].Kode != "101" || k[len(k)-1].Kode != "860" {
		t.Errorf("kommuner not by code: %v … %v", k[0], k[len(k)-1])
	}
}

func TestIndsatserNaturalOrder(t *testing.T) {
	t.Parallel()
	var got []string
	for _, i := range fromCSV(t).Indsatser() {
		got = append(got, i.Code)
	}
	want := []string{"1.1", "1.3", "1.4", "1.8.1", "1.8.2", "1.12.0.1", "1.12.0.2", "1.12.1.1", "1.12.1.2",
		"1.12.1.3", "1.13.2", "1.13.3", "1.13.4", "1.17", "1.18.1", "1.18.2", "1.18.3", "1.19.1", "1.19.2",
		"1.19.3", "1.19.4"}
	if !slices.Equal(got, want) {
		t.Errorf("order\n got %v\nwant %v", got, want)
	}
}

func TestCompareCodes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1.8.2", "1.12.0.1", -1},
		{"1.12.0.1", "1.8.2", 1},
		{"2", "10", -1},
		{"1.1", "1.1.1", -1},
		{"3.1.0", "3.1.0", 0},
		{"1.2.2.7", "2", -1},
		{"1.a", "1.1", 1},
	} {
		if got := domain.CompareCodes(c.a, c.b); got != c.want {
			t.Errorf("CompareCodes(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// The old codes keep their natural order: the order of the files.
func TestOldCodesInFileOrder(t *testing.T) {
	t.Parallel()
	s := fromCSV(t)
	var got []string
	for _, m := range s.Maalgrupper("old_2018") {
		got = append(got, m.Code)
	}
	want := []string{"1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.1.6", "1.2.1", "1.2.2", "2", "10"}
	if !slices.Equal(got, want) {
		t.Errorf("old_2018\n got %v\nwant %v", got, want)
	}
	got = nil
	for _, tt := range s.Tilbudstyper("old_2013") {
		got = append(got, tt.Code)
	}
	if got[0] != "1.1" || got[5] != "3.1.0" || got[len(got)-1] != "5" {
		t.Errorf("old tilbudstyper order %v", got)
	}
	all := s.Maalgrupper("ffb", "old_2013")
	if all[0].Scheme != "ffb" || all[len(all)-1].Scheme != "old_2013" {
		t.Error("schemes not in the order given")
	}
}

func TestMaalgruppePath(t *testing.T) {
	t.Parallel()
	s := fromCSV(t)
	for code, want := range map[string]string{
		"0919515d-9975-4743-a16f-edb45374b0da": "Socialt problem",
		"3412d671-22bf-456c-b963-c4e05c2725a0": "Socialt problem > Overgreb > Voldeligt overgreb",
		"5cfc9530-a193-4f66-9981-3b980ee9ea7b": "Funktionsnedsættelse > Psykisk funktionsnedsættelse > " +
			"Intellektuel/kognitiv forstyrrelse > Udviklingsforstyrrelse > Anden udviklingsforstyrrelse",
	} {
		m, ok := s.Maalgruppe("ffb", code)
		if !ok || m.Path() != want {
			t.Errorf("%s: %q, want %q", code, m.Path(), want)
		}
	}
	// Tree order: every FFB group after its parent.
	seen := map[string]bool{}
	for _, m := range s.Maalgrupper("ffb") {
		if m.ParentCode != "" && !seen[m.ParentCode] {
			t.Errorf("%s comes before its parent", m.Path())
		}
		seen[m.Code] = true
	}
	// A snapshot built by hand walks its own parents and survives a cycle.
	hand := domain.NewSnapshot(nil, []domain.MaalgruppeKode{
		{Scheme: "ffb", Code: "b", Name: "Barn", ParentCode: "a"},
		{Scheme: "ffb", Code: "a", Name: "Forælder"},
		{Scheme: "ffb", Code: "x", Name: "X", ParentCode: "y"},
		{Scheme: "ffb", Code: "y", Name: "Y", ParentCode: "x"},
	}, nil, nil, nil)
	if m, _ := hand.Maalgruppe("ffb", "b"); m.Path() != "Forælder > Barn" {
		t.Errorf("hand path %q", m.Path())
	}
	if m, _ := hand.Maalgruppe("ffb", "x"); m.Path() != "Y > X" {
		t.Errorf("cycle path %q", m.Path())
	}
}

func TestFFBListsInTreeOrder(t *testing.T) {
	t.Parallel()
	s := fromCSV(t)
	seen := map[string]bool{"Ydelse": true, "Tilbud": true}
	for _, f := range s.FFBYdelser() {
		if !seen[f.ParentPath] {
			t.Errorf("%s comes before its parent", f.Path())
		}
		seen[f.Path()] = true
	}
	for _, tt := range s.Tilbudstyper("ffb") {
		if !seen[tt.ParentPath] {
			t.Errorf("%s comes before its parent", tt.Path())
		}
		seen[tt.Path()] = true
	}
}

func TestListsAreCopies(t *testing.T) {
	t.Parallel()
	s := fromCSV(t)
	s.Indsatser()[0].Code = "ændret"
	s.Kommuner()[0].Navn = "ændret"
	if s.Indsatser()[0].Code != "1.1" || s.Kommuner()[0].Navn != "København" {
		t.Error("a returned list shares memory with the snapshot")
	}
}

// tenant's CodeSnapshot of a migrated database (loaded by Load) equals FromCSV, row for row.
func TestReadEqualsFromCSV(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	got, err := db.CodeSnapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := fromCSV(t)
	compare(t, "indsatser", got.Indsatser(), want.Indsatser())
	compare(t, "målgrupper", got.Maalgrupper(), want.Maalgrupper())
	compare(t, "tilbudstyper", got.Tilbudstyper(""), want.Tilbudstyper(""))
	compare(t, "FFB ydelser", got.FFBYdelser(), want.FFBYdelser())
	compare(t, "kommuner", got.Kommuner(), want.Kommuner())
	if m, ok := got.Maalgruppe("ffb", "3412d671-22bf-456c-b963-c4e05c2725a0"); !ok ||
		!strings.HasPrefix(m.Path(), "Socialt problem > ") {
		t.Errorf("read FFB path %q", m.Path())
	}
	// It works inside a transaction too.
	err = db.InScope(context.Background(), tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
		s, err := tx.CodeSnapshot(context.Background())
		if err == nil && len(s.Kommuner()) != 98 {
			t.Errorf("read in tx: %d kommuner", len(s.Kommuner()))
		}
		return err
	})
	if err != nil {
		t.Errorf("read in tx: %v", err)
	}
}

func compare[T any](t *testing.T, what string, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: read %d rows, files %d", what, len(got), len(want))
		return
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s row %d:\n read %+v\nfiles %+v", what, i, got[i], want[i])
			return
		}
	}
}
