package app

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/domain"
	"indberet/views"
)

// The log viewers (access.AuditRead: a kommune administrator for the kommune, DST and
// platform administrators for every kommune, T1, T3): GET/POST /revision, the audit log, and
// GET/POST /cpr-adgang, the CPR access log. Their filters (user, action, sag, date range,
// kommune) and the cursor may be in the URL (GET); a CPR number only in a POST body, so it
// never lands in a URL, a log line or the browser history. What the viewers show of CPR
// numbers, and every look-up of one, is itself a CPR access record.
//
// The logs show every reader who did what, when, to which sag or ydelse; the state of a sag
// or ydelse (CPR-nummer, Navn, Bemærkninger …) only where the reader may open it on the
// screens (tenant.Indsigt, issue 14 #3): a kommune's users with the data right (T2) their
// kommune's, DST the delivered ones, nobody else any. The CPR filter is for readers who may
// see sager, and finds only those they may see: it is refused (422) for the others, and for
// DST it finds nothing of a sag that is not delivered, in either log, so that a search is no
// oracle of what the screens do not show.

// Messages of the log filters.
const (
	msgLogKommune = "Vælg en kommune på listen."
	msgLogSag     = "Skriv sagens nummer med cifre."
	msgLogDatoer  = "Til-datoen må ikke ligge før fra-datoen."
	msgLogBruger  = "Skriv brugerens e-mailadresse."
	// msgLogCPRIngenAdgang refuses the CPR filter of a reader who may see no sag (issue 14 #3).
	msgLogCPRIngenAdgang = "Du kan ikke søge på CPR-nummer, fordi du ikke har adgang til sagernes indhold."
)

// logFilter is a filter of a log viewer: as typed (views.LogFilter) and as the store reads it.
type logFilter struct {
	form     views.LogFilter
	indsigt  tenant.Indsigt // what the reader may see of sager
	kommune  string         // "" for every kommune the scope reads
	cpr      string
	sagID    int64
	from, to time.Time
	after    string
}

// readLogFilter reads the filter from the query (GET) or the form body (POST: never from
// its URL, bodyValue); the CPR number only from a form body, and only from a reader who may
// see sager. Messages go in form.Errors (nil when all is well).
func (a *App) readLogFilter(c *fiber.Ctx, path string) logFilter {
	get := func(k string) string { return c.Query(k) }
	if c.Method() == fiber.MethodPost {
		get = func(k string) string { return bodyValue(c, k) }
	}
	f := logFilter{after: get(views.LogFeltEfter), indsigt: tenant.IndsigtFor(scope(c), a.can(c, access.SagRead))}
	in := views.LogFilter{Path: path, CSRFToken: csrfToken(reqOf(c).session), MedCPR: f.indsigt.Ser(true),
		Kommune: strings.TrimSpace(get(views.LogFeltKommune)), Bruger: strings.TrimSpace(get(views.LogFeltBruger)),
		Handling: get(views.LogFeltHandling), Sag: strings.TrimSpace(get(views.LogFeltSag)),
		Fra: strings.TrimSpace(get(views.LogFeltFra)), Til: strings.TrimSpace(get(views.LogFeltTil))}
	if c.Method() == fiber.MethodPost {
		in.CPR = strings.TrimSpace(bodyValue(c, views.LogFeltCPR))
	}
	errs := domain.Errors{}
	if scope(c).Kommune == "" {
		if _, ok := a.kommuner[in.Kommune]; !ok && in.Kommune != "" && in.Kommune != tenant.PlatformKommune {
			errs[views.LogFeltKommune] = msgLogKommune
		}
		f.kommune = in.Kommune
	}
	if strings.ContainsAny(in.Bruger, " \t<>") {
		errs[views.LogFeltBruger] = msgLogBruger
	}
	if in.CPR != "" {
		cpr, err := domain.ParseCPR(in.CPR)
		switch {
		case !in.MedCPR:
			errs[views.LogFeltCPR] = msgLogCPRIngenAdgang
		case err != nil:
			errs[views.LogFeltCPR] = err.Error()
		}
		f.cpr = cpr
	}
	if in.Sag != "" {
		id, err := strconv.ParseInt(in.Sag, 10, 64)
		if err != nil || id <= 0 {
			errs[views.LogFeltSag] = msgLogSag
		}
		f.sagID = id
	}
	day := func(field, s string) (time.Time, bool) {
		if s == "" {
			return time.Time{}, false
		}
		d, err := domain.ParseDate(s)
		if err != nil {
			errs[field] = err.Error()
			return time.Time{}, false
		}
		y, m, dd := d.Date()
		return time.Date(y, m, dd, 0, 0, 0, 0, copenhagen), true
	}
	from, okFrom := day(views.LogFeltFra, in.Fra)
	to, okTo := day(views.LogFeltTil, in.Til)
	if okFrom {
		f.from = from
	}
	if okTo {
		f.to = to.AddDate(0, 0, 1) // the day Til counts
	}
	if okFrom && okTo && to.Before(from) {
		errs[views.LogFeltTil] = msgLogDatoer
	}
	if len(errs) > 0 {
		in.Errors = errs
	}
	if !tenant.ValidLogCursor(f.after) {
		f.after, in.Besked = "", msgSideUgyldig // the first page instead (issue 14 #6)
	}
	f.form = in
	return f
}

// kommuneFilterOptions are the choices of the kommune filter of DST and platform
// administrators: every kommune, the platform's own records, or one kommune.
func (a *App) kommuneFilterOptions() []views.Option {
	return a.kommuneOptions(views.Option{Value: "", Label: "Alle kommuner"},
		views.Option{Value: tenant.PlatformKommune, Label: a.recordKommune(tenant.PlatformKommune)})
}

// recordKommune is the kommune of a log record as the viewers show it.
func (a *App) recordKommune(k string) string {
	if k == tenant.PlatformKommune {
		return "Platformen (" + k + ")"
	}
	return a.kommuneLabel(k)
}

// renderLog renders a log viewer: the page, or for htmx the part it swaps; 422 when the
// filter or the page asked for was refused.
func (a *App) renderLog(c *fiber.Ctx, f views.LogFilter, page, part func() templ.Component) error {
	status := fiber.StatusOK
	if f.Errors != nil || f.Besked != "" {
		status = fiber.StatusUnprocessableEntity
	}
	if hx := hxRequest(c); hx.Enabled && hx.Target == views.LogIndholdID {
		return a.render(c, status, part())
	}
	return a.render(c, status, page())
}

// auditLog is GET and POST /revision: the audit log viewer.
func (a *App) auditLog(c *fiber.Ctx) error {
	s := scope(c)
	f := a.readLogFilter(c, views.AuditLogPath)
	f.form.MedSag = true
	if s.Kommune == "" {
		f.form.Kommuner = a.kommuneFilterOptions()
	}
	v := views.Revision{AlleKommuner: s.Kommune == "" && f.kommune == ""}
	ctx := c.UserContext()
	err := a.inScope(c, func(tx *tenant.Tx) error {
		actions, err := tx.AuditActions(ctx, f.kommune)
		if err != nil {
			return err
		}
		f.form.Handlinger = []views.Option{{Value: "", Label: "Alle handlinger"}}
		for _, act := range actions {
			f.form.Handlinger = append(f.form.Handlinger, views.Option{Value: act, Label: auditActionLabel(act)})
		}
		if f.form.Errors != nil {
			return nil
		}
		q := tenant.AuditQuery{Kommune: f.kommune, UserEmail: strings.ToLower(f.form.Bruger), Action: f.form.Handling,
			CPR: f.cpr, From: f.from, To: f.to, After: f.after, Indsigt: f.indsigt, Kontakt: a.can(c, access.KontaktRead)}
		if f.sagID != 0 {
			q.Entity, q.EntityID = "sag", strconv.FormatInt(f.sagID, 10)
		}
		// The page, with the CPR access records of the CPR numbers it shows and looks up.
		page, err := tx.ShowAuditLog(ctx, q)
		if err != nil {
			return err
		}
		v.Side = views.LogSide{Offset: page.Offset, Antal: len(page.Records), Next: page.Next}
		for _, r := range page.Records {
			v.Records = append(v.Records, a.auditRow(r))
		}
		return nil
	})
	if err != nil {
		return err
	}
	v.Filter = f.form
	return a.renderLog(c, f.form, func() templ.Component { return views.AuditLogPage(a.page(c, "Revisionslog"), v) },
		func() templ.Component { return views.AuditLogContent(v) })
}

// cprAccessLog is GET and POST /cpr-adgang: the CPR access log viewer.
func (a *App) cprAccessLog(c *fiber.Ctx) error {
	s := scope(c)
	f := a.readLogFilter(c, views.CPRAccessPath)
	if s.Kommune == "" {
		f.form.Kommuner = a.kommuneFilterOptions()
	}
	v := views.CPRAccessView{AlleKommuner: s.Kommune == "" && f.kommune == ""}
	ctx := c.UserContext()
	err := a.inScope(c, func(tx *tenant.Tx) error {
		if f.form.Errors != nil {
			return nil
		}
		// The page, with the CPR access record of the CPR number looked up.
		page, err := tx.ShowCPRAccessLog(ctx, tenant.CPRAccessQuery{Kommune: f.kommune, CPR: f.cpr,
			UserEmail: strings.ToLower(f.form.Bruger), From: f.from, To: f.to, After: f.after, Indsigt: f.indsigt})
		if err != nil {
			return err
		}
		v.Side = views.LogSide{Offset: page.Offset, Antal: len(page.Records), Next: page.Next}
		for _, r := range page.Records {
			v.Records = append(v.Records, views.CPRAccessRow{Tid: views.DateTimeDK(r.At.In(copenhagen)),
				Kommune: a.recordKommune(r.Kommune), Bruger: r.UserEmail, IP: r.IP, Handling: cprActionLabel(r.Action),
				Detalje: r.Detail, AntalCPR: r.AntalCPR})
		}
		return nil
	})
	if err != nil {
		return err
	}
	v.Filter = f.form
	return a.renderLog(c, f.form, func() templ.Component { return views.CPRAccessLogPage(a.page(c, "CPR-adgangslog"), v) },
		func() templ.Component { return views.CPRAccessLogContent(v) })
}

// auditActionLabels name the actions of the audit log in Danish.
var auditActionLabels = map[string]string{
	"sag.create": "Sag oprettet", "sag.update": "Sag ændret", "sag.delete": "Sag slettet",
	"ydelse.create": "Ydelse oprettet", "ydelse.update": "Ydelse ændret", "ydelse.delete": "Ydelse slettet",
	"kontaktperson.save": "Kontaktperson gemt", "leverance.create": "Indberetning leveret",
	"kommune.activate": "Kommune aktiveret", "user.create": "Bruger oprettet", "user.roles": "Brugerens roller ændret",
	"user.set_active": "Bruger aktiveret eller deaktiveret", "user.password": "Adgangskode skiftet",
	"user.end_sessions": "Sessioner afsluttet", "user.unlock": "Spærring af login ophævet", "kommune.deactivate": "Kommune deaktiveret",
	"levering.start": "Levering startet", "levering.indhent": "Forsinket levering sat i kø", "policy.sync": "Rollernes rettigheder opdateret",
	"code.add": "Kode tilføjet", "code.texts": "Kodens tekster ændret", "code.retire": "Kode udgår",
	"code.reinstate": "Kode genindført", "code.delete": "Kode slettet",
	"mail.create": "E-mail registreret", "mail.sendt": "E-mail sendt", "mail.fejlet": "E-mail fejlet",
	"mail.gemt_lokalt": "E-mail gemt lokalt", "mail.send_igen": "Send igen bestilt", "levering.genlevering": "Genlevering startet",
	"eksport.create": "Eksport bestilt", "eksport.finish": "Eksport færdig", "eksport.expire": "Eksporter slettet efter 14 dage",
	"demo.generate": "Testdata genereret", "demo.generate.done": "Testdata færdiggenereret",
	"log.retention": "Logmåneder slettet eller oprettet",
}

func auditActionLabel(action string) string {
	if l, ok := auditActionLabels[action]; ok {
		return l + " (" + action + ")"
	}
	return action
}

func cprActionLabel(action string) string {
	if l, ok := map[string]string{"list": "Liste vist", "search": "Søgning", "view": "Visning", "export": "Eksport",
		"download": "Hentning"}[action]; ok {
		return l
	}
	return action
}

var entityLabels = map[string]string{"sag": "Sag", "ydelse": "Ydelse", "user": "Bruger", "kontaktperson": "Kontaktperson",
	"leverance": "Indberetning", "kommune": "Kommune", "mail": "E-mail", "policy": "Rettigheder", "levering": "Levering", "eksport": "Eksport",
	"log": "Log"}

// auditRow is an audit record as the viewer shows it (without its fields where the
// reader may not see them: Skjult).
func (a *App) auditRow(r tenant.AuditRecord) views.AuditRow {
	ting := strings.TrimSpace(entityLabels[r.Entity] + " " + r.EntityID)
	if entityLabels[r.Entity] == "" {
		ting = strings.TrimSpace(r.Entity + " " + r.EntityID)
	}
	if r.Entity == "ydelse" && r.SagID != 0 {
		ting += " (sag " + strconv.FormatInt(r.SagID, 10) + ")"
	}
	return views.AuditRow{Tid: views.DateTimeDK(r.At.In(copenhagen)), Kommune: a.recordKommune(r.Kommune),
		Bruger: r.UserEmail, IP: r.IP, Handling: auditActionLabel(r.Action), Ting: ting,
		Felter: auditDiff(r.Before, r.After), Skjult: r.Skjult}
}

// auditFormFields are the JSON fields of the audit records (the stored keys of a sag's and a
// ydelse's records, tenant/auditformat.go) that are fields of the forms: their labels and
// order are the forms' (domain.Fields). TestAuditLabelsKeyOnStoredKeys holds every key here
// and in auditOtherLabels to the stored format.
var auditFormFields = map[string]string{
	"CPR": domain.FieldCPR, "Navn": domain.FieldNavn, "Funktionsvurdering": domain.FieldFunktionsvurdering,
	"Bemaerkninger": domain.FieldBemaerkninger, "Indsatskode": domain.FieldIndsatskode, "Varighed": domain.FieldVarighed,
	"Bevillingsdato": domain.FieldBevillingsdato, "Startdato": domain.FieldStartdato,
	"ForventetSlutdato": domain.FieldForventetSlutdato, "Slutdato": domain.FieldSlutdato,
	"Betalingskommune": domain.FieldBetalingskommune, "Tilbudstype": domain.FieldTilbudstype, "PNummer": domain.FieldPNummer,
	"AfdelingsUUID": domain.FieldAfdelingsUUID, "TilbudsUUID": domain.FieldTilbudsUUID, "YdelsesUUID": domain.FieldYdelsesUUID,
	"I107Botilbud": domain.FieldI107Botilbud, "TilbudNavn": domain.FieldTilbudNavn, "TilbudAdresse": domain.FieldTilbudAdresse,
	"TilbudPostnr": domain.FieldTilbudPostnr,
}

// auditOtherLabels are the labels of the other JSON fields of the audit records.
var auditOtherLabels = map[string]string{
	"ID": "Id", "SagID": "Sag", "Kilde": "Kilde", "TilbudstypeScheme": "Tilbudstype (kodeliste)", "Maalgrupper": "Målgrupper",
	"Sag": "Sag", "Ydelser": "Ydelse", "Rolle": "Rolle", "Telefon": "Telefonnr.", "Email": "Email-adresse",
	"failures": "Mislykkede login", "locked_addresses": "Spærrede adresser", // user.unlock
	"valid_to": "Gyldig til", "udgaar_fra": "Udgår fra", // code.retire, code.reinstate
	"ydelser_fra": "Ydelser med startdato fra datoen", "ydelser_i_gang": "Ydelser i gang på datoen",
}

// auditFieldLabel is the Danish label of a JSON field of the audit records (the name itself
// for one neither list knows).
func auditFieldLabel(k string) string {
	if f, ok := auditFormFields[k]; ok {
		return domain.FieldLabel(f)
	}
	if l, ok := auditOtherLabels[k]; ok {
		return l
	}
	return k
}

// auditFieldRank orders the JSON fields: the record's ids first, then as on the forms, the
// others after (by name).
func auditFieldRank(k string) int {
	switch k {
	case "ID":
		return 0
	case "SagID":
		return 1
	}
	f, ok := auditFormFields[k]
	if k == "Maalgrupper" { // where the forms have the målgrupper
		f, ok = domain.FieldPrimaerMaalgruppe, true
	}
	if ok {
		return 2 + slices.IndexFunc(domain.Fields, func(x domain.FieldInfo) bool { return x.Name == f })
	}
	return 2 + len(domain.Fields)
}

// auditDiff turns the JSON of the state before and after a change into its fields, each with
// its value before and after (dates DD-MM-YYYY, CPR numbers DDMMYY-SSSS), changed ones
// marked. Nested objects and lists are flattened ("Sag › Navn", "Ydelse 2 › Startdato"); a
// list of målgrupper is one field. The CPR numbers it shows are those the read of the page
// recorded (tenant.ShowAuditLog: the values of the records' "CPR" keys).
func auditDiff(before, after []byte) []views.DiffFelt {
	b, bKeys := flattenAudit(before)
	f, fKeys := flattenAudit(after)
	keys := bKeys
	for _, k := range fKeys {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	var out []views.DiffFelt
	for _, k := range keys {
		x, inBefore := b[k]
		y := f[k]
		label := x.label // from whichever state has the field
		if !inBefore {
			label = y.label
		}
		out = append(out, views.DiffFelt{Felt: label, Foer: x.text, Efter: y.text, Aendret: x.text != y.text})
	}
	return out
}

// flatValue is one field of a flattened audit JSON.
type flatValue struct{ label, text string }

// flattenAudit reads an audit JSON object into its fields by path, in the order of
// auditFieldRank. Nil or invalid JSON has no fields.
func flattenAudit(raw []byte) (map[string]flatValue, []string) {
	out := map[string]flatValue{}
	var keys []string
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return out, nil
	}
	var walk func(path, label string, v any)
	walk = func(path, label string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range sortedAuditKeys(x) {
				l := auditFieldLabel(k)
				if label != "" {
					l = label + " › " + l
				}
				if k == "Maalgrupper" {
					keys = append(keys, path+"/"+k)
					out[path+"/"+k] = flatValue{label: l, text: maalgrupperText(x[k])}
					continue
				}
				walk(path+"/"+k, l, x[k])
			}
		case []any:
			for i, e := range x {
				walk(path+"/"+strconv.Itoa(i), label+" "+strconv.Itoa(i+1), e)
			}
		default:
			key := path[strings.LastIndex(path, "/")+1:]
			keys = append(keys, path)
			out[path] = flatValue{label: label, text: auditValueText(key, x)}
		}
	}
	walk("", "", v)
	return out, keys
}

func sortedAuditKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y string) int {
		if d := auditFieldRank(x) - auditFieldRank(y); d != 0 {
			return d
		}
		return strings.Compare(x, y)
	})
	return keys
}

var midnightRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T00:00:00Z$`)

// auditValueText is a JSON value as the viewer shows it.
func auditValueText(key string, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "Ja"
		}
		return "Nej"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		if key == "CPR" {
			return domain.FormatCPR(x)
		}
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			if midnightRE.MatchString(x) {
				return domain.FormatDate(t) // a date (Startdato …)
			}
			return views.DateTimeDK(t.In(copenhagen))
		}
		return x
	}
	return fmt.Sprint(v)
}

// maalgrupperText is the målgrupper of a ydelse in one line: "ffb:1.2 (primær), ffb:3.4".
func maalgrupperText(v any) string {
	list, _ := v.([]any)
	var parts []string
	for _, e := range list {
		m, _ := e.(map[string]any)
		s := fmt.Sprint(m["Scheme"]) + ":" + fmt.Sprint(m["Code"])
		if p, _ := m["Primaer"].(bool); p {
			s += " (primær)"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
