package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// FFBStart is the day FFB becomes mandatory (Y4), only FFB målgrupper may be used (Y3) and
// the new tilbudssted rules apply (Y5).
var FFBStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// old2018Start is the first day of the 2018 målgruppe codes (Y3).
var old2018Start = time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)

// YdelseInput is what the ydelse form sends (Y1), as typed.
type YdelseInput struct {
	// Målgruppe values are "scheme:code"; empty secondary values are skipped.
	Indsatskode, Varighed, PrimaerMaalgruppe                                 string
	SekundaereMaalgrupper                                                    []string
	Bevillingsdato, Startdato, ForventetSlutdato, Slutdato, Betalingskommune string
	// Tilbudstype is "" or "scheme:code".
	Tilbudstype                                      string
	PNummer, AfdelingsUUID, TilbudsUUID, YdelsesUUID string
	// I107Botilbud is "", "ja" or "nej".
	I107Botilbud string
	// The offer's name, address and postcode under the 2013 rules (Y5).
	TilbudNavn, TilbudAdresse, TilbudPostnr string
}

// ValidateYdelse checks a new ydelse against Y1–Y5 and returns it ready to store: dates as
// UTC midnights, Bevillingsdato defaulting to today, Betalingskommune to ownKommune, Varighed
// to the indsats's default, UUIDs lower-case, the primary målgruppe first. Every error is
// collected on its field; the ydelse is usable only when the Errors are OK. It does not set
// ID or SagID, and it does not check Y6 (see CheckOphold) or Y7. The name, address and
// postcode of the offer are checked (Y5) but Ydelse has no place for them. Every code
// must be valid on the Startdato (Y1, Y3, Y4).
func ValidateYdelse(in YdelseInput, c *Snapshot, ownKommune string, today time.Time) (Ydelse, Errors) {
	return validateYdelse(in, nil, c, ownKommune, today)
}

// ValidateYdelseChange checks the typed values for the stored ydelse as ValidateYdelse checks
// a new one, except that a code the stored ydelse has and keeps, with its Startdato
// unchanged, is not checked against the code list's dates (keptOf): a ydelse whose code
// was valid when it was registered can always be ended and edited after DST retired the code
// (issue 15 #6). The Varighed of a delivered ydelse cannot change (Y8,
// CheckVarighedUnchanged); an empty one keeps the stored. Every form and import that changes
// a stored ydelse uses it.
func ValidateYdelseChange(in YdelseInput, stored Ydelse, c *Snapshot, ownKommune string, today time.Time) (Ydelse, Errors) {
	return validateYdelse(in, &stored, c, ownKommune, today)
}

// validateYdelse is ValidateYdelse (stored nil) and ValidateYdelseChange.
func validateYdelse(in YdelseInput, stored *Ydelse, c *Snapshot, ownKommune string, today time.Time) (Ydelse, Errors) {
	if c == nil {
		c = NewSnapshot(nil, nil, nil, nil, nil)
	}
	errs := Errors{}
	var y Ydelse

	// Y1, Y2: dates.
	var start *time.Time
	if strings.TrimSpace(in.Startdato) == "" {
		errs.Add(FieldStartdato, "Angiv en startdato.")
	} else {
		start = parseDate(errs, FieldStartdato, in.Startdato)
	}
	if start != nil {
		y.Startdato = *start
	}
	kept := keptOf(stored, start)
	if strings.TrimSpace(in.Bevillingsdato) == "" {
		d := DateOf(today)
		y.Bevillingsdato = &d
	} else {
		y.Bevillingsdato = parseDate(errs, FieldBevillingsdato, in.Bevillingsdato)
	}
	y.ForventetSlutdato = parseDate(errs, FieldForventetSlutdato, in.ForventetSlutdato)
	y.Slutdato = parseDate(errs, FieldSlutdato, in.Slutdato)
	if start != nil {
		if y.ForventetSlutdato != nil && y.ForventetSlutdato.Before(*start) {
			errs.Add(FieldForventetSlutdato, "Den forventede slutdato må ikke ligge før startdatoen.")
		}
		if y.Slutdato != nil && y.Slutdato.Before(*start) {
			errs.Add(FieldSlutdato, "Slutdatoen må ikke ligge før startdatoen.")
		}
	}

	// Y1: indsatskode and varighed.
	var ind *Indsats
	y.Indsatskode = strings.TrimSpace(in.Indsatskode)
	if y.Indsatskode == "" {
		errs.Add(FieldIndsatskode, "Vælg en indsatskode.")
	} else if i, ok := c.Indsats(y.Indsatskode); !ok {
		errs.Add(FieldIndsatskode, "Indsatskoden findes ikke.")
	} else {
		ind = &i
		if start != nil && !kept.Indsats(y.Indsatskode) && !i.ValidAt(*start) {
			errs.Add(FieldIndsatskode, "Indsatskoden gælder ikke på startdatoen.")
		}
	}
	switch v := strings.ToLower(strings.TrimSpace(in.Varighed)); v {
	case "periode", "styk":
		y.Varighed = v
	case "":
		y.Varighed = "periode"
		switch {
		case stored != nil && stored.Varighed != "":
			y.Varighed = stored.Varighed // a change without one keeps it
		case ind != nil && ind.VarighedDefault != "":
			y.Varighed = ind.VarighedDefault // Y1: the code list's default (issue 17 #6)
		}
	default:
		errs.Add(FieldVarighed, "Vælg periodeydelse eller stykydelse.")
	}
	if stored != nil && y.Varighed != "" {
		if msg, ok := CheckVarighedUnchanged(stored.IndberettetAt != nil, stored.Varighed, y.Varighed); !ok { // Y8
			errs.Add(FieldVarighed, msg)
		}
	}

	y.Maalgrupper = validateMaalgrupper(errs, c, in, start, kept)

	// Y1: betalingskommune, any of the 98; DAWA and CPR write the code with a leading zero.
	y.Betalingskommune = strings.TrimSpace(in.Betalingskommune)
	if y.Betalingskommune == "" {
		y.Betalingskommune = ownKommune
	}
	if len(y.Betalingskommune) == 4 && y.Betalingskommune[0] == '0' {
		y.Betalingskommune = y.Betalingskommune[1:]
	}
	if _, ok := c.Kommune(y.Betalingskommune); !ok {
		errs.Add(FieldBetalingskommune, fmt.Sprintf("Vælg en af de %d kommuner.", len(c.Kommuner())))
	}

	// Y1: tilbudstype, optional.
	if v := strings.TrimSpace(in.Tilbudstype); v != "" {
		scheme, code, ok := schemeCode(v)
		if _, found := c.Tilbudstype(scheme, code); !ok || !found {
			errs.Add(FieldTilbudstype, "Tilbudstypen findes ikke.")
		} else {
			y.TilbudstypeScheme, y.Tilbudstype = scheme, code
		}
	}

	validateFFB(errs, c, in, ind, start, kept, &y)
	validateTilbudssted(errs, in, ind, start, &y)
	return y, errs
}

// validateMaalgrupper checks the målgrupper (Y3): one primary, which may be primary, any
// secondary ones, all from schemes the start date allows and valid on it (unless kept).
func validateMaalgrupper(errs Errors, c *Snapshot, in YdelseInput, start *time.Time, kept keptCodes) []Maalgruppe {
	schemes := schemesFor(start)
	var out []Maalgruppe
	var primary string
	if strings.TrimSpace(in.PrimaerMaalgruppe) == "" {
		errs.Add(FieldPrimaerMaalgruppe, "Vælg en primær målgruppe.")
	} else if m, msg := maalgruppe(c, in.PrimaerMaalgruppe, start, schemes, kept, "Målgruppen"); msg != "" {
		errs.Add(FieldPrimaerMaalgruppe, msg)
	} else if !m.PrimaryAllowed {
		errs.Add(FieldPrimaerMaalgruppe, "Målgruppen kan kun bruges som sekundær målgruppe.")
	} else {
		primary = m.Scheme + ":" + m.Code
		out = append(out, Maalgruppe{Scheme: m.Scheme, Code: m.Code, Primaer: true})
	}
	seen := map[string]bool{}
	for _, v := range in.SekundaereMaalgrupper {
		if strings.TrimSpace(v) == "" {
			continue
		}
		m, msg := maalgruppe(c, v, start, schemes, kept, "En sekundær målgruppe")
		key := m.Scheme + ":" + m.Code
		switch {
		case msg != "":
			errs.Add(FieldSekundaereMaalgrupper, msg)
		case key == primary:
			errs.Add(FieldSekundaereMaalgrupper, "Den primære målgruppe kan ikke også være sekundær.")
		case seen[key]:
			errs.Add(FieldSekundaereMaalgrupper, "Den samme sekundære målgruppe er valgt flere gange.")
		default:
			seen[key] = true
			out = append(out, Maalgruppe{Scheme: m.Scheme, Code: m.Code})
		}
	}
	return out
}

// maalgruppe looks up a "scheme:code" value and checks it against the start date (when
// known; its validity not when kept). It returns a message starting with what when the value
// cannot be used.
func maalgruppe(c *Snapshot, v string, start *time.Time, schemes []string, kept keptCodes, what string) (MaalgruppeKode, string) {
	scheme, code, ok := schemeCode(v)
	m, found := c.Maalgruppe(scheme, code)
	switch {
	case !ok || !found:
		return m, what + " findes ikke."
	case !slices.Contains(schemes, m.Scheme) && start != nil && !start.Before(FFBStart):
		return m, what + " skal være en FFB-målgruppe, når startdatoen er 01-01-2025 eller senere."
	case !slices.Contains(schemes, m.Scheme):
		return m, what + " hører til en kodeliste, der ikke gælder på startdatoen."
	case start != nil && !kept.Maalgruppe(m.Scheme, m.Code) && !m.ValidAt(*start):
		return m, what + " gælder ikke på startdatoen."
	}
	return m, ""
}

// validateFFB checks Tilbuds-UUID and Ydelses-UUID (Y4): only for FFB indsatser, required
// for them from FFBStart, and from the FFB lists, valid on the start date unless kept.
func validateFFB(errs Errors, c *Snapshot, in YdelseInput, ind *Indsats, start *time.Time, kept keptCodes, y *Ydelse) {
	fields := []struct {
		field, value, name string
		dst                *string
		known              func(uuid string) (ok, valid bool)
	}{
		{FieldTilbudsUUID, in.TilbudsUUID, "Tilbuds-UUID", &y.TilbudsUUID, func(u string) (bool, bool) {
			t, ok := c.Tilbudstype("ffb", u)
			return ok, ok && (start == nil || kept.TilbudsUUID(u) || t.ValidAt(*start))
		}},
		{FieldYdelsesUUID, in.YdelsesUUID, "Ydelses-UUID", &y.YdelsesUUID, func(u string) (bool, bool) {
			f, ok := c.FFBYdelse(u)
			return ok, ok && (start == nil || kept.YdelsesUUID(u) || f.ValidAt(*start))
		}},
	}
	for _, f := range fields {
		given := strings.TrimSpace(f.value) != ""
		switch {
		case ind != nil && !ind.FFB && given:
			errs.Add(f.field, f.name+" bruges kun ved FFB-ydelser.")
		case ind != nil && ind.FFB && !given && start != nil && !start.Before(FFBStart):
			errs.Add(f.field, f.name+" skal udfyldes for FFB-ydelser fra 01-01-2025.")
		}
		if !given {
			continue
		}
		u, err := ParseUUID(f.value)
		if err != nil {
			errs.Add(f.field, err.Error())
			continue
		}
		*f.dst = u
		if ind == nil || !ind.FFB {
			continue
		}
		if ok, valid := f.known(u); !ok {
			errs.Add(f.field, f.name+" findes ikke i FFB-listen.")
		} else if !valid {
			errs.Add(f.field, f.name+" gælder ikke på startdatoen.")
		}
	}
}

// validateTilbudssted checks P-nummer, Afdelings-UUID, the § 107 question and the 2013-rules
// offer fields (Y5).
func validateTilbudssted(errs Errors, in YdelseInput, ind *Indsats, start *time.Time, y *Ydelse) {
	hasP := strings.TrimSpace(in.PNummer) != ""
	hasA := strings.TrimSpace(in.AfdelingsUUID) != ""
	if hasP {
		if p, err := ParsePNummer(in.PNummer); err != nil {
			errs.Add(FieldPNummer, err.Error())
		} else {
			y.PNummer = p
		}
	}
	if hasA {
		if u, err := ParseUUID(in.AfdelingsUUID); err != nil {
			errs.Add(FieldAfdelingsUUID, err.Error())
		} else {
			y.AfdelingsUUID = u
		}
	}
	requirePA := func() {
		if !hasP {
			errs.Add(FieldPNummer, "P-nummer skal udfyldes for denne indsats.")
		}
		if !hasA {
			errs.Add(FieldAfdelingsUUID, "Afdelings-UUID skal udfyldes for denne indsats.")
		}
	}

	// The 2013 rules: a name needs address and postcode.
	navn := strings.TrimSpace(in.TilbudNavn)
	adresse := strings.TrimSpace(in.TilbudAdresse)
	postnr := strings.TrimSpace(in.TilbudPostnr)
	if navn != "" && adresse == "" {
		errs.Add(FieldTilbudAdresse, "Angiv tilbuddets adresse, når navnet er udfyldt.")
	}
	if navn != "" && postnr == "" {
		errs.Add(FieldTilbudPostnr, "Angiv tilbuddets postnummer, når navnet er udfyldt.")
	}
	if postnr != "" && (len(postnr) != 4 || !allDigits(postnr)) {
		errs.Add(FieldTilbudPostnr, "Postnummeret skal have 4 cifre.")
	}
	y.TilbudNavn, y.TilbudAdresse, y.TilbudPostnr = navn, adresse, postnr

	if ind == nil {
		return
	}
	newRules := start != nil && !start.Before(FFBStart)
	switch ind.RequiresTilbudssted {
	case "yes":
		if newRules {
			requirePA()
		}
		if start == nil || newRules || hasP && hasA {
			return
		}
		// Before 2025: P-nummer and Afdelings-UUID, or under the 2013 rules Tilbudstype and
		// either a P-nummer or the offer's name, address and postcode.
		legacy := strings.TrimSpace(in.Tilbudstype) != "" || navn != "" || adresse != "" || postnr != ""
		if !legacy {
			requirePA()
			return
		}
		if strings.TrimSpace(in.Tilbudstype) == "" {
			errs.Add(FieldTilbudstype, "Vælg en tilbudstype, eller angiv P-nummer og Afdelings-UUID.")
		}
		if !hasP && navn == "" {
			errs.Add(FieldTilbudNavn, "Angiv P-nummer eller tilbuddets navn, adresse og postnummer.")
		}
	case "if_in_107_botilbud":
		switch strings.ToLower(strings.TrimSpace(in.I107Botilbud)) {
		case "ja":
			b := true
			y.I107Botilbud = &b
			if newRules {
				requirePA()
			}
		case "nej":
			b := false
			y.I107Botilbud = &b
		case "":
			if newRules {
				errs.Add(FieldI107Botilbud, "Svar på, om støtten gives i botilbud efter § 107.")
			}
		default:
			errs.Add(FieldI107Botilbud, "Svar ja eller nej.")
		}
	}
}

// Needs is what a form must ask and require for a chosen indsatskode and start date
// (Y3–Y5); the form marks these fields required as soon as the indsatskode is chosen.
// Without a start date the rules from FFBStart (those of a new ydelse today) are assumed for
// what is required, while all målgruppe schemes are offered.
type Needs struct {
	Indsats *Indsats // nil when no (known) indsatskode is chosen
	// FFB tells that Tilbuds-UUID and Ydelses-UUID may be used at all (Y4: only for FFB
	// indsatser).
	FFB bool
	// TilbudsUUID and YdelsesUUID are required (Y4).
	TilbudsUUID, YdelsesUUID bool
	// AskI107 asks "Gives støtten i botilbud efter § 107?" (Y5, § 85 a from 2025-01-01).
	AskI107 bool
	// PNummer and AfdelingsUUID are required (Y5).
	PNummer, AfdelingsUUID bool
	// Legacy tells that, before 2025-01-01, the 2013-rules alternative may replace P-nummer
	// and Afdelings-UUID: Tilbudstype plus a P-nummer or the offer's name, address and
	// postcode (Y5). The form may then show those fields.
	Legacy bool
	// Schemes are the målgruppe schemes allowed by the start date (Y3); all three when
	// there is no start date yet.
	Schemes []string
	// VarighedDefault is the Varighed to preselect (Y1).
	VarighedDefault string
}

// NeedsFor tells what the form needs for indsatskode starting on start (nil: not chosen
// yet), given the answer i107 ("", "ja", "nej") to the § 107 question.
func NeedsFor(c *Snapshot, indsatskode string, start *time.Time, i107 string) Needs {
	n := Needs{Schemes: schemesFor(start), VarighedDefault: "periode"}
	if c == nil {
		return n
	}
	i, ok := c.Indsats(strings.TrimSpace(indsatskode))
	if !ok {
		return n
	}
	n.Indsats = &i
	if i.VarighedDefault != "" {
		n.VarighedDefault = i.VarighedDefault
	}
	current := start == nil || !DateOf(*start).Before(FFBStart)
	n.FFB = i.FFB
	n.TilbudsUUID = i.FFB && current
	n.YdelsesUUID = n.TilbudsUUID
	switch i.RequiresTilbudssted {
	case "yes":
		n.PNummer, n.AfdelingsUUID = current, current
		n.Legacy = !current
	case "if_in_107_botilbud":
		n.AskI107 = current
		ja := current && strings.EqualFold(strings.TrimSpace(i107), "ja")
		n.PNummer, n.AfdelingsUUID = ja, ja
	}
	return n
}

// MaalgruppeSchemes returns the målgruppe schemes a ydelse starting on start may use (Y3):
// until 2017-12-31 old_2013 or ffb; 2018-01-01 to 2024-12-31 old_2018 or ffb; from
// 2025-01-01 ffb only.
func MaalgruppeSchemes(start time.Time) []string {
	d := DateOf(start)
	switch {
	case d.Before(old2018Start):
		return []string{"old_2013", "ffb"}
	case d.Before(FFBStart):
		return []string{"old_2018", "ffb"}
	}
	return []string{"ffb"}
}

func schemesFor(start *time.Time) []string {
	if start == nil {
		return []string{"old_2013", "old_2018", "ffb"}
	}
	return MaalgruppeSchemes(*start)
}

// schemeCode splits a "scheme:code" form value; FFB codes are UUIDs, kept lower-case.
func schemeCode(v string) (scheme, code string, ok bool) {
	scheme, code, ok = strings.Cut(strings.TrimSpace(v), ":")
	scheme, code = strings.TrimSpace(scheme), strings.TrimSpace(code)
	if scheme == "ffb" {
		code = strings.ToLower(code)
	}
	return scheme, code, ok && scheme != "" && code != ""
}

// parseDate parses an optional date field, adding the parser's message on failure.
func parseDate(errs Errors, field, s string) *time.Time {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	t, err := ParseDate(s)
	if err != nil {
		errs.Add(field, err.Error())
		return nil
	}
	return &t
}

// TilbudstypeApplies tells whether a ydelse starting on start (nil: not typed yet) may carry
// the optional Tilbudstype (Y1): only data under the 2013 rules, which end with 2024 (Y5), so
// a ydelse starting on or after 2025-01-01, or of unknown start, is not offered it.
func TilbudstypeApplies(start *time.Time) bool {
	return start != nil && DateOf(*start).Before(FFBStart)
}
