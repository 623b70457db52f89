// Package access decides who may do what (T2, T3): the five roles, the permissions each role
// holds ("resource:action", one Casbin policy each), the grants of roles to users per kommune
// (Casbin RBAC with domains, domain = kommunekode, "*" for DST and platform users), and the
// Enforcer every request asks.
//
// Policies live in PostgreSQL in casbin_rule (the schema of casbin-pgx-adapter, which loads
// them). Grants are written here, through tenant's statements (tenant/casbinrule.go), inside
// the caller's transaction, so a grant, its audit record and the ending of the user's
// sessions commit together; a trigger bumps authz_version and every Enforcer reloads on its
// next request.
package access

import (
	"slices"
)

// The roles. Indberetter holds the right of T2, *Ret til at administrere data for
// handicappede*; Laeser reads the kommune's data; Kommuneadmin grants rights in the kommune;
// DST reads every kommune and runs deliveries (T3); Platformadmin creates kommuner and their
// first administrators (T3).
const (
	Indberetter   = "indberetter"
	Laeser        = "laeser"
	Kommuneadmin  = "kommuneadmin"
	DST           = "dst"
	Platformadmin = "platformadmin"
)

// AllDomains is the domain of DST and platform roles: they belong to no kommune.
const AllDomains = "*"

// Role describes a role for the CLI and the screens.
type Role struct {
	Name         string
	Label        string // Danish
	NeedsKommune bool   // granted in one kommune (false: in AllDomains)
}

// Roles lists every role, in the order the screens show them.
var Roles = []Role{
	{Indberetter, "Indberetter", true},
	{Laeser, "Læser", true},
	{Kommuneadmin, "Kommuneadministrator", true},
	{DST, "Danmarks Statistik", false},
	{Platformadmin, "Platformadministrator", false},
}

// RoleByName returns the role with the given name.
func RoleByName(name string) (Role, bool) {
	i := slices.IndexFunc(Roles, func(r Role) bool { return r.Name == name })
	if i < 0 {
		return Role{}, false
	}
	return Roles[i], true
}

// Permission is a "resource:action" pair, the unit of a Casbin policy and of the route table.
type Permission struct {
	Obj string
	Act string
}

// String returns "obj:act".
func (p Permission) String() string { return p.Obj + ":" + p.Act }

// The permissions. Every route of the app names one of them (or is public); a permission
// that no role holds denies everyone.
var (
	HomeView     = Permission{"home", "view"}
	SagRead      = Permission{"sag", "read"}
	SagWrite     = Permission{"sag", "write"}
	KontaktRead  = Permission{"kontakt", "read"}
	KontaktWrite = Permission{"kontakt", "write"}
	ExportCreate = Permission{"export", "create"}
	DeliveryRead = Permission{"delivery", "read"}
	DeliveryRun  = Permission{"delivery", "run"}
	// DeliveryDocument downloads a leverance's XML document, which holds the CPR numbers and
	// every field of the delivered sager: only for readers of sager (T2, T3), not for a
	// kommune administrator who grants rights without holding them (issue 14 #3's rule).
	DeliveryDocument = Permission{"delivery", "document"}
	UsersManage      = Permission{"users", "manage"}
	CodesManage      = Permission{"codes", "manage"}
	AuditRead        = Permission{"audit", "read"}
	KommunerManage   = Permission{"kommuner", "manage"}
	JobsManage       = Permission{"jobs", "manage"}
	AccountSelf      = Permission{"account", "self"}
	// MailRead reads the Udbakke, the e-mails the system sent (I3). Administrators only
	// (kommuneadmin for the kommune, DST and platform administrators for all): the receipts
	// go to one named person, and failures are theirs to act on; laeser and indberetter do
	// not read other people's e-mails.
	MailRead = Permission{"mail", "read"}
	// MailResend orders a receipt that is fejlet or gemt lokalt sent again (*Send igen*,
	// I10): the kommune's administrator for the kommune, DST for every kommune. Not the
	// platform administrator, who reads the Udbakke to run the platform.
	MailResend = Permission{"mail", "resend"}
	// DriftRead reads the *Driftsstatus* (issue 15, the run's health): River's leader, the
	// periodic jobs' last runs, every kommune's delivery state, the failed jobs and the
	// receipts not sent. DST and platform administrators, who run the deliveries and the
	// platform; it shows no sag data.
	DriftRead = Permission{"drift", "read"}
)

// Policies is what each role may do. SyncPolicies makes casbin_rule hold exactly these.
var Policies = map[string][]Permission{
	Indberetter:   {HomeView, AccountSelf, SagRead, SagWrite, KontaktRead, KontaktWrite, ExportCreate, DeliveryRead, DeliveryDocument},
	Laeser:        {HomeView, AccountSelf, SagRead, KontaktRead, ExportCreate, DeliveryRead, DeliveryDocument},
	Kommuneadmin:  {HomeView, AccountSelf, KontaktRead, KontaktWrite, DeliveryRead, UsersManage, AuditRead, MailRead, MailResend},
	DST:           {HomeView, AccountSelf, SagRead, KontaktRead, ExportCreate, DeliveryRead, DeliveryDocument, DeliveryRun, CodesManage, AuditRead, JobsManage, MailRead, MailResend, DriftRead},
	Platformadmin: {HomeView, AccountSelf, UsersManage, AuditRead, KommunerManage, JobsManage, MailRead, DriftRead},
}

// HasDataRight tells whether roles include the right to use the system's data screens (T2):
// indberetter, or read access as laeser, DST or platform administrator. A user without it
// sees only the T2 message.
func HasDataRight(roles []string) bool {
	for _, r := range roles {
		switch r {
		case Indberetter, Laeser, DST, Platformadmin:
			return true
		}
	}
	return false
}

// Domain returns the Casbin domain of a user: the kommunekode, or AllDomains for a user of
// no kommune.
func Domain(kommune string) string {
	if kommune == "" {
		return AllDomains
	}
	return kommune
}
