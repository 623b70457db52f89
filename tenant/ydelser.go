package tenant

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

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
	Maalgrupper       []Maalgruppe
}

// InsertYdelse adds y with its målgrupper to the sag y.SagID of the scope kommune and returns
// its id. The rules of Y1–Y6 are checked by the caller before; the database enforces the
// formats and date order again.
func (t *Tx) InsertYdelse(ctx context.Context, y Ydelse) (int64, error) {
	if y.Varighed == "" {
		y.Varighed = "periode"
	}
	var id int64
	err := t.tx.QueryRow(ctx, `
		INSERT INTO ydelser (kommune_kode, sag_id, indsatskode, varighed, bevillingsdato, startdato,
			forventet_slutdato, slutdato, betalingskommune, tilbudstype_scheme, tilbudstype, p_nummer,
			afdelings_uuid, tilbuds_uuid, ydelses_uuid, i_107_botilbud, created_by, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULLIF($10, ''), NULLIF($11, ''), NULLIF($12, ''),
			NULLIF($13, '')::uuid, NULLIF($14, '')::uuid, NULLIF($15, '')::uuid, $16, NULLIF($17, 0), NULLIF($17, 0))
		RETURNING id`,
		t.scope.Kommune, y.SagID, y.Indsatskode, y.Varighed, y.Bevillingsdato, y.Startdato,
		y.ForventetSlutdato, y.Slutdato, y.Betalingskommune, y.TilbudstypeScheme, y.Tilbudstype, y.PNummer,
		y.AfdelingsUUID, y.TilbudsUUID, y.YdelsesUUID, y.I107Botilbud, t.scope.Actor.UserID,
	).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert ydelse: %w", err)
	}
	for _, m := range y.Maalgrupper {
		if _, err := t.tx.Exec(ctx, `
			INSERT INTO ydelse_maalgrupper (kommune_kode, ydelse_id, scheme, code, primaer)
			VALUES ($1, $2, $3, $4, $5)`, t.scope.Kommune, id, m.Scheme, m.Code, m.Primaer); err != nil {
			return 0, fmt.Errorf("insert målgruppe %s/%s: %w", m.Scheme, m.Code, err)
		}
	}
	y.ID = id
	return id, t.Audit(ctx, AuditEntry{Action: "ydelse.create", Entity: "ydelse", EntityID: strconv.FormatInt(id, 10), After: y})
}

func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return fmt.Errorf("%s: %w", what, err)
}
