-- +goose Up
-- S8: the count of a CPR search of 1–3 digits from kept counts too. A 3-digit prefix matches
-- 1,200–3,700 of København's sager at make bench's scale 25, and counting their ydelser live
-- read that many index entries, a quarter of the search's time. liste_taelling_cpr keeps the
-- counts of 00015 (liste_taelling) per the CPR number's first three digits as well, so that
-- such a count is a sum of the rows of one to a hundred prefixes, after compaction a row per
-- prefix and latest Slutdato since the compaction's cut-off and one for all before it.
-- Prefixes of 4 digits or more are a short range of sager_egne_cpr_idx and keep counting
-- live.
--
-- A table of its own rather than a column of liste_taelling: the release runs migrations
-- (fly.toml's release_command) while the previous version still serves and works. That version sums every row of
-- liste_taelling for a list's count, and its compaction sums a list's rows per latest
-- Slutdato; with per-prefix rows in liste_taelling it would show every count doubled until
-- it stopped, and one compaction would fold the per-prefix rows into the whole list's for
-- good. Beside it, it never sees them.
--
-- The rows are deltas as in liste_taelling, written by the same statement triggers (the
-- function below) and compacted by the same job (worker/listecounts.go), per kommune, list,
-- prefix and latest Slutdato. liste_taelling stays the count of the whole lists, and is the
-- sum of these rows over the prefixes at every commit.

-- No sag changes until this commits (reads go on): a change made meanwhile would run 00015's
-- function (the one below is not visible before the commit), which writes no per-prefix
-- delta, and could commit after the fill below has read its kommune.
LOCK TABLE sager IN SHARE MODE;

CREATE TABLE liste_taelling_cpr (
  kommune_kode  text NOT NULL REFERENCES kommuner (kommune_kode),
  id            bigint GENERATED ALWAYS AS IDENTITY,
  liste         text NOT NULL CHECK (liste IN ('egne', 'alle')),
  -- The first three digits of the CPR numbers of the sager counted; collation C as
  -- sager.cpr, so that a prefix is the range [prefix, prefix || ':') (':' follows '9').
  cpr3          text COLLATE "C" NOT NULL CHECK (cpr3 ~ '^[0-9]{3}$'),
  slutdato_max  date,
  sager         bigint NOT NULL,
  ydelser       bigint NOT NULL,
  PRIMARY KEY (kommune_kode, id)
);
CREATE INDEX liste_taelling_cpr_idx ON liste_taelling_cpr (kommune_kode, liste, cpr3, slutdato_max) INCLUDE (sager, ydelser);
REVOKE UPDATE, TRUNCATE ON liste_taelling_cpr FROM indberet_app;

-- T1, T3 as every kommune table, in the form of 00018.
ALTER TABLE liste_taelling_cpr ENABLE ROW LEVEL SECURITY;
ALTER TABLE liste_taelling_cpr FORCE ROW LEVEL SECURITY;
CREATE POLICY liste_taelling_cpr_kommune ON liste_taelling_cpr
  USING (kommune_kode = (SELECT current_setting('indberet.kommune', true)))
  WITH CHECK (kommune_kode = (SELECT current_setting('indberet.kommune', true)));
CREATE POLICY liste_taelling_cpr_alle_read ON liste_taelling_cpr FOR SELECT
  USING ((SELECT current_setting('indberet.alle', true)) = 'read');

-- 00015's deltas, now per prefix as well: the per-prefix deltas of the statement go to
-- liste_taelling_cpr, and their sums over the prefixes to liste_taelling, so the two never
-- differ. An update counts as a move also when a CPR number's prefix changed (the
-- application does not change a CPR number, but the table allows it): -1 under the old
-- prefix, +1 under the new one, and nothing for the whole list, where they cancel.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION liste_taelling_delta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH d AS (
      INSERT INTO liste_taelling_cpr (kommune_kode, liste, cpr3, slutdato_max, sager, ydelser)
      SELECT n.kommune_kode, l.liste, substr(n.cpr, 1, 3), n.slutdato_max, count(*), sum(l.ydelser)
      FROM new_rows n CROSS JOIN LATERAL (VALUES
        ('egne', n.kilde = 'egne', n.antal_ydelser), ('alle', n.indberettet_at IS NOT NULL, 0)) l (liste, inn, ydelser)
      WHERE l.inn
      GROUP BY 1, 2, 3, 4
      RETURNING kommune_kode, liste, slutdato_max, sager, ydelser)
    INSERT INTO liste_taelling (kommune_kode, liste, slutdato_max, sager, ydelser)
    SELECT kommune_kode, liste, slutdato_max, sum(sager), sum(ydelser) FROM d GROUP BY 1, 2, 3;
  ELSIF TG_OP = 'DELETE' THEN
    WITH d AS (
      INSERT INTO liste_taelling_cpr (kommune_kode, liste, cpr3, slutdato_max, sager, ydelser)
      SELECT o.kommune_kode, l.liste, substr(o.cpr, 1, 3), o.slutdato_max, -count(*), -sum(l.ydelser)
      FROM old_rows o CROSS JOIN LATERAL (VALUES
        ('egne', o.kilde = 'egne', o.antal_ydelser), ('alle', o.indberettet_at IS NOT NULL, 0)) l (liste, inn, ydelser)
      WHERE l.inn
      GROUP BY 1, 2, 3, 4
      RETURNING kommune_kode, liste, slutdato_max, sager, ydelser)
    INSERT INTO liste_taelling (kommune_kode, liste, slutdato_max, sager, ydelser)
    SELECT kommune_kode, liste, slutdato_max, sum(sager), sum(ydelser) FROM d GROUP BY 1, 2, 3;
  ELSE
    WITH d AS (
      INSERT INTO liste_taelling_cpr (kommune_kode, liste, cpr3, slutdato_max, sager, ydelser)
      SELECT d.kommune_kode, l.liste, d.cpr3, d.slutdato_max, sum(d.sign), sum(d.sign * l.ydelser)
      FROM (
        SELECT x.* FROM old_rows o JOIN new_rows n ON n.kommune_kode = o.kommune_kode AND n.id = o.id
        CROSS JOIN LATERAL (VALUES
          (o.kommune_kode, o.kilde, o.indberettet_at IS NOT NULL, substr(o.cpr, 1, 3), o.slutdato_max, o.antal_ydelser, -1),
          (n.kommune_kode, n.kilde, n.indberettet_at IS NOT NULL, substr(n.cpr, 1, 3), n.slutdato_max, n.antal_ydelser, 1))
          x (kommune_kode, kilde, delivered, cpr3, slutdato_max, antal_ydelser, sign)
        WHERE (o.kilde, o.indberettet_at IS NOT NULL, substr(o.cpr, 1, 3), o.slutdato_max, o.antal_ydelser)
          IS DISTINCT FROM (n.kilde, n.indberettet_at IS NOT NULL, substr(n.cpr, 1, 3), n.slutdato_max, n.antal_ydelser)
      ) d CROSS JOIN LATERAL (VALUES
        ('egne', d.kilde = 'egne', d.antal_ydelser), ('alle', d.delivered, 0)) l (liste, inn, ydelser)
      WHERE l.inn
      GROUP BY 1, 2, 3, 4
      HAVING sum(d.sign) <> 0 OR sum(d.sign * l.ydelser) <> 0
      RETURNING kommune_kode, liste, slutdato_max, sager, ydelser)
    INSERT INTO liste_taelling (kommune_kode, liste, slutdato_max, sager, ydelser)
    SELECT kommune_kode, liste, slutdato_max, sum(sager), sum(ydelser) FROM d GROUP BY 1, 2, 3
    HAVING sum(sager) <> 0 OR sum(ydelser) <> 0;
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

-- The per-prefix rows of the sager that exist, one kommune at a time under its own setting
-- (the policies bind the tables' owner too). The compaction job folds them as it folds the
-- deltas.
-- +goose StatementBegin
DO $$
DECLARE
  k text;
BEGIN
  FOR k IN SELECT kommune_kode FROM kommuner LOOP
    PERFORM set_config('indberet.kommune', k, true);
    INSERT INTO liste_taelling_cpr (kommune_kode, liste, cpr3, slutdato_max, sager, ydelser)
    SELECT s.kommune_kode, l.liste, substr(s.cpr, 1, 3), s.slutdato_max, count(*), sum(l.ydelser)
    FROM sager s CROSS JOIN LATERAL (VALUES
      ('egne', s.kilde = 'egne', s.antal_ydelser), ('alle', s.indberettet_at IS NOT NULL, 0)) l (liste, inn, ydelser)
    WHERE s.kommune_kode = k AND l.inn
    GROUP BY 1, 2, 3, 4;
  END LOOP;
  PERFORM set_config('indberet.kommune', '', true);
END
$$;
-- +goose StatementEnd

-- The counts are sums read by index-only scans, which visit the heap for every page not
-- marked all-visible in the visibility map. Both tables are small (tens of thousands of rows
-- nationwide) and written in bursts: deltas by every registering, and every 5 minutes the
-- compaction's deletes and inserts. By default autovacuum waits until a fifth of a table has
-- changed (autovacuum_vacuum_scale_factor and _insert_scale_factor 0.2: some 10,000 rows)
-- and leaves the pages that the compaction and the day's registering wrote unmarked for
-- hours. After 1,000 changed or inserted rows instead, whatever the table's size, it
-- vacuums a few hundred pages (milliseconds), and the counts stay index-only.
ALTER TABLE liste_taelling_cpr SET (
  autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000);
ALTER TABLE liste_taelling SET (
  autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000);

-- +goose Down
-- No sag changes meanwhile: the function below must be the one a change runs once the table
-- has gone.
LOCK TABLE sager IN SHARE MODE;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION liste_taelling_delta() RETURNS trigger LANGUAGE plpgsql AS $$
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

DROP TABLE liste_taelling_cpr;
ALTER TABLE liste_taelling RESET (
  autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold,
  autovacuum_vacuum_insert_scale_factor, autovacuum_vacuum_insert_threshold);
