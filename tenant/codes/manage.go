package codes

import (
	"context"
	"errors"
	"fmt"
	"time"

	"indberet/tenant/domain"

	"indberet/tenant"
)

// DST's management of the code lists (DOMAIN.md "Code lists", T3): the lists as DST sees
// them, each code with how many ydelser use it, and the changes DST makes: add a code,
// change its texts, retire it from a date, delete a code added by mistake. Every change
// writes an audit record under tenant.PlatformKommune in the caller's transaction, which must
// read every kommune (tenant.Scope.AllKommuner) to count the ydelser.
//
// Retiring: a code retired from day D (*udgår fra*) gets valid_to = D − 1, the last day
// ValidAt accepts. The rules ask ValidAt about the ydelse's Startdato (Y1, Y3, Y4; under the
// 2013 rules a ydelse without Startdato takes its Bevillingsdato as start, Y2) when the code
// is chosen, so a new ydelse starting on or after D may not use the code, while every stored
// ydelse keeps it and still saves when edited (domain.ValidateYdelseChange). Retiring from a
// day on which ydelser use the code asks first: Retire refuses with ErrUnconfirmed and the
// counts (RetireImpact) until the caller confirms exactly those counts. No code that data
// uses is ever deleted.

// Errors of the changes.
var (
	// ErrDuplicate: the list already has the code.
	ErrDuplicate = errors.New("codes: the list already has the code")
	// ErrInUse: ydelser use the code, or it is another code's parent; it cannot be deleted.
	ErrInUse = errors.New("codes: the code is in use")
	// ErrFromSpecification: the code came from the specification's files; it is retired,
	// never deleted (Load would add it again).
	ErrFromSpecification = errors.New("codes: the code is from the specification")
	// ErrRetireBeforeValid: the retire date is not after the day the code became valid.
	ErrRetireBeforeValid = errors.New("codes: the retire date is not after valid_from")
)

// Koder returns the codes of the list with their use, in the order of the Snapshot's lists
// (natural code order; FFB codes in tree order).
func Koder(ctx context.Context, tx *tenant.Tx, l domain.Liste) ([]domain.Kode, error) {
	out, err := tx.Koder(ctx, l)
	if err != nil {
		return nil, fmt.Errorf("codes of %s: %w", l.Key, err)
	}
	domain.OrderKoder(l, out)
	return out, nil
}

// KodeByCode returns one code of the list with its use, or tenant.ErrNotFound.
func KodeByCode(ctx context.Context, tx *tenant.Tx, l domain.Liste, code string) (domain.Kode, error) {
	k, err := tx.Kode(ctx, l, code)
	if errors.Is(err, tenant.ErrNotFound) {
		return k, err
	}
	if err != nil {
		return k, fmt.Errorf("code %s of %s: %w", code, l.Key, err)
	}
	k.Path = k.Name
	if l.HasParentPath() {
		k.Path = domain.JoinPath(k.ParentPath, k.Name)
	}
	return k, nil
}

// RetireImpact is what retiring a code from a day means for the ydelser that use it, in
// every kommune: counts only, never which ydelser.
type RetireImpact struct {
	// StartFrom counts the ydelser starting on or after the day: the code does not apply on
	// their Startdato. They keep it, but it cannot be chosen again for them, nor for a copy.
	StartFrom int64 `json:"ydelser_fra"`
	// Running counts the ydelser started before the day and not ended before it: running on
	// the day, keeping a code that was valid when they started.
	Running int64 `json:"ydelser_i_gang"`
}

// Any tells whether the day affects any ydelse: retiring then needs a confirmation.
func (i RetireImpact) Any() bool { return i.StartFrom > 0 || i.Running > 0 }

// ErrNotAllKommuner: the transaction does not read every kommune, so it cannot count what a
// retirement means for the ydelser of all of them.
var ErrNotAllKommuner = errors.New("codes: retiring needs a transaction that reads every kommune")

// RetireImpactOf counts the ydelser of every kommune that retiring the code from day
// affects. The transaction must read every kommune (tenant.Scope.AllKommuner).
func RetireImpactOf(ctx context.Context, tx *tenant.Tx, l domain.Liste, code string, day time.Time) (RetireImpact, error) {
	var i RetireImpact
	if !tx.Scope().AllKommuner {
		return i, ErrNotAllKommuner
	}
	var err error
	i.StartFrom, i.Running, err = tx.KodeUsesAround(ctx, l, code, domain.DateOf(day))
	if err != nil {
		return i, fmt.Errorf("ydelser of %s on %s: %w", code, day.Format(time.DateOnly), err)
	}
	return i, nil
}

func audit(ctx context.Context, tx *tenant.Tx, action string, l domain.Liste, code string, before, after any) error {
	return tx.Audit(ctx, tenant.AuditEntry{Kommune: tenant.PlatformKommune, Action: action, Entity: "kodeliste:" + l.Key,
		EntityID: code, Before: before, After: after})
}

// AddKode adds k to the list as a code DST added (deletable while unused), with the audit
// record. A code the list has is ErrDuplicate. k is expected checked (domain.ValidateKode).
func AddKode(ctx context.Context, tx *tenant.Tx, l domain.Liste, k domain.Kode) error {
	row := k
	if l.Kind == domain.KindIndsats && row.ValidFrom == nil {
		// The table's default: the start of the 2013 rules.
		from := time.Date(2013, 7, 1, 0, 0, 0, 0, time.UTC)
		row.ValidFrom = &from
	}
	err := tx.InsertKode(ctx, l, row)
	if errors.Is(err, tenant.ErrKodeExists) {
		return ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("add code %s to %s: %w", k.Code, l.Key, err)
	}
	return audit(ctx, tx, "code.add", l, k.Code, nil, k)
}

// SetTexts changes the name, paragraph (indsatskoder) and source of a code, with the audit
// record. It reports whether anything changed; an unknown code is tenant.ErrNotFound.
func SetTexts(ctx context.Context, tx *tenant.Tx, l domain.Liste, code string, t domain.Texts) (bool, error) {
	k, err := lockKode(ctx, tx, l, code)
	if err != nil {
		return false, err
	}
	before := domain.Texts{Name: k.Name, Paragraph: k.Paragraph, Source: k.Source}
	if !l.HasParagraph() {
		t.Paragraph = ""
	}
	if t == before {
		return false, nil
	}
	if err := tx.SetKodeTexts(ctx, l, code, t); err != nil {
		return false, fmt.Errorf("texts of %s in %s: %w", code, l.Key, err)
	}
	return true, audit(ctx, tx, "code.texts", l, code, before, t)
}

// ErrUnconfirmed: the retire date affects ydelser (RetireImpact.Any) and the caller did not
// confirm exactly the counts Retire found; nothing changed.
var ErrUnconfirmed = errors.New("codes: retiring affects ydelser and was not confirmed")

// Retire lets the code be used by no new ydelse starting on or after udgaarFra (valid_to
// becomes the day before), with the audit record, which holds the counts of RetireImpactOf.
// When the date affects ydelser, confirmed must be those counts as shown to the user: nil or
// other counts (ydelser changed since) is ErrUnconfirmed with the counts found, to be shown
// and confirmed. A date not after the code's first valid day is ErrRetireBeforeValid.
// Retiring again moves the date; the date the code has already changes nothing. It reports
// the counts and whether anything changed. The transaction must read every kommune.
func Retire(ctx context.Context, tx *tenant.Tx, l domain.Liste, code string, udgaarFra time.Time, confirmed *RetireImpact) (RetireImpact, bool, error) {
	if !tx.Scope().AllKommuner {
		return RetireImpact{}, false, ErrNotAllKommuner
	}
	k, err := lockKode(ctx, tx, l, code)
	if err != nil {
		return RetireImpact{}, false, err
	}
	udgaarFra = domain.DateOf(udgaarFra)
	if k.ValidFrom != nil && !udgaarFra.After(domain.DateOf(*k.ValidFrom)) {
		return RetireImpact{}, false, ErrRetireBeforeValid
	}
	validTo := udgaarFra.AddDate(0, 0, -1)
	if k.ValidTo != nil && domain.DateOf(*k.ValidTo).Equal(validTo) {
		return RetireImpact{}, false, nil
	}
	impact, err := RetireImpactOf(ctx, tx, l, code, udgaarFra)
	if err != nil {
		return impact, false, err
	}
	if impact.Any() && (confirmed == nil || *confirmed != impact) {
		return impact, false, ErrUnconfirmed
	}
	if err := tx.SetKodeValidTo(ctx, l, code, &validTo); err != nil {
		return impact, false, fmt.Errorf("retire %s in %s: %w", code, l.Key, err)
	}
	return impact, true, audit(ctx, tx, "code.retire", l, code, map[string]any{"valid_to": k.ValidTo},
		map[string]any{"valid_to": validTo, "udgaar_fra": udgaarFra, "ydelser_fra": impact.StartFrom,
			"ydelser_i_gang": impact.Running})
}

// Reinstate takes back a code's retirement (valid_to NULL), with the audit record. It
// reports whether anything changed.
func Reinstate(ctx context.Context, tx *tenant.Tx, l domain.Liste, code string) (bool, error) {
	k, err := lockKode(ctx, tx, l, code)
	if err != nil || k.ValidTo == nil {
		return false, err
	}
	if err := tx.SetKodeValidTo(ctx, l, code, nil); err != nil {
		return false, fmt.Errorf("reinstate %s in %s: %w", code, l.Key, err)
	}
	return true, audit(ctx, tx, "code.reinstate", l, code, map[string]any{"valid_to": k.ValidTo},
		map[string]any{"valid_to": nil})
}

// DeleteKode deletes a code DST added by mistake, with the audit record: ErrInUse while a
// ydelse uses it (or, for FFB målgrupper, while it is another group's parent),
// ErrFromSpecification for a code of the specification's files (retire those instead).
func DeleteKode(ctx context.Context, tx *tenant.Tx, l domain.Liste, code string) error {
	k, err := lockKode(ctx, tx, l, code)
	if err != nil {
		return err
	}
	if k.AddedAt == nil {
		return ErrFromSpecification
	}
	if k.Uses > 0 {
		return ErrInUse
	}
	if l.Kind == domain.KindMaalgruppe {
		children, err := tx.MaalgruppeHasChildren(ctx, l.Scheme, code)
		if err != nil {
			return fmt.Errorf("children of %s: %w", code, err)
		}
		if children {
			return ErrInUse
		}
	}
	// The foreign keys of ydelser and ydelse_maalgrupper refuse it too, should a ydelse of a
	// kommune this transaction cannot see use it.
	if err := tx.DeleteKode(ctx, l, code); err != nil {
		if errors.Is(err, tenant.ErrKodeInUse) {
			return ErrInUse
		}
		return fmt.Errorf("delete %s from %s: %w", code, l.Key, err)
	}
	return audit(ctx, tx, "code.delete", l, code, k, nil)
}

// lockKode locks the code's row for the rest of tx and returns it with its use.
func lockKode(ctx context.Context, tx *tenant.Tx, l domain.Liste, code string) (domain.Kode, error) {
	err := tx.LockKode(ctx, l, code)
	if errors.Is(err, tenant.ErrNotFound) {
		return domain.Kode{}, err
	}
	if err != nil {
		return domain.Kode{}, fmt.Errorf("lock %s in %s: %w", code, l.Key, err)
	}
	return KodeByCode(ctx, tx, l, code)
}
