-- +goose Up
-- S6, S8: the aggregate trigger recomputes a sag only when an update of its ydelser changed
-- a Slutdato or moved a ydelse to another sag. Updates that touch neither (a delivery marking
-- its rows delivered, I2; a new P-nummer) no longer update the sager at all.

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
    -- Only rows whose Slutdato or sag changed move an aggregate; a delivery marking
    -- thousands of rows delivered touches none.
    SELECT array_agg(k), array_agg(s) INTO ks, ids FROM (
      SELECT n.kommune_kode AS k, n.sag_id AS s FROM new_rows n JOIN old_rows o ON o.kommune_kode = n.kommune_kode AND o.id = n.id
        WHERE n.sag_id <> o.sag_id OR n.slutdato IS DISTINCT FROM o.slutdato
      UNION
      SELECT o.kommune_kode, o.sag_id FROM new_rows n JOIN old_rows o ON o.kommune_kode = n.kommune_kode AND o.id = n.id
        WHERE n.sag_id <> o.sag_id) t;
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
SELECT 1;
