package domain

// Errors maps a form field name (one of the Field constants) to a Danish message to show
// next to the field. A field keeps its first message. Make it with Errors{}; the zero value
// (nil) can be read but not added to.
type Errors map[string]string

// Add records msg for field unless the field already has a message.
func (e Errors) Add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

// OK tells whether there are no messages.
func (e Errors) OK() bool { return len(e) == 0 }

// Form field names: the keys of Errors and the names of the HTML inputs.
const (
	FieldCPR                   = "cpr"
	FieldNavn                  = "navn"
	FieldFunktionsvurdering    = "funktionsvurdering"
	FieldBemaerkninger         = "bemaerkninger"
	FieldIndsatskode           = "indsatskode"
	FieldVarighed              = "varighed"
	FieldPrimaerMaalgruppe     = "maalgruppe_primaer"
	FieldSekundaereMaalgrupper = "maalgrupper_sekundaere"
	FieldBevillingsdato        = "bevillingsdato"
	FieldStartdato             = "startdato"
	FieldForventetSlutdato     = "forventet_slutdato"
	FieldSlutdato              = "slutdato"
	FieldBetalingskommune      = "betalingskommune"
	FieldTilbudstype           = "tilbudstype"
	FieldPNummer               = "p_nummer"
	FieldAfdelingsUUID         = "afdelings_uuid"
	FieldTilbudsUUID           = "tilbuds_uuid"
	FieldYdelsesUUID           = "ydelses_uuid"
	FieldI107Botilbud          = "i_107_botilbud"
	FieldTilbudNavn            = "tilbud_navn"
	FieldTilbudAdresse         = "tilbud_adresse"
	FieldTilbudPostnr          = "tilbud_postnr"
)

// message is an error whose text is a short Danish message fit to show next to a field.
type message string

func (m message) Error() string { return string(m) }
