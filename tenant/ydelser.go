package tenant

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"indberet/tenant/domain"

	"github.com/jackc/pgx/v5"
)

// The ydelser (Y1–Y8): the services of a sag, with their målgrupper (table ydelser), read,
// inserted, changed and deleted in a Tx of the kommune's scope.

// InsertYdelse adds y with its målgrupper to the sag y.SagID of the scope kommune and returns
// its id. The rules of Y1–Y6 are checked by the caller before (tenant/domain); the database
// enforces the formats and date order again.
func (t *Tx) InsertYdelse(ctx context.Context, y domain.Ydelse) (int64, error) {
	if y.Varighed == "" {
		y.Varighed = "periode"
	}
	var id int64
	err := t.tx.QueryRow(ctx, `
		INSERT INTO ydelser (kommune_kode, sag_id, indsatskode, varighed, bevillingsdato, startdato,
			forventet_slutdato, slutdato, betalingskommune, tilbudstype_scheme, tilbudstype, p_nummer,
			afdelings_uuid, tilbuds_uuid, ydelses_uuid, i_107_botilbud, tilbud_navn, tilbud_adresse, tilbud_postnr,
			created_by, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULLIF($10, ''), NULLIF($11, ''), NULLIF($12, ''),
			NULLIF($13, '')::uuid, NULLIF($14, '')::uuid, NULLIF($15, '')::uuid, $16, $17, $18, $19,
			NULLIF($20, 0), NULLIF($20, 0))
		RETURNING id`,
		t.scope.Kommune, y.SagID, y.Indsatskode, y.Varighed, y.Bevillingsdato, y.Startdato,
		y.ForventetSlutdato, y.Slutdato, y.Betalingskommune, y.TilbudstypeScheme, y.Tilbudstype, y.PNummer,
		y.AfdelingsUUID, y.TilbudsUUID, y.YdelsesUUID, y.I107Botilbud, y.TilbudNavn, y.TilbudAdresse, y.TilbudPostnr,
		t.scope.Actor.UserID,
	).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert ydelse: %w", err)
	}
	if err := t.insertMaalgrupper(ctx, id, y.Maalgrupper); err != nil {
		return 0, err
	}
	y.ID = id
	return id, t.Audit(ctx, AuditEntry{Action: "ydelse.create", Entity: "ydelse", EntityID: strconv.FormatInt(id, 10), After: ydelseRecordOf(y)})
}

func (t *Tx) insertMaalgrupper(ctx context.Context, ydelseID int64, ms []domain.Maalgruppe) error {
	for _, m := range ms {
		if _, err := t.tx.Exec(ctx, `
			INSERT INTO ydelse_maalgrupper (kommune_kode, ydelse_id, scheme, code, primaer)
			VALUES ($1, $2, $3, $4, $5)`, t.scope.Kommune, ydelseID, m.Scheme, m.Code, m.Primaer); err != nil {
			return fmt.Errorf("insert målgruppe %s/%s: %w", m.Scheme, m.Code, err)
		}
	}
	return nil
}

const ydelseColumns = `y.id, y.sag_id, y.indsatskode, y.varighed, y.bevillingsdato, y.startdato, y.forventet_slutdato,
	y.slutdato, y.betalingskommune, coalesce(y.tilbudstype_scheme, ''), coalesce(y.tilbudstype, ''),
	coalesce(y.p_nummer, ''), coalesce(y.afdelings_uuid::text, ''), coalesce(y.tilbuds_uuid::text, ''),
	coalesce(y.ydelses_uuid::text, ''), y.i_107_botilbud, y.tilbud_navn, y.tilbud_adresse, y.tilbud_postnr,
	y.version, y.indberettet_at, y.updated_at, coalesce(u.email, ''),
	coalesce((SELECT array_agg(m.scheme || ':' || m.code || ':' || m.primaer::text ORDER BY NOT m.primaer, m.scheme, m.code)
		FROM ydelse_maalgrupper m WHERE m.kommune_kode = y.kommune_kode AND m.ydelse_id = y.id), '{}')`

const ydelseFrom = `ydelser y LEFT JOIN users u ON u.id = y.updated_by`

func scanYdelse(row pgx.Row) (domain.Ydelse, error) {
	var y domain.Ydelse
	var mgs []string
	err := row.Scan(&y.ID, &y.SagID, &y.Indsatskode, &y.Varighed, &y.Bevillingsdato, &y.Startdato, &y.ForventetSlutdato,
		&y.Slutdato, &y.Betalingskommune, &y.TilbudstypeScheme, &y.Tilbudstype, &y.PNummer, &y.AfdelingsUUID,
		&y.TilbudsUUID, &y.YdelsesUUID, &y.I107Botilbud, &y.TilbudNavn, &y.TilbudAdresse, &y.TilbudPostnr,
		&y.Version, &y.IndberettetAt, &y.UpdatedAt, &y.UpdatedBy, &mgs)
	if err != nil {
		return y, err
	}
	y.Maalgrupper = parseMaalgrupper(mgs)
	return y, nil
}

// parseMaalgrupper reads the målgrupper aggregated as "scheme:code:primaer" strings.
func parseMaalgrupper(mgs []string) []domain.Maalgruppe {
	var out []domain.Maalgruppe
	for _, s := range mgs {
		// scheme:code:primaer — codes may contain dots and dashes but no colon.
		var m domain.Maalgruppe
		i, j := strings.Index(s, ":"), strings.LastIndex(s, ":")
		m.Scheme, m.Code, m.Primaer = s[:i], s[i+1:j], s[j+1:] == "true"
		out = append(out, m)
	}
	return out
}

// Ydelse returns the scope kommune's ydelse id with its målgrupper (primary first), or
// ErrNotFound (also for another kommune's id: T1).
func (t *Tx) Ydelse(ctx context.Context, id int64) (domain.Ydelse, error) {
	return t.YdelseIn(ctx, "", id)
}

// YdelseIn returns ydelse id of kommune, named as in ListQuery.Kommune ("" for the scope's
// own; a read-all scope names one, and finds only a delivered ydelse, as SagIn: S9, T3), or
// ErrNotFound.
func (t *Tx) YdelseIn(ctx context.Context, kommune string, id int64) (domain.Ydelse, error) {
	k, err := t.readKommune(kommune)
	if err != nil || k == "" {
		return domain.Ydelse{}, ErrNotFound
	}
	y, err := scanYdelse(t.tx.QueryRow(ctx, `SELECT `+ydelseColumns+` FROM `+ydelseFrom+`
		WHERE y.kommune_kode = $1 AND y.id = $2 AND (NOT $3 OR y.indberettet_at IS NOT NULL)`, k, id, t.readsDeliveredOnly()))
	return y, notFound(err, "ydelse")
}

// YdelserOfSag returns the ydelser of the scope kommune's sag, by start date.
func (t *Tx) YdelserOfSag(ctx context.Context, sagID int64) ([]domain.Ydelse, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+ydelseColumns+` FROM `+ydelseFrom+`
		WHERE y.kommune_kode = $1 AND y.sag_id = $2 ORDER BY y.startdato, y.id`, t.scope.Kommune, sagID)
	if err != nil {
		return nil, fmt.Errorf("ydelser of sag: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Ydelse, error) { return scanYdelse(r) })
}

// UpdateYdelse saves everything of y but its sag and Indsatskode (Y7) if y.Version is still
// the stored version; otherwise ErrConflict (or ErrNotFound). Its målgrupper are replaced.
// The caller holds the sag's lock (LockSag) for the rule checks over the sag's ydelser.
func (t *Tx) UpdateYdelse(ctx context.Context, y domain.Ydelse) error {
	before, err := scanYdelse(t.tx.QueryRow(ctx, `SELECT `+ydelseColumns+` FROM `+ydelseFrom+`
		WHERE y.kommune_kode = $1 AND y.id = $2 FOR UPDATE OF y`, t.scope.Kommune, y.ID))
	if err != nil {
		return notFound(err, "lock ydelse")
	}
	if before.Version != y.Version {
		return ErrConflict
	}
	_, err = t.tx.Exec(ctx, `
		UPDATE ydelser SET varighed = $3, bevillingsdato = $4, startdato = $5, forventet_slutdato = $6, slutdato = $7,
			betalingskommune = $8, tilbudstype_scheme = NULLIF($9, ''), tilbudstype = NULLIF($10, ''),
			p_nummer = NULLIF($11, ''), afdelings_uuid = NULLIF($12, '')::uuid, tilbuds_uuid = NULLIF($13, '')::uuid,
			ydelses_uuid = NULLIF($14, '')::uuid, i_107_botilbud = $15, tilbud_navn = $16, tilbud_adresse = $17,
			tilbud_postnr = $18, version = version + 1, updated_at = now(), updated_by = NULLIF($19, 0)
		WHERE kommune_kode = $1 AND id = $2`,
		t.scope.Kommune, y.ID, y.Varighed, y.Bevillingsdato, y.Startdato, y.ForventetSlutdato, y.Slutdato,
		y.Betalingskommune, y.TilbudstypeScheme, y.Tilbudstype, y.PNummer, y.AfdelingsUUID, y.TilbudsUUID,
		y.YdelsesUUID, y.I107Botilbud, y.TilbudNavn, y.TilbudAdresse, y.TilbudPostnr, t.scope.Actor.UserID)
	if err != nil {
		return fmt.Errorf("update ydelse: %w", err)
	}
	if _, err := t.tx.Exec(ctx, `DELETE FROM ydelse_maalgrupper WHERE kommune_kode = $1 AND ydelse_id = $2`,
		t.scope.Kommune, y.ID); err != nil {
		return fmt.Errorf("replace målgrupper: %w", err)
	}
	if err := t.insertMaalgrupper(ctx, y.ID, y.Maalgrupper); err != nil {
		return err
	}
	y.SagID, y.Indsatskode = before.SagID, before.Indsatskode
	return t.Audit(ctx, AuditEntry{Action: "ydelse.update", Entity: "ydelse", EntityID: strconv.FormatInt(y.ID, 10),
		Before: ydelseRecordOf(before), After: ydelseRecordOf(y)})
}

// DeleteYdelse removes the ydelse; when it was the sag's only one the sag goes too (Y8, S2),
// and sagDeleted says so. Whether it may be deleted (not delivered) is the caller's check,
// made under LockSag in the same transaction.
func (t *Tx) DeleteYdelse(ctx context.Context, id int64) (sagDeleted bool, err error) {
	before, err := t.Ydelse(ctx, id)
	if err != nil {
		return false, err
	}
	if _, err := t.tx.Exec(ctx, `DELETE FROM ydelser WHERE kommune_kode = $1 AND id = $2`, t.scope.Kommune, id); err != nil {
		return false, fmt.Errorf("delete ydelse: %w", err)
	}
	if err := t.Audit(ctx, AuditEntry{Action: "ydelse.delete", Entity: "ydelse", EntityID: strconv.FormatInt(id, 10),
		Before: ydelseRecordOf(before)}); err != nil {
		return false, err
	}
	var left int
	if err := t.tx.QueryRow(ctx, `SELECT count(*) FROM ydelser WHERE kommune_kode = $1 AND sag_id = $2`,
		t.scope.Kommune, before.SagID).Scan(&left); err != nil {
		return false, fmt.Errorf("count ydelser: %w", err)
	}
	if left > 0 {
		return false, nil
	}
	return true, t.DeleteSag(ctx, before.SagID)
}

func notFound(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return fmt.Errorf("%s: %w", what, err)
}
