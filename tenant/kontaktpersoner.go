package tenant

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// A kommune's contact persons (K1): the three roles, reading and saving them, and which
// roles a kommune still lacks.

// Kontaktrolle is one of the three kinds of contact person of K1.
type Kontaktrolle string

// The three contact persons every kommune registers (K1).
const (
	FagligAnsvarlig     Kontaktrolle = "faglig"
	TekniskAnsvarlig    Kontaktrolle = "teknisk"
	Kvitteringsmodtager Kontaktrolle = "kvittering"
)

// Kontaktroller lists the roles in the order the form shows them.
var Kontaktroller = []Kontaktrolle{FagligAnsvarlig, TekniskAnsvarlig, Kvitteringsmodtager}

// Kontaktperson is a kommune's contact person for one role (K1).
type Kontaktperson struct {
	Rolle   Kontaktrolle
	Navn    string
	Telefon string
	Email   string
	Version int // optimistic locking: a save names the version it read (0: none registered yet)
}

// KommuneKontaktperson is a contact person with its kommune, for readers of every kommune
// (DST, T3).
type KommuneKontaktperson struct {
	Kommune string
	Kontaktperson
}

// Kontaktpersoner returns the scope kommune's contact persons, in the order of Kontaktroller.
func (t *Tx) Kontaktpersoner(ctx context.Context) ([]Kontaktperson, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT rolle, navn, telefon, email, version FROM kontaktpersoner
		WHERE kommune_kode = $1 ORDER BY array_position(ARRAY['faglig','teknisk','kvittering'], rolle)`,
		t.scope.Kommune)
	if err != nil {
		return nil, fmt.Errorf("kontaktpersoner: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Kontaktperson, error) {
		var k Kontaktperson
		err := r.Scan(&k.Rolle, &k.Navn, &k.Telefon, &k.Email, &k.Version)
		return k, err
	})
}

// AlleKontaktpersoner returns the contact persons of every kommune the scope may read,
// ordered by kommune and role: for DST, whose scope reads every kommune (T3). In a kommune
// scope it returns that kommune's only (row-level security, T1).
func (t *Tx) AlleKontaktpersoner(ctx context.Context) ([]KommuneKontaktperson, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT kommune_kode, rolle, navn, telefon, email, version FROM kontaktpersoner
		ORDER BY kommune_kode, array_position(ARRAY['faglig','teknisk','kvittering'], rolle)`)
	if err != nil {
		return nil, fmt.Errorf("alle kontaktpersoner: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (KommuneKontaktperson, error) {
		var k KommuneKontaktperson
		err := r.Scan(&k.Kommune, &k.Rolle, &k.Navn, &k.Telefon, &k.Email, &k.Version)
		return k, err
	})
}

// KontaktpersonerMangler returns the roles of K1 the scope kommune has not registered yet,
// in the order of Kontaktroller (none: the kommune may create sager). K1: all three are
// needed before the first sag.
func (t *Tx) KontaktpersonerMangler(ctx context.Context) ([]Kontaktrolle, error) {
	if t.scope.Kommune == "" {
		return nil, ErrNoScope
	}
	rows, err := t.tx.Query(ctx, `SELECT rolle FROM kontaktpersoner WHERE kommune_kode = $1`, t.scope.Kommune)
	if err != nil {
		return nil, fmt.Errorf("kontaktpersoner mangler: %w", err)
	}
	have, err := pgx.CollectRows(rows, pgx.RowTo[Kontaktrolle])
	if err != nil {
		return nil, fmt.Errorf("kontaktpersoner mangler: %w", err)
	}
	return missingRoles(have), nil
}

// KontaktpersonerManglerAlle returns, for every kommune the scope may read (DST and platform
// administrators: all), the roles of K1 it has not registered yet, in the order of
// Kontaktroller; a kommune that has all three is not in the map. Only a read-all scope asks:
// in a kommune's scope the other kommuners' contact persons are hidden, and they would seem
// to miss all three (ErrNoScope).
func (t *Tx) KontaktpersonerManglerAlle(ctx context.Context) (map[string][]Kontaktrolle, error) {
	if !t.scope.AllKommuner {
		return nil, ErrNoScope
	}
	rows, err := t.tx.Query(ctx, `
		SELECT k.kommune_kode, array_remove(array_agg(p.rolle), NULL)
		FROM kommuner k LEFT JOIN kontaktpersoner p ON p.kommune_kode = k.kommune_kode
		GROUP BY k.kommune_kode`)
	if err != nil {
		return nil, fmt.Errorf("kontaktpersoner mangler: %w", err)
	}
	out := map[string][]Kontaktrolle{}
	var kommune string
	var have []Kontaktrolle
	_, err = pgx.ForEachRow(rows, []any{&kommune, &have}, func() error {
		if m := missingRoles(have); len(m) > 0 {
			out[kommune] = m
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("kontaktpersoner mangler: %w", err)
	}
	return out, nil
}

// missingRoles are the roles of Kontaktroller that have does not hold, in that order (K1).
func missingRoles(have []Kontaktrolle) []Kontaktrolle {
	var missing []Kontaktrolle
	for _, r := range Kontaktroller {
		if !slices.Contains(have, r) {
			missing = append(missing, r)
		}
	}
	return missing
}

// SaveKontaktperson creates or replaces the scope kommune's contact person for k.Rolle, with
// an audit record (K1, K2: contact persons can be changed at any time).
//
// k.Version is the version the caller read, 0 when the kommune had none for the role: if the
// stored row is another version (someone saved in between, or created the row first), nothing
// is written and ErrConflict is returned. If the stored values equal k's, nothing is written
// either (no audit record for a save that changes nothing). Validate k first
// (ValidateKontaktperson); the database only refuses empty values.
func (t *Tx) SaveKontaktperson(ctx context.Context, k Kontaktperson) error {
	var old Kontaktperson
	err := t.tx.QueryRow(ctx, `SELECT rolle, navn, telefon, email, version FROM kontaktpersoner
		WHERE kommune_kode = $1 AND rolle = $2 FOR UPDATE`, t.scope.Kommune, k.Rolle).
		Scan(&old.Rolle, &old.Navn, &old.Telefon, &old.Email, &old.Version)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if k.Version != 0 {
			return ErrConflict
		}
		// ON CONFLICT DO NOTHING: a concurrent first save of the same role that committed
		// first makes this one a conflict instead of an aborted transaction.
		tag, err := t.tx.Exec(ctx, `
			INSERT INTO kontaktpersoner (kommune_kode, rolle, navn, telefon, email, updated_by)
			VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0))
			ON CONFLICT (kommune_kode, rolle) DO NOTHING`,
			t.scope.Kommune, k.Rolle, k.Navn, k.Telefon, k.Email, t.scope.Actor.UserID)
		if err != nil {
			return fmt.Errorf("insert kontaktperson %s: %w", k.Rolle, err)
		}
		if tag.RowsAffected() == 0 {
			return ErrConflict
		}
		k.Version = 1
		return t.Audit(ctx, AuditEntry{Action: "kontaktperson.save", Entity: kontaktEntity,
			EntityID: string(k.Rolle), After: kontaktpersonRecordOf(k)})
	case err != nil:
		return fmt.Errorf("kontaktperson %s: %w", k.Rolle, err)
	}
	if old.Version != k.Version {
		return ErrConflict
	}
	if old.Navn == k.Navn && old.Telefon == k.Telefon && old.Email == k.Email {
		return nil
	}
	_, err = t.tx.Exec(ctx, `
		UPDATE kontaktpersoner SET navn = $3, telefon = $4, email = $5, updated_by = NULLIF($6, 0),
			updated_at = now(), version = version + 1
		WHERE kommune_kode = $1 AND rolle = $2`,
		t.scope.Kommune, k.Rolle, k.Navn, k.Telefon, k.Email, t.scope.Actor.UserID)
	if err != nil {
		return fmt.Errorf("update kontaktperson %s: %w", k.Rolle, err)
	}
	k.Version = old.Version + 1
	return t.Audit(ctx, AuditEntry{Action: "kontaktperson.save", Entity: kontaktEntity,
		EntityID: string(k.Rolle), Before: kontaktpersonRecordOf(old), After: kontaktpersonRecordOf(k)})
}

// The fields of a contact person, the keys of the errors of ValidateKontaktperson.
const (
	KontaktNavn    = "navn"
	KontaktTelefon = "telefon"
	KontaktEmail   = "email"
)

// Limits of the fields of a contact person.
const (
	KontaktNavnMax  = 200
	KontaktEmailMax = 254 // the longest address SMTP can carry (RFC 5321 path limit)
)

// ValidateKontaktperson checks one contact person of K1 and returns it normalised, with a
// Danish message per wrong field (keys KontaktNavn, KontaktTelefon, KontaktEmail; none when
// it is valid). All three fields are required (K1).
//
//   - *Kontaktperson*: the name, trimmed, at most 200 characters.
//   - *Telefonnr.*: digits, with spaces and dashes as the user likes. A Danish number has
//     8 digits, optionally after +45 (or 0045), and is stored as "+45 33 92 73 00"; a
//     foreign one starts with + (or 00) and the country code and has 7–15 digits in all
//     (E.164), stored as "+" and the digits ("+4681234567"). The stored form is the same
//     however the user typed the number, so saving it again changes nothing.
//   - *Email-adresse*: one address as net/mail parses it, without display name or angle
//     brackets, with a dot in the domain; the domain is lower-cased, the local part kept;
//     at most 254 characters. Receipts go by email (K3), so it must be deliverable.
func ValidateKontaktperson(k Kontaktperson) (Kontaktperson, map[string]string) {
	errs := map[string]string{}
	k.Navn = strings.TrimSpace(k.Navn)
	switch {
	case k.Navn == "":
		errs[KontaktNavn] = "Angiv navnet på kontaktpersonen."
	case utf8.RuneCountInString(k.Navn) > KontaktNavnMax:
		errs[KontaktNavn] = fmt.Sprintf("Navnet må højst være på %d tegn.", KontaktNavnMax)
	}
	k.Telefon = strings.TrimSpace(k.Telefon)
	if k.Telefon == "" {
		errs[KontaktTelefon] = "Angiv et telefonnummer."
	} else if tel, ok := normaliseTelefon(k.Telefon); ok {
		k.Telefon = tel
	} else {
		errs[KontaktTelefon] = "Angiv et dansk telefonnummer med 8 cifre, fx 33 92 73 00, " +
			"eller et udenlandsk nummer med + og landekode, fx +46 8 123 456 78."
	}
	k.Email = strings.TrimSpace(k.Email)
	if k.Email == "" {
		errs[KontaktEmail] = "Angiv en email-adresse."
	} else if email, msg := normaliseEmail(k.Email); msg != "" {
		errs[KontaktEmail] = msg
	} else {
		k.Email = email
	}
	if len(errs) == 0 {
		errs = nil
	}
	return k, errs
}

// normaliseTelefon returns the stored form of a phone number (see ValidateKontaktperson).
func normaliseTelefon(s string) (string, bool) {
	international := false
	switch {
	case strings.HasPrefix(s, "+"):
		international, s = true, s[1:]
	case strings.HasPrefix(s, "00"):
		international, s = true, s[2:]
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || unicode.IsSpace(r):
		default:
			return "", false
		}
	}
	d := b.String()
	switch {
	case !international && len(d) == 8:
		return formatDansk(d), true
	case international && strings.HasPrefix(d, "45"):
		// 45 is Denmark's country code, and no other country code starts with it.
		if len(d) != 10 {
			return "", false
		}
		return formatDansk(d[2:]), true
	case international && len(d) >= 7 && len(d) <= 15 && d[0] != '0':
		return "+" + d, true
	}
	return "", false
}

// formatDansk writes 8 digits as "+45 33 92 73 00".
func formatDansk(d string) string {
	return "+45 " + d[0:2] + " " + d[2:4] + " " + d[4:6] + " " + d[6:8]
}

// normaliseEmail returns the stored form of an email address, or a Danish message.
func normaliseEmail(s string) (string, string) {
	const invalid = "Angiv en gyldig email-adresse, fx navn@kommune.dk."
	if utf8.RuneCountInString(s) > KontaktEmailMax {
		return "", fmt.Sprintf("Email-adressen må højst være på %d tegn.", KontaktEmailMax)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", invalid
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, "[") {
		return "", invalid
	}
	return local + "@" + strings.ToLower(domain), ""
}
