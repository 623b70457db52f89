package app

import (
	"github.com/gofiber/fiber/v2"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/domain"
	"indberet/views"
)

// home is the start page: a card per screen the user may use, led by a call to Angiv
// kontaktoplysninger while the user's kommune misses contact persons (K2). A user without
// the right of T2 sees only its message, unless they administer the kommune's users: they
// get the start page with the message and the cards they may use (the data screens still
// answer with the T2 message).
func (a *App) home(c *fiber.Ctx) error {
	r := reqOf(c)
	manageUsers := r.user.Kommune != "" && a.can(c, access.UsersManage)
	if !access.HasDataRight(r.roles) && !manageUsers {
		return a.render(c, fiber.StatusForbidden, views.NoRightPage(a.page(c, "Manglende rettighed")))
	}
	h := views.Home{UdenDataret: !access.HasDataRight(r.roles)}
	if r.user.Kommune != "" { // DST and platform users belong to no kommune: no K2
		ctx := c.UserContext()
		var missing []domain.Kontaktrolle
		err := a.deps.DB.InScope(ctx, scope(c), func(tx *tenant.Tx) (err error) {
			missing, err = tx.KontaktpersonerMangler(ctx)
			return err
		})
		if err != nil {
			return err
		}
		h.KontaktMangler = len(missing) > 0
		h.KanAngiveKontakt = a.can(c, access.KontaktWrite)
	}
	switch {
	case a.can(c, access.SagRead) && r.user.Kommune == "": // DST picks a kommune (T3)
		h.Links = append(h.Links, views.HomeLink{Href: "/indberetninger", Label: "Se en kommunes indberetninger",
			Description: "Vælg en kommune, og se dens indberettede data i All (read only)"})
	case a.can(c, access.SagRead):
		h.Links = append(h.Links, views.HomeLink{Href: "/indberetninger", Label: "Se listen over alle indberetninger",
			Description: "Egne IDEP og All (read only): opret, ret og find sager og ydelser"})
	}
	if a.can(c, access.ExportCreate) { // E1, E2
		h.Links = append(h.Links, views.HomeLink{Href: views.EksporterPath, Label: "Cpr. lister",
			Description: "Eksporter poster, cpr. liste til tabel 3 og fejlopgørelser som CSV eller Excel"})
	}
	if a.can(c, access.KontaktRead) {
		h.Links = append(h.Links, views.HomeLink{Href: views.KontaktpersonerPath, Label: "Kontaktoplysninger",
			Description: "Fagligt ansvarlig, teknisk ansvarlig og kvitteringsmodtager"})
	}
	if manageUsers {
		h.Links = append(h.Links, views.HomeLink{Href: views.BrugerePath, Label: brugereTitle,
			Description: "Opret kommunens brugere, og giv dem rettigheder"})
	}
	// DST's code lists, the platform administrator's kommuner and users (T3).
	if a.can(c, access.CodesManage) {
		h.Links = append(h.Links, views.HomeLink{Href: views.KoderPath, Label: "Kodelister",
			Description: "Indsatskoder, målgrupper, tilbudstyper og FFB-ydelser: tilføj, ret tekster, lad udgå"})
	}
	if a.can(c, access.KommunerManage) {
		h.Links = append(h.Links, views.HomeLink{Href: views.KommunerPath, Label: "Kommuner",
			Description: "Aktivér kommuner, og opret deres første kommuneadministrator"},
			views.HomeLink{Href: views.AlleBrugerePath, Label: "Alle brugere",
				Description: "Brugerne i alle kommuner med rettigheder og seneste login"})
	}
	h.Links = append(h.Links, a.leveringLinks(c)...)
	if a.can(c, access.DriftRead) { // issue 15, the run's health
		h.Links = append(h.Links, views.HomeLink{Href: views.DriftPath, Label: driftTitle,
			Description: "Baggrundsjob, kommunernes levering, fejlede job og kvitteringer, der ikke er sendt"})
	}
	if a.can(c, access.AuditRead) {
		h.Links = append(h.Links,
			views.HomeLink{Href: views.AuditLogPath, Label: "Revisionslog", Description: "Hvem ændrede hvad og hvornår, med værdierne før og efter"},
			views.HomeLink{Href: views.CPRAccessPath, Label: "CPR-adgangslog", Description: "Hvem har set eller eksporteret et CPR-nummer og hvornår"})
	}
	return a.render(c, fiber.StatusOK, views.HomePage(a.page(c, "Forside"), h))
}
