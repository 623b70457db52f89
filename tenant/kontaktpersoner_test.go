package tenant_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"indberet/tenant"
	"indberet/tenant/domain"
)

// TestValidateKontaktperson: K1, each contact person has Kontaktperson, Telefonnr. and
// Email-adresse, all required; values are stored in one normalised form.
func TestValidateKontaktperson(t *testing.T) {
	t.Parallel()
	valid := domain.Kontaktperson{Rolle: domain.FagligAnsvarlig, Navn: "Mette Frederiksen", Telefon: "33 92 73 00", Email: "mf@kk.dk"}
	with := func(f func(*domain.Kontaktperson)) domain.Kontaktperson { k := valid; f(&k); return k }
	cases := []struct {
		name  string
		in    domain.Kontaktperson
		field string // "" for valid
		msg   string // part of the message
		want  domain.Kontaktperson
	}{
		{name: "valid, normalised", in: with(func(k *domain.Kontaktperson) { k.Navn = "  Mette Frederiksen " }),
			want: with(func(k *domain.Kontaktperson) { k.Telefon = "+45 33 92 73 00" })},
		{name: "K1 name required", in: with(func(k *domain.Kontaktperson) { k.Navn = "   " }),
			field: domain.KontaktNavn, msg: "Angiv navnet"},
		{name: "name 200 characters", in: with(func(k *domain.Kontaktperson) { k.Navn = strings.Repeat("ø", 200) }),
			want: with(func(k *domain.Kontaktperson) { k.Navn = strings.Repeat("ø", 200); k.Telefon = "+45 33 92 73 00" })},
		{name: "name too long", in: with(func(k *domain.Kontaktperson) { k.Navn = strings.Repeat("ø", 201) }),
			field: domain.KontaktNavn, msg: "højst være på 200 tegn"},
		{name: "K1 phone required", in: with(func(k *domain.Kontaktperson) { k.Telefon = "" }),
			field: domain.KontaktTelefon, msg: "Angiv et telefonnummer"},
		{name: "phone with letters", in: with(func(k *domain.Kontaktperson) { k.Telefon = "33 92 73 OO" }),
			field: domain.KontaktTelefon, msg: "8 cifre"},
		{name: "phone 7 digits", in: with(func(k *domain.Kontaktperson) { k.Telefon = "3392730" }),
			field: domain.KontaktTelefon, msg: "8 cifre"},
		{name: "phone 9 digits", in: with(func(k *domain.Kontaktperson) { k.Telefon = "339273001" }),
			field: domain.KontaktTelefon, msg: "8 cifre"},
		{name: "+45 with 7 digits", in: with(func(k *domain.Kontaktperson) { k.Telefon = "+45 3392730" }),
			field: domain.KontaktTelefon, msg: "8 cifre"},
		{name: "phone with parentheses", in: with(func(k *domain.Kontaktperson) { k.Telefon = "(+45) 33927300" }),
			field: domain.KontaktTelefon, msg: "8 cifre"},
		{name: "+45 and dashes", in: with(func(k *domain.Kontaktperson) { k.Telefon = "+45 3392-7300" }),
			want: with(func(k *domain.Kontaktperson) { k.Telefon = "+45 33 92 73 00" })},
		{name: "0045", in: with(func(k *domain.Kontaktperson) { k.Telefon = "0045 33927300" }),
			want: with(func(k *domain.Kontaktperson) { k.Telefon = "+45 33 92 73 00" })},
		{name: "foreign", in: with(func(k *domain.Kontaktperson) { k.Telefon = "+46 8 123 456 78" }),
			want: with(func(k *domain.Kontaktperson) { k.Telefon = "+46812345678" })},
		{name: "foreign too short", in: with(func(k *domain.Kontaktperson) { k.Telefon = "+46 1234" }),
			field: domain.KontaktTelefon, msg: "landekode"},
		{name: "foreign too long", in: with(func(k *domain.Kontaktperson) { k.Telefon = "+46 12345678901234" }),
			field: domain.KontaktTelefon, msg: "landekode"},
		{name: "K1 email required", in: with(func(k *domain.Kontaktperson) { k.Email = " " }),
			field: domain.KontaktEmail, msg: "Angiv en email-adresse"},
		{name: "email without @", in: with(func(k *domain.Kontaktperson) { k.Email = "mf.kk.dk" }),
			field: domain.KontaktEmail, msg: "gyldig email-adresse"},
		{name: "two addresses", in: with(func(k *domain.Kontaktperson) { k.Email = "a@kk.dk, b@kk.dk" }),
			field: domain.KontaktEmail, msg: "gyldig email-adresse"},
		{name: "display name", in: with(func(k *domain.Kontaktperson) { k.Email = "Mette <mf@kk.dk>" }),
			field: domain.KontaktEmail, msg: "gyldig email-adresse"},
		{name: "domain without dot", in: with(func(k *domain.Kontaktperson) { k.Email = "mf@localhost" }),
			field: domain.KontaktEmail, msg: "gyldig email-adresse"},
		{name: "domain ends in dot", in: with(func(k *domain.Kontaktperson) { k.Email = "mf@kk.dk." }),
			field: domain.KontaktEmail, msg: "gyldig email-adresse"},
		{name: "email 254 characters", in: with(func(k *domain.Kontaktperson) {
			k.Email = strings.Repeat("a", 60) + "@" + strings.Repeat("b", 190) + ".dk"
		}),
			want: with(func(k *domain.Kontaktperson) {
				k.Telefon = "+45 33 92 73 00"
				k.Email = strings.Repeat("a", 60) + "@" + strings.Repeat("b", 190) + ".dk"
			})},
		{name: "email too long", in: with(func(k *domain.Kontaktperson) {
			k.Email = strings.Repeat("a", 60) + "@" + strings.Repeat("b", 191) + ".dk"
		}),
			field: domain.KontaktEmail, msg: "højst være på 254 tegn"},
		{name: "domain lower-cased, local part kept", in: with(func(k *domain.Kontaktperson) { k.Email = " Mette.F@KK.DK " }),
			want: with(func(k *domain.Kontaktperson) { k.Telefon = "+45 33 92 73 00"; k.Email = "Mette.F@kk.dk" })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := domain.ValidateKontaktperson(tc.in)
			if tc.field == "" {
				if errs != nil {
					t.Fatalf("errors %v, want none", errs)
				}
				if got != tc.want {
					t.Errorf("got %+v, want %+v", got, tc.want)
				}
				return
			}
			if len(errs) != 1 || !strings.Contains(errs[tc.field], tc.msg) {
				t.Errorf("errors %v, want only %s: …%s…", errs, tc.field, tc.msg)
			}
		})
	}
}

// TestKontaktpersonerMangler: K1, all three roles are needed before the first sag.
func TestKontaktpersonerMangler(t *testing.T) {
	t.Parallel()
	db, _ := setup(t)
	ctx := context.Background()
	mangler := func(kommune string) []domain.Kontaktrolle {
		t.Helper()
		var m []domain.Kontaktrolle
		err := db.InScope(ctx, tenant.Scope{Kommune: kommune}, func(tx *tenant.Tx) (err error) {
			m, err = tx.KontaktpersonerMangler(ctx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := mangler("101"); len(m) != 0 {
		t.Errorf("101 (demo contact persons): missing %v, want none", m)
	}
	if m := mangler("751"); !slices.Equal(m, domain.Kontaktroller) {
		t.Errorf("751 (none): missing %v, want all three", m)
	}
	aarhus := tenant.Scope{Kommune: "751", Actor: tenant.Actor{Email: "test"}}
	err := db.InScope(ctx, aarhus, func(tx *tenant.Tx) error {
		return tx.SaveKontaktperson(ctx, domain.Kontaktperson{Rolle: domain.TekniskAnsvarlig,
			Navn: "Teknikeren", Telefon: "+45 89 40 20 00", Email: "it@aarhus.dk"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if m := mangler("751"); !slices.Equal(m, []domain.Kontaktrolle{domain.FagligAnsvarlig, domain.Kvitteringsmodtager}) {
		t.Errorf("751 with teknisk: missing %v", m)
	}
	err = db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
		_, err := tx.KontaktpersonerMangler(ctx)
		return err
	})
	if !errors.Is(err, tenant.ErrNoScope) {
		t.Errorf("without a kommune: %v, want ErrNoScope", err)
	}
	// Every kommune at once, for DST and the platform administrator: the same answer.
	var all map[string][]domain.Kontaktrolle
	err = db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) (err error) {
		all, err = tx.KontaktpersonerManglerAlle(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := all["101"]; ok || !slices.Equal(all["751"], mangler("751")) || !slices.Equal(all["825"], domain.Kontaktroller) ||
		len(all) != 96 { // all but the demo kommuner 101 and 147
		t.Errorf("every kommune: 101 %v, 751 %v, 825 %v, %d kommuner missing some", all["101"], all["751"], all["825"], len(all))
	}
	// A kommune's scope does not ask for every kommune: it sees only its own contact persons.
	err = db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		_, err := tx.KontaktpersonerManglerAlle(ctx)
		return err
	})
	if !errors.Is(err, tenant.ErrNoScope) {
		t.Errorf("every kommune in 101's scope: %v, want ErrNoScope", err)
	}
}

// TestSaveKontaktpersonVersion: a save names the version it read; a stale one is a conflict,
// and a save that changes nothing writes nothing (K2: changed at any time, audited).
func TestSaveKontaktpersonVersion(t *testing.T) {
	t.Parallel()
	db, _ := setup(t)
	ctx := context.Background()
	aarhus := tenant.Scope{Kommune: "751", Actor: tenant.Actor{Email: "test"}}
	save := func(k domain.Kontaktperson) error {
		return db.InScope(ctx, aarhus, func(tx *tenant.Tx) error { return tx.SaveKontaktperson(ctx, k) })
	}
	get := func() domain.Kontaktperson {
		t.Helper()
		var ks []domain.Kontaktperson
		if err := db.InScope(ctx, aarhus, func(tx *tenant.Tx) (err error) { ks, err = tx.Kontaktpersoner(ctx); return }); err != nil {
			t.Fatal(err)
		}
		if len(ks) != 1 {
			t.Fatalf("kontaktpersoner %v, want one", ks)
		}
		return ks[0]
	}
	audits := func() int {
		t.Helper()
		var n int
		err := db.InScope(ctx, aarhus, func(tx *tenant.Tx) error {
			return tx.ToolTx().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'kontaktperson.save'`).Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	k := domain.Kontaktperson{Rolle: domain.Kvitteringsmodtager, Navn: "Anne", Telefon: "+45 89 40 20 00", Email: "anne@aarhus.dk"}
	if err := save(k); err != nil {
		t.Fatal(err)
	}
	if err := save(k); !errors.Is(err, tenant.ErrConflict) {
		t.Errorf("second first save: %v, want ErrConflict", err)
	}
	stored := get()
	if stored.Version != 1 || audits() != 1 {
		t.Fatalf("after create: version %d, %d audit records; want 1, 1", stored.Version, audits())
	}
	if err := save(stored); err != nil || get().Version != 1 || audits() != 1 {
		t.Errorf("unchanged save: err %v, version %d, %d audit records; want nothing written", err, get().Version, audits())
	}
	changed := stored
	changed.Navn = "Anne Sørensen"
	if err := save(changed); err != nil {
		t.Fatal(err)
	}
	if got := get(); got.Navn != "Anne Sørensen" || got.Version != 2 || audits() != 2 {
		t.Errorf("after change: %+v, %d audit records", got, audits())
	}
	changed.Navn = "Stale" // still version 1
	if err := save(changed); !errors.Is(err, tenant.ErrConflict) {
		t.Errorf("stale save: %v, want ErrConflict", err)
	}
	if got := get(); got.Navn != "Anne Sørensen" {
		t.Errorf("stale save wrote %q", got.Navn)
	}
}
