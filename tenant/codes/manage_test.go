package codes_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"indberet/tenant"
	"indberet/tenant/codes"
	"indberet/tenant/domain"
	"indberet/tenant/tenanttest"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

var dst = tenant.Scope{AllKommuner: true, Actor: tenant.Actor{UserID: 0, Email: "dst@test.invalid"}}

func liste(t *testing.T, key string) domain.Liste {
	t.Helper()
	l, ok := domain.ListeByKey(key)
	if !ok {
		t.Fatalf("no list %s", key)
	}
	return l
}

// codeStore is a database with one ydelse in kommune 101 (1.3, målgruppe old_2018 1.1.1,
// tilbudstype old_2013 1.1, starting 01-03-2024) and a helper to run DST's transactions.
type codeStore struct {
	t  *testing.T
	db *tenant.DB
}

func newCodeStore(t *testing.T) *codeStore {
	t.Helper()
	db, _ := tenanttest.DB(t)
	ctx := context.Background()
	err := db.InScope(ctx, tenant.Scope{Kommune: "101", Actor: tenant.Actor{Email: "test"}}, func(tx *tenant.Tx) error {
		sag, err := tx.InsertSag(ctx, domain.Sag{CPR: "2802871230"})
		if err != nil {
			return err
		}
		_, err = tx.InsertYdelse(ctx, domain.Ydelse{SagID: sag, Indsatskode: "1.3", Startdato: day(2024, 3, 1),
			Betalingskommune: "101", TilbudstypeScheme: "old_2013", Tilbudstype: "1.1",
			Maalgrupper: []domain.Maalgruppe{{Scheme: "old_2018", Code: "1.1.1", Primaer: true}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return &codeStore{t: t, db: db}
}

func (s *codeStore) in(fn func(ctx context.Context, tx *tenant.Tx) error) error {
	ctx := context.Background()
	return s.db.InScope(ctx, dst, func(tx *tenant.Tx) error { return fn(ctx, tx) })
}

func (s *codeStore) kode(l domain.Liste, code string) domain.Kode {
	s.t.Helper()
	var k domain.Kode
	if err := s.in(func(ctx context.Context, tx *tenant.Tx) (err error) {
		k, err = codes.KodeByCode(ctx, tx, l, code)
		return
	}); err != nil {
		s.t.Fatalf("%s %s: %v", l.Key, code, err)
	}
	return k
}

// audits are the actions of the platform audit records about the code, oldest first.
func (s *codeStore) audits(l domain.Liste, code string) []string {
	s.t.Helper()
	var out []string
	err := s.in(func(ctx context.Context, tx *tenant.Tx) error {
		rows, err := tx.ToolTx().Query(ctx, `SELECT action FROM audit_log WHERE kommune_kode = '000' AND entity = $1
			AND entity_id = $2 AND user_email = 'dst@test.invalid' ORDER BY id`, "kodeliste:"+l.Key, code)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

func TestCodeListsWithUses(t *testing.T) {
	t.Parallel()
	s := newCodeStore(t)
	uses := map[string]map[string]int64{
		"indsatskoder":     {"1.3": 1, "1.1": 0},
		"maalgrupper-2018": {"1.1.1": 1},
		"maalgrupper-2013": {"1.1.1": 0},
		"tilbudstyper":     {"1.1": 1, "1.2": 0},
	}
	wantLen := map[string]int{"indsatskoder": 21, "ffb-ydelser": 43}
	for _, l := range domain.Lister {
		var ks []domain.Kode
		if err := s.in(func(ctx context.Context, tx *tenant.Tx) (err error) { ks, err = codes.Koder(ctx, tx, l); return }); err != nil {
			t.Fatalf("%s: %v", l.Key, err)
		}
		if len(ks) == 0 || wantLen[l.Key] != 0 && len(ks) != wantLen[l.Key] {
			t.Errorf("%s: %d codes", l.Key, len(ks))
		}
		for _, k := range ks {
			if want, ok := uses[l.Key][k.Code]; ok && k.Uses != want {
				t.Errorf("%s %s: %d uses, want %d", l.Key, k.Code, k.Uses, want)
			}
			if k.Name == "" || k.Path == "" || k.AddedAt != nil || k.Deletable() {
				t.Errorf("%s %s: %+v", l.Key, k.Code, k)
			}
		}
	}
	// FFB codes in tree order, with their parents' names.
	var ks []domain.Kode
	if err := s.in(func(ctx context.Context, tx *tenant.Tx) (err error) {
		ks, err = codes.Koder(ctx, tx, liste(t, "maalgrupper-ffb"))
		return
	}); err != nil {
		t.Fatal(err)
	}
	for i, k := range ks {
		if k.ParentCode != "" && (i == 0 || len(k.Path) <= len(k.Name)) {
			t.Errorf("FFB målgruppe %s: path %q", k.Name, k.Path)
		}
	}
}

func TestAddChangeRetireDeleteCode(t *testing.T) {
	t.Parallel()
	s := newCodeStore(t)
	l := liste(t, "indsatskoder")
	ny := domain.Kode{Code: "1.99", Name: "Ny indsats", Paragraph: "SEL § 999", RequiresTilbudssted: "no",
		VarighedDefault: "styk", ValidFrom: new(day(2026, 1, 1))}
	if err := s.in(func(ctx context.Context, tx *tenant.Tx) error { return codes.AddKode(ctx, tx, l, ny) }); err != nil {
		t.Fatal(err)
	}
	k := s.kode(l, "1.99")
	if k.Name != "Ny indsats" || k.VarighedDefault != "styk" || k.AddedAt == nil || !k.Deletable() || k.ValidFrom.Year() != 2026 {
		t.Errorf("added: %+v", k)
	}
	// Adding it again is a duplicate, and the transaction stays usable.
	err := s.in(func(ctx context.Context, tx *tenant.Tx) error {
		if err := codes.AddKode(ctx, tx, l, ny); !errors.Is(err, codes.ErrDuplicate) {
			t.Errorf("duplicate: %v", err)
		}
		_, err := codes.KodeByCode(ctx, tx, l, "1.99")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// Texts.
	var changed bool
	err = s.in(func(ctx context.Context, tx *tenant.Tx) (err error) {
		changed, err = codes.SetTexts(ctx, tx, l, "1.99", domain.Texts{Name: "Rettet", Paragraph: "SEL § 998", Source: "DST"})
		return
	})
	if err != nil || !changed {
		t.Fatalf("texts: %v %v", changed, err)
	}
	if k := s.kode(l, "1.99"); k.Name != "Rettet" || k.Paragraph != "SEL § 998" || k.Source != "DST" {
		t.Errorf("texts not saved: %+v", k)
	}
	err = s.in(func(ctx context.Context, tx *tenant.Tx) (err error) {
		changed, err = codes.SetTexts(ctx, tx, l, "1.99", domain.Texts{Name: "Rettet", Paragraph: "SEL § 998", Source: "DST"})
		return
	})
	if err != nil || changed {
		t.Errorf("same texts again: changed %v, %v", changed, err)
	}

	// Retire: not on or before the first valid day; valid_to is the day before.
	err = s.in(func(ctx context.Context, tx *tenant.Tx) error {
		_, _, err := codes.Retire(ctx, tx, l, "1.99", day(2026, 1, 1), nil)
		return err
	})
	if !errors.Is(err, codes.ErrRetireBeforeValid) {
		t.Errorf("retire on valid_from: %v", err)
	}
	err = s.in(func(ctx context.Context, tx *tenant.Tx) error {
		_, _, err := codes.Retire(ctx, tx, l, "1.99", day(2026, 7, 1), nil) // used by none: no confirmation
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	k = s.kode(l, "1.99")
	if !k.ValidTo.Equal(day(2026, 6, 30)) || !k.UdgaarFra().Equal(day(2026, 7, 1)) {
		t.Errorf("retired: valid_to %v, udgår fra %v", k.ValidTo, k.UdgaarFra())
	}
	snapAt := func() domain.Indsats {
		var snap *domain.Snapshot
		if err := s.in(func(ctx context.Context, tx *tenant.Tx) (err error) { snap, err = tx.CodeSnapshot(ctx); return }); err != nil {
			t.Fatal(err)
		}
		i, _ := snap.Indsats("1.99")
		return i
	}
	if i := snapAt(); !i.ValidAt(day(2026, 6, 30)) || i.ValidAt(day(2026, 7, 1)) {
		t.Errorf("snapshot: valid to %v", i.ValidTo)
	}
	err = s.in(func(ctx context.Context, tx *tenant.Tx) (err error) {
		changed, err = codes.Reinstate(ctx, tx, l, "1.99")
		return
	})
	if err != nil || !changed || snapAt().ValidTo != nil {
		t.Errorf("reinstate: %v %v", changed, err)
	}

	// Delete: the code added by mistake goes.
	if err := s.in(func(ctx context.Context, tx *tenant.Tx) error { return codes.DeleteKode(ctx, tx, l, "1.99") }); err != nil {
		t.Fatal(err)
	}
	err = s.in(func(ctx context.Context, tx *tenant.Tx) error {
		_, err := codes.KodeByCode(ctx, tx, l, "1.99")
		return err
	})
	if !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	want := []string{"code.add", "code.texts", "code.retire", "code.reinstate", "code.delete"}
	if got := s.audits(l, "1.99"); len(got) != len(want) || got[0] != want[0] || got[4] != want[4] {
		t.Errorf("audit %v, want %v", got, want)
	}
}

// A code that data uses is never deleted, nor is a code of the specification's files; the
// refusal changes nothing and writes no audit record.
func TestUsedCodeIsNeverDeleted(t *testing.T) {
	t.Parallel()
	s := newCodeStore(t)
	for _, c := range []struct {
		list, code string
		want       error
	}{
		{"indsatskoder", "1.3", codes.ErrFromSpecification},
		{"indsatskoder", "1.1", codes.ErrFromSpecification},
		{"maalgrupper-2018", "1.1.1", codes.ErrFromSpecification},
	} {
		l := liste(t, c.list)
		err := s.in(func(ctx context.Context, tx *tenant.Tx) error { return codes.DeleteKode(ctx, tx, l, c.code) })
		if !errors.Is(err, c.want) {
			t.Errorf("%s %s: %v, want %v", c.list, c.code, err, c.want)
		}
	}
	// A code DST added and a ydelse then used.
	l := liste(t, "maalgrupper-2018")
	err := s.in(func(ctx context.Context, tx *tenant.Tx) error {
		return codes.AddKode(ctx, tx, l, domain.Kode{Code: "99", Name: "Ny målgruppe", PrimaryAllowed: true, ValidFrom: new(day(2018, 1, 1))})
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = s.db.InScope(ctx, tenant.Scope{Kommune: "147", Actor: tenant.Actor{Email: "test"}}, func(tx *tenant.Tx) error {
		sag, err := tx.InsertSag(ctx, domain.Sag{CPR: "1503621235"})
		if err != nil {
			return err
		}
		_, err = tx.InsertYdelse(ctx, domain.Ydelse{SagID: sag, Indsatskode: "1.3", Startdato: day(2024, 3, 1),
			Betalingskommune: "147", Maalgrupper: []domain.Maalgruppe{{Scheme: "old_2018", Code: "99", Primaer: true}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if k := s.kode(l, "99"); k.Uses != 1 || k.Deletable() {
		t.Errorf("used code: %+v", k)
	}
	err = s.in(func(ctx context.Context, tx *tenant.Tx) error { return codes.DeleteKode(ctx, tx, l, "99") })
	if !errors.Is(err, codes.ErrInUse) {
		t.Errorf("delete used code: %v", err)
	}
	if got := s.audits(l, "99"); len(got) != 1 {
		t.Errorf("audit after refused delete: %v", got)
	}
	// Counted from 01-03-2024: the ydelse starts on that day; from the day after it runs.
	for d, want := range map[time.Time]codes.RetireImpact{day(2024, 3, 1): {StartFrom: 1}, day(2024, 3, 2): {Running: 1}} {
		var got codes.RetireImpact
		if err := s.in(func(ctx context.Context, tx *tenant.Tx) (err error) {
			got, err = codes.RetireImpactOf(ctx, tx, l, "99", d)
			return
		}); err != nil || got != want {
			t.Errorf("impact from %s: %+v %v, want %+v", d.Format(time.DateOnly), got, err, want)
		}
	}
}

// Retiring a code from a day on which ydelser use it asks first (issue 15 #6): Retire
// counts, in every kommune, the ydelser starting on or after the day and those running on
// it, and changes nothing until the caller confirms exactly those counts; the audit record
// holds them.
func TestRetireAsksWhenYdelserUseTheCode(t *testing.T) {
	t.Parallel()
	s := newCodeStore(t) // 101: 1.3 from 01-03-2024, open
	ctx := context.Background()
	// 147: 1.3 running on 01-01-2016, one starting 04-04-2016 (neutralised, Y2: counted all
	// the same) and one that ended on 31-12-2015 (not affected).
	err := s.db.InScope(ctx, tenant.Scope{Kommune: "147", Actor: tenant.Actor{Email: "test"}}, func(tx *tenant.Tx) error {
		sag, err := tx.InsertSag(ctx, domain.Sag{CPR: "1503621235"})
		if err != nil {
			return err
		}
		for _, y := range []domain.Ydelse{
			{Startdato: day(2015, 6, 1), Slutdato: new(day(2016, 6, 30))},
			{Startdato: day(2016, 4, 4), Slutdato: new(day(2016, 4, 4))},
			{Startdato: day(2014, 1, 6), Slutdato: new(day(2015, 12, 31))},
		} {
			y.SagID, y.Indsatskode, y.Betalingskommune = sag, "1.3", "147"
			y.Maalgrupper = []domain.Maalgruppe{{Scheme: "old_2013", Code: "1.1.2", Primaer: true}}
			if _, err := tx.InsertYdelse(ctx, y); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	l := liste(t, "indsatskoder")
	from := day(2016, 1, 1)
	want := codes.RetireImpact{StartFrom: 2, Running: 1}
	retire := func(confirmed *codes.RetireImpact) (got codes.RetireImpact, changed bool, err error) {
		err = s.in(func(ctx context.Context, tx *tenant.Tx) (err error) {
			got, changed, err = codes.Retire(ctx, tx, l, "1.3", from, confirmed)
			return
		})
		return
	}
	for _, confirmed := range []*codes.RetireImpact{nil, {StartFrom: 1, Running: 1}, {}} {
		got, changed, err := retire(confirmed)
		if !errors.Is(err, codes.ErrUnconfirmed) || changed || got != want {
			t.Errorf("confirmed %+v: %+v %v %v, want ErrUnconfirmed with %+v", confirmed, got, changed, err, want)
		}
	}
	if k := s.kode(l, "1.3"); k.ValidTo != nil || len(s.audits(l, "1.3")) != 0 {
		t.Fatalf("unconfirmed retire changed the code: %v %v", k.ValidTo, s.audits(l, "1.3"))
	}
	// A kommune's scope cannot count the others' ydelser.
	err = s.db.InScope(ctx, tenant.Scope{Kommune: "101", Actor: tenant.Actor{Email: "test"}}, func(tx *tenant.Tx) error {
		_, _, err := codes.Retire(ctx, tx, l, "1.3", from, &want)
		return err
	})
	if !errors.Is(err, codes.ErrNotAllKommuner) {
		t.Errorf("kommune scope: %v", err)
	}
	got, changed, err := retire(&want)
	if err != nil || !changed || got != want {
		t.Fatalf("confirmed: %+v %v %v", got, changed, err)
	}
	if k := s.kode(l, "1.3"); k.ValidTo == nil || !k.ValidTo.Equal(day(2015, 12, 31)) {
		t.Errorf("valid_to %v", k.ValidTo)
	}
	var after map[string]any
	if err := s.in(func(ctx context.Context, tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(ctx, `SELECT after FROM audit_log WHERE kommune_kode = '000' AND action = 'code.retire'
			AND entity_id = '1.3'`).Scan(&after)
	}); err != nil {
		t.Fatal(err)
	}
	if after["ydelser_fra"] != float64(2) || after["ydelser_i_gang"] != float64(1) || after["udgaar_fra"] == nil {
		t.Errorf("audit after %v", after)
	}
	// The same date again changes nothing and asks nothing.
	if _, changed, err := retire(nil); err != nil || changed {
		t.Errorf("same date again: %v %v", changed, err)
	}
}

func TestUnknownCodeIsNotFound(t *testing.T) {
	t.Parallel()
	s := newCodeStore(t)
	for _, l := range domain.Lister {
		err := s.in(func(ctx context.Context, tx *tenant.Tx) error {
			_, err := codes.SetTexts(ctx, tx, l, "00000000-0000-0000-0000-000000000000", domain.Texts{Name: "x"})
			return err
		})
		if !errors.Is(err, tenant.ErrNotFound) {
			t.Errorf("%s: %v", l.Key, err)
		}
	}
}
