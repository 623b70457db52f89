package accounts

import (
	"strings"
	"testing"
)

func TestKeepsAdministrator(t *testing.T) {
	for _, tc := range []struct {
		name       string
		admins     []int64
		id         int64
		adminAfter bool
		want       bool
	}{
		{"last admin loses the role or is deactivated", []int64{7}, 7, false, false},
		{"last admin keeps it", []int64{7}, 7, true, true},
		{"one of two admins loses it", []int64{7, 8}, 7, false, true},
		{"another user loses a role", []int64{7}, 9, false, true},
		{"another user becomes admin", []int64{7}, 9, true, true},
		{"kommune without admins", nil, 9, false, true},
		{"kommune without admins gets one", nil, 9, true, true},
	} {
		if got := KeepsAdministrator(tc.admins, tc.id, tc.adminAfter); got != tc.want {
			t.Errorf("%s: KeepsAdministrator(%v, %d, %v) = %v, want %v", tc.name, tc.admins, tc.id, tc.adminAfter, got, tc.want)
		}
	}
}

func TestCheckNewUser(t *testing.T) {
	for _, tc := range []struct {
		name, navn, email string
		roles             []string
		want              map[string]string // field → part of the message
	}{
		{"valid", "Anne Hansen", "anne@kk.dk", []string{"indberetter", "kommuneadmin"}, nil},
		{"valid without roles", "Anne Hansen", "anne@kk.dk", nil, nil},
		{"no name", "  ", "anne@kk.dk", nil, map[string]string{FieldName: "Angiv brugerens navn"}},
		{"long name", strings.Repeat("å", NameMax+1), "anne@kk.dk", nil, map[string]string{FieldName: "højst"}},
		{"no email", "Anne", "", nil, map[string]string{FieldEmail: "Angiv brugerens e-mailadresse"}},
		{"not an email", "Anne", "anne", nil, map[string]string{FieldEmail: "gyldig"}},
		{"no dot", "Anne", "anne@kk", nil, map[string]string{FieldEmail: "gyldig"}},
		{"display name", "Anne", "Anne <anne@kk.dk>", nil, map[string]string{FieldEmail: "gyldig"}},
		{"dst role", "Anne", "anne@kk.dk", []string{"dst"}, map[string]string{FieldRoles: "Vælg blandt"}},
		{"everything wrong", "", "x", []string{"platformadmin"}, map[string]string{FieldName: "navn", FieldEmail: "gyldig", FieldRoles: "Vælg"}},
	} {
		got := CheckNewUser(tc.navn, tc.email, tc.roles)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want fields %v", tc.name, got, tc.want)
			continue
		}
		for f, part := range tc.want {
			if !strings.Contains(got[f], part) {
				t.Errorf("%s: %s = %q, want it to say %q", tc.name, f, got[f], part)
			}
		}
	}
}

func TestCheckNewPassword(t *testing.T) {
	const good = "en-god-lang-kode"
	for _, tc := range []struct {
		name, current, next, repeat string
		want                        []string
	}{
		{"valid", "gammel-kode-123", good, good, nil},
		{"too short", "gammel-kode-123", "kort-kode12", "kort-kode12", []string{FieldNewPassword}},
		{"twelve is enough", "gammel-kode-123", "tolv-tegn-ok", "tolv-tegn-ok", nil},
		{"twelve runes", "gammel-kode-123", "æøåæøåæøåæøå", "æøåæøåæøåæøå", nil},
		{"not repeated", "gammel-kode-123", good, good + "x", []string{FieldRepeatPassword}},
		{"same as current", good, good, good, []string{FieldNewPassword}},
		{"nothing typed", "", "", "", []string{FieldCurrentPassword, FieldNewPassword}},
	} {
		got := CheckNewPassword(tc.current, tc.next, tc.repeat)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want fields %v", tc.name, got, tc.want)
		}
		for _, f := range tc.want {
			if got[f] == "" {
				t.Errorf("%s: no message for %s (%v)", tc.name, f, got)
			}
		}
	}
}
