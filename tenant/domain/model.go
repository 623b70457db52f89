package domain

import "time"

// The domain's records as the stores keep them: a sag (S1–S3) and its ydelser (Y1) with
// their målgrupper (Y3). What the audit log stores of them is tenant/auditformat.go's records,
// each field with its stored key, not these types.

// Sag is one citizen's case in one kommune (S1–S3).
type Sag struct {
	ID                 int64
	CPR                string // 10 digits, no dash (S5)
	Navn               string
	Funktionsvurdering string // "", or A–E
	Bemaerkninger      string
	Kilde              string     // "egne" (registered here) or "system" (S9)
	Version            int        // optimistic locking: an update names the version it read
	AntalYdelser       int        // S8, kept by a trigger on ydelser
	SlutdatoMax        *time.Time // S6: latest Slutdato when every ydelse has one
	IndberettetAt      *time.Time // I2: when it was last delivered
	UpdatedAt          time.Time
	UpdatedBy          string // the email of who changed it last
}

// Maalgruppe is one målgruppe of a ydelse (Y3): a code of a scheme, primary or secondary.
type Maalgruppe struct {
	Scheme  string
	Code    string
	Primaer bool
}

// Ydelse is one benefit of a sag (Y1).
type Ydelse struct {
	ID                int64
	SagID             int64
	Indsatskode       string
	Varighed          string // "periode" or "styk"
	Bevillingsdato    *time.Time
	Startdato         time.Time
	ForventetSlutdato *time.Time
	Slutdato          *time.Time
	Betalingskommune  string
	TilbudstypeScheme string
	Tilbudstype       string
	PNummer           string
	AfdelingsUUID     string
	TilbudsUUID       string
	YdelsesUUID       string
	I107Botilbud      *bool
	TilbudNavn        string // Y5: data registered under the 2013 rules
	TilbudAdresse     string
	TilbudPostnr      string
	Maalgrupper       []Maalgruppe
	Version           int        // optimistic locking: an update names the version it read
	IndberettetAt     *time.Time // I2: when it was last delivered
	UpdatedAt         time.Time
	UpdatedBy         string // the email of who changed it last
}
