package codes_test

import (
	"context"
	"testing"

	"indberet/tenant"
	"indberet/tenant/codes"
	"indberet/tenant/tenanttest"
)

func TestLoadedCodeLists(t *testing.T) {
	t.Parallel()
	db, owner := tenanttest.DB(t)
	ctx := context.Background()
	want := map[string]int{"kommuner": 98, "indsatskoder": 21, "maalgrupper": 89, "tilbudstyper": 30, "ffb_ydelser": 43}
	for table, n := range want {
		var got int
		if err := db.ToolPool().QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != n {
			t.Errorf("%s: %d rows, want %d", table, got, n)
		}
	}
	// Facts the rules rely on (Y4, Y5, Y6, Y3).
	var ffb, residential bool
	var tilbudssted string
	if err := db.ToolPool().QueryRow(ctx, `SELECT ffb, residential, requires_tilbudssted FROM indsatskoder WHERE code = '1.8.1'`).
		Scan(&ffb, &residential, &tilbudssted); err != nil {
		t.Fatal(err)
	}
	if !ffb || !residential || tilbudssted != "yes" {
		t.Errorf("1.8.1: ffb %v residential %v tilbudssted %q", ffb, residential, tilbudssted)
	}
	var schemes int
	if err := db.ToolPool().QueryRow(ctx, `SELECT count(DISTINCT scheme) FROM tilbudstyper WHERE scheme IN ('old_2013', 'ffb')`).Scan(&schemes); err != nil || schemes != 2 {
		t.Errorf("tilbudstyper schemes: %d, %v", schemes, err)
	}
	// Loading again adds nothing and keeps DST's corrections.
	if _, err := db.ToolPool().Exec(ctx, `UPDATE indsatskoder SET name_da = 'Rettet af DST' WHERE code = '1.3'`); err != nil {
		t.Fatal(err)
	}
	ownerDB, err := tenant.OpenOwner(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	defer ownerDB.Close()
	counts, err := codes.Load(ctx, ownerDB)
	if err != nil {
		t.Fatal(err)
	}
	for table, n := range counts {
		if n != 0 {
			t.Errorf("second load added %d rows to %s", n, table)
		}
	}
	var name string
	if err := db.ToolPool().QueryRow(ctx, `SELECT name_da FROM indsatskoder WHERE code = '1.3'`).Scan(&name); err != nil || name != "Rettet af DST" {
		t.Errorf("correction overwritten: %q %v", name, err)
	}
}
