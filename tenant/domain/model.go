package domain

import "time"

// The domain's records as the stores keep them: a sag (S1–S3) and its ydelser (Y1) with
// their målgrupper (Y3). The json names are what the audit log stores of them (00011 reads
// "CPR" and "SagID").

// Sag is one citizen's case in one kommune (S1–S3).
type Sag struct {
	ID                 int64
	CPR                string // 10 digits, no dash (S5); audit_log.sag_cpr reads it as "CPR" (00011)
	Navn               string
	Funktionsvurdering string // "", or A–E
	Bemaerkninger      string
	Kilde              string     `json:",omitempty"` // "egne" (registered here) or "system" (S9)
	Version            int        `json:"-"`          // optimistic locking: an update names the version it read
	AntalYdelser       int        `json:"-"`          // S8, kept by a trigger on ydelser
	SlutdatoMax        *time.Time `json:"-"`          // S6: latest Slutdato when every ydelse has one
	IndberettetAt      *time.Time `json:"-"`          // I2: when it was last delivered
	UpdatedAt          time.Time  `json:"-"`
	UpdatedBy          string     `json:"-"` // the email of who changed it last
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
	SagID             int64 // audit_log.sag_id reads it as "SagID" (00011)
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
	TilbudNavn        string `json:",omitempty"` // Y5: data registered under the 2013 rules
	TilbudAdresse     string `json:",omitempty"`
	TilbudPostnr      string `json:",omitempty"`
	Maalgrupper       []Maalgruppe
	Version           int        `json:"-"` // optimistic locking: an update names the version it read
	IndberettetAt     *time.Time `json:"-"` // I2: when it was last delivered
	UpdatedAt         time.Time  `json:"-"`
	UpdatedBy         string     `json:"-"` // the email of who changed it last
}
