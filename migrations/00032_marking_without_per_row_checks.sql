-- +goose Up
-- A kommune's first delivery marks every one of its sager and ydelser delivered
-- (tenant.Tx.MarkIndberettet, 20,000 rows per statement): at make bench's scale 25, 1.5
-- million sager and 3.2 million ydelser, two thirds of the run's time. Two costs that the
-- update paid per row and that bought nothing there go:
--
-- * ydelser's update trigger (00006, 00031) was a statement trigger with transition tables:
--   each marking statement stored its 20,000 old and new rows and joined them, only to find
--   that no Slutdato and no sag had changed. It is now a row trigger on UPDATE OF slutdato,
--   sag_id, fired for a row only when one of the two changed. A marking statement names
--   neither column and fires nothing; a user's save of a ydelse refreshes its sag as before.
--   Insert and delete keep the statement triggers (bulk inserts of the generator and imports).
-- * the foreign keys from sager.indberettet_leverance_id and ydelser.indberettet_leverance_id
--   to leverancer looked the same leverance up once per marked row (4.7 million lookups). The
--   application's role may neither change nor delete a leverance (00005's grants), and the
--   column's only writer, MarkIndberettet, checks once per call that the leverance is the
--   kommune's.
--
-- Measured on København alone (353,240 ydelser, 166,891 sager), same copy of the data set:
-- 21.1 s before, 18.7–18.9 s after.

ALTER TABLE sager DROP CONSTRAINT sager_indberettet_leverance_fkey;
ALTER TABLE ydelser DROP CONSTRAINT ydelser_indberettet_leverance_fkey;

-- +goose StatementBegin
CREATE FUNCTION sager_refresh_aggregate_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE sager s SET (antal_ydelser, slutdato_max) = (
    SELECT count(*)::integer,
      CASE WHEN count(*) > 0 AND count(*) = count(y.slutdato) THEN max(y.slutdato) END
    FROM ydelser y WHERE y.kommune_kode = s.kommune_kode AND y.sag_id = s.id)
  WHERE s.kommune_kode = NEW.kommune_kode AND s.id IN (NEW.sag_id, OLD.sag_id);
  RETURN NULL;
END
$$;
-- +goose StatementEnd

DROP TRIGGER ydelser_aggregates_upd ON ydelser;
CREATE TRIGGER ydelser_aggregates_upd AFTER UPDATE OF slutdato, sag_id ON ydelser
  FOR EACH ROW WHEN (OLD.slutdato IS DISTINCT FROM NEW.slutdato OR OLD.sag_id <> NEW.sag_id)
  EXECUTE FUNCTION sager_refresh_aggregate_row();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION sager_refresh_aggregates() RETURNS trigger LANGUAGE plpgsql
SET enable_seqscan = off
AS $$
DECLARE
  ks  text[];
  ids bigint[];
  i   integer;
BEGIN
  -- Insert and delete only; an update refreshes by the row trigger sager_refresh_aggregate_row.
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(kommune_kode), array_agg(sag_id) INTO ks, ids
      FROM (SELECT DISTINCT kommune_kode, sag_id FROM new_rows) t;
  ELSE
    SELECT array_agg(kommune_kode), array_agg(sag_id) INTO ks, ids
      FROM (SELECT DISTINCT kommune_kode, sag_id FROM old_rows) t;
  END IF;
  IF ks IS NULL THEN
    RETURN NULL;
  END IF;
  FOR i IN 1 .. array_length(ks, 1) LOOP
    UPDATE sager s SET (antal_ydelser, slutdato_max) = (
      SELECT count(*)::integer,
        CASE WHEN count(*) > 0 AND count(*) = count(y.slutdato) THEN max(y.slutdato) END
      FROM ydelser y WHERE y.kommune_kode = ks[i] AND y.sag_id = ids[i])
    WHERE s.kommune_kode = ks[i] AND s.id = ids[i];
  END LOOP;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER ydelser_aggregates_upd ON ydelser;
CREATE TRIGGER ydelser_aggregates_upd AFTER UPDATE ON ydelser
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sager_refresh_aggregates();
DROP FUNCTION sager_refresh_aggregate_row();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION sager_refresh_aggregates() RETURNS trigger LANGUAGE plpgsql
SET enable_seqscan = off
AS $$
DECLARE
  ks  text[];
  ids bigint[];
  i   integer;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(kommune_kode), array_agg(sag_id) INTO ks, ids
      FROM (SELECT DISTINCT kommune_kode, sag_id FROM new_rows) t;
  ELSIF TG_OP = 'UPDATE' THEN
    EXECUTE $q$SELECT array_agg(k), array_agg(s) FROM (
      SELECT n.kommune_kode AS k, n.sag_id AS s FROM new_rows n JOIN old_rows o ON o.kommune_kode = n.kommune_kode AND o.id = n.id
        WHERE n.sag_id <> o.sag_id OR n.slutdato IS DISTINCT FROM o.slutdato
      UNION
      SELECT o.kommune_kode, o.sag_id FROM new_rows n JOIN old_rows o ON o.kommune_kode = n.kommune_kode AND o.id = n.id
        WHERE n.sag_id <> o.sag_id) t$q$ INTO ks, ids;
  ELSE
    SELECT array_agg(kommune_kode), array_agg(sag_id) INTO ks, ids
      FROM (SELECT DISTINCT kommune_kode, sag_id FROM old_rows) t;
  END IF;
  IF ks IS NULL THEN
    RETURN NULL;
  END IF;
  FOR i IN 1 .. array_length(ks, 1) LOOP
    UPDATE sager s SET (antal_ydelser, slutdato_max) = (
      SELECT count(*)::integer,
        CASE WHEN count(*) > 0 AND count(*) = count(y.slutdato) THEN max(y.slutdato) END
      FROM ydelser y WHERE y.kommune_kode = ks[i] AND y.sag_id = ids[i])
    WHERE s.kommune_kode = ks[i] AND s.id = ids[i];
  END LOOP;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

ALTER TABLE sager ADD CONSTRAINT sager_indberettet_leverance_fkey
  FOREIGN KEY (kommune_kode, indberettet_leverance_id) REFERENCES leverancer (kommune_kode, id);
ALTER TABLE ydelser ADD CONSTRAINT ydelser_indberettet_leverance_fkey
  FOREIGN KEY (kommune_kode, indberettet_leverance_id) REFERENCES leverancer (kommune_kode, id);
