package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// An ordinary month (issue 15): after every kommune's first delivery, caseworkers change 1 %
// of the sager, spread over all kommuner, in ways that change what DST has (I2: only a
// changed record goes out). The changes are made with SQL on the delivery copy, one
// transaction per kommune in its scope (row-level security), as the stores would leave the
// rows: versions counted up, the sag aggregates kept by the triggers (00003, 00015). They
// are not audited: the audit log is no part of what the delivery reads.

// monthChanges counts the sager of each kind of change.
type monthChanges struct {
	slutdato, funktionsvurdering, nyYdelse int
}

func (c monthChanges) total() int { return c.slutdato + c.funktionsvurdering + c.nyYdelse }

func (c monthChanges) String() string {
	return fmt.Sprintf("Slutdato set on %s, Funktionsvurdering changed on %s, a new ydelse on %s",
		thousands(c.slutdato), thousands(c.funktionsvurdering), thousands(c.nyYdelse))
}

// changeMonth changes 1 % of every active kommune's sager (at least one), picked at random
// (by a hash of the id) among those the delivery includes (I4) that have ydelser, a third of them each way:
// the Slutdato of an open Periodeydelse set to 3 days ago (after its Startdato, so not
// neutralised), the sag's Funktionsvurdering changed (all its ydelser go out again), a new
// ydelse like the sag's latest, starting 3 days ago with the same målgrupper. A sag picked
// for a Slutdato with no open ydelse (slutdato_max set) gets its Funktionsvurdering changed instead.
func changeMonth(ctx context.Context, owner *pgxpool.Pool) (monthChanges, error) {
	var total monthChanges
	rows, err := owner.Query(ctx, `SELECT kommune_kode FROM kommuner WHERE aktiv ORDER BY kommune_kode`)
	if err != nil {
		return total, err
	}
	kommuner, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return total, err
	}
	for _, k := range kommuner {
		err := pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SELECT set_config('indberet.kommune', $1, true)", k); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `SELECT id, slutdato_max IS NULL FROM sager
				WHERE kommune_kode = $1 AND antal_ydelser > 0 AND (slutdato_max IS NULL OR slutdato_max >= '2013-07-01')
				ORDER BY hashint8(id), id
				LIMIT (SELECT ceil(count(*) / 100.0) FROM sager WHERE kommune_kode = $1)`, k)
			if err != nil {
				return err
			}
			var slut, funk, ny []int64
			i := 0
			var id int64
			var open bool
			_, err = pgx.ForEachRow(rows, []any{&id, &open}, func() error {
				switch {
				case i%3 == 0 && open:
					slut = append(slut, id)
				case i%3 == 2:
					ny = append(ny, id)
				default:
					funk = append(funk, id)
				}
				i++
				return nil
			})
			if err != nil {
				return err
			}
			// The latest open Periodeydelse of each sag gets a Slutdato.
			tag, err := tx.Exec(ctx, `UPDATE ydelser y SET slutdato = greatest(y.startdato + 1, current_date - 3),
					version = y.version + 1, updated_at = now()
				FROM (SELECT DISTINCT ON (sag_id) id FROM ydelser
					WHERE kommune_kode = $1 AND sag_id = ANY($2) AND slutdato IS NULL AND varighed = 'periode'
					ORDER BY sag_id, id DESC) t
				WHERE y.kommune_kode = $1 AND y.id = t.id`, k, slut)
			if err != nil {
				return fmt.Errorf("slutdato: %w", err)
			}
			total.slutdato += int(tag.RowsAffected())
			if _, err := tx.Exec(ctx, `UPDATE sager SET
					funktionsvurdering = CASE funktionsvurdering WHEN 'A' THEN 'B' ELSE 'A' END,
					version = version + 1, updated_at = now()
				WHERE kommune_kode = $1 AND id = ANY($2)`, k, funk); err != nil {
				return fmt.Errorf("funktionsvurdering: %w", err)
			}
			// A new ydelse like the sag's latest (its codes are the most recent), with its
			// målgrupper: a Stykydelse ends the day it starts.
			if _, err := tx.Exec(ctx, `WITH src AS (
					SELECT DISTINCT ON (sag_id) * FROM ydelser WHERE kommune_kode = $1 AND sag_id = ANY($2)
					ORDER BY sag_id, id DESC
				), ins AS (
					INSERT INTO ydelser (kommune_kode, sag_id, indsatskode, varighed, bevillingsdato, startdato, slutdato,
						betalingskommune, tilbudstype_scheme, tilbudstype, p_nummer, afdelings_uuid, tilbuds_uuid, ydelses_uuid,
						i_107_botilbud, tilbud_navn, tilbud_adresse, tilbud_postnr)
					SELECT kommune_kode, sag_id, indsatskode, varighed, current_date - 10, current_date - 3,
						CASE WHEN varighed = 'styk' THEN current_date - 3 END,
						betalingskommune, tilbudstype_scheme, tilbudstype, p_nummer, afdelings_uuid, tilbuds_uuid,
						CASE WHEN ydelses_uuid IS NOT NULL THEN gen_random_uuid() END,
						i_107_botilbud, tilbud_navn, tilbud_adresse, tilbud_postnr
					FROM src
					RETURNING id, sag_id
				)
				INSERT INTO ydelse_maalgrupper (kommune_kode, ydelse_id, scheme, code, primaer)
				SELECT $1, ins.id, m.scheme, m.code, m.primaer
				FROM ins JOIN src ON src.sag_id = ins.sag_id
				JOIN ydelse_maalgrupper m ON m.kommune_kode = $1 AND m.ydelse_id = src.id`, k, ny); err != nil {
				return fmt.Errorf("new ydelse: %w", err)
			}
			total.funktionsvurdering += len(funk)
			total.nyYdelse += len(ny)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("kommune %s: %w", k, err)
		}
	}
	return total, nil
}
