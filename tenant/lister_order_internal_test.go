package tenant

import "testing"

// TestRowsInOrder: List refuses a page of Sager og ydelser whose rows do not come by CPR
// number and ydelse id (its statement has no ORDER BY, listSQL); other views are not checked.
func TestRowsInOrder(t *testing.T) {
	row := func(cpr string, id int64) ListRow { return ListRow{CPR: cpr, YdelseID: id} }
	cases := []struct {
		rows []ListRow
		want bool
	}{
		{nil, true},
		{[]ListRow{row("0101010001", 5), row("0101010001", 9), row("0101010002", 1)}, true},
		{[]ListRow{row("0101010001", 9), row("0101010001", 5)}, false}, // ydelser of a sag out of order
		{[]ListRow{row("0101010002", 1), row("0101010001", 9)}, false}, // sager out of order
		{[]ListRow{row("0101010001", 5), row("0101010001", 5)}, false}, // a row twice
	}
	for i, c := range cases {
		if got := rowsInOrder(VisningSagerOgYdelser, c.rows); got != c.want {
			t.Errorf("case %d: rowsInOrder = %v, want %v", i, got, c.want)
		}
	}
	if !rowsInOrder(VisningKunSager, []ListRow{row("2", 0), row("1", 0)}) {
		t.Error("Kun sager is ordered by its ORDER BY and not checked")
	}
}

// TestListPageCPRs: a page's CPR numbers are each of its sager once, in order.
func TestListPageCPRs(t *testing.T) {
	p := ListPage{Rows: []ListRow{{CPR: "0101010001"}, {CPR: "0101010001"}, {CPR: "0101010002"}}}
	if got := p.CPRs(); len(got) != 2 || got[0] != "0101010001" || got[1] != "0101010002" {
		t.Errorf("CPRs %v", got)
	}
	if got := (ListPage{}).CPRs(); len(got) != 0 {
		t.Errorf("CPRs of an empty page %v", got)
	}
}
