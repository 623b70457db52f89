-- +goose Up
-- The audit log and CPR access log viewers: keyset pages by (at, id), newest first, of one
-- kommune (kommune administrators, T1) or of every kommune (DST and platform administrators,
-- T3), filtered by user, action, entity, sag or CPR number, fast at millions of rows.
--
-- Row-level security decides which conditions may use an index: on a table with policies a
-- condition can be an index condition only when its operators are leakproof (PostgreSQL
-- never runs a function that could leak a value on rows the policies hide). =, < and > on
-- text, bigint and timestamptz are leakproof; jsonb ->>, casts, regular expressions and array
-- containment (@>) are not. Hence:
--   * the sag a record is about (a sag's own records and those of its ydelser) and the CPR
--     number of a sag's records are stored generated columns, compared with plain =;
--   * the GIN index cpr_access_log_cprs_idx (00002) cannot serve the application's role
--     (cprs @> ARRAY[...] is not leakproof): the records of a CPR number are found through
--     cpr_access_log_cprs, one row per CPR number of a record, written by a trigger.

-- The sag of a sag's or a ydelse's record, and the CPR number of a sag's record. The JSON
-- names are the Go field names of tenant.Sag (CPR) and tenant.Ydelse (SagID); a sag.delete
-- record holds the sag under "Sag".
ALTER TABLE audit_log
  ADD COLUMN sag_id bigint GENERATED ALWAYS AS (CASE
    WHEN entity = 'sag' AND entity_id ~ '^[0-9]{1,18}$' THEN entity_id::bigint
    WHEN entity = 'ydelse' AND coalesce(after ->> 'SagID', before ->> 'SagID') ~ '^[0-9]{1,18}$'
      THEN coalesce(after ->> 'SagID', before ->> 'SagID')::bigint
  END) STORED,
  ADD COLUMN sag_cpr text COLLATE "C" GENERATED ALWAYS AS (CASE WHEN entity = 'sag'
    THEN coalesce(after ->> 'CPR', before ->> 'CPR', before -> 'Sag' ->> 'CPR') END) STORED;

-- One kommune's records newest first, and each filter within it; (at, id) last, so a page
-- after a cursor is a range of the index read backwards.
DROP INDEX audit_log_at_idx;
CREATE INDEX audit_log_kommune_at_idx ON audit_log (kommune_kode, at, id);
CREATE INDEX audit_log_kommune_user_idx ON audit_log (kommune_kode, user_email, at, id);
CREATE INDEX audit_log_kommune_action_idx ON audit_log (kommune_kode, action, at, id);
-- The same across every kommune (DST and platform administrators): an index led by the
-- kommune cannot give the records of all kommuner in time order.
CREATE INDEX audit_log_at_idx ON audit_log (at, id);
CREATE INDEX audit_log_user_idx ON audit_log (user_email, at, id);
CREATE INDEX audit_log_action_idx ON audit_log (action, at, id);
-- Few records per thing, sorted after: the kommune is a condition within.
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, kommune_kode);
CREATE INDEX audit_log_sag_idx ON audit_log (sag_id) WHERE sag_id IS NOT NULL;
CREATE INDEX audit_log_sag_cpr_idx ON audit_log (sag_cpr) WHERE sag_cpr IS NOT NULL;

DROP INDEX cpr_access_log_at_idx;
CREATE INDEX cpr_access_log_kommune_at_idx ON cpr_access_log (kommune_kode, at, id);
CREATE INDEX cpr_access_log_kommune_user_idx ON cpr_access_log (kommune_kode, user_email, at, id);
CREATE INDEX cpr_access_log_at_idx ON cpr_access_log (at, id);
CREATE INDEX cpr_access_log_user_idx ON cpr_access_log (user_email, at, id);

-- Each CPR number of each CPR access record: "who saw this CPR number, when" is a range of
-- the primary key, newest last. Across every kommune the query names the kommuner
-- (kommune_kode = ANY(...)), one short range each.
CREATE TABLE cpr_access_log_cprs (
  kommune_kode text NOT NULL,
  cpr          text COLLATE "C" NOT NULL,
  at           timestamptz NOT NULL,
  access_id    bigint NOT NULL,          -- cpr_access_log.id
  PRIMARY KEY (kommune_kode, cpr, at, access_id)
);
REVOKE UPDATE, DELETE, TRUNCATE ON cpr_access_log_cprs FROM indberet_app;

ALTER TABLE cpr_access_log_cprs ENABLE ROW LEVEL SECURITY;
ALTER TABLE cpr_access_log_cprs FORCE ROW LEVEL SECURITY;
-- T1, T3 and the log writers of DST, as cpr_access_log itself.
CREATE POLICY cpr_access_log_cprs_kommune ON cpr_access_log_cprs
  USING (kommune_kode = current_setting('indberet.kommune', true))
  WITH CHECK (kommune_kode = current_setting('indberet.kommune', true));
CREATE POLICY cpr_access_log_cprs_alle_read ON cpr_access_log_cprs FOR SELECT
  USING (current_setting('indberet.alle', true) = 'read');
CREATE POLICY cpr_access_log_cprs_alle_insert ON cpr_access_log_cprs FOR INSERT
  WITH CHECK (current_setting('indberet.alle', true) = 'read');

-- +goose StatementBegin
CREATE FUNCTION cpr_access_log_index_cprs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO cpr_access_log_cprs (kommune_kode, cpr, at, access_id)
    SELECT DISTINCT NEW.kommune_kode, c, NEW.at, NEW.id FROM unnest(NEW.cprs) c;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER cpr_access_log_index_cprs AFTER INSERT ON cpr_access_log
  FOR EACH ROW EXECUTE FUNCTION cpr_access_log_index_cprs();

-- The records written before this migration (read and written under the read-all setting,
-- which the policies allow for these two tables).
SELECT set_config('indberet.alle', 'read', true);
INSERT INTO cpr_access_log_cprs (kommune_kode, cpr, at, access_id)
  SELECT DISTINCT l.kommune_kode, c, l.at, l.id FROM cpr_access_log l, unnest(l.cprs) c;
SELECT set_config('indberet.alle', '', true);

-- +goose Down
DROP TRIGGER cpr_access_log_index_cprs ON cpr_access_log;
DROP FUNCTION cpr_access_log_index_cprs();
DROP TABLE cpr_access_log_cprs;
DROP INDEX cpr_access_log_kommune_at_idx, cpr_access_log_kommune_user_idx, cpr_access_log_at_idx,
  cpr_access_log_user_idx;
CREATE INDEX cpr_access_log_at_idx ON cpr_access_log (kommune_kode, at);
DROP INDEX audit_log_kommune_at_idx, audit_log_kommune_user_idx, audit_log_kommune_action_idx, audit_log_at_idx,
  audit_log_user_idx, audit_log_action_idx, audit_log_entity_idx, audit_log_sag_idx, audit_log_sag_cpr_idx;
CREATE INDEX audit_log_at_idx ON audit_log (kommune_kode, at);
ALTER TABLE audit_log DROP COLUMN sag_id, DROP COLUMN sag_cpr;
