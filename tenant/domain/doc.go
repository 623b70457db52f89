// Package domain is the leaf of the project: the domain's values and the rules of DOMAIN.md
// over them, importing nothing of the project (issue 16). It holds the records the stores
// keep (Sag, Ydelse, Maalgruppe: model.go), the code lists as values (Snapshot and its
// entries: snapshot.go; Liste and Kode as DST manages them: koder.go), and the rules for
// sager (S), ydelser (Y), DST's code lists and the delivery's periodes (I7, I9) as small
// pure functions: no SQL, no HTTP, the code lists come in as a Snapshot and "today" as an
// argument. tenant stores the values; handlers call the rules before they write, and show
// the returned Danish messages next to the form fields (Y7: nothing typed is lost when
// validation fails).
//
// Files and the rules they hold:
//
//	model.go   Sag, Ydelse and Maalgruppe, the records of a kommune
//	snapshot.go the code lists: Snapshot, Indsats, MaalgruppeKode, Tilbudstype, FFBYdelse,
//	           Kommune; CompareCodes (natural code order)
//	errors.go  Errors (one Danish message per form field) and the form field names
//	parse.go   parsers and formatters: CPR number (S5, S8 search prefix), dates, P-nummer and
//	           UUIDs (Y4, Y5)
//	sag.go     ValidateSag: the fields of a sag (S3, S5); FunktionsvurderingText
//	ydelse.go  ValidateYdelse, ValidateYdelseChange and NeedsFor: the fields of a ydelse
//	           (Y1), dates (Y2), målgrupper (Y3), FFB UUIDs (Y4), tilbudssted (Y5)
//	ophold.go  CheckOphold: one stay at a time (Y6); SameStay, StayRows, MoveWithStay,
//	           MoveStay: the rows of one stay with several Ydelses-UUIDs (Y4), ended or moved
//	           together; CheckInSag: a ydelse against the sag's others (Y4, Y6)
//	duplicate.go CheckDuplicate: no exact duplicate of a ydelse on a sag (Y4)
//	status.go  SagStatus and YdelseAfsluttet: derived status (S6)
//	delete.go  what may be deleted or changed: sag (S7), ydelse (Y8), CPR number (S4),
//	           indsatskode (Y7), Varighed after delivery (Y8)
//	koder.go   ValidateKode, ValidateTexts, ValidateUdgaar: DST's code-list forms (T3), and
//	           what retiring a code from a date means for ydelser (Y1, Y3, Y4): a stored
//	           ydelse keeps its codes (keptOf)
//	text.go    StorableText: what any text field may hold (issue 14 #6), checked for every
//	           request by the app before its handlers
//	periode.go the periodes of the delivery: which is a kommune's next and which may be
//	           delivered now (I7), when one is due and when late (I1, I9)
package domain
