-- +goose Up
-- S6, S8: what the overview lists filter and count on, kept on the sag by triggers on ydelser so
-- the lists stay one index walk at 150,000 sager per kommune. Status itself is never stored: a
-- sag is *afsluttet* when slutdato_max is set and before today (compared at query time, so it
-- changes by itself as days pass).
ALTER TABLE sager
  ADD COLUMN antal_ydelser integer NOT NULL DEFAULT 0,  -- S8 *Antal ydelser*
  ADD COLUMN slutdato_max  date;                        -- S6: latest Slutdato when every ydelse has one; NULL while one is open

-- +goose StatementBegin
CREATE FUNCTION sager_refresh_aggregates() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ks  text[];
  ids bigint[];
BEGIN
  -- One UPDATE for all sager the triggering statement touched (a COPY of a million ydelser
  -- updates each sag once). The transition tables that exist depend on the operation.
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(kommune_kode), array_agg(sag_id) INTO ks, ids
      FROM (SELECT DISTINCT kommune_kode, sag_id FROM new_rows) t;
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT array_agg(kommune_kode), array_agg(sag_id) INTO ks, ids
      FROM (SELECT kommune_kode, sag_id FROM new_rows UNION SELECT kommune_kode, sag_id FROM old_rows) t;
  ELSE
    SELECT array_agg(kommune_kode), array_agg(sag_id) INTO ks, ids
      FROM (SELECT DISTINCT kommune_kode, sag_id FROM old_rows) t;
  END IF;
  IF ks IS NULL THEN
    RETURN NULL;
  END IF;
  UPDATE sager s SET antal_ydelser = a.n, slutdato_max = a.slut_max
  FROM (
    SELECT t.k, t.id, count(y.id)::integer AS n,
      CASE WHEN count(y.id) > 0 AND count(y.id) = count(y.slutdato) THEN max(y.slutdato) END AS slut_max
    FROM unnest(ks, ids) AS t (k, id)
    LEFT JOIN ydelser y ON y.kommune_kode = t.k AND y.sag_id = t.id
    GROUP BY t.k, t.id
  ) a
  WHERE s.kommune_kode = a.k AND s.id = a.id
    AND (s.antal_ydelser, s.slutdato_max) IS DISTINCT FROM (a.n, a.slut_max);
  RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER ydelser_aggregates_ins AFTER INSERT ON ydelser
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sager_refresh_aggregates();
CREATE TRIGGER ydelser_aggregates_upd AFTER UPDATE ON ydelser
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sager_refresh_aggregates();
CREATE TRIGGER ydelser_aggregates_del AFTER DELETE ON ydelser
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sager_refresh_aggregates();

UPDATE sager s SET antal_ydelser = a.n, slutdato_max = a.slut_max
FROM (
  SELECT kommune_kode, sag_id, count(*)::integer AS n,
    CASE WHEN count(*) = count(slutdato) THEN max(slutdato) END AS slut_max
  FROM ydelser GROUP BY kommune_kode, sag_id
) a
WHERE s.kommune_kode = a.kommune_kode AND s.id = a.sag_id;

-- +goose Down
DROP TRIGGER ydelser_aggregates_ins ON ydelser;
DROP TRIGGER ydelser_aggregates_upd ON ydelser;
DROP TRIGGER ydelser_aggregates_del ON ydelser;
DROP FUNCTION sager_refresh_aggregates();
ALTER TABLE sager DROP COLUMN antal_ydelser, DROP COLUMN slutdato_max;
