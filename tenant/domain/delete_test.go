package domain_test

import (
	"testing"

	"indberet/tenant/domain"
)

func TestY8_CanDeleteYdelse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		delivered bool
		varighed  string
		ok        bool
		instead   string
	}{
		{"Y8 not delivered periode", false, "periode", true, ""},
		{"Y8 not delivered styk", false, "styk", true, ""},
		{"Y8 delivered periode is neutralised", true, "periode", false,
			"Ydelsen er indberettet og kan ikke slettes. Neutralisér den i stedet ved at sætte slutdato = startdato (Redigér)."},
		{"Y8 delivered styk cannot be undone", true, "styk", false, "Ydelsen er indberettet som stykydelse og kan ikke fortrydes."},
	} {
		ok, instead := domain.CanDeleteYdelse(tc.delivered, tc.varighed)
		if ok != tc.ok || instead != tc.instead {
			t.Errorf("%s: %v %q", tc.name, ok, instead)
		}
	}
}

func TestS7_CanDeleteSag(t *testing.T) {
	t.Parallel()
	if ok, instead := domain.CanDeleteSag(false, 0); !ok || instead != "" {
		t.Errorf("S7 nothing delivered: %v %q", ok, instead)
	}
	const closeIt = "Sagen er indberettet og kan ikke slettes. Luk den i stedet ved at sætte slutdato = startdato på alle " +
		"åbne ydelser (Redigér); så udelader Danmarks Statistik den ved næste indberetning."
	for _, tc := range []struct {
		sag      bool
		ydelser  int
		scenario string
	}{{true, 0, "S7 sag delivered"}, {false, 1, "S7 a ydelse delivered"}, {true, 3, "S7 all delivered"}} {
		if ok, instead := domain.CanDeleteSag(tc.sag, tc.ydelser); ok || instead != closeIt {
			t.Errorf("%s: %v %q", tc.scenario, ok, instead)
		}
	}
}

func TestY8_DeleteYdelseWarning(t *testing.T) {
	t.Parallel()
	if got, want := domain.DeleteYdelseWarning("1.3", true, "1503621235"),
		"Ydelsen 1.3 slettes. Det er sagens eneste ydelse, så sagen for CPR-nummer 150362-1235 slettes også. Det kan ikke fortrydes."; got != want {
		t.Errorf("only ydelse:\n got %q\nwant %q", got, want)
	}
	if got, want := domain.DeleteYdelseWarning("1.8.1", false, "1503621235"), "Ydelsen 1.8.1 slettes. Det kan ikke fortrydes."; got != want {
		t.Errorf("one of several:\n got %q\nwant %q", got, want)
	}
}

func TestY7_CheckIndsatskodeUnchanged(t *testing.T) {
	t.Parallel()
	if msg, ok := domain.CheckIndsatskodeUnchanged("1.8.1", " 1.8.1 "); !ok || msg != "" {
		t.Errorf("unchanged: %v %q", ok, msg)
	}
	for _, changed := range []string{"1.8.2", ""} {
		if msg, ok := domain.CheckIndsatskodeUnchanged("1.8.1", changed); ok ||
			msg != "Indsatskoden kan ikke ændres. Slet ydelsen og opret en ny, hvis koden er forkert." {
			t.Errorf("changed to %q: %v %q", changed, ok, msg)
		}
	}
}

func TestS4_CheckCPRUnchanged(t *testing.T) {
	t.Parallel()
	for _, same := range []string{"1503621235", "150362-1235", " 150362 1235 "} {
		if msg, ok := domain.CheckCPRUnchanged("1503621235", same); !ok || msg != "" {
			t.Errorf("S4 %q is the same number: %v %q", same, ok, msg)
		}
	}
	for _, other := range []string{"1503621234", "", "abc"} {
		if msg, ok := domain.CheckCPRUnchanged("1503621235", other); ok || msg != "CPR-nummeret kan ikke ændres. "+
			"Slet sagen, hvis den ikke er indberettet, eller luk alle dens ydelser med slutdato = startdato og opret en ny sag." {
			t.Errorf("S4 changed to %q: %v %q", other, ok, msg)
		}
	}
}

// TestY8_CheckVarighedUnchanged: after delivery the Varighed stays (issue 17 #5): a delivered
// Stykydelse turned into a Periodeydelse could be neutralised, undoing it.
func TestY8_CheckVarighedUnchanged(t *testing.T) {
	t.Parallel()
	const msg = "Varigheden kan ikke ændres, efter ydelsen er indberettet. En indberettet stykydelse kan ikke fortrydes; " +
		"en periodeydelse afsluttes med en slutdato."
	for _, tc := range []struct {
		name             string
		delivered        bool
		stored, new, msg string
	}{
		{"Y8 not delivered styk to periode", false, "styk", "periode", ""},
		{"Y8 not delivered periode to styk", false, "periode", "styk", ""},
		{"Y8 delivered styk kept", true, "styk", "styk", ""},
		{"Y8 delivered periode kept", true, "periode", " periode ", ""},
		{"Y8 delivered styk to periode", true, "styk", "periode", msg},
		{"Y8 delivered periode to styk", true, "periode", "styk", msg},
	} {
		got, ok := domain.CheckVarighedUnchanged(tc.delivered, tc.stored, tc.new)
		if got != tc.msg || ok != (tc.msg == "") {
			t.Errorf("%s: %v %q", tc.name, ok, got)
		}
	}
}
