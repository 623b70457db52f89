package tenant

import (
	"slices"
	"testing"
)

// TestAuditRecordCPRs: the CPR numbers ShowAuditLog records of a page are those its records
// show: the "CPR" of a sag's record, before and after, and of a deleted sag (at any depth),
// none of a ydelse's or of a record the reader may not see (Skjult: no before and after).
func TestAuditRecordCPRs(t *testing.T) {
	js := func(name string) []byte {
		b, err := jsonOrNil(auditSamples()[name])
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	other := []byte(`{"CPR": "0202801234", "Navn": "Anden"}`)
	for _, c := range []struct {
		name string
		r    AuditRecord
		want []string
	}{
		{"sag.create", AuditRecord{After: js("sag")}, []string{"0101801234"}},
		{"sag.update", AuditRecord{Before: js("sag"), After: js("sag")}, []string{"0101801234"}},
		{"sag.delete", AuditRecord{Before: js("sag-delete")}, []string{"0101801234"}},
		{"two numbers", AuditRecord{Before: js("sag"), After: other}, []string{"0101801234", "0202801234"}},
		{"ydelse.update", AuditRecord{Before: js("ydelse"), After: js("ydelse-kort")}, nil},
		{"kontaktperson.save", AuditRecord{After: js("kontaktperson")}, nil},
		{"skjult", AuditRecord{Skjult: true}, nil},
		{"not json", AuditRecord{After: []byte("{")}, nil},
	} {
		if got := auditRecordCPRs(c.r); !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
