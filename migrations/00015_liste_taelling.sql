-- +goose Up
-- S8, S9: the counts of the overview ("Viser 1–50 af N") without counting. Counting the open
-- sager of Egne IDEP in København (96,000 of 166,000 at make bench's scale 25) reads that many
-- index entries on every page, about 45 ms; these kept counts make it a sum of a few rows.
--
-- liste_taelling holds per kommune, list and latest Slutdato (sager.slutdato_max) the number
-- of sager and of their ydelser. Status is never stored (S6): a sag is afsluttet when
-- slutdato_max is before today, so the counts are kept by slutdato_max and the lists sum the
-- rows on the right side of today:
--   Alle sager            every row
--   Afsluttede sager      slutdato_max < today
--   Ikke afsluttede sager slutdato_max IS NULL OR slutdato_max >= today
--
-- Rows are deltas, only ever inserted by the triggers below (+1 for a new sag, -1 and +1 for
-- a sag that moved, ...), so concurrent transactions never wait for each other's counts and
-- never deadlock on them. The compaction job (worker/listecounts.go) sums a kommune's rows
-- into one per key every few minutes, and folds every slutdato_max before its cut-off date
-- (some weeks before today) into one row at '-infinity': those sager are afsluttet for good,
-- as today only moves forward. A list's count is then the sum of a few hundred rows at most.
--
-- liste: 'egne' the sager of Egne IDEP (kilde 'egne'); 'alle' the delivered sager, All
-- (read only). ydelser is kept for 'egne' only (sum of Antal ydelser, the count of *Sager og
-- ydelser*); the count of All's delivered ydelser is not kept.
CREATE TABLE liste_taelling (
  kommune_kode  text NOT NULL REFERENCES kommuner (kommune_kode),
  id            bigint GENERATED ALWAYS AS IDENTITY,
  liste         text NOT NULL CHECK (liste IN ('egne', 'alle')),
  slutdato_max  date,
  sager         bigint NOT NULL,
  ydelser       bigint NOT NULL,
  PRIMARY KEY (kommune_kode, id)
);
CREATE INDEX liste_taelling_idx ON liste_taelling (kommune_kode, liste, slutdato_max) INCLUDE (sager, ydelser);
REVOKE UPDATE, TRUNCATE ON liste_taelling FROM indberet_app;

-- T1, T3 as every kommune table (00002).
ALTER TABLE liste_taelling ENABLE ROW LEVEL SECURITY;
ALTER TABLE liste_taelling FORCE ROW LEVEL SECURITY;
CREATE POLICY liste_taelling_kommune ON liste_taelling
  USING (kommune_kode = current_setting('indberet.kommune', true))
  WITH CHECK (kommune_kode = current_setting('indberet.kommune', true));
CREATE POLICY liste_taelling_alle_read ON liste_taelling FOR SELECT
  USING (current_setting('indberet.alle', true) = 'read');

-- The deltas of one statement on sager: what left (old_rows, -1) and what came (new_rows,
-- +1), each sag counted in the lists it is in, summed per key; an update that moved no sag
-- between keys (a new Navn) writes nothing.
-- +goose StatementBegin
CREATE FUNCTION liste_taelling_delta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO liste_taelling (kommune_kode, liste, slutdato_max, sager, ydelser)
    SELECT n.kommune_kode, l.liste, n.slutdato_max, count(*), sum(l.ydelser)
    FROM new_rows n CROSS JOIN LATERAL (VALUES
      ('egne', n.kilde = 'egne', n.antal_ydelser), ('alle', n.indberettet_at IS NOT NULL, 0)) l (liste, inn, ydelser)
    WHERE l.inn
    GROUP BY 1, 2, 3;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO liste_taelling (kommune_kode, liste, slutdato_max, sager, ydelser)
    SELECT o.kommune_kode, l.liste, o.slutdato_max, -count(*), -sum(l.ydelser)
    FROM old_rows o CROSS JOIN LATERAL (VALUES
      ('egne', o.kilde = 'egne', o.antal_ydelser), ('alle', o.indberettet_at IS NOT NULL, 0)) l (liste, inn, ydelser)
    WHERE l.inn
    GROUP BY 1, 2, 3;
  ELSE
    INSERT INTO liste_taelling (kommune_kode, liste, slutdato_max, sager, ydelser)
    SELECT d.kommune_kode, l.liste, d.slutdato_max, sum(d.sign), sum(d.sign * l.ydelser)
    FROM (
      SELECT x.* FROM old_rows o JOIN new_rows n ON n.kommune_kode = o.kommune_kode AND n.id = o.id
      CROSS JOIN LATERAL (VALUES
        (o.kommune_kode, o.kilde, o.indberettet_at IS NOT NULL, o.slutdato_max, o.antal_ydelser, -1),
        (n.kommune_kode, n.kilde, n.indberettet_at IS NOT NULL, n.slutdato_max, n.antal_ydelser, 1))
        x (kommune_kode, kilde, delivered, slutdato_max, antal_ydelser, sign)
      WHERE (o.kilde, o.indberettet_at IS NOT NULL, o.slutdato_max, o.antal_ydelser)
        IS DISTINCT FROM (n.kilde, n.indberettet_at IS NOT NULL, n.slutdato_max, n.antal_ydelser)
    ) d CROSS JOIN LATERAL (VALUES
      ('egne', d.kilde = 'egne', d.antal_ydelser), ('alle', d.delivered, 0)) l (liste, inn, ydelser)
    WHERE l.inn
    GROUP BY 1, 2, 3
    HAVING sum(d.sign) <> 0 OR sum(d.sign * l.ydelser) <> 0;
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER sager_liste_taelling_ins AFTER INSERT ON sager
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION liste_taelling_delta();
CREATE TRIGGER sager_liste_taelling_upd AFTER UPDATE ON sager
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION liste_taelling_delta();
CREATE TRIGGER sager_liste_taelling_del AFTER DELETE ON sager
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION liste_taelling_delta();

-- The sager that exist, one kommune at a time under its own setting (the policies bind the
-- tables' owner too).
-- +goose StatementBegin
DO $$
DECLARE
  k text;
BEGIN
  FOR k IN SELECT kommune_kode FROM kommuner LOOP
    PERFORM set_config('indberet.kommune', k, true);
    INSERT INTO liste_taelling (kommune_kode, liste, slutdato_max, sager, ydelser)
    SELECT s.kommune_kode, l.liste, s.slutdato_max, count(*), sum(l.ydelser)
    FROM sager s CROSS JOIN LATERAL (VALUES
      ('egne', s.kilde = 'egne', s.antal_ydelser), ('alle', s.indberettet_at IS NOT NULL, 0)) l (liste, inn, ydelser)
    WHERE s.kommune_kode = k AND l.inn
    GROUP BY 1, 2, 3;
  END LOOP;
  PERFORM set_config('indberet.kommune', '', true);
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER sager_liste_taelling_ins ON sager;
DROP TRIGGER sager_liste_taelling_upd ON sager;
DROP TRIGGER sager_liste_taelling_del ON sager;
DROP FUNCTION liste_taelling_delta();
DROP TABLE liste_taelling;
