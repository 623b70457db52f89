package tenant

import (
	"time"

	"indberet/tenant/domain"
)

// The stored format of the audit log (issue 16 #5): the JSON of a record's before and after is
// history, read back by the log viewer (app/auditlog.go labels its keys) and by the generated
// columns of migration 00011 (audit_log.sag_id from "SagID" of a ydelse's record, sag_cpr from
// "CPR" of a sag's record and "Sag" › "CPR" of a sag.delete record). So what is stored is
// never a domain value as Go happens to name its fields, but one of the records below, each
// field with an explicit json tag. The keys are the Go field names the records had before
// they were named here, and must stay so: a renamed key would part the new records from the
// stored ones, and from 00011's columns. A change of the format is a new key (and a migration
// where 00011's columns read it), never a rename. The test of the format
// (auditformat_test.go) holds every record's JSON and every key written to the log.

// sagRecord is a sag in the audit log: sag.create (after), sag.update (before and after).
// Version, the counts kept by triggers and the delivery state are not part of it.
type sagRecord struct {
	ID                 int64  `json:"ID"`
	CPR                string `json:"CPR"` // audit_log.sag_cpr (00011)
	Navn               string `json:"Navn"`
	Funktionsvurdering string `json:"Funktionsvurdering"`
	Bemaerkninger      string `json:"Bemaerkninger"`
	Kilde              string `json:"Kilde,omitempty"`
}

func sagRecordOf(s domain.Sag) sagRecord {
	return sagRecord{ID: s.ID, CPR: s.CPR, Navn: s.Navn, Funktionsvurdering: s.Funktionsvurdering,
		Bemaerkninger: s.Bemaerkninger, Kilde: s.Kilde}
}

// sagDeleteRecord is the before of sag.delete: the sag with every ydelse it had.
type sagDeleteRecord struct {
	Sag     sagRecord      `json:"Sag"` // its "CPR": audit_log.sag_cpr (00011)
	Ydelser []ydelseRecord `json:"Ydelser"`
}

// maalgruppeRecord is a målgruppe of a ydelse in the audit log.
type maalgruppeRecord struct {
	Scheme  string `json:"Scheme"`
	Code    string `json:"Code"`
	Primaer bool   `json:"Primaer"`
}

// ydelseRecord is a ydelse in the audit log: ydelse.create (after), ydelse.update (before
// and after), ydelse.delete (before), and each ydelse of sag.delete.
type ydelseRecord struct {
	ID                int64              `json:"ID"`
	SagID             int64              `json:"SagID"` // audit_log.sag_id (00011)
	Indsatskode       string             `json:"Indsatskode"`
	Varighed          string             `json:"Varighed"`
	Bevillingsdato    *time.Time         `json:"Bevillingsdato"`
	Startdato         time.Time          `json:"Startdato"`
	ForventetSlutdato *time.Time         `json:"ForventetSlutdato"`
	Slutdato          *time.Time         `json:"Slutdato"`
	Betalingskommune  string             `json:"Betalingskommune"`
	TilbudstypeScheme string             `json:"TilbudstypeScheme"`
	Tilbudstype       string             `json:"Tilbudstype"`
	PNummer           string             `json:"PNummer"`
	AfdelingsUUID     string             `json:"AfdelingsUUID"`
	TilbudsUUID       string             `json:"TilbudsUUID"`
	YdelsesUUID       string             `json:"YdelsesUUID"`
	I107Botilbud      *bool              `json:"I107Botilbud"`
	TilbudNavn        string             `json:"TilbudNavn,omitempty"` // Y5: the 2013 rules
	TilbudAdresse     string             `json:"TilbudAdresse,omitempty"`
	TilbudPostnr      string             `json:"TilbudPostnr,omitempty"`
	Maalgrupper       []maalgruppeRecord `json:"Maalgrupper"`
}

func ydelseRecordOf(y domain.Ydelse) ydelseRecord {
	r := ydelseRecord{ID: y.ID, SagID: y.SagID, Indsatskode: y.Indsatskode, Varighed: y.Varighed,
		Bevillingsdato: y.Bevillingsdato, Startdato: y.Startdato, ForventetSlutdato: y.ForventetSlutdato,
		Slutdato: y.Slutdato, Betalingskommune: y.Betalingskommune, TilbudstypeScheme: y.TilbudstypeScheme,
		Tilbudstype: y.Tilbudstype, PNummer: y.PNummer, AfdelingsUUID: y.AfdelingsUUID, TilbudsUUID: y.TilbudsUUID,
		YdelsesUUID: y.YdelsesUUID, I107Botilbud: y.I107Botilbud, TilbudNavn: y.TilbudNavn,
		TilbudAdresse: y.TilbudAdresse, TilbudPostnr: y.TilbudPostnr}
	if y.Maalgrupper != nil { // none is null, as before
		r.Maalgrupper = make([]maalgruppeRecord, len(y.Maalgrupper))
		for i, m := range y.Maalgrupper {
			r.Maalgrupper[i] = maalgruppeRecord{Scheme: m.Scheme, Code: m.Code, Primaer: m.Primaer}
		}
	}
	return r
}

func sagDeleteRecordOf(s domain.Sag, ydelser []domain.Ydelse) sagDeleteRecord {
	r := sagDeleteRecord{Sag: sagRecordOf(s)}
	if ydelser != nil {
		r.Ydelser = make([]ydelseRecord, len(ydelser))
		for i, y := range ydelser {
			r.Ydelser[i] = ydelseRecordOf(y)
		}
	}
	return r
}

// kontaktpersonRecord is a contact person in the audit log: kontaktperson.save (before and
// after), with the version the save made.
type kontaktpersonRecord struct {
	Rolle   domain.Kontaktrolle `json:"Rolle"`
	Navn    string              `json:"Navn"`
	Telefon string              `json:"Telefon"`
	Email   string              `json:"Email"`
	Version int                 `json:"Version"`
}

func kontaktpersonRecordOf(k domain.Kontaktperson) kontaktpersonRecord {
	return kontaktpersonRecord{Rolle: k.Rolle, Navn: k.Navn, Telefon: k.Telefon, Email: k.Email, Version: k.Version}
}

// leveranceRecord is the after of leverance.create: the leverance without its document.
type leveranceRecord struct {
	Periode string             `json:"Periode"`
	Version int                `json:"Version"`
	Aarsag  string             `json:"Aarsag,omitempty"` // I8: a genlevering's reason
	SHA256  string             `json:"SHA256"`
	Bytes   int64              `json:"Bytes"`
	Tal     leveranceTalRecord `json:"Tal"`
}

// leveranceTalRecord are the counts of a leverance in its leverance.create record.
type leveranceTalRecord struct {
	Sager          int `json:"Sager"`
	Ydelser        int `json:"Ydelser"`
	Nye            int `json:"Nye"`
	Aendrede       int `json:"Aendrede"`
	Afsluttede     int `json:"Afsluttede"`
	Neutraliserede int `json:"Neutraliserede"`
}

func leveranceRecordOf(l NewLeverance) leveranceRecord {
	return leveranceRecord{Periode: l.Periode, Version: l.Version, Aarsag: l.Aarsag, SHA256: l.SHA256, Bytes: l.Bytes,
		Tal: leveranceTalRecord{Sager: l.Tal.Sager, Ydelser: l.Tal.Ydelser, Nye: l.Tal.Nye, Aendrede: l.Tal.Aendrede,
			Afsluttede: l.Tal.Afsluttede, Neutraliserede: l.Tal.Neutraliserede}}
}

// kommuneRecord is a kommune's state in kommune.activate and kommune.deactivate (before and
// after): whether it is active, and the first periode an activation of a kommune that has
// delivered nothing gave it (I7), only then.
type kommuneRecord struct {
	Aktiv          bool    `json:"aktiv"`
	FoerstePeriode *string `json:"foerste_periode,omitempty"`
}

// eksportRecord is the after of eksport.create: what was ordered. Its Parametre are stored as
// the export's own column stores them (EksportParametre's tags).
type eksportRecord struct {
	Art       EksportArt       `json:"Art"`
	Format    EksportFormat    `json:"Format"`
	Parametre EksportParametre `json:"Parametre"`
}

func eksportRecordOf(n NewEksport) eksportRecord {
	//lint:ignore S1016 field by field: a new field of NewEksport must not enter the stored format unseen
	return eksportRecord{Art: n.Art, Format: n.Format, Parametre: n.Parametre}
}
