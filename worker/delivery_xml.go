package worker

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"hash"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"indberet/tenant"
	"indberet/tenant/domain"
)

// Schema holds the XSD of the delivery document: delivery.xsd (the document, DST's
// namespace of 2010-04-16) and delivery_envelope.xsd (the envelope, DST's namespace of
// 2002-06-28, imported by the first). DELIVERY.md documents every element.
//
//go:embed delivery.xsd delivery_envelope.xsd
var Schema embed.FS

// The namespaces of DST's delivery envelope (CODES.md, "The delivery XML").
const (
	NamespaceDelivery = "http://rep.oio.dk/dst.dk/xml/schemas/2010/04/16/"
	NamespaceEnvelope = "http://rep.oio.dk/dst.dk/xml/schemas/2002/06/28/"
)

// The fixed values of the envelope. DST's document for the adult delivery (B3) is not
// public: SurveyID and FormID are our names until DST gives theirs, and FormVersion is the
// version of delivery.xsd.
const (
	envelopeSource   = "Indberet"
	envelopeSurveyID = "HandicapUdsatteVoksne"
	envelopeFormID   = "B3"
	formVersion      = "1.0"
	systemName       = "Indberet"
	systemVersion    = "1"
)

// contactTypeNames are the ContactTypeName of each role of K1 in DST's envelope.
var contactTypeNames = map[domain.Kontaktrolle]string{
	domain.FagligAnsvarlig:     "Faglig ansvarlig",
	domain.TekniskAnsvarlig:    "Teknisk ansvarlig",
	domain.Kvitteringsmodtager: "Kvitteringsmodtager",
}

// record is one ydelse in the document. Its JSON form (every field but Type) is the content
// that ContentHash hashes: two deliveries of a ydelse with the same content are the same
// state (I2), whatever the XML layout. Optional fields are omitted when empty, so a field
// added later changes the hash only of rows that have it.
type record struct {
	Type               domain.ReportingType `json:"-"`
	YdelseID           int64                `json:"ydelse"`
	SagID              int64                `json:"sag"`
	CPR                string               `json:"cpr"`
	Funktionsvurdering string               `json:"funktionsvurdering,omitempty"`
	Indsatskode        string               `json:"indsatskode"`
	Varighed           string               `json:"varighed"`
	Bevillingsdato     string               `json:"bevillingsdato,omitempty"`
	Startdato          string               `json:"startdato"`
	ForventetSlutdato  string               `json:"forventet_slutdato,omitempty"`
	Slutdato           string               `json:"slutdato,omitempty"`
	Maalgrupper        []domain.Maalgruppe  `json:"maalgrupper"` // primary first
	Betalingskommune   string               `json:"betalingskommune"`
	TilbudstypeScheme  string               `json:"tilbudstype_scheme,omitempty"`
	Tilbudstype        string               `json:"tilbudstype,omitempty"`
	PNummer            string               `json:"p_nummer,omitempty"`
	AfdelingsUUID      string               `json:"afdelings_uuid,omitempty"`
	TilbudsUUID        string               `json:"tilbuds_uuid,omitempty"`
	YdelsesUUID        string               `json:"ydelses_uuid,omitempty"`
	TilbudNavn         string               `json:"tilbud_navn,omitempty"`
	TilbudAdresse      string               `json:"tilbud_adresse,omitempty"`
	TilbudPostnr       string               `json:"tilbud_postnr,omitempty"`
}

// newRecord is the record of r (without its reporting type).
func newRecord(r tenant.LeveranceYdelse) record {
	y := r.Ydelse
	varighed := "Periodeydelse"
	if y.Varighed == "styk" {
		varighed = "Stykydelse"
	}
	return record{
		YdelseID: y.ID, SagID: r.SagID, CPR: r.CPR, Funktionsvurdering: r.Funktionsvurdering,
		Indsatskode: y.Indsatskode, Varighed: varighed,
		Bevillingsdato: xmlDate(y.Bevillingsdato), Startdato: xmlDate(&y.Startdato),
		ForventetSlutdato: xmlDate(y.ForventetSlutdato), Slutdato: xmlDate(y.Slutdato),
		Maalgrupper: y.Maalgrupper, Betalingskommune: y.Betalingskommune,
		TilbudstypeScheme: y.TilbudstypeScheme, Tilbudstype: y.Tilbudstype, PNummer: y.PNummer,
		AfdelingsUUID: y.AfdelingsUUID, TilbudsUUID: y.TilbudsUUID, YdelsesUUID: y.YdelsesUUID,
		TilbudNavn: y.TilbudNavn, TilbudAdresse: y.TilbudAdresse, TilbudPostnr: y.TilbudPostnr,
	}
}

// ContentHash is the SHA-256 of the record's content (I2: what "the same state" means).
func (r record) ContentHash() []byte {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err) // strings, ints and a slice of plain structs always marshal
	}
	sum := sha256.Sum256(b)
	return sum[:]
}

func xmlDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

// deliveryHeader is what the envelope of a document says.
type deliveryHeader struct {
	Kommune  string
	Periode  string
	Created  time.Time
	Contacts []domain.Kontaktperson
	// Version is the leverance's version of the periode: 0 or 1 for the ordinary delivery,
	// 2, 3, … for a genlevering (I8), which then replaces the leverance Replaces: each
	// ydelse whose last record was in Replaces gets a record again (domain.GenleveringTypeOf).
	Version  int
	Replaces int64
	// ReadAll: the delivery reads every sag, not only those changed since the last
	// (tenant.Tx.EachLeveranceYdelse): the kommune's first delivery, and a genlevering.
	ReadAll bool
}

// document writes one delivery document token by token (encoding/xml's Encoder, no tree in
// memory) to a writer, hashing the bytes as they go, and gathers the counts and the rows to
// mark delivered. Feed it with Add in the order of sag and ydelse, then call Close.
//
// Memory: the document bytes go to the writer (the caller's buffer: the document itself is
// the bound); besides them document keeps per record an id, a version and a 32-byte hash and
// per sag an id, a version and a flag, far less than the record's XML.
type document struct {
	enc     *xml.Encoder
	sum     hash.Hash
	size    int64
	err     error
	today   time.Time
	Tal     tenant.LeveranceTal
	Sager   []tenant.IndberettetSag
	Ydelser []tenant.IndberettetYdelse
	CPRs    []string // of the sager in the document, each once: the CPR access record of a download
	// UnchangedSager and UnchangedYdelser are the rows read that have no record in the
	// document (the same as delivered, or neutralised and never delivered): the delivery
	// marks them checked (tenant.Tx.MarkUnchanged) so that the next one does not read them.
	UnchangedSager   []tenant.IndberettetSag
	UnchangedYdelser []tenant.IndberettetYdelse
	// sag is the sag being read, and whether it has a record in the document.
	sag       tenant.IndberettetSag
	sagInDoc  bool
	sagOpened bool
	// replaces is the leverance a genlevering replaces (I8); 0 for an ordinary delivery.
	replaces int64
}

// newDocument starts a document on w with its envelope. today is the delivery's date in
// Copenhagen, for the status of sager (S6).
func newDocument(w io.Writer, h deliveryHeader) *document {
	d := &document{sum: sha256.New(), today: h.Created.In(copenhagen), replaces: h.Replaces}
	refID, description := h.Kommune+"-"+h.Periode, "Månedlig indberetning "+h.Periode
	if h.Version > 1 {
		// I2, I8: RefID stays unique per leverance.
		refID = fmt.Sprintf("%s-%d", refID, h.Version)
		description = fmt.Sprintf("Genlevering (version %d) af %s", h.Version, h.Periode)
	}
	d.enc = xml.NewEncoder(io.MultiWriter(w, d.sum, (*countWriter)(&d.size)))
	// Not indented: a line per record instead (below), a quarter less XML to write, hash and
	// compress at national scale (make bench's delivery row) and still readable line by line.
	d.token(xml.ProcInst{Target: "xml", Inst: []byte(`version="1.0" encoding="UTF-8"`)})
	d.token(xml.CharData("\n"))
	d.start("HandicapVoksneLeveranceStruktur",
		xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: NamespaceDelivery},
		xml.Attr{Name: xml.Name{Local: "xmlns:dst"}, Value: NamespaceEnvelope})
	d.start("DeliveryMetadataNewStructure")
	d.start("dst:Envelope")
	d.leaf("dst:Source", envelopeSource)
	d.leaf("dst:RefID", refID)
	d.leaf("dst:SurveyID", envelopeSurveyID)
	d.leaf("dst:FormID", envelopeFormID)
	d.leaf("dst:Period", h.Periode)
	d.start("dst:Entity")
	d.leaf("dst:EntityIDType", "Kommune")
	d.leaf("dst:EntityID", h.Kommune)
	d.end("dst:Entity")
	d.end("dst:Envelope")
	d.start("CommunicatorStructureCollection")
	d.start("CommunicatorStructure")
	d.leaf("CommunicationDescription", description)
	d.leaf("CommunicationDateTime", h.Created.In(copenhagen).Format(time.RFC3339))
	d.start("SystemStructure")
	d.leaf("SystemName", systemName)
	d.leaf("SystemVersion", systemVersion)
	d.end("SystemStructure")
	d.end("CommunicatorStructure")
	d.end("CommunicatorStructureCollection")
	if len(h.Contacts) > 0 {
		d.start("ContactStructureCollection")
		for _, k := range h.Contacts {
			d.start("ContactStructure")
			d.leaf("ContactTypeName", contactTypeNames[k.Rolle])
			d.leaf("ContactIdentifier", truncate(k.Navn, 100))
			d.leaf("ContactEmailAddress", k.Email)
			d.end("ContactStructure")
		}
		d.end("ContactStructureCollection")
	}
	d.leaf("FormVersion", formVersion)
	d.end("DeliveryMetadataNewStructure")
	d.start("HandicapVoksneYdelseStrukturSamling")
	d.token(xml.CharData("\n"))
	return d
}

// Add writes the record of r if it goes into this delivery (domain.ReportingTypeOf) and counts it.
// It returns the first write error.
func (d *document) Add(r tenant.LeveranceYdelse) error {
	if !d.sagOpened || r.SagID != d.sag.ID {
		d.endSag()
		d.sag, d.sagInDoc, d.sagOpened = tenant.IndberettetSag{ID: r.SagID, Version: r.SagVersion}, false, true
	}
	rec := newRecord(r)
	sum := rec.ContentHash()
	typ, ok := domain.ReportingTypeOf(domain.Neutraliseret(r.Ydelse), r.IndberettetSHA256, sum)
	if d.replaces != 0 && r.IndberettetLeveranceID == d.replaces {
		typ, ok = domain.GenleveringTypeOf(domain.Neutraliseret(r.Ydelse), r.IndberettetType), true
	}
	if !ok {
		d.UnchangedYdelser = append(d.UnchangedYdelser, tenant.IndberettetYdelse{ID: r.Ydelse.ID, Version: r.Ydelse.Version})
		return d.err
	}
	rec.Type = typ
	d.record(rec)
	d.Tal.Ydelser++
	switch typ {
	case domain.Ny:
		d.Tal.Nye++
	case domain.Aendring:
		d.Tal.Aendrede++
	case domain.Annullering:
		d.Tal.Neutraliserede++
	}
	d.Ydelser = append(d.Ydelser, tenant.IndberettetYdelse{ID: r.Ydelse.ID, Version: r.Ydelse.Version, SHA256: sum, Type: string(typ)})
	if !d.sagInDoc {
		d.sagInDoc = true
		// S6: afsluttet when every ydelse has a Slutdato and the latest is before today;
		// SlutdatoMax is that latest date, NULL while one is open.
		afsluttet := domain.YdelseAfsluttet(r.SlutdatoMax, d.today)
		d.Sager = append(d.Sager, tenant.IndberettetSag{ID: r.SagID, Version: r.SagVersion, Afsluttet: afsluttet})
		d.CPRs = append(d.CPRs, r.CPR)
		d.Tal.Sager++
		if afsluttet && !r.SagIndberettetAfsluttet {
			d.Tal.Afsluttede++
		}
	}
	return d.err
}

// endSag ends the sag being read: one without a record in the document is unchanged.
func (d *document) endSag() {
	if d.sagOpened && !d.sagInDoc {
		d.UnchangedSager = append(d.UnchangedSager, d.sag)
	}
}

// Close ends the document and returns its SHA-256 (hex) and size.
func (d *document) Close() (sha string, size int64, err error) {
	d.endSag()
	d.sagOpened = false
	d.end("HandicapVoksneYdelseStrukturSamling")
	d.end("HandicapVoksneLeveranceStruktur")
	if d.err == nil {
		d.err = d.enc.Close()
	}
	if d.err != nil {
		return "", 0, fmt.Errorf("write delivery document: %w", d.err)
	}
	return hex.EncodeToString(d.sum.Sum(nil)), d.size, nil
}

func (d *document) record(r record) {
	d.start("HandicapVoksneYdelseStruktur")
	d.leaf("YDELSE_ID", strconv.FormatInt(r.YdelseID, 10))
	d.leaf("SAG_ID", strconv.FormatInt(r.SagID, 10))
	d.leaf("INDBERETNINGSTYPE", string(r.Type))
	d.leaf("CPR", r.CPR)
	d.optLeaf("FUNKTIONSVURDERING", r.Funktionsvurdering)
	d.leaf("INDSATS_KODE", r.Indsatskode)
	d.leaf("VARIGHED", r.Varighed)
	d.optLeaf("BEVILLINGSDATO", r.Bevillingsdato)
	d.leaf("STARTDATO", r.Startdato)
	d.optLeaf("FORVENTET_SLUTDATO", r.ForventetSlutdato)
	d.optLeaf("SLUTDATO", r.Slutdato)
	for _, m := range r.Maalgrupper {
		name := "SEKUNDAER_MAALGRUPPE"
		if m.Primaer {
			name = "PRIMAER_MAALGRUPPE"
		}
		d.code(name, m.Scheme, m.Code)
	}
	d.leaf("BETALINGSKOMMUNE", r.Betalingskommune)
	if r.Tilbudstype != "" {
		d.code("TILBUDSTYPE", r.TilbudstypeScheme, r.Tilbudstype)
	}
	d.optLeaf("P_NUMMER", r.PNummer)
	d.optLeaf("AFDELINGS_UUID", r.AfdelingsUUID)
	d.optLeaf("TILBUDS_UUID", r.TilbudsUUID)
	d.optLeaf("YDELSES_UUID", r.YdelsesUUID)
	d.optLeaf("TILBUDSSTED_NAVN", r.TilbudNavn)
	d.optLeaf("TILBUDSSTED_ADRESSE", r.TilbudAdresse)
	d.optLeaf("TILBUDSSTED_POSTNR", r.TilbudPostnr)
	d.end("HandicapVoksneYdelseStruktur")
	d.token(xml.CharData("\n"))
}

func (d *document) code(name, scheme, code string) {
	d.start(name)
	d.leaf("SKEMA", scheme)
	d.leaf("KODE", code)
	d.end(name)
}

func (d *document) token(t xml.Token) {
	if d.err == nil {
		d.err = d.enc.EncodeToken(t)
	}
}

// start, end and leaf write elements by their qualified name as written ("dst:Envelope"
// for the envelope's namespace, plain names for the default one): the root declares both
// prefixes, so encoding/xml need not manage namespaces.
func (d *document) start(name string, attrs ...xml.Attr) {
	d.token(xml.StartElement{Name: xml.Name{Local: name}, Attr: attrs})
}

func (d *document) end(name string) { d.token(xml.EndElement{Name: xml.Name{Local: name}}) }

func (d *document) leaf(name, text string) {
	d.start(name)
	d.token(xml.CharData(text))
	d.end(name)
}

func (d *document) optLeaf(name, text string) {
	if text != "" {
		d.leaf(name, text)
	}
}

// truncate cuts s to at most n characters (the envelope's ContactIdentifier holds 100; a
// contact person's name may have 200, K1).
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// countWriter counts the bytes written through it.
type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}
