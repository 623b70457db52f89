// Package demo loads the demo data of `indberet demo` (and `make run`): kommuner 101
// København, 147 Frederiksberg and 751 Aarhus activated as demo kommuner, users of every role,
// contact persons (none for Aarhus, to show the first-login page of K2), the worked example
// of DOMAIN.md with Niels Hansen, and a few dozen varied sager. Loading again adds only what
// is missing.
//
// CPR numbers are made up as CODES.md asks: never 1 January, and with a sequence number that
// fails the modulus-11 check, so no such number has been issued to a person.
package demo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/accounts"
	"indberet/tenant/domain"
)

// Password is the password of every demo user.
const Password = "demo-indberet-2026"

// Kommuner are the demo kommuner.
var Kommuner = []string{"101", "147", "751"}

// Login is one demo user as the summary lists it.
type Login struct {
	Email, Role, Kommune string
}

// Result tells what Load found or made.
type Result struct {
	Logins     []Login
	SagerAdded int
}

// Summary is the text `indberet demo` prints: the demo logins.
func (r Result) Summary(baseURL string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Demodata klar (%d nye sager). Log ind på %s/login med adgangskoden %q:\n", r.SagerAdded, baseURL, Password)
	for _, l := range r.Logins {
		k := l.Kommune
		if k == "" {
			k = "alle"
		}
		role := l.Role
		if role == "" {
			role = "(ingen rettighed)"
		}
		fmt.Fprintf(&b, "  %-36s %-20s kommune %s\n", l.Email, role, k)
	}
	return b.String()
}

var system = tenant.Actor{Email: "system:demo"}

// Load loads the demo data. It is idempotent.
func Load(ctx context.Context, db *tenant.DB, users *accounts.Store) (Result, error) {
	var res Result
	err := db.InScope(ctx, tenant.Scope{AllKommuner: true, Actor: system}, func(tx *tenant.Tx) error {
		for _, k := range Kommuner {
			if err := tx.ActivateKommune(ctx, k, true); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	for _, l := range logins() {
		if err := ensureUser(ctx, users, l); err != nil {
			return res, err
		}
		res.Logins = append(res.Logins, l)
	}
	for _, k := range []string{"101", "147"} {
		n, err := loadKommune(ctx, db, k)
		if err != nil {
			return res, fmt.Errorf("demo kommune %s: %w", k, err)
		}
		res.SagerAdded += n
	}
	return res, nil
}

func logins() []Login {
	var ls []Login
	for _, k := range Kommuner {
		for _, r := range []string{access.Indberetter, access.Laeser, access.Kommuneadmin} {
			ls = append(ls, Login{Email: fmt.Sprintf("%s.%s@demo.invalid", r, k), Role: r, Kommune: k})
		}
	}
	ls = append(ls,
		Login{Email: "uden-ret.101@demo.invalid", Role: "", Kommune: "101"},
		Login{Email: "dst@demo.invalid", Role: access.DST},
		Login{Email: "platform@demo.invalid", Role: access.Platformadmin},
	)
	return ls
}

func ensureUser(ctx context.Context, users *accounts.Store, l Login) error {
	_, err := users.ByEmail(ctx, l.Email)
	if err == nil {
		return nil
	}
	if !errors.Is(err, tenant.ErrNotFound) {
		return err
	}
	name := "Demo " + l.Role
	if l.Role == "" {
		name = "Demo uden rettighed"
	}
	_, err = users.Create(ctx, system, accounts.NewUser{
		Email: l.Email, Name: name, Kommune: l.Kommune, Role: l.Role, Password: Password, Demo: true,
	})
	if errors.Is(err, accounts.ErrEmailTaken) {
		return nil
	}
	return err
}

func loadKommune(ctx context.Context, db *tenant.DB, k string) (int, error) {
	added := 0
	err := db.InScope(ctx, tenant.Scope{Kommune: k, Actor: system}, func(tx *tenant.Tx) error {
		existing, err := tx.Kontaktpersoner(ctx)
		if err != nil {
			return err
		}
		if len(existing) == 0 {
			for i, rolle := range domain.Kontaktroller {
				navn := []string{"Faglig Demoperson", "Teknisk Demoperson", "Kvittering Demoperson"}[i]
				if err := tx.SaveKontaktperson(ctx, domain.Kontaktperson{
					Rolle: rolle, Navn: navn, Telefon: "+45 70 00 00 0" + fmt.Sprint(i),
					Email: fmt.Sprintf("%s.%s@demo.invalid", rolle, k),
				}); err != nil {
					return err
				}
			}
		}
		for _, s := range sager(k) {
			_, err := tx.SagIDByCPR(ctx, s.sag.CPR)
			if err == nil {
				continue
			}
			if !errors.Is(err, tenant.ErrNotFound) {
				return err
			}
			id, err := tx.InsertSag(ctx, s.sag)
			if err != nil {
				return err
			}
			for _, y := range s.ydelser {
				y.SagID = id
				if _, err := tx.InsertYdelse(ctx, y); err != nil {
					return err
				}
			}
			added++
		}
		return nil
	})
	return added, err
}

type demoSag struct {
	sag     domain.Sag
	ydelser []domain.Ydelse
}

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func datePtr(s string) *time.Time {
	t := date(s)
	return &t
}

// NielsHansenCPR is the made-up CPR number of the worked example (a man, born 15-03-1962;
// the number fails the modulus-11 check).
const NielsHansenCPR = "1503621235"

// sager are the demo sager of kommune k: in 101 Niels Hansen first, then generated ones.
func sager(k string) []demoSag {
	var out []demoSag
	if k == "101" {
		// DOMAIN.md, worked example: psychological treatment (not an ophold) for a
		// communication impairment, later a long-term stay with tilbudstype and place.
		out = append(out, demoSag{
			sag: domain.Sag{CPR: NielsHansenCPR, Navn: "Niels Hansen", Funktionsvurdering: "C",
				Bemaerkninger: "Eksemplet fra vejledningen."},
			ydelser: []domain.Ydelse{
				{Indsatskode: "1.3", Bevillingsdato: datePtr("2014-02-10"), Startdato: date("2014-03-01"),
					Slutdato: datePtr("2016-08-31"), Betalingskommune: k,
					Maalgrupper: []domain.Maalgruppe{{Scheme: "old_2013", Code: "1.1.4", Primaer: true}}},
				{Indsatskode: "1.8.1", Bevillingsdato: datePtr("2016-08-15"), Startdato: date("2016-09-01"),
					Betalingskommune: k, TilbudstypeScheme: "old_2013", Tilbudstype: "3.1.0",
					PNummer: "9000000101", AfdelingsUUID: demoUUID(k, "niels-hansen-botilbud"),
					Maalgrupper: []domain.Maalgruppe{{Scheme: "old_2013", Code: "1.1.4", Primaer: true}}},
			},
		})
	}
	count := map[string]int{"101": 30, "147": 12}[k]
	for i := 1; i <= count; i++ {
		out = append(out, generated(k, i))
	}
	return out
}

var (
	fornavne   = []string{"Anna", "Mads", "Sofie", "Jens", "Ida", "Peter", "Maria", "Lars", "Emma", "Ole", "Karen", "Frederik"}
	efternavne = []string{"Jensen", "Nielsen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen"}
)

// generated is the i'th generated sag of kommune k: 1–3 ydelser of varied kinds, about a
// third of the sager closed, all following the rules of DOMAIN.md (Y2–Y6).
func generated(k string, i int) demoSag {
	cpr := demoCPR(i*7+len(k)*131+int(k[0]), i%2 == 0)
	s := domain.Sag{CPR: cpr, Navn: fornavne[i%len(fornavne)] + " " + efternavne[(i/3)%len(efternavne)],
		Funktionsvurdering: []string{"", "A", "B", "C", "D", "E"}[i%6]}
	closed := i%3 == 0
	n := 1 + i%3
	var ys []domain.Ydelse
	for j := 0; j < n; j++ {
		y := template((i+j*5)%len(templates), k)
		if closed && y.Slutdato == nil {
			end := y.Startdato.AddDate(1, 0, 0)
			if end.After(time.Now()) {
				end = y.Startdato
			}
			y.Slutdato = &end
		}
		if y.Residential && hasResidential(ys) {
			continue // Y6: one stay at a time; keep it simple and skip a second stay
		}
		ys = append(ys, y.Ydelse)
	}
	return demoSag{sag: s, ydelser: ys}
}

type templYdelse struct {
	domain.Ydelse
	Residential bool
}

func hasResidential(ys []domain.Ydelse) bool {
	for _, y := range ys {
		if y.Indsatskode == "1.8.1" || y.Indsatskode == "1.8.2" || y.Indsatskode == "1.12.0.1" {
			return true
		}
	}
	return false
}

var templates = []func(k string) templYdelse{
	func(k string) templYdelse { // §102 treatment, 2013 rules
		return templYdelse{Ydelse: domain.Ydelse{Indsatskode: "1.3", Startdato: date("2016-04-04"), Betalingskommune: k,
			Maalgrupper: []domain.Maalgruppe{{Scheme: "old_2013", Code: "1.1.2", Primaer: true}}}}
	},
	func(k string) templYdelse { // §97 ledsageordning, 2018 codes, ended
		return templYdelse{Ydelse: domain.Ydelse{Indsatskode: "1.13.4", Startdato: date("2020-02-03"),
			Slutdato: datePtr("2023-06-30"), Betalingskommune: k,
			Maalgrupper: []domain.Maalgruppe{{Scheme: "old_2018", Code: "1.2.1", Primaer: true}}}}
	},
	func(k string) templYdelse { // §95, 2018 codes, with a secondary målgruppe
		return templYdelse{Ydelse: domain.Ydelse{Indsatskode: "1.17", Startdato: date("2022-09-12"), Betalingskommune: k,
			Maalgrupper: []domain.Maalgruppe{{Scheme: "old_2018", Code: "1.1.1", Primaer: true},
				{Scheme: "old_2018", Code: "1.1.2", Primaer: false}}}}
	},
	func(k string) templYdelse { // §104 FFB with tilbudssted (Y4, Y5)
		return templYdelse{Ydelse: domain.Ydelse{Indsatskode: "1.1", Startdato: date("2025-03-03"), Betalingskommune: k,
			PNummer: "9000000" + k, AfdelingsUUID: demoUUID(k, "dagtilbud"),
			TilbudsUUID: "9401777d-bdc5-4f52-9804-63c8cae9a792", YdelsesUUID: "7e419926-bb04-4829-99c9-95ea20403c2c",
			Maalgrupper: []domain.Maalgruppe{{Scheme: "ffb", Code: "16075f99-3694-4878-a48d-b2f4b515cb76", Primaer: true}}}}
	},
	func(k string) templYdelse { // §108 long-term stay, FFB (Y4, Y5, Y6)
		return templYdelse{Residential: true, Ydelse: domain.Ydelse{Indsatskode: "1.8.1", Startdato: date("2025-02-01"),
			Betalingskommune: k, PNummer: "9000001" + k, AfdelingsUUID: demoUUID(k, "botilbud-108"),
			TilbudsUUID: "498fe92c-d7f7-41cd-9404-5b38fe113be0", YdelsesUUID: "5af56051-8413-4115-aaa2-83a0767e1137",
			Maalgrupper: []domain.Maalgruppe{{Scheme: "ffb", Code: "293bf940-c075-4e3d-b5ef-6e331202e556", Primaer: true}}}}
	},
	func(k string) templYdelse { // §107 temporary stay, 2018 codes, ended, paid by another kommune
		pay := "147"
		if k == "147" {
			pay = "101"
		}
		return templYdelse{Residential: true, Ydelse: domain.Ydelse{Indsatskode: "1.8.2", Startdato: date("2019-05-06"),
			Slutdato: datePtr("2021-01-31"), Betalingskommune: pay, PNummer: "9000002" + k, AfdelingsUUID: demoUUID(k, "botilbud-107"),
			Maalgrupper: []domain.Maalgruppe{{Scheme: "old_2018", Code: "1.2.2", Primaer: true}}}}
	},
	func(k string) templYdelse { // §117a one-off help (Stykydelse)
		return templYdelse{Ydelse: domain.Ydelse{Indsatskode: "1.19.1", Varighed: "styk", Startdato: date("2024-10-14"),
			Slutdato: datePtr("2024-10-14"), Betalingskommune: k,
			Maalgrupper: []domain.Maalgruppe{{Scheme: "old_2018", Code: "1.1.1", Primaer: true}}}}
	},
}

func template(n int, k string) templYdelse {
	y := templates[n](k)
	if y.Bevillingsdato == nil {
		b := y.Startdato.AddDate(0, 0, -14)
		y.Bevillingsdato = &b
	}
	return y
}

// demoUUID is a stable made-up UUID for a demo offer.
func demoUUID(k, name string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("indberet-demo:"+k+":"+name)).String()
}

// demoCPR makes the n'th demo CPR number: a real date (never 1 January; born 1940–1999),
// and the first sequence number from a starting point whose modulus-11 check fails.
func demoCPR(n int, woman bool) string {
	day := 2 + n%27
	month := 1 + (n/27)%12
	year := 40 + (n*13)%60
	base := fmt.Sprintf("%02d%02d%02d", day, month, year)
	for seq := 1000 + (n*37)%2000; ; seq++ {
		last := seq % 10
		if woman != (last%2 == 0) {
			continue
		}
		cpr := fmt.Sprintf("%s%04d", base, seq)
		if !domain.PassesMod11(cpr) {
			return cpr
		}
	}
}
