package tenant_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"indberet/tenant/domain"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/tenanttest"
)

// The readers of the audit log and the CPR access log (AuditLog, CPRAccessLog): each filter,
// the pages, and the kommune a scope may read (T1: a kommune never sees another's records;
// T3: DST reads every kommune's).

const (
	logCPR      = "1503621235" // a sag in both 101 and 147 (S1 is per kommune)
	logOtherCPR = "0101801234" // a sag of 101 that is deleted
)

// logFixture is a sag with a ydelse, changed and deleted by two users in 101, and a sag for
// the same CPR number in 147.
type logFixture struct {
	sag101, ydelse101, other101, otherYdelse, sag147, ydelse147 int64
}

func scopeAs(kommune, email string) tenant.Scope {
	return tenant.Scope{Kommune: kommune, AllKommuner: kommune == "", Actor: tenant.Actor{Email: email, IP: "10.0.0.9"}}
}

func loadLogFixture(t *testing.T, db *tenant.DB) logFixture {
	t.Helper()
	ctx := context.Background()
	var f logFixture
	ydelse := func(sag int64, kommune string) domain.Ydelse {
		return domain.Ydelse{SagID: sag, Indsatskode: "1.3", Startdato: date(2024, 3, 1), Betalingskommune: kommune,
			Maalgrupper: []domain.Maalgruppe{{Scheme: "old_2018", Code: "1.1.1", Primaer: true}}}
	}
	steps := []struct {
		scope tenant.Scope
		fn    func(tx *tenant.Tx) error
	}{
		{scopeAs("101", "anna@101.invalid"), func(tx *tenant.Tx) (err error) {
			if f.sag101, err = tx.InsertSag(ctx, domain.Sag{CPR: logCPR, Navn: "Niels Hansen"}); err != nil {
				return err
			}
			f.ydelse101, err = tx.InsertYdelse(ctx, ydelse(f.sag101, "101"))
			return err
		}},
		{scopeAs("101", "bo@101.invalid"), func(tx *tenant.Tx) error {
			s, err := tx.Sag(ctx, f.sag101)
			if err != nil {
				return err
			}
			s.Navn = "Niels Peter Hansen"
			if err := tx.UpdateSag(ctx, s); err != nil {
				return err
			}
			y, err := tx.Ydelse(ctx, f.ydelse101)
			if err != nil {
				return err
			}
			y.Slutdato = ptr(date(2024, 12, 31))
			return tx.UpdateYdelse(ctx, y)
		}},
		{scopeAs("101", "bo@101.invalid"), func(tx *tenant.Tx) (err error) {
			if f.other101, err = tx.InsertSag(ctx, domain.Sag{CPR: logOtherCPR}); err != nil {
				return err
			}
			if f.otherYdelse, err = tx.InsertYdelse(ctx, ydelse(f.other101, "101")); err != nil {
				return err
			}
			return tx.DeleteSag(ctx, f.other101)
		}},
		{scopeAs("147", "anna@147.invalid"), func(tx *tenant.Tx) (err error) {
			if f.sag147, err = tx.InsertSag(ctx, domain.Sag{CPR: logCPR}); err != nil {
				return err
			}
			f.ydelse147, err = tx.InsertYdelse(ctx, ydelse(f.sag147, "147"))
			return err
		}},
	}
	for _, s := range steps {
		if err := db.InScope(ctx, s.scope, s.fn); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// auditPage reads the audit log in s as a reader who may read sager (sag:read) and returns
// its records as "kommune action entity:id".
func auditPage(t *testing.T, db *tenant.DB, s tenant.Scope, q tenant.AuditQuery) ([]string, tenant.AuditPage) {
	t.Helper()
	q.Indsigt = tenant.IndsigtFor(s, true)
	var p tenant.AuditPage
	err := db.InScope(context.Background(), s, func(tx *tenant.Tx) (err error) {
		p, err = tx.AuditLog(context.Background(), q)
		return err
	})
	if err != nil {
		t.Fatalf("audit log %+v: %v", q, err)
	}
	var out []string
	for _, r := range p.Records {
		out = append(out, r.Kommune+" "+r.Action+" "+r.Entity+":"+r.EntityID)
	}
	return out, p
}

func TestAuditLogFilters(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	f := loadLogFixture(t, db)
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	sag101, y101, other, sag147 := "sag:"+id(f.sag101), "ydelse:"+id(f.ydelse101), "sag:"+id(f.other101), "sag:"+id(f.sag147)
	kbh, ballerup, dst := scopeAs("101", "admin@101.invalid"), scopeAs("147", "admin@147.invalid"), scopeAs("", "dst@dst.invalid")
	deliverLogFixture147(t, db, f)
	hour := time.Hour
	now := time.Now()

	all101 := []string{
		"101 sag.delete " + other, "101 ydelse.create ydelse:" + id(f.otherYdelse), "101 sag.create " + other,
		"101 ydelse.update " + y101, "101 sag.update " + sag101,
		"101 ydelse.create " + y101, "101 sag.create " + sag101,
	}
	cases := []struct {
		name  string
		scope tenant.Scope
		q     tenant.AuditQuery
		want  []string
	}{
		{"kommune sees its own, newest first", kbh, tenant.AuditQuery{}, all101},
		{"naming its own kommune is the same", kbh, tenant.AuditQuery{Kommune: "101"}, all101},
		{"user", kbh, tenant.AuditQuery{UserEmail: "anna@101.invalid"}, all101[5:]},
		{"another kommune's user: nothing (T1)", ballerup, tenant.AuditQuery{UserEmail: "anna@101.invalid"}, nil},
		{"action", kbh, tenant.AuditQuery{Action: "sag.create"}, []string{all101[2], all101[6]}},
		{"sag: its own records and its ydelser's", kbh, tenant.AuditQuery{Entity: "sag", EntityID: id(f.sag101)},
			[]string{all101[3], all101[4], all101[5], all101[6]}},
		{"a ydelse", kbh, tenant.AuditQuery{Entity: "ydelse", EntityID: id(f.ydelse101)}, []string{all101[3], all101[5]}},
		{"sag id not a number: nothing", kbh, tenant.AuditQuery{Entity: "sag", EntityID: "x"}, nil},
		{"another kommune's sag id: nothing (T1)", ballerup, tenant.AuditQuery{Entity: "sag", EntityID: id(f.sag101)}, nil},
		{"cpr: the sag and its ydelser", kbh, tenant.AuditQuery{CPR: logCPR}, []string{all101[3], all101[4], all101[5], all101[6]}},
		{"cpr of a deleted sag", kbh, tenant.AuditQuery{CPR: logOtherCPR}, all101[:3]},
		{"cpr in 147 sees only 147's sag (T1)", ballerup, tenant.AuditQuery{CPR: logCPR},
			[]string{"147 ydelse.create ydelse:" + id(f.ydelse147), "147 sag.create " + sag147}},
		{"cpr of 101 only in 147: nothing (T1)", ballerup, tenant.AuditQuery{CPR: logOtherCPR}, nil},
		{"cpr and action", kbh, tenant.AuditQuery{CPR: logCPR, Action: "sag.update"}, []string{all101[4]}},
		{"time range around now", kbh, tenant.AuditQuery{From: now.Add(-hour), To: now.Add(hour)}, all101},
		{"time range before", kbh, tenant.AuditQuery{To: now.Add(-hour)}, nil},
		{"time range after", kbh, tenant.AuditQuery{From: now.Add(hour)}, nil},
		{"dst: one kommune", dst, tenant.AuditQuery{Kommune: "147"},
			[]string{"147 ydelse.create ydelse:" + id(f.ydelse147), "147 sag.create " + sag147}},
		// DST finds by CPR number the delivered sager only (147's), not 101's (issue 14 #3).
		{"dst: cpr across kommuner", dst, tenant.AuditQuery{CPR: logCPR, Action: "sag.create"},
			[]string{"147 sag.create " + sag147}},
		{"dst: cpr in one kommune", dst, tenant.AuditQuery{CPR: logCPR, Action: "sag.create", Kommune: "147"},
			[]string{"147 sag.create " + sag147}},
		{"dst: cpr in a kommune where it is not delivered", dst, tenant.AuditQuery{CPR: logCPR, Kommune: "101"}, nil},
		{"dst: cpr of a deleted sag", dst, tenant.AuditQuery{CPR: logOtherCPR}, nil},
	}
	for _, c := range cases {
		got, _ := auditPage(t, db, c.scope, c.q)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got\n%q\nwant\n%q", c.name, got, c.want)
		}
	}
	// Every kommune's and the platform's: the migration's policy.sync record under 000 too.
	if got, _ := auditPage(t, db, dst, tenant.AuditQuery{}); len(got) != 10 || got[9] != "000 policy.sync policy:" {
		t.Errorf("dst, every kommune: %d records, want 10 ending with the policy sync: %q", len(got), got)
	}

	// A kommune naming another is refused (T1), also for the action list.
	ctx := context.Background()
	err := db.InScope(ctx, ballerup, func(tx *tenant.Tx) error {
		if _, err := tx.AuditLog(ctx, tenant.AuditQuery{Kommune: "101"}); !errors.Is(err, tenant.ErrNotFound) {
			t.Errorf("147 reading 101's audit log: err = %v, want ErrNotFound", err)
		}
		if _, err := tx.AuditActions(ctx, "101"); !errors.Is(err, tenant.ErrNotFound) {
			t.Errorf("147 reading 101's actions: err = %v, want ErrNotFound", err)
		}
		acts, err := tx.AuditActions(ctx, "")
		if want := []string{"sag.create", "ydelse.create"}; !slices.Equal(acts, want) {
			t.Errorf("147's actions = %q, %v; want %q", acts, err, want)
		}
		if _, err := tx.AuditLog(ctx, tenant.AuditQuery{After: "not-a-cursor"}); !errors.Is(err, tenant.ErrBadLogCursor) {
			t.Errorf("bad cursor: err = %v, want ErrBadLogCursor", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.InScope(ctx, dst, func(tx *tenant.Tx) error {
		acts, err := tx.AuditActions(ctx, "")
		want := []string{"policy.sync", "sag.create", "sag.delete", "sag.update", "ydelse.create", "ydelse.update"}
		if !slices.Equal(acts, want) {
			t.Errorf("dst's actions = %q, %v; want %q", acts, err, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Pages of two: together the whole log in order, each page saying where it starts.
	var paged []string
	after := ""
	for i := 0; ; i++ {
		got, p := auditPage(t, db, kbh, tenant.AuditQuery{Limit: 2, After: after})
		if p.Offset != 2*i {
			t.Errorf("page %d: offset %d, want %d", i, p.Offset, 2*i)
		}
		paged = append(paged, got...)
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	if !slices.Equal(paged, all101) {
		t.Errorf("pages of two: got\n%q\nwant\n%q", paged, all101)
	}
	// The records hold the state before and after.
	_, p := auditPage(t, db, kbh, tenant.AuditQuery{Action: "sag.update"})
	if r := p.Records[0]; r.UserEmail != "bo@101.invalid" || r.IP != "10.0.0.9" ||
		!strings.Contains(string(r.Before), `"Navn": "Niels Hansen"`) || !strings.Contains(string(r.After), `"Navn": "Niels Peter Hansen"`) {
		t.Errorf("sag.update record: %+v, before %s, after %s", r, r.Before, r.After)
	}
}

// deliverLogFixture147 marks 147's sag and ydelse of the fixture delivered (I2).
func deliverLogFixture147(t *testing.T, db *tenant.DB, f logFixture) {
	t.Helper()
	ctx := context.Background()
	err := db.InScope(ctx, scopeAs("147", "system"), func(tx *tenant.Tx) error {
		if _, err := tx.ToolTx().Exec(ctx, `UPDATE sager SET indberettet_at = now() WHERE id = $1`, f.sag147); err != nil {
			return err
		}
		_, err := tx.ToolTx().Exec(ctx, `UPDATE ydelser SET indberettet_at = now() WHERE id = $1`, f.ydelse147)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// cprAccessPage reads the CPR access log in s as a reader who may read sager (sag:read) and
// returns its records as "kommune user action detail antal".
func cprAccessPage(t *testing.T, db *tenant.DB, s tenant.Scope, q tenant.CPRAccessQuery) ([]string, tenant.CPRAccessPage) {
	t.Helper()
	q.Indsigt = tenant.IndsigtFor(s, true)
	var p tenant.CPRAccessPage
	err := db.InScope(context.Background(), s, func(tx *tenant.Tx) (err error) {
		p, err = tx.CPRAccessLog(context.Background(), q)
		return err
	})
	if err != nil {
		t.Fatalf("cpr access log %+v: %v", q, err)
	}
	var out []string
	for _, r := range p.Records {
		out = append(out, r.Kommune+" "+r.UserEmail+" "+r.Action+" "+r.Detail+" "+strconv.Itoa(r.AntalCPR))
	}
	return out, p
}

func TestCPRAccessLogFilters(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	ctx := context.Background()
	logAs := func(s tenant.Scope, kommune, action, detail string, cprs ...string) {
		t.Helper()
		err := db.InScope(ctx, s, func(tx *tenant.Tx) error {
			if kommune == "" {
				return tx.LogCPRAccess(ctx, action, cprs, detail)
			}
			return tx.LogCPRAccessIn(ctx, kommune, action, cprs, detail)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	anna, bo := scopeAs("101", "anna@101.invalid"), scopeAs("101", "bo@101.invalid")
	karl, dst := scopeAs("147", "karl@147.invalid"), scopeAs("", "dst@dst.invalid")
	// logCPR's sag: delivered in 147, not in 101 (DST's CPR filter, issue 14 #3).
	for _, s := range []tenant.Scope{anna, karl} {
		err := db.InScope(ctx, s, func(tx *tenant.Tx) error {
			id, err := tx.InsertSag(ctx, domain.Sag{CPR: logCPR})
			if err == nil && s.Kommune == "147" {
				_, err = tx.ToolTx().Exec(ctx, `UPDATE sager SET indberettet_at = now() WHERE id = $1`, id)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	logAs(anna, "", "list", "a", logCPR, logOtherCPR, "0202024321")
	logAs(bo, "", "view", "b", logOtherCPR)
	logAs(karl, "", "view", "c", logCPR)
	logAs(dst, "147", "list", "d", logCPR, "0303034321") // DST reading 147's list: under 147
	logAs(dst, "", "search", "e", logCPR)                // DST's own look-up: the platform's
	logAs(anna, "101", "view", "f", logCPR)
	// A kommune cannot log under another (row-level security).
	err := db.InScope(ctx, karl, func(tx *tenant.Tx) error { return tx.LogCPRAccessIn(ctx, "101", "view", nil, "x") })
	if err == nil {
		t.Error("147 wrote a CPR access record under 101")
	}

	now := time.Now()
	cases := []cprAccessCase{
		{"kommune sees its own, newest first", anna, tenant.CPRAccessQuery{},
			[]string{"101 anna@101.invalid view f 1", "101 bo@101.invalid view b 1", "101 anna@101.invalid list a 3"}},
		{"cpr", anna, tenant.CPRAccessQuery{CPR: logCPR},
			[]string{"101 anna@101.invalid view f 1", "101 anna@101.invalid list a 3"}},
		{"cpr and user", anna, tenant.CPRAccessQuery{CPR: logOtherCPR, UserEmail: "bo@101.invalid"},
			[]string{"101 bo@101.invalid view b 1"}},
		{"user", anna, tenant.CPRAccessQuery{UserEmail: "anna@101.invalid"},
			[]string{"101 anna@101.invalid view f 1", "101 anna@101.invalid list a 3"}},
		{"cpr in 147: its own and DST's reading of 147 (T1, T3)", karl, tenant.CPRAccessQuery{CPR: logCPR},
			[]string{"147 dst@dst.invalid list d 2", "147 karl@147.invalid view c 1"}},
		{"cpr only 101 saw, asked in 147: nothing (T1)", karl, tenant.CPRAccessQuery{CPR: logOtherCPR}, nil},
		{"101's user, asked in 147: nothing (T1)", karl, tenant.CPRAccessQuery{UserEmail: "anna@101.invalid"}, nil},
		{"time range around now", karl, tenant.CPRAccessQuery{From: now.Add(-time.Hour), To: now.Add(time.Hour)},
			[]string{"147 dst@dst.invalid list d 2", "147 karl@147.invalid view c 1"}},
		{"time range after", karl, tenant.CPRAccessQuery{From: now.Add(time.Hour)}, nil},
		{"cpr and time range before", karl, tenant.CPRAccessQuery{CPR: logCPR, To: now.Add(-time.Hour)}, nil},
		// DST finds by CPR number the records of the kommuner where it is a delivered sag
		// (147, not 101) and the platform's own (issue 14 #3).
		{"dst: cpr across kommuner", dst, tenant.CPRAccessQuery{CPR: logCPR},
			[]string{"000 dst@dst.invalid search e 1", "147 dst@dst.invalid list d 2", "147 karl@147.invalid view c 1"}},
		{"dst: cpr in one kommune", dst, tenant.CPRAccessQuery{CPR: logCPR, Kommune: "147"},
			[]string{"147 dst@dst.invalid list d 2", "147 karl@147.invalid view c 1"}},
		{"dst: cpr in a kommune where it is not delivered", dst, tenant.CPRAccessQuery{CPR: logCPR, Kommune: "101"}, nil},
		{"dst: cpr only of the platform's", dst, tenant.CPRAccessQuery{CPR: logCPR, Kommune: tenant.PlatformKommune},
			[]string{"000 dst@dst.invalid search e 1"}},
		{"dst: cpr of no delivered sag", dst, tenant.CPRAccessQuery{CPR: logOtherCPR}, nil},
		{"dst: user", dst, tenant.CPRAccessQuery{UserEmail: "dst@dst.invalid"},
			[]string{"000 dst@dst.invalid search e 1", "147 dst@dst.invalid list d 2"}},
	}
	// The same answers while every record waits for its index rows (00019), when only 101's
	// are written (IndexCPRAccess: the job), and when all are.
	index := func(k string, wantRecords, wantRows int64) {
		t.Helper()
		err := db.InScope(ctx, scopeAs(k, "system"), func(tx *tenant.Tx) error {
			records, err := tx.IndexCPRAccess(ctx)
			if err != nil {
				return err
			}
			var rows int64 // the kommune's index rows now
			if err := tx.ToolTx().QueryRow(ctx, `SELECT count(*) FROM cpr_access_log_cprs`).Scan(&rows); err != nil {
				return err
			}
			if records != wantRecords || rows != wantRows {
				t.Errorf("index %s: %d records, %d index rows; want %d, %d", k, records, rows, wantRecords, wantRows)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, state := range []string{"waiting", "101 indexed", "all indexed"} {
		switch state {
		case "101 indexed":
			index("101", 3, 5)
			index("101", 0, 5) // nothing twice
		case "all indexed":
			index("147", 2, 3)
			index(tenant.PlatformKommune, 1, 1)
		}
		checkCPRAccessCases(t, db, state, cases, karl, dst)
	}
	if err := db.InScope(ctx, dst, func(tx *tenant.Tx) error { _, err := tx.IndexCPRAccess(ctx); return err }); err != tenant.ErrNoScope {
		t.Errorf("indexing in the read-all scope: %v, want ErrNoScope", err)
	}
}

// checkCPRAccessCases checks the CPR access log's answers to cases, and that pages of one
// give the same records as one page.
func checkCPRAccessCases(t *testing.T, db *tenant.DB, state string, cases []cprAccessCase, karl, dst tenant.Scope) {
	t.Helper()
	ctx := context.Background()
	for _, c := range cases {
		got, _ := cprAccessPage(t, db, c.scope, c.q)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s, %s: got\n%q\nwant\n%q", state, c.name, got, c.want)
		}
	}
	err := db.InScope(ctx, karl, func(tx *tenant.Tx) error {
		if _, err := tx.CPRAccessLog(ctx, tenant.CPRAccessQuery{Kommune: "101"}); !errors.Is(err, tenant.ErrNotFound) {
			t.Errorf("147 reading 101's CPR access log: err = %v, want ErrNotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Pages of one, by CPR number and without: the same records as one page.
	for _, q := range []tenant.CPRAccessQuery{{}, {CPR: logCPR}} {
		whole, _ := cprAccessPage(t, db, dst, q)
		var paged []string
		for {
			q.Limit = 1
			got, p := cprAccessPage(t, db, dst, q)
			paged = append(paged, got...)
			if p.Next == "" {
				break
			}
			q.After = p.Next
		}
		if !slices.Equal(paged, whole) {
			t.Errorf("%s, pages of one (cpr %q): got\n%q\nwant\n%q", state, q.CPR, paged, whole)
		}
	}
}

// cprAccessCase is a query of the CPR access log and the records it should give.
type cprAccessCase struct {
	name  string
	scope tenant.Scope
	q     tenant.CPRAccessQuery
	want  []string
}

// TestReadAllScopeReadsDeliveredOnly: DST names a kommune and reads its All (read only)
// list and delivered sager, never Egne IDEP nor what is not delivered (S9, T3).
func TestReadAllScopeReadsDeliveredOnly(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	f := loadLogFixture(t, db)
	ctx := context.Background()
	dst := scopeAs("", "dst@dst.invalid")
	err := db.InScope(ctx, dst, func(tx *tenant.Tx) error {
		q := tenant.ListQuery{Kommune: "101", Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager}
		if _, err := tx.List(ctx, q); !errors.Is(err, tenant.ErrNotFound) {
			t.Errorf("dst reading Egne IDEP: err = %v, want ErrNotFound", err)
		}
		q.Liste, q.Kommune = tenant.ListeAlle, ""
		if _, err := tx.List(ctx, q); !errors.Is(err, tenant.ErrNoScope) {
			t.Errorf("dst reading a list of no kommune: err = %v, want ErrNoScope", err)
		}
		q.Kommune = "101"
		if p, err := tx.List(ctx, q); err != nil || p.Total != 0 {
			t.Errorf("dst reading 101's All before delivery: %d sager, %v; want none", p.Total, err)
		}
		if _, _, err := tx.SagVisning(ctx, "101", f.sag101); !errors.Is(err, tenant.ErrNotFound) {
			t.Errorf("dst viewing an undelivered sag: err = %v, want ErrNotFound", err)
		}
		if _, err := tx.YdelseIn(ctx, "101", f.ydelse101); !errors.Is(err, tenant.ErrNotFound) {
			t.Errorf("dst reading an undelivered ydelse: err = %v, want ErrNotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// DST ordering an export for 101 (in 101's scope, reading all): only All, and no
	// undelivered sag.
	dstIn101 := tenant.Scope{Kommune: "101", AllKommuner: true, Actor: dst.Actor}
	for name, p := range map[string]tenant.EksportParametre{
		"Egne IDEP":          {Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, Filter: tenant.FilterAlle},
		"an undelivered sag": {Liste: tenant.ListeAlle, Visning: tenant.VisningYdelserVedSag, Filter: tenant.FilterAlle, SagID: f.sag101},
	} {
		err := db.InScope(ctx, dstIn101, func(tx *tenant.Tx) error {
			_, err := tx.CreateEksport(ctx, tenant.NewEksport{Art: tenant.EksportListe, Format: tenant.FormatCSV, Parametre: p})
			return err
		})
		if !errors.Is(err, tenant.ErrNotFound) {
			t.Errorf("dst exporting %s: err = %v, want ErrNotFound", name, err)
		}
	}
	// Deliver the sag but not its ydelse... then the ydelse too.
	deliver := func(sql string) {
		t.Helper()
		if err := db.InScope(ctx, kbh, func(tx *tenant.Tx) error {
			_, err := tx.ToolTx().Exec(ctx, sql, f.sag101)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	deliver(`UPDATE sager SET indberettet_at = now() WHERE id = $1`)
	view := func(s tenant.Scope, kommune string) (int, error) {
		var n int
		err := db.InScope(ctx, s, func(tx *tenant.Tx) error {
			_, ys, err := tx.SagVisning(ctx, kommune, f.sag101)
			n = len(ys)
			return err
		})
		return n, err
	}
	if n, err := view(dst, "101"); err != nil || n != 0 {
		t.Errorf("dst viewing the delivered sag: %d ydelser, %v; want 0 (none delivered)", n, err)
	}
	if n, err := view(kbh, ""); err != nil || n != 1 {
		t.Errorf("101 viewing its sag: %d ydelser, %v; want 1", n, err)
	}
	deliver(`UPDATE ydelser SET indberettet_at = now() WHERE sag_id = $1`)
	if n, err := view(dst, "101"); err != nil || n != 1 {
		t.Errorf("dst viewing the delivered sag: %d ydelser, %v; want 1", n, err)
	}
	err = db.InScope(ctx, dst, func(tx *tenant.Tx) error {
		y, err := tx.YdelseIn(ctx, "101", f.ydelse101)
		if err != nil || y.ID != f.ydelse101 {
			t.Errorf("dst reading the delivered ydelse: %d, %v", y.ID, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := view(dst, "147"); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("dst viewing 101's sag as 147's: err = %v, want ErrNotFound", err)
	}
	if _, err := view(scopeAs("147", "karl@147.invalid"), ""); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("147 viewing 101's sag: err = %v, want ErrNotFound (T1)", err)
	}
	err = db.InScope(ctx, dst, func(tx *tenant.Tx) error {
		p, err := tx.List(ctx, tenant.ListQuery{Kommune: "101", Liste: tenant.ListeAlle, Visning: tenant.VisningSagerOgYdelser})
		if err != nil || p.Total != 1 || p.Rows[0].CPR != logCPR {
			t.Errorf("dst reading 101's All: %+v, %v; want the delivered ydelse", p, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLogsIndsigt: what each reader sees of the sager and ydelser in the audit log and the
// CPR access log (issue 14 #3): the records of every change, who and when, for all of them;
// the state before and after only of a sag or ydelse the reader may see on the screens (a
// kommune's users with the data right: their kommune's; DST: the delivered ones; platform
// administrators and a kommune's users without the data right: none); and a search by CPR
// number finds only what the reader may see.
func TestLogsIndsigt(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	f := loadLogFixture(t, db)
	deliverLogFixture147(t, db, f)
	ctx := context.Background()
	for _, s := range []tenant.Scope{scopeAs("101", "anna@101.invalid"), scopeAs("147", "karl@147.invalid")} {
		if err := db.InScope(ctx, s, func(tx *tenant.Tx) error { return tx.LogCPRAccess(ctx, "view", []string{logCPR}, "sag") }); err != nil {
			t.Fatal(err)
		}
	}
	sag147 := map[string]bool{"sag:" + strconv.FormatInt(f.sag147, 10): true, "ydelse:" + strconv.FormatInt(f.ydelse147, 10): true}
	for _, r := range readerRoles {
		kommune := "101"
		if len(r.roles) > 0 && !slices.ContainsFunc(r.roles, func(n string) bool { role, _ := access.RoleByName(n); return role.NeedsKommune }) {
			kommune = ""
		}
		s := scopeAs(kommune, r.name)
		ind := tenant.IndsigtFor(s, holds(r.roles, access.SagRead))
		var page tenant.AuditPage
		var byCPR, accessByCPR []string
		err := db.InScope(ctx, s, func(tx *tenant.Tx) (err error) {
			if page, err = tx.AuditLog(ctx, tenant.AuditQuery{Indsigt: ind}); err != nil {
				return err
			}
			p, err := tx.AuditLog(ctx, tenant.AuditQuery{Indsigt: ind, CPR: logCPR})
			for _, x := range p.Records {
				byCPR = append(byCPR, x.Kommune+" "+x.Entity)
			}
			if err != nil {
				return err
			}
			a, err := tx.CPRAccessLog(ctx, tenant.CPRAccessQuery{Indsigt: ind, CPR: logCPR})
			for _, x := range a.Records {
				accessByCPR = append(accessByCPR, x.Kommune+" "+x.UserEmail)
			}
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		var shown, hidden int
		for _, x := range page.Records {
			thing := x.Entity + ":" + x.EntityID
			want := x.Entity != "sag" && x.Entity != "ydelse" || ind == tenant.KommunensIndsigt ||
				ind == tenant.IndberettetIndsigt && sag147[thing]
			if got := !x.Skjult && (x.Before != nil || x.After != nil); got != want || x.Skjult == want {
				t.Errorf("%s: %s %s shown %v (skjult %v, before %s, after %s), want shown %v", r.name, x.Kommune, thing, got,
					x.Skjult, x.Before, x.After, want)
			}
			if x.Entity == "ydelse" && x.SagID == 0 || x.Entity == "sag" && strconv.FormatInt(x.SagID, 10) != x.EntityID {
				t.Errorf("%s: %s without its sag (%d)", r.name, thing, x.SagID)
			}
			if x.UserEmail == "" || x.At.IsZero() || x.Action == "" {
				t.Errorf("%s: %s without who, when or what: %+v", r.name, thing, x)
			}
			if x.Skjult {
				hidden++
			} else {
				shown++
			}
		}
		wantByCPR, wantAccess := map[tenant.Indsigt][]string{
			tenant.KommunensIndsigt:   {"101 ydelse", "101 sag", "101 ydelse", "101 sag"},
			tenant.IndberettetIndsigt: {"147 ydelse", "147 sag"},
		}[ind], map[tenant.Indsigt][]string{
			tenant.KommunensIndsigt:   {"101 anna@101.invalid"},
			tenant.IndberettetIndsigt: {"147 karl@147.invalid"},
		}[ind]
		if !slices.Equal(byCPR, wantByCPR) || !slices.Equal(accessByCPR, wantAccess) {
			t.Errorf("%s: by CPR number the audit log finds %q, the CPR access log %q; want %q, %q", r.name, byCPR,
				accessByCPR, wantByCPR, wantAccess)
		}
		t.Logf("%s (%v): %d records shown, %d hidden", r.name, ind, shown, hidden)
	}
}

// TestProbeKeepsNothing: the transaction of a probe (an HTTP HEAD, Actor.Probe) runs as any
// other but keeps nothing: no CPR access record, no audit record, no data; an error of fn
// is still returned.
func TestProbeKeepsNothing(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	ctx := context.Background()
	probe := tenant.Scope{Kommune: "101", Actor: tenant.Actor{Email: "probe@101.invalid", Probe: true}}
	err := db.InScope(ctx, probe, func(tx *tenant.Tx) error {
		if _, err := tx.InsertSag(ctx, domain.Sag{CPR: logOtherCPR, Navn: "Probe"}); err != nil {
			return err
		}
		return tx.LogCPRAccess(ctx, "view", []string{logOtherCPR}, "probe")
	})
	if err != nil {
		t.Fatal(err)
	}
	if log := tenanttest.CPRAccessLog(t, db, "101"); len(log) != 0 {
		t.Errorf("a probe kept CPR access records: %+v", log)
	}
	var audit, sager int
	err = db.InScope(ctx, scopeAs("101", "test"), func(tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(ctx, `SELECT (SELECT count(*) FROM audit_log), (SELECT count(*) FROM sager)`).Scan(&audit, &sager)
	})
	if err != nil || audit != 0 || sager != 0 {
		t.Errorf("after a probe: %d audit records, %d sager (%v), want none", audit, sager, err)
	}
	boom := errors.New("boom")
	if err := db.InScope(ctx, probe, func(*tenant.Tx) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("a probe's error: %v, want boom", err)
	}
}
