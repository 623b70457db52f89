-- +goose Up
-- issue 16 #6: one function gives a new kommune table its row-level security, the block that
-- 00002, 00005, 00011, 00012, 00013, 00015, 00016, 00019, 00021 and 00028 each copied by hand
-- (and that 00018 had to rewrite in all of them at once). A migration that creates a kommune table calls
--   SELECT enable_kommune_rls('t');
-- right after its CREATE TABLE, and states what is particular to the table after that
-- (narrower grants, an extra policy such as the logs' *_alle_insert).
--
-- What it does to table t, exactly what every kommune table has today (T1, T3):
--   ENABLE and FORCE ROW LEVEL SECURITY   FORCE binds the tables' owner too
--   POLICY t_kommune    for every command, a kommune's own rows: kommune_kode equal to the
--                       transaction's indberet.kommune (tenant.DB.InScope sets it)
--   POLICY t_alle_read  SELECT only, every kommune, when indberet.alle is 'read' (DST and
--                       platform administrators)
--   REVOKE TRUNCATE     TRUNCATE is not subject to row-level security; 00001's default
--                       privileges never grant it, and this keeps it so
-- Both policies read the settings through a scalar sub-select, the form of 00018 (computed
-- once per statement, not once per row; tenant/rls_test.go TestPoliciesReadSettingsOnce).
-- The other grants stay as the table got them from 00001's default privileges (SELECT,
-- INSERT, UPDATE, DELETE for indberet_app): the function never widens a grant, so a REVOKE
-- written before the call still holds.
--
-- It refuses a table that is not a kommune table by the rule of 00002: kommune_kode (text) is
-- the first column of its primary key. migrations/kommune_rls_test.go proves the isolation of
-- a table made with it and that its policies are those of the existing kommune tables.
--
-- It is SECURITY INVOKER: only the table's owner (the migrating user) can alter the table.
-- Its search_path is pinned as in 00025 (pg_catalog first, pg_temp last), so the policies
-- bind pg_catalog's current_setting and = whatever else a schema holds, and nobody but the
-- owner may execute it.
-- +goose StatementBegin
CREATE FUNCTION enable_kommune_rls(t regclass)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  name text;
  first_pk text;
BEGIN
  SELECT c.relname,
    (SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
     FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
     WHERE i.indrelid = c.oid AND i.indisprimary)
  INTO name, first_pk
  FROM pg_class c WHERE c.oid = t AND c.relkind IN ('r', 'p');
  IF name IS NULL THEN
    RAISE EXCEPTION '%: not a table', t USING ERRCODE = 'wrong_object_type';
  END IF;
  IF first_pk IS DISTINCT FROM 'kommune_kode text' THEN
    RAISE EXCEPTION '%: a kommune table has kommune_kode (text) first in its primary key, not %', t,
      coalesce(first_pk, 'no primary key') USING ERRCODE = 'invalid_table_definition';
  END IF;
  IF length(name || '_alle_read') > 63 THEN
    RAISE EXCEPTION '%: name too long for its policies (%_alle_read)', t, name USING ERRCODE = 'name_too_long';
  END IF;

  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', t);
  -- T1: a kommune's own rows, for every command.
  EXECUTE format($p$CREATE POLICY %I ON %s
    USING (kommune_kode = (SELECT current_setting('indberet.kommune', true)))
    WITH CHECK (kommune_kode = (SELECT current_setting('indberet.kommune', true)))$p$, name || '_kommune', t);
  -- T3: DST and platform administrators read every kommune; this policy grants SELECT only.
  EXECUTE format($p$CREATE POLICY %I ON %s FOR SELECT
    USING ((SELECT current_setting('indberet.alle', true)) = 'read')$p$, name || '_alle_read', t);
  EXECUTE format('REVOKE TRUNCATE ON %s FROM PUBLIC, indberet_app', t);
END
$$;
-- +goose StatementEnd
REVOKE EXECUTE ON FUNCTION enable_kommune_rls(regclass) FROM PUBLIC;

-- +goose Down
DROP FUNCTION enable_kommune_rls(regclass);
