package app

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"indberet/tenant"
	"indberet/tenant/codes"
	"indberet/tenant/domain"
	"indberet/views"
)

// DST's code lists (T3, DOMAIN.md "Code lists"): *Kodelister* lists them, a list shows its
// codes with their texts, validity and how many ydelser use them, *Tilføj kode* adds one, a
// code's page changes its texts, retires it from a date (or takes that back) and deletes a
// code added by mistake that nothing uses. The store and what retiring means are in
// tenant/codes (manage.go), the form rules in tenant/domain (koder.go). Every change is
// audited under tenant.PlatformKommune and clears this process's code cache, so the forms
// use it at once (other processes within codesTTL).

// kodeliste is the list of the route's :kodeliste, or a 404.
func kodeliste(c *fiber.Ctx) (domain.Liste, error) {
	l, ok := domain.ListeByKey(c.Params("kodeliste"))
	if !ok {
		return l, fiber.ErrNotFound
	}
	return l, nil
}

// kodelister is GET /koder.
func (a *App) kodelister(c *fiber.Ctx) error {
	var k views.Kodelister
	for _, l := range domain.Lister {
		k.Lister = append(k.Lister, views.HomeLink{Href: views.KodelistePath(l.Key), Label: l.Title})
	}
	return a.render(c, fiber.StatusOK, views.KodelisterPage(a.page(c, "Kodelister"), k))
}

// kodelistePage is GET /koder/:kodeliste: the list's codes.
func (a *App) kodelistePage(c *fiber.Ctx) error {
	l, err := kodeliste(c)
	if err != nil {
		return err
	}
	var ks []domain.Kode
	if err := a.inScope(c, func(tx *tenant.Tx) (err error) { ks, err = codes.Koder(c.UserContext(), tx, l); return }); err != nil {
		return err
	}
	v := views.Kodeliste{Titel: l.Title, NyURL: views.NyKodePath(l.Key), Kolonner: attributeHeadings(l)}
	today := a.today()
	for _, k := range ks {
		v.Rows = append(v.Rows, views.KodeRow{URL: views.KodePath(l.Key, k.Code), Kode: k.Code, Tekst: k.Path,
			Attributter: attributes(l, k), GyldigFra: domain.FormatOptDate(k.ValidFrom), GyldigTil: domain.FormatOptDate(k.ValidTo),
			Udgaaet: k.ValidTo != nil && k.ValidTo.Before(today), Ydelser: views.TalDK(int(k.Uses))})
	}
	return a.render(c, fiber.StatusOK, views.KodelistePage(a.page(c, l.Title), v))
}

// attributeHeadings are the headings of the list's own attributes, in the order of
// attributes.
func attributeHeadings(l domain.Liste) []string {
	switch {
	case l.Kind == domain.KindIndsats:
		return []string{"Paragraf", "FFB", "P-nummer og Afdelings-UUID", "Ophold", "Varighed"}
	case l.Kind == domain.KindMaalgruppe:
		return []string{"Kan være primær"}
	case l.HasParentPath():
		return []string{"Laveste niveau"}
	}
	return nil
}

// attributes are the values of the list's own attributes of k, as the screens show them.
func attributes(l domain.Liste, k domain.Kode) []string {
	switch {
	case l.Kind == domain.KindIndsats:
		return []string{k.Paragraph, jaNej(k.FFB), optionLabel(views.TilbudsstedValg, k.RequiresTilbudssted),
			jaNej(k.Residential), optionLabel(views.VarighedValg, k.VarighedDefault)}
	case l.Kind == domain.KindMaalgruppe:
		return []string{jaNej(k.PrimaryAllowed)}
	case l.HasParentPath():
		if k.Leaf == nil {
			return []string{"Ukendt"}
		}
		return []string{jaNej(*k.Leaf)}
	}
	return nil
}

func jaNej(b bool) string {
	if b {
		return "Ja"
	}
	return "Nej"
}

func optionLabel(opts []views.Option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

// newKodeForm is GET /koder/:kodeliste/ny: the empty *Tilføj kode*.
func (a *App) newKodeForm(c *fiber.Ctx) error {
	l, err := kodeliste(c)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, views.NyKodePage(a.page(c, "Tilføj kode"), newKodeView(l, domain.KodeInput{}, nil)))
}

// createKode is POST /koder/:kodeliste/ny: adds the code (ValidateKode), or shows the form
// again with the typed values and a message per wrong field (422), also for a code the list
// already has.
func (a *App) createKode(c *fiber.Ctx) error {
	l, err := kodeliste(c)
	if err != nil {
		return err
	}
	in := domain.KodeInput{Kode: c.FormValue(domain.FieldKode), Tekst: c.FormValue(domain.FieldTekst),
		Paragraf: c.FormValue(domain.FieldParagraf), Kilde: c.FormValue(domain.FieldKilde), FFB: c.FormValue(domain.FieldFFB),
		Tilbudssted: c.FormValue(domain.FieldTilbudssted), Ophold: c.FormValue(domain.FieldOphold),
		Varighed: c.FormValue(domain.FieldVarighedStd), PrimaerTilladt: c.FormValue(domain.FieldPrimaerTilladt),
		Overordnet: c.FormValue(domain.FieldOverordnet), Sti: c.FormValue(domain.FieldSti),
		LavesteNiveau: c.FormValue(domain.FieldLavesteNiveau), GyldigFra: c.FormValue(domain.FieldGyldigFra),
		UdgaarFra: c.FormValue(domain.FieldUdgaarFra)}
	snap, err := a.codes(c.UserContext())
	if err != nil {
		return err
	}
	k, errs := domain.ValidateKode(l, in, snap)
	if errs.OK() {
		err = a.inScope(c, func(tx *tenant.Tx) error { return codes.AddKode(c.UserContext(), tx, l, k) })
		switch {
		case errors.Is(err, codes.ErrDuplicate):
			errs.Add(domain.FieldKode, "Koden findes allerede i listen.")
		case err != nil:
			return err
		default:
			a.forgetCodes()
			return a.saved(c, true, "Koden "+k.Code+" er tilføjet "+l.Title+".", views.KodePath(l.Key, k.Code))
		}
	}
	return a.render(c, fiber.StatusUnprocessableEntity, views.NyKodePage(a.page(c, "Tilføj kode"), newKodeView(l, in, errs)))
}

func newKodeView(l domain.Liste, in domain.KodeInput, errs domain.Errors) views.NyKode {
	values := map[string]string{domain.FieldKode: in.Kode, domain.FieldTekst: in.Tekst, domain.FieldParagraf: in.Paragraf,
		domain.FieldKilde: in.Kilde, domain.FieldFFB: in.FFB, domain.FieldTilbudssted: in.Tilbudssted, domain.FieldOphold: in.Ophold,
		domain.FieldVarighedStd: in.Varighed, domain.FieldPrimaerTilladt: in.PrimaerTilladt, domain.FieldOverordnet: in.Overordnet,
		domain.FieldSti: in.Sti, domain.FieldLavesteNiveau: in.LavesteNiveau, domain.FieldGyldigFra: in.GyldigFra,
		domain.FieldUdgaarFra: in.UdgaarFra}
	f := views.NyKode{Liste: l.Title, Action: views.NyKodePath(l.Key), Tilbage: views.KodelistePath(l.Key),
		Indsats: l.Kind == domain.KindIndsats, Maalgruppe: l.Kind == domain.KindMaalgruppe,
		Overordnet: l.Kind == domain.KindMaalgruppe && l.UUIDs(), Sti: l.HasParentPath(), UUID: l.UUIDs(),
		Felter: map[string]views.KodeFelt{}}
	for name, v := range values {
		f.Felter[name] = views.KodeFelt{Value: v, Fejl: errs[name]}
	}
	return f
}

// kodeTarget is the route's code in its list, with its use, or a 404.
func (a *App) kodeTarget(c *fiber.Ctx) (domain.Liste, domain.Kode, error) {
	l, err := kodeliste(c)
	if err != nil {
		return l, domain.Kode{}, err
	}
	var k domain.Kode
	err = a.inScope(c, func(tx *tenant.Tx) (err error) {
		k, err = codes.KodeByCode(c.UserContext(), tx, l, c.Params("kode"))
		return err
	})
	return l, k, err
}

// kodePage is GET /koder/:kodeliste/:kode.
func (a *App) kodePage(c *fiber.Ctx) error {
	l, k, err := a.kodeTarget(c)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, views.KodePage(a.page(c, "Kode "+k.Code), kodeView(l, k)))
}

// kodeView is a code's page with the stored texts and retire date.
func kodeView(l domain.Liste, k domain.Kode) views.KodeSide {
	v := views.KodeSide{Liste: l.Title, ListeURL: views.KodelistePath(l.Key), URL: views.KodePath(l.Key, k.Code), Kode: k.Code,
		Tekst: views.KodeFelt{Value: k.Name}, Paragraf: views.KodeFelt{Value: k.Paragraph}, Kilde: views.KodeFelt{Value: k.Source},
		MedParagraf: l.HasParagraph(), UdgaarFra: views.KodeFelt{Value: domain.FormatOptDate(k.UdgaarFra())}, Udgaaet: k.ValidTo != nil}
	v.Oplysninger = append(v.Oplysninger, [2]string{"Tekst", k.Path})
	for i, h := range attributeHeadings(l) {
		v.Oplysninger = append(v.Oplysninger, [2]string{h, attributes(l, k)[i]})
	}
	if k.ParentCode != "" {
		v.Oplysninger = append(v.Oplysninger, [2]string{"Overordnet målgruppe", k.ParentCode})
	}
	v.Oplysninger = append(v.Oplysninger, [2]string{"Gyldig fra", orIngen(domain.FormatOptDate(k.ValidFrom))},
		[2]string{"Gyldig til", orIngen(domain.FormatOptDate(k.ValidTo))}, [2]string{"Antal ydelser", views.TalDK(int(k.Uses))})
	switch {
	case k.Deletable():
		v.SletURL = views.KodePath(l.Key, k.Code) + "/slet"
	case k.Uses > 0:
		v.SletIkke = "Koden bruges af " + views.TalDK(int(k.Uses)) + " ydelser og kan ikke slettes. Lad den udgå fra en dato i stedet."
	default:
		v.SletIkke = "Koden stammer fra de oprindelige kodelister og kan ikke slettes. Lad den udgå fra en dato i stedet."
	}
	return v
}

func orIngen(s string) string {
	if s == "" {
		return "Ingen"
	}
	return s
}

// saveKode is POST /koder/:kodeliste/:kode: saves the texts (handling=tekster), the day the
// code is retired from (handling=udgaar) or takes the retirement back (handling=genindfoer).
// Refused input comes back on the page with the typed values and a message (422). A retire
// date that affects ydelser in any kommune is first shown with their counts and *Bekræft*
// (200), and saved only when confirmed with the same counts (codes.Retire).
func (a *App) saveKode(c *fiber.Ctx) error {
	l, k, err := a.kodeTarget(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	v := kodeView(l, k)
	var changed bool
	var flash string
	switch c.FormValue("handling") {
	case views.HandlingTekster:
		t, errs := domain.ValidateTexts(l, c.FormValue(domain.FieldTekst), c.FormValue(domain.FieldParagraf), c.FormValue(domain.FieldKilde))
		if !errs.OK() {
			v.Tekst = views.KodeFelt{Value: c.FormValue(domain.FieldTekst), Fejl: errs[domain.FieldTekst]}
			v.Paragraf = views.KodeFelt{Value: c.FormValue(domain.FieldParagraf), Fejl: errs[domain.FieldParagraf]}
			v.Kilde = views.KodeFelt{Value: c.FormValue(domain.FieldKilde), Fejl: errs[domain.FieldKilde]}
			return a.render(c, fiber.StatusUnprocessableEntity, views.KodePage(a.page(c, "Kode "+k.Code), v))
		}
		err = a.inScope(c, func(tx *tenant.Tx) (err error) { changed, err = codes.SetTexts(ctx, tx, l, k.Code, t); return })
		flash = "Teksterne til koden " + k.Code + " er gemt."
	case views.HandlingUdgaar:
		typed := c.FormValue(domain.FieldUdgaarFra)
		d, errs := domain.ValidateUdgaar(k, typed)
		v.UdgaarFra.Value = typed
		if !errs.OK() {
			v.UdgaarFra.Fejl = errs[domain.FieldUdgaarFra]
			return a.render(c, fiber.StatusUnprocessableEntity, views.KodePage(a.page(c, "Kode "+k.Code), v))
		}
		confirmed := confirmedImpact(c)
		var impact codes.RetireImpact
		err = a.inScope(c, func(tx *tenant.Tx) (err error) {
			impact, changed, err = codes.Retire(ctx, tx, l, k.Code, d, confirmed)
			return err
		})
		if errors.Is(err, codes.ErrUnconfirmed) {
			// Ask first (issue 15 #6): the counts and Bekræft; 409 when the user confirmed
			// counts that have changed since.
			v.Bekraeft = &views.UdgaarBekraeft{UdgaarFra: domain.FormatDate(d), Fra: int(impact.StartFrom),
				IGang: int(impact.Running), Aendret: confirmed != nil}
			status := fiber.StatusOK
			if confirmed != nil {
				status = fiber.StatusConflict
			}
			return a.render(c, status, views.KodePage(a.page(c, "Kode "+k.Code), v))
		}
		flash = "Koden " + k.Code + " udgår fra " + domain.FormatDate(d) + "."
		if impact.StartFrom > 0 {
			flash += " " + views.YdelserDK(int(impact.StartFrom)) + " med startdato fra den dag beholder koden, men den kan ikke vælges til nye ydelser fra den dag."
		}
	case views.HandlingGenindfoer:
		err = a.inScope(c, func(tx *tenant.Tx) (err error) { changed, err = codes.Reinstate(ctx, tx, l, k.Code); return })
		flash = "Koden " + k.Code + " er genindført og gælder uden slutdato."
	default:
		return fiber.ErrBadRequest
	}
	if err != nil {
		return err
	}
	a.forgetCodes()
	return a.saved(c, changed, flash, v.URL)
}

// confirmedImpact are the counts a retire date's confirmation sends back (views.UdgaarBekraeft),
// or nil when the form confirms nothing. Counts that cannot be read are -1, which no count
// matches: Retire then asks again.
func confirmedImpact(c *fiber.Ctx) *codes.RetireImpact {
	fra, igang := c.FormValue(views.FieldBekraeftFra), c.FormValue(views.FieldBekraeftIGang)
	if fra == "" && igang == "" {
		return nil
	}
	count := func(s string) int64 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return -1
		}
		return n
	}
	return &codes.RetireImpact{StartFrom: count(fra), Running: count(igang)}
}

// deleteKodeForm is GET /koder/:kodeliste/:kode/slet: what will be deleted, or why it cannot.
func (a *App) deleteKodeForm(c *fiber.Ctx) error {
	l, k, err := a.kodeTarget(c)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, views.ConfirmDeletePage(a.page(c, "Slet kode"), deleteKodeView(l, k)))
}

func deleteKodeView(l domain.Liste, k domain.Kode) views.ConfirmDelete {
	v := kodeView(l, k)
	f := views.ConfirmDelete{Heading: "Slet kode", CancelTo: v.URL, Instead: v.SletIkke}
	if k.Deletable() {
		f.Action = v.URL + "/slet"
		f.Warning = "Koden " + k.Code + " slettes fra " + l.Title + ". Det kan ikke fortrydes."
		f.Items = []string{strings.TrimSpace(k.Code + " " + k.Path)}
	}
	return f
}

// deleteKode is POST /koder/:kodeliste/:kode/slet: deletes a code DST added that no ydelse
// uses, checked again under the row's lock; otherwise 409 with the reason.
func (a *App) deleteKode(c *fiber.Ctx) error {
	l, k, err := a.kodeTarget(c)
	if err != nil {
		return err
	}
	err = a.inScope(c, func(tx *tenant.Tx) error { return codes.DeleteKode(c.UserContext(), tx, l, k.Code) })
	if errors.Is(err, codes.ErrInUse) || errors.Is(err, codes.ErrFromSpecification) {
		f := deleteKodeView(l, k)
		f.Action = ""
		if f.Instead == "" {
			f.Instead = "Koden bruges nu og kan ikke slettes. Lad den udgå fra en dato i stedet."
		}
		return a.render(c, fiber.StatusConflict, views.ConfirmDeletePage(a.page(c, "Slet kode"), f))
	}
	if err != nil {
		return err
	}
	a.forgetCodes()
	return a.saved(c, true, "Koden "+k.Code+" er slettet fra "+l.Title+".", views.KodelistePath(l.Key))
}
