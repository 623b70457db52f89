package app

import (
	"github.com/gofiber/fiber/v2"

	"indberet/tenant/access"
	"indberet/views"
)

// Route is one entry of the route table: method, path, who may use it, and the handler.
type Route struct {
	Method  string
	Path    string
	Access  Access
	Handler fiber.Handler
}

// Access is who may use a route: everyone (Public), any logged-in user (LoggedIn), or users
// holding a permission (Need).
type Access struct {
	public   bool
	loggedIn bool
	perm     access.Permission
}

// Public routes need no login.
var Public = Access{public: true}

// LoggedIn routes need a login but no permission (logging out).
var LoggedIn = Access{loggedIn: true}

// Need is access for users holding p.
func Need(p access.Permission) Access { return Access{perm: p} }

// String describes the access ("public", "logged-in" or "sag:read").
func (x Access) String() string {
	switch {
	case x.public:
		return "public"
	case x.loggedIn:
		return "logged-in"
	}
	return x.perm.String()
}

// IsPublic tells whether the route needs no login.
func (x Access) IsPublic() bool { return x.public }

// Permission is the permission the route needs (zero for public and logged-in routes).
func (x Access) Permission() access.Permission { return x.perm }

// routeTable is every route of the app. A new screen adds its routes here, with the
// permission they need; the role × route matrix test reads this table.
func (a *App) routeTable() []Route {
	return []Route{
		{"GET", "/healthz", Public, a.healthz},
		{"GET", "/readyz", Public, a.readyz},
		{"GET", "/static/*", Public, a.static},
		{"GET", "/login", Public, a.loginForm},
		{"POST", "/login", Public, a.login},
		{"POST", "/logout", LoggedIn, a.logout},
		{"GET", "/", Need(access.HomeView), a.home},
		{"GET", "/indberetninger", Need(access.SagRead), a.indberetninger},
		{"GET", "/indberetninger/:liste", Need(access.SagRead), a.liste},
		{"POST", "/indberetninger/:liste", Need(access.SagRead), a.listeSearch},
		{"GET", "/indberetninger/:liste/valgt", Need(access.SagRead), a.listeSelected},
		{"GET", views.KontaktpersonerPath, Need(access.KontaktRead), a.kontaktpersonerForm},
		{"POST", views.KontaktpersonerPath, Need(access.KontaktWrite), a.saveKontaktpersoner},
		// Sager and ydelser (S1–S7, Y1–Y8): sager.go, ydelser.go, ydelseform.go.
		{"GET", "/sager/ny", Need(access.SagWrite), a.createSagForm},
		{"POST", "/sager/ny", Need(access.SagWrite), a.createSag},
		{"POST", cprCheckURL, Need(access.SagWrite), a.checkCPR},
		{"GET", "/sager/:id/rediger", Need(access.SagRead), a.editSagForm},
		{"POST", "/sager/:id/rediger", Need(access.SagWrite), a.editSag},
		{"GET", "/sager/:id/slet", Need(access.SagWrite), a.deleteSagForm},
		{"POST", "/sager/:id/slet", Need(access.SagWrite), a.deleteSag},
		{"GET", "/sager/:id/ydelser/ny", Need(access.SagWrite), a.addYdelseForm},
		{"POST", "/sager/:id/ydelser/ny", Need(access.SagWrite), a.addYdelse},
		{"GET", "/ydelser/:id/rediger", Need(access.SagWrite), a.editYdelseForm},
		{"POST", "/ydelser/:id/rediger", Need(access.SagWrite), a.editYdelse},
		{"GET", "/ydelser/:id/slet", Need(access.SagWrite), a.deleteYdelseForm},
		{"POST", "/ydelser/:id/slet", Need(access.SagWrite), a.deleteYdelse},
		{"POST", "/ydelsesfelter", Need(access.SagWrite), a.ydelsesfelter},
		// The kommune administrator's users and rights (T2): brugere.go.
		{"GET", views.BrugerePath, Need(access.UsersManage), a.brugere},
		{"GET", views.NyBrugerPath, Need(access.UsersManage), a.newUserForm},
		{"POST", views.NyBrugerPath, Need(access.UsersManage), a.createUser},
		{"GET", "/brugere/:id", Need(access.UsersManage), a.brugerForm},
		{"POST", "/brugere/:id", Need(access.UsersManage), a.saveUser},
		// DST's code lists (T3, DOMAIN.md "Code lists"): koder.go.
		{"GET", views.KoderPath, Need(access.CodesManage), a.kodelister},
		{"GET", "/koder/:kodeliste", Need(access.CodesManage), a.kodelistePage},
		{"GET", "/koder/:kodeliste/ny", Need(access.CodesManage), a.newKodeForm},
		{"POST", "/koder/:kodeliste/ny", Need(access.CodesManage), a.createKode},
		{"GET", "/koder/:kodeliste/:kode", Need(access.CodesManage), a.kodePage},
		{"POST", "/koder/:kodeliste/:kode", Need(access.CodesManage), a.saveKode},
		{"GET", "/koder/:kodeliste/:kode/slet", Need(access.CodesManage), a.deleteKodeForm},
		{"POST", "/koder/:kodeliste/:kode/slet", Need(access.CodesManage), a.deleteKode},
		// The platform administrator's kommuner and users (T3): kommuner.go.
		{"GET", views.KommunerPath, Need(access.KommunerManage), a.kommunerPage},
		{"GET", "/kommuner/:kommunekode", Need(access.KommunerManage), a.kommunePage},
		{"POST", "/kommuner/:kommunekode/aktiver", Need(access.KommunerManage), a.activateKommune},
		{"GET", "/kommuner/:kommunekode/deaktiver", Need(access.KommunerManage), a.deactivateKommuneForm},
		{"POST", "/kommuner/:kommunekode/deaktiver", Need(access.KommunerManage), a.deactivateKommune},
		{"GET", "/kommuner/:kommunekode/administrator", Need(access.KommunerManage), a.newKommuneadminForm},
		{"POST", "/kommuner/:kommunekode/administrator", Need(access.KommunerManage), a.createKommuneadmin},
		{"GET", views.AlleBrugerePath, Need(access.KommunerManage), a.alleBrugere},
		{"POST", views.AlleBrugerePath, Need(access.KommunerManage), a.unlockUser},
		// Min konto: konto.go.
		{"GET", views.KontoPath, Need(access.AccountSelf), a.konto},
		{"POST", views.KontoPath, Need(access.AccountSelf), a.changePassword},
		{"POST", views.KontoSessionerPath, Need(access.AccountSelf), a.endOtherSessions},
		// Deliveries and receipts (I1, I3, I5): leverancer.go, levering.go, udbakke.go.
		{"GET", views.LeverancerPath, Need(access.DeliveryRead), a.leverancer},
		{"GET", "/leverancer/:id", Need(access.DeliveryRead), a.leverance},
		{"GET", "/leverancer/:id/dokument", Need(access.DeliveryDocument), a.leveranceDocument},
		{"GET", views.LeveringPath, Need(access.DeliveryRead), a.levering},
		{"POST", views.LeveringPath, Need(access.DeliveryRun), a.startLevering},
		{"POST", views.GenleverPath, Need(access.DeliveryRun), a.startGenlevering},
		{"GET", views.UdbakkePath, Need(access.MailRead), a.udbakke},
		{"GET", "/udbakke/:id", Need(access.MailRead), a.udbakkeMail},
		{"GET", "/udbakke/:id/html", Need(access.MailRead), a.udbakkeHTML},
		{"POST", "/udbakke/:id/send-igen", Need(access.MailResend), a.resendKvittering},
		// The Driftsstatus for DST and platform administrators (issue 15): drift.go.
		{"GET", views.DriftPath, Need(access.DriftRead), a.drift},
		// The logs and the read-only sag (branch logs): the audit log and the CPR access log
		// (auditlog.go; the CPR filter only in POST bodies), the sag for readers (sagvisning.go).
		// DST's choice of kommune is GET /indberetninger (lister.go).
		{"GET", views.AuditLogPath, Need(access.AuditRead), a.auditLog},
		{"POST", views.AuditLogPath, Need(access.AuditRead), a.auditLog},
		{"GET", views.CPRAccessPath, Need(access.AuditRead), a.cprAccessLog},
		{"POST", views.CPRAccessPath, Need(access.AuditRead), a.cprAccessLog},
		{"GET", "/sager/:id", Need(access.SagRead), a.viewSag},
		// Exports (E1, E2): eksport.go. River UI for DST and platform administrators: jobs.go.
		{"GET", views.EksporterPath, Need(access.ExportCreate), a.eksporter},
		{"POST", views.EksporterPath, Need(access.ExportCreate), a.orderEksport},
		{"GET", "/eksporter/:id", Need(access.ExportCreate), a.eksport},
		{"GET", "/eksporter/:id/fil", Need(access.ExportCreate), a.downloadEksport},
		{"GET", jobsRoute, Need(access.JobsManage), a.jobs},
		{"POST", jobsRoute, Need(access.JobsManage), a.jobs},
		{"PUT", jobsRoute, Need(access.JobsManage), a.jobs},
		{"PATCH", jobsRoute, Need(access.JobsManage), a.jobs},
		{"DELETE", jobsRoute, Need(access.JobsManage), a.jobs},
	}
}
