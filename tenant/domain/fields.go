package domain

// FieldInfo is a field of the sag and ydelse forms: its name (Field*, the HTML name and id),
// its Danish label as the forms and their error summary show it, and the rule of DOMAIN.md
// its messages come from (the fejlopgørelse names it).
type FieldInfo struct {
	Name, Label, Rule string
}

// Fields are the fields of the forms, in the order of the forms.
var Fields = []FieldInfo{
	{FieldCPR, "CPR-nummer", "S5"},
	{FieldNavn, "Navn", "S3"},
	{FieldFunktionsvurdering, "Funktionsvurdering", "S3"},
	{FieldBemaerkninger, "Bemærkninger", "S3"},
	{FieldIndsatskode, "Indsatskode", "Y1"},
	{FieldVarighed, "Varighed", "Y1"},
	{FieldBevillingsdato, "Bevillingsdato", "Y1"},
	{FieldStartdato, "Startdato", "Y1"},
	{FieldForventetSlutdato, "Forventet slutdato", "Y2"},
	{FieldSlutdato, "Slutdato", "Y2"},
	{FieldPrimaerMaalgruppe, "Primær målgruppe", "Y3"},
	{FieldSekundaereMaalgrupper, "Sekundære målgrupper", "Y3"},
	{FieldBetalingskommune, "Betalingskommune", "Y1"},
	{FieldI107Botilbud, "Botilbud efter § 107", "Y5"},
	{FieldPNummer, "P-nummer", "Y5"},
	{FieldAfdelingsUUID, "Afdelings-UUID", "Y5"},
	{FieldTilbudstype, "Tilbudstype", "Y1"},
	{FieldTilbudNavn, "Tilbuddets navn", "Y5"},
	{FieldTilbudAdresse, "Adresse", "Y5"},
	{FieldTilbudPostnr, "Postnr.", "Y5"},
	{FieldTilbudsUUID, "Tilbuds-UUID", "Y4"},
	{FieldYdelsesUUID, "Ydelses-UUID", "Y4"},
}

// FieldLabel is the Danish label of the field name ("" for none of Fields).
func FieldLabel(name string) string {
	for _, f := range Fields {
		if f.Name == name {
			return f.Label
		}
	}
	return ""
}
