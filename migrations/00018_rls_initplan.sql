-- +goose Up
-- Row-level security evaluated once per statement instead of once per row.
--
-- Every policy compares with current_setting('indberet.kommune' | 'indberet.alle', true)
-- (00002 and each table after). Written bare, PostgreSQL calls the function for every row a
-- scan reads: a CPR search that counts 3,700 sager of an index called it 7,400 times, a third
-- of the statement's time (make bench). Wrapped as a scalar sub-select it becomes an InitPlan,
-- computed once per statement and read as a parameter. The comparison stays the same leakproof
-- text =, so the policies allow exactly what they allowed. tenant/rls_test.go
-- (TestPoliciesReadSettingsOnce) keeps every policy of later migrations in this form.
--
-- Also: the GIN index on cpr_access_log.cprs (00002) goes. No query uses it: the application's
-- role cannot (array containment is not leakproof, see 00011), and the records of a CPR number
-- are found through cpr_access_log_cprs. It cost every CPR access record an index entry per
-- CPR number.

-- +goose StatementBegin
DO $$
DECLARE
  p record;
  bare constant text := '(?<!SELECT )current_setting\(''indberet\.(kommune|alle)''::text, true\)';
  once constant text := '(SELECT current_setting(''indberet.\1''::text, true))';
BEGIN
  FOR p IN SELECT tablename, policyname, qual, with_check FROM pg_policies WHERE schemaname = 'public' LOOP
    IF p.qual IS NOT NULL THEN
      EXECUTE format('ALTER POLICY %I ON %I USING (%s)', p.policyname, p.tablename,
        regexp_replace(p.qual, bare, once, 'g'));
    END IF;
    IF p.with_check IS NOT NULL THEN
      EXECUTE format('ALTER POLICY %I ON %I WITH CHECK (%s)', p.policyname, p.tablename,
        regexp_replace(p.with_check, bare, once, 'g'));
    END IF;
  END LOOP;
END
$$;
-- +goose StatementEnd

DROP INDEX cpr_access_log_cprs_idx;

-- +goose Down
CREATE INDEX cpr_access_log_cprs_idx ON cpr_access_log USING gin (cprs);

-- +goose StatementBegin
DO $$
DECLARE
  p record;
  once constant text := '\( SELECT current_setting\(''indberet\.(kommune|alle)''::text, true\) AS current_setting\)';
  bare constant text := 'current_setting(''indberet.\1''::text, true)';
BEGIN
  FOR p IN SELECT tablename, policyname, qual, with_check FROM pg_policies WHERE schemaname = 'public' LOOP
    IF p.qual IS NOT NULL THEN
      EXECUTE format('ALTER POLICY %I ON %I USING (%s)', p.policyname, p.tablename,
        regexp_replace(p.qual, once, bare, 'g'));
    END IF;
    IF p.with_check IS NOT NULL THEN
      EXECUTE format('ALTER POLICY %I ON %I WITH CHECK (%s)', p.policyname, p.tablename,
        regexp_replace(p.with_check, once, bare, 'g'));
    END IF;
  END LOOP;
END
$$;
-- +goose StatementEnd
