-- +goose Up
-- The index rows of the CPR access log (cpr_access_log_cprs, 00011: one row per CPR number of
-- a record, so that "who saw this CPR number" is a range of an index) are written by a job a
-- minute later instead of by the request that reads the CPR numbers.
--
-- The record itself (who, when, from where, which CPR numbers) is still written in the
-- transaction that shows or exports them, as before. Only its index rows move: written by
-- the trigger they were 50 scattered index inserts on every list page (a quarter of the
-- database's time per page in make bench) and 150,000 in an export's transaction; written by
-- worker/cpr_index.go they are one sorted insert per kommune a minute. Until then the record
-- is in cpr_access_log_nye, and the look-up by CPR number (tenant.CPRAccessLog) reads those
-- few records too, so it is exact at every moment: the job moves a record from one to the
-- other in one statement.
CREATE TABLE cpr_access_log_nye (
  kommune_kode text NOT NULL,
  access_id    bigint NOT NULL,          -- cpr_access_log.id
  PRIMARY KEY (kommune_kode, access_id)
);
-- The application inserts (the trigger on cpr_access_log) and deletes (the job); it never
-- changes a row. A record cannot leave without its index rows: the delete itself writes them
-- (the statement trigger below), so deleting is the job's whole work and no one can take a
-- record out of the look-up by CPR number.
REVOKE UPDATE, TRUNCATE ON cpr_access_log_nye FROM indberet_app;

ALTER TABLE cpr_access_log_nye ENABLE ROW LEVEL SECURITY;
ALTER TABLE cpr_access_log_nye FORCE ROW LEVEL SECURITY;
CREATE POLICY cpr_access_log_nye_kommune ON cpr_access_log_nye
  USING (kommune_kode = (SELECT current_setting('indberet.kommune', true)))
  WITH CHECK (kommune_kode = (SELECT current_setting('indberet.kommune', true)));
CREATE POLICY cpr_access_log_nye_alle_read ON cpr_access_log_nye FOR SELECT
  USING ((SELECT current_setting('indberet.alle', true)) = 'read');
CREATE POLICY cpr_access_log_nye_alle_insert ON cpr_access_log_nye FOR INSERT
  WITH CHECK ((SELECT current_setting('indberet.alle', true)) = 'read');

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION cpr_access_log_index_cprs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(NEW.cprs) > 0 THEN
    INSERT INTO cpr_access_log_nye (kommune_kode, access_id) VALUES (NEW.kommune_kode, NEW.id);
  END IF;
  RETURN NULL;
END
$$;

-- The index rows of the records a statement takes off the list, in index order, in that
-- statement.
CREATE FUNCTION cpr_access_log_nye_index() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO cpr_access_log_cprs (kommune_kode, cpr, at, access_id)
    SELECT DISTINCT l.kommune_kode, c, l.at, l.id
    FROM gone g JOIN cpr_access_log l ON l.kommune_kode = g.kommune_kode AND l.id = g.access_id, unnest(l.cprs) c
    ORDER BY 1, 2, 3, 4
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER cpr_access_log_nye_index AFTER DELETE ON cpr_access_log_nye
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION cpr_access_log_nye_index();

-- +goose Down
-- The records still waiting get their index rows now, as the job would: by leaving the list
-- (each kommune under its own setting: the policies bind the owner too).
-- +goose StatementBegin
DO $$
DECLARE
  k text;
BEGIN
  FOR k IN SELECT kommune_kode FROM kommuner UNION SELECT '000' LOOP
    PERFORM set_config('indberet.kommune', k, true);
    DELETE FROM cpr_access_log_nye WHERE kommune_kode = k;
  END LOOP;
  PERFORM set_config('indberet.kommune', '', true);
END
$$;
CREATE OR REPLACE FUNCTION cpr_access_log_index_cprs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO cpr_access_log_cprs (kommune_kode, cpr, at, access_id)
    SELECT DISTINCT NEW.kommune_kode, c, NEW.at, NEW.id FROM unnest(NEW.cprs) c;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
DROP TABLE cpr_access_log_nye;
DROP FUNCTION cpr_access_log_nye_index();
