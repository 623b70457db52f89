package demo

import (
	"context"
	"fmt"
	"strings"

	"indberet/tenant"
	"indberet/tenant/accounts"
)

// RealDataError is CheckNoRealData's refusal: the database holds real data. Its message is
// Danish, for the operator of `indberet demo`.
type RealDataError struct {
	// Kommuner are the kommuner with real data, each with what shows it, by kommunekode
	// ("" for the users of DST and the platform, who belong to no kommune).
	Kommuner map[string]string
	msg      string
}

func (e *RealDataError) Error() string { return e.msg }

// CheckNoRealData refuses (a *RealDataError) a database that holds real data: a user who is
// not a demo user, or sager in a kommune that is not a demo kommune. The demo data must never
// go there (issue 14 #11): its users have the published Password, DST's and the platform
// administrator's among them, who see every kommune, and its sager would be delivered to
// Danmarks Statistik as the kommune's. So one kommune with real data refuses the whole load,
// not only the demo kommuner.
func CheckNoRealData(ctx context.Context, db *tenant.DB, users *accounts.Store) error {
	real := map[string]string{}
	us, err := users.All(ctx, "")
	if err != nil {
		return err
	}
	for _, u := range us {
		if _, seen := real[u.Kommune]; !seen && !u.Demo {
			real[u.Kommune] = "brugeren " + u.Email + ", der ikke er en demobruger"
		}
	}
	var sager []string
	err = db.InScope(ctx, tenant.Scope{AllKommuner: true, Actor: system}, func(tx *tenant.Tx) (err error) {
		sager, err = tx.KommunerMedRigtigeSager(ctx)
		return err
	})
	if err != nil {
		return err
	}
	for _, k := range sager {
		if _, seen := real[k]; !seen {
			real[k] = "sager, og den er ikke en demokommune"
		}
	}
	if len(real) == 0 {
		return nil
	}
	ks, err := db.Kommuner(ctx)
	if err != nil {
		return err
	}
	var hvor []string
	if what, ok := real[""]; ok {
		hvor = append(hvor, "Danmarks Statistik og platformen har "+what)
	}
	for _, k := range ks {
		if what, ok := real[k.Kode]; ok {
			hvor = append(hvor, fmt.Sprintf("%s (%s) har %s", k.Navn, k.Kode, what))
		}
	}
	return &RealDataError{Kommuner: real, msg: "databasen har rigtige data, så demodata indlæses ikke: " +
		strings.Join(hvor, "; ") + ". Demobrugerne har en offentlig adgangskode og ville se alle kommuners data, " +
		"og demosagerne ville blive leveret til Danmarks Statistik"}
}
