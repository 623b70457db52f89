package generate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"indberet/tenant"
	"indberet/tenant/accounts"
	"indberet/tenant/domain"
	"indberet/tenant/tenanttest"
)

func TestCPRs(t *testing.T) {
	t.Parallel()
	c := NewCPRs(3, []string{"0203401234"})
	seen := map[string]bool{"0203401234": true}
	births := []time.Time{
		time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC), // moved to 2 January
		time.Date(1962, 3, 15, 0, 0, 0, 0, time.UTC),
		time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2004, 6, 30, 0, 0, 0, 0, time.UTC),
		time.Date(1940, 3, 2, 0, 0, 0, 0, time.UTC),
	}
	for i := range 5000 {
		birth, woman := births[i%len(births)], i%3 == 0
		cpr := c.Next(birth, woman)
		if seen[cpr] {
			t.Fatalf("%s made twice", cpr)
		}
		seen[cpr] = true
		if _, err := domain.ParseCPR(cpr); err != nil {
			t.Fatalf("%s: %v", cpr, err)
		}
		got, _ := domain.CPRBirthDate(cpr)
		want := birth
		if want.Month() == time.January && want.Day() == 1 {
			want = want.AddDate(0, 0, 1)
		}
		if !got.Equal(want) {
			t.Fatalf("%s: born %s, want %s", cpr, got.Format(time.DateOnly), want.Format(time.DateOnly))
		}
		if domain.PassesMod11(cpr) {
			t.Fatalf("%s passes the modulus-11 check", cpr)
		}
		if even := (cpr[9]-'0')%2 == 0; even != woman {
			t.Fatalf("%s: last digit for woman=%v", cpr, woman)
		}
	}
}

func TestSagerFor(t *testing.T) {
	t.Parallel()
	if len(Population) != 98 {
		t.Fatalf("%d kommuner in Population, want 98", len(Population))
	}
	total := 0
	for k := range Population {
		total += SagerFor(k, 1)
	}
	if total < 59900 || total > 60100 {
		t.Errorf("scale 1 gives %d sager, want about 60,000", total)
	}
	if share := float64(SagerFor("101", 1)) / float64(total); share < 0.105 || share > 0.115 {
		t.Errorf("København has %.1f %% of the sager, want about 11 %%", share*100)
	}
	if SagerFor("825", 0.001) != 1 {
		t.Error("a kommune gets at least one sag")
	}
}

// TestGenerate loads a tiny data set (scale 0.01: about 640 sager in 98 kommuner) and checks
// it: the counts, that every ydelse passes the rules the app applies (Y1–Y6), the
// aggregates against a recount, that the schema is as before the load, and that a second
// run reuses the data.
func TestGenerate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, owner := tenanttest.DB(t)
	users := accounts.NewStore(db)
	today := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	o := Options{Scale: 0.01, Seed: 7, Today: today}
	before := schemaState(t, owner)
	res, err := Generate(ctx, owner, db, users, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("phases %v", res.Phases)
	if after := schemaState(t, owner); after != before {
		t.Errorf("schema after the load:\n%s\nbefore:\n%s", after, before)
	}

	want := 0
	for k := range Population {
		want += SagerFor(k, o.Scale)
	}
	if res.Sager != int64(want) || res.Kommuner != 98 || res.Ydelser < res.Sager || res.Ydelser > 4*res.Sager ||
		res.Maalgrupper < res.Ydelser {
		t.Fatalf("result %+v, want %d sager in 98 kommuner with 1–4 ydelser each", res.Marker, want)
	}

	snap, err := db.CodeSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var sager, ydelser, closed, delivered int
	perKommune := map[string]int{}
	for _, k := range snap.Kommuner() {
		if u, err := users.ByEmail(ctx, UserEmail(k.Kode)); err != nil || !u.Demo || u.Kommune != k.Kode {
			t.Errorf("user of %s: %+v, %v", k.Kode, u, err)
		}
		if km, err := db.Kommune(ctx, k.Kode); err != nil || !km.Aktiv || !km.Demo {
			t.Errorf("kommune %s: %+v, %v", k.Kode, km, err)
		}
		err := db.InScope(ctx, tenant.Scope{Kommune: k.Kode, Actor: tenant.Actor{Email: "test"}}, func(tx *tenant.Tx) error {
			if missing, err := tx.KontaktpersonerMangler(ctx); err != nil || len(missing) > 0 {
				t.Errorf("kommune %s lacks contact persons %v (%v)", k.Kode, missing, err)
			}
			page, err := tx.List(ctx, tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, Today: today})
			if err != nil {
				return err
			}
			ids, err := sagIDs(ctx, tx)
			if err != nil {
				return err
			}
			perKommune[k.Kode] = len(ids)
			if page.Total > len(ids) {
				t.Errorf("%s: %d in Egne IDEP of %d sager", k.Kode, page.Total, len(ids))
			}
			// The kept counts of the load (00015) are those of the sager loaded.
			var egne, alle int
			if err := tx.ToolTx().QueryRow(ctx, `SELECT count(*) FILTER (WHERE kilde = 'egne'),
				count(*) FILTER (WHERE indberettet_at IS NOT NULL) FROM sager`).Scan(&egne, &alle); err != nil {
				return err
			}
			if n, err := tx.ListCounts(ctx); err != nil || n.Egne != egne || n.Alle != alle || page.Total != egne {
				t.Errorf("%s: kept counts %+v (%v), Egne IDEP's total %d; counted egne %d, alle %d", k.Kode, n, err, page.Total, egne, alle)
			}
			open, err := tx.List(ctx, tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager,
				Filter: tenant.FilterIkkeAfsluttede, Today: today})
			if err != nil {
				return err
			}
			var openCounted int
			if err := tx.ToolTx().QueryRow(ctx, `SELECT count(*) FROM sager WHERE kilde = 'egne'
				AND (slutdato_max IS NULL OR slutdato_max >= $1)`, today).Scan(&openCounted); err != nil {
				return err
			}
			if open.Total != openCounted {
				t.Errorf("%s: Ikke afsluttede sager %d by the kept counts, %d counted", k.Kode, open.Total, openCounted)
			}
			// And per CPR prefix of 1–3 digits (liste_taelling_cpr, 00021), here those of the
			// kommune's first sag.
			if len(ids) > 0 {
				if err := checkPrefixCounts(ctx, t, tx, k.Kode, ids[0], today); err != nil {
					return err
				}
			}
			seen := map[string]bool{}
			for _, id := range ids {
				s, ys, err := tx.SagMedYdelser(ctx, id)
				if err != nil {
					return err
				}
				sager++
				ydelser += len(ys)
				checkSag(t, snap, k.Kode, today, s, ys, seen)
				if domain.SagStatus(slutdatoer(ys), today) == domain.Afsluttet {
					closed++
				}
				if s.IndberettetAt != nil {
					delivered++
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if int64(sager) != res.Sager || int64(ydelser) != res.Ydelser {
		t.Errorf("read back %d sager, %d ydelser; generated %d, %d", sager, ydelser, res.Sager, res.Ydelser)
	}
	if share := float64(closed) / float64(sager); share < 0.2 || share > 0.45 {
		t.Errorf("%.0f %% of the sager closed, want about a third", share*100)
	}
	if delivered == 0 || delivered == sager {
		t.Errorf("%d of %d sager delivered, want some", delivered, sager)
	}
	if perKommune["101"] < perKommune["751"] || perKommune["751"] < perKommune["825"] {
		t.Errorf("sager per kommune do not follow the population: %v", perKommune)
	}
	if n := staleAggregates(t, owner); n != 0 {
		t.Errorf("%d sager whose Antal ydelser or latest Slutdato differ from a recount", n)
	}

	// The same scale and seed again: nothing happens. Another scale: refused.
	again, err := Generate(ctx, owner, db, users, o)
	if err != nil || !again.Reused || again.Sager != res.Sager {
		t.Errorf("second run: %+v, %v", again, err)
	}
	if _, err := Generate(ctx, owner, db, users, Options{Scale: 0.02, Seed: 7, Today: today}); !errors.Is(err, ErrOtherData) {
		t.Errorf("another scale: %v, want ErrOtherData", err)
	}
}

// checkPrefixCounts compares, in kommune, the counts of the lists with a CPR prefix of 1–3
// digits, those of sag's CPR number, from the load's kept counts with counting the sager,
// for each list and view the kept counts answer and each status filter (S6, S8, S9).
func checkPrefixCounts(ctx context.Context, t *testing.T, tx *tenant.Tx, kommune string, sag int64, today time.Time) error {
	t.Helper()
	var cpr string
	if err := tx.ToolTx().QueryRow(ctx, `SELECT cpr FROM sager WHERE id = $1`, sag).Scan(&cpr); err != nil {
		return err
	}
	for _, c := range tenanttest.KeptLists {
		for _, f := range []tenant.Filter{tenant.FilterAlle, tenant.FilterAfsluttede, tenant.FilterIkkeAfsluttede} {
			for n := 1; n <= 3; n++ {
				q := c
				q.Filter, q.CPRPrefix, q.Today, q.Limit = f, cpr[:n], today, 1
				page, err := tx.List(ctx, q)
				if err != nil {
					return err
				}
				var want int
				if err := tx.ToolTx().QueryRow(ctx, tenanttest.CountedSQL(q), kommune, today, q.CPRPrefix).Scan(&want); err != nil {
					return err
				}
				if page.Total != want {
					t.Errorf("%s: %s %s %s prefix %s: %d by the kept counts, %d counted", kommune, q.Liste, q.Visning, f,
						q.CPRPrefix, page.Total, want)
				}
			}
		}
	}
	return nil
}

// checkSag checks one generated sag and its ydelser against the rules.
func checkSag(t *testing.T, snap *domain.Snapshot, kommune string, today time.Time, s domain.Sag, ys []domain.Ydelse, seen map[string]bool) {
	t.Helper()
	if _, err := domain.ParseCPR(s.CPR); err != nil || domain.PassesMod11(s.CPR) || s.CPR[:4] == "0101" || seen[s.CPR] {
		t.Errorf("sag %d: CPR %s (valid: %v, modulus 11 passes: %v, seen: %v)", s.ID, s.CPR, err, domain.PassesMod11(s.CPR), seen[s.CPR])
	}
	seen[s.CPR] = true
	if len(ys) < 1 || len(ys) > 4 || s.AntalYdelser != len(ys) {
		t.Errorf("sag %d: %d ydelser, Antal ydelser %d", s.ID, len(ys), s.AntalYdelser)
	}
	for _, y := range ys {
		got, errs := domain.ValidateYdelse(domain.YdelseInputOf(y), snap, kommune, today)
		if !errs.OK() {
			t.Errorf("sag %d ydelse %d (%s from %s) fails the rules: %v", s.ID, y.ID, y.Indsatskode,
				y.Startdato.Format(time.DateOnly), errs)
			continue
		}
		if len(got.Maalgrupper) != len(y.Maalgrupper) {
			t.Errorf("ydelse %d: målgrupper %v", y.ID, y.Maalgrupper)
		}
		if msg, ok := domain.CheckOphold(y, ys, snap); !ok {
			t.Errorf("sag %d ydelse %d: %s", s.ID, y.ID, msg)
		}
		if y.Startdato.Before(firstStart) || y.Startdato.After(today) {
			t.Errorf("ydelse %d starts %s", y.ID, y.Startdato.Format(time.DateOnly))
		}
	}
}

func slutdatoer(ys []domain.Ydelse) []*time.Time {
	var out []*time.Time
	for _, y := range ys {
		out = append(out, y.Slutdato)
	}
	return out
}

// sagIDs are the ids of the scope kommune's sager.
func sagIDs(ctx context.Context, tx *tenant.Tx) ([]int64, error) {
	rows, err := tx.ToolTx().Query(ctx, `SELECT id FROM sager ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// ownerTx runs fn in a transaction of the owner that reads every kommune.
func ownerTx(t *testing.T, owner string, fn func(ctx context.Context, tx pgx.Tx) error) {
	t.Helper()
	ctx := context.Background()
	ownerDB, err := tenant.OpenOwner(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	defer ownerDB.Close()
	err = pgx.BeginFunc(ctx, ownerDB.ToolPool(), func(tx pgx.Tx) error {
		if err := asAll(ctx, tx); err != nil {
			return err
		}
		return fn(ctx, tx)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// staleAggregates counts the sager whose kept aggregates differ from a recount.
func staleAggregates(t *testing.T, owner string) int {
	var n int
	ownerTx(t, owner, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			SELECT count(*) FROM sager s
			LEFT JOIN LATERAL (SELECT count(*)::integer AS n,
				CASE WHEN count(*) > 0 AND count(*) = count(slutdato) THEN max(slutdato) END AS slut_max
				FROM ydelser y WHERE y.kommune_kode = s.kommune_kode AND y.sag_id = s.id) a ON true
			WHERE (s.antal_ydelser, s.slutdato_max) IS DISTINCT FROM (a.n, a.slut_max)`).Scan(&n)
	})
	return n
}

// schemaState describes what the load changes and puts back: the foreign keys, FORCE of
// row-level security, and the triggers' state.
func schemaState(t *testing.T, owner string) string {
	var s string
	ownerTx(t, owner, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			SELECT string_agg(x, E'\n' ORDER BY x) FROM (
				SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated::text AS x
				FROM pg_constraint WHERE contype = 'f'
				UNION ALL SELECT relname || ' force rls ' || relforcerowsecurity::text FROM pg_class
				WHERE relname IN ('sager', 'ydelser', 'ydelse_maalgrupper', 'liste_taelling', 'liste_taelling_cpr')
				UNION ALL SELECT tgname || ' ' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal
			) t`).Scan(&s)
	})
	return s
}
