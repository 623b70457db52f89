package tenant_test

import (
	"slices"
	"testing"

	"indberet/tenant"
	"indberet/tenant/access"
)

// readerRoles are the readers of issue 14 #3 and #4: each role alone, a kommune's
// administrator with and without the data right (T2), and a user of no role.
var readerRoles = []struct {
	name  string
	roles []string
}{
	{"indberetter", []string{access.Indberetter}},
	{"laeser", []string{access.Laeser}},
	{"kommuneadmin uden ret", []string{access.Kommuneadmin}},
	{"kommuneadmin med laeser", []string{access.Laeser, access.Kommuneadmin}},
	{"kommuneadmin med indberetter", []string{access.Indberetter, access.Kommuneadmin}},
	{"uden ret", nil},
	{"dst", []string{access.DST}},
	{"platformadmin", []string{access.Platformadmin}},
}

// holds tells whether roles hold p (access.Policies: what the Enforcer loads).
func holds(roles []string, p access.Permission) bool {
	return slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(access.Policies[r], p) })
}

// TestIndsigt: what each reader may see of sager and ydelser, delivered and not, and of each
// list (T1–T3, S9): the rule the screens, the logs and the exports share (issue 14 #3, #4).
func TestIndsigt(t *testing.T) {
	t.Parallel()
	// seen: [undelivered, delivered, Egne IDEP, All (read only)]
	want := map[string]struct {
		indsigt tenant.Indsigt
		seen    [4]bool
	}{
		"indberetter":                  {tenant.KommunensIndsigt, [4]bool{true, true, true, true}},
		"laeser":                       {tenant.KommunensIndsigt, [4]bool{true, true, true, true}},
		"kommuneadmin uden ret":        {tenant.IngenIndsigt, [4]bool{}},
		"kommuneadmin med laeser":      {tenant.KommunensIndsigt, [4]bool{true, true, true, true}},
		"kommuneadmin med indberetter": {tenant.KommunensIndsigt, [4]bool{true, true, true, true}},
		"uden ret":                     {tenant.IngenIndsigt, [4]bool{}},
		"dst":                          {tenant.IndberettetIndsigt, [4]bool{false, true, false, true}},
		"platformadmin":                {tenant.IngenIndsigt, [4]bool{}},
	}
	for _, r := range readerRoles {
		s := tenant.Scope{Kommune: "101"}
		if !slices.ContainsFunc(r.roles, func(name string) bool { role, _ := access.RoleByName(name); return role.NeedsKommune }) &&
			len(r.roles) > 0 {
			s = tenant.Scope{AllKommuner: true}
		}
		got := tenant.IndsigtFor(s, holds(r.roles, access.SagRead))
		seen := [4]bool{got.Ser(false), got.Ser(true), got.SerListe(tenant.ListeEgne), got.SerListe(tenant.ListeAlle)}
		if w := want[r.name]; got != w.indsigt || seen != w.seen {
			t.Errorf("%s: %v sees %v, want %v sees %v", r.name, got, seen, w.indsigt, w.seen)
		}
		if got.SerListe("andre") {
			t.Errorf("%s sees a list that does not exist", r.name)
		}
	}
	// A scope of no kommune sees nothing, whatever the reader holds.
	if i := tenant.IndsigtFor(tenant.Scope{}, true); i != tenant.IngenIndsigt {
		t.Errorf("no scope: %v", i)
	}
}

// TestScreensOfSagerNeedSagRead: the stores read the lists, the sager and the exports with
// the Indsigt of a reader who may read sager (screenIndsigt), so every role that reaches
// those screens must hold sag:read: the export right never comes without it.
func TestScreensOfSagerNeedSagRead(t *testing.T) {
	t.Parallel()
	for role, perms := range access.Policies {
		if slices.Contains(perms, access.ExportCreate) && !slices.Contains(perms, access.SagRead) {
			t.Errorf("%s may export but not read sager: its exports would be read with an Indsigt it lacks", role)
		}
	}
}
