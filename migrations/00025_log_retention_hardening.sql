-- +goose Up
-- issue 14: log_partitions_maintain (00024) runs as the tables' owner (SECURITY DEFINER) for
-- the application's role, and finds the tables, functions and operators it names by its
-- search_path, which was "public, pg_temp": an object the app role could put in public (a
-- function or operator with the same name and a better-fitting argument type) would run as
-- the owner. PostgreSQL 15 gives PUBLIC no CREATE on schema public, but a database made
-- before 15 keeps the old grant through pg_upgrade, and a grant may be made by hand; both are
-- revoked here (a warning, not an error, where there is nothing to revoke or the migrating
-- user does not own the schema). The function now looks in pg_catalog first (built-in
-- functions and operators before anything in public) and in pg_temp last (a temporary table
-- of the app role named like a log is never the log), and names the log by its schema.
-- Otherwise its body is 00024's but for the floor of the retention period (below).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM indberet_app;

-- issue 14 #13: the shortest retention period the function accepts. It refused less than 12
-- months, while the period chosen (LOG_RETENTION, default 5 years) is known only to the
-- application: its role, if abused, could still drop every month older than a year. The floor
-- is the owner's, one row, readable by the app role (which refuses to start with a
-- LOG_RETENTION below it) and writable by the owner only; the operator moves it with
--   UPDATE log_retention_floor SET months = 36;
-- as the DATABASE_URL user (README, *Retention of the logs*). Without its row the floor is the
-- default, 60 months; it is never below 12.
CREATE TABLE log_retention_floor (
  one    boolean PRIMARY KEY DEFAULT true CHECK (one),
  months integer NOT NULL CHECK (months >= 12)
);
INSERT INTO log_retention_floor (months) VALUES (60);
REVOKE ALL ON log_retention_floor FROM indberet_app;
GRANT SELECT ON log_retention_floor TO indberet_app;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION log_partitions_maintain(log text, keep_months integer, ahead_months integer)
RETURNS TABLE (log_partition text, change text, records bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET timezone = 'UTC' SET datestyle = 'ISO, YMD' SET lock_timeout = '3s'
AS $$
DECLARE
  parent regclass;
  cutoff timestamptz;
  this_month timestamptz := date_trunc('month', now());
  until timestamptz;
  counts jsonb := '{}';
  alle text := current_setting('indberet.alle', true);
  months boolean;
  drop_earlier boolean;
  p record;
  n bigint;
  floor_months integer;
BEGIN
  IF log IS NULL OR log NOT IN ('audit_log', 'cpr_access_log', 'cpr_access_log_cprs') THEN
    RAISE EXCEPTION 'not a log: %', log USING ERRCODE = 'invalid_parameter_value';
  END IF;
  floor_months := greatest(12, coalesce((SELECT f.months FROM public.log_retention_floor f), 60));
  IF keep_months IS NULL OR keep_months < floor_months THEN
    RAISE EXCEPTION 'logs are kept at least % months (log_retention_floor), not %', floor_months, keep_months
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF ahead_months IS NULL OR ahead_months NOT BETWEEN 1 AND 24 THEN
    RAISE EXCEPTION 'months ahead must be 1 to 24, not %', ahead_months USING ERRCODE = 'invalid_parameter_value';
  END IF;
  parent := ('public.' || log)::regclass;
  cutoff := now() - make_interval(months => keep_months);
  until := this_month + make_interval(months => ahead_months + 1);

  -- What ended before the cut-off, and how many records it holds (the read-all setting: the
  -- policies bind the owner too).
  PERFORM set_config('indberet.alle', 'read', true);
  FOR p IN SELECT * FROM log_partition_bounds(parent) b WHERE b.to_at <= cutoff LOOP
    EXECUTE format('SELECT count(*) FROM %s WHERE at >= $1 AND at < $2', parent)
      INTO n USING coalesce(p.from_at, '-infinity'), p.to_at;
    counts := counts || jsonb_build_object(p.part::text, n);
  END LOOP;
  PERFORM set_config('indberet.alle', coalesce(alle, ''), true);
  months := EXISTS (SELECT FROM log_partition_bounds(parent) b WHERE b.to_at <= cutoff AND b.from_at IS NOT NULL);
  drop_earlier := months OR EXISTS (SELECT FROM log_partition_bounds(parent) b
    WHERE b.to_at <= cutoff AND b.from_at IS NULL AND (counts ->> b.part::text)::bigint > 0);
  IF NOT drop_earlier AND coalesce((SELECT b.from_at FROM log_partition_bounds(parent) b WHERE b.to_at IS NULL) >= until, false) THEN
    RETURN;
  END IF;

  EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', parent);
  FOR p IN SELECT b.part::text AS name, b.part FROM log_partition_bounds(parent) b
      WHERE b.to_at <= cutoff AND (b.from_at IS NOT NULL OR drop_earlier) ORDER BY b.to_at LOOP
    EXECUTE format('DROP TABLE %s', p.part);
    RETURN QUERY SELECT p.name, 'dropped', (counts ->> p.name)::bigint;
  END LOOP;
  IF NOT EXISTS (SELECT FROM log_partition_bounds(parent) b WHERE b.from_at IS NULL) THEN
    PERFORM log_partition_create(parent, NULL, (SELECT min(b.from_at) FROM log_partition_bounds(parent) b));
  END IF;
  RETURN QUERY SELECT * FROM log_partitions_cover(parent, this_month, until);
END
$$;
-- +goose StatementEnd

-- +goose Down
-- 00024's function. The grants to create in public are not given back: PostgreSQL 15 gives
-- none, and one found on an older database was the hole this migration closes.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION log_partitions_maintain(log text, keep_months integer, ahead_months integer)
RETURNS TABLE (log_partition text, change text, records bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = public, pg_temp
SET timezone = 'UTC' SET datestyle = 'ISO, YMD' SET lock_timeout = '3s'
AS $$
DECLARE
  parent regclass;
  cutoff timestamptz;
  this_month timestamptz := date_trunc('month', now());
  until timestamptz;
  counts jsonb := '{}';
  alle text := current_setting('indberet.alle', true);
  months boolean;
  drop_earlier boolean;
  p record;
  n bigint;
BEGIN
  IF log IS NULL OR log NOT IN ('audit_log', 'cpr_access_log', 'cpr_access_log_cprs') THEN
    RAISE EXCEPTION 'not a log: %', log USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF keep_months IS NULL OR keep_months < 12 THEN
    RAISE EXCEPTION 'logs are kept at least 12 months, not %', keep_months USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF ahead_months IS NULL OR ahead_months NOT BETWEEN 1 AND 24 THEN
    RAISE EXCEPTION 'months ahead must be 1 to 24, not %', ahead_months USING ERRCODE = 'invalid_parameter_value';
  END IF;
  parent := log::regclass;
  cutoff := now() - make_interval(months => keep_months);
  until := this_month + make_interval(months => ahead_months + 1);

  -- What ended before the cut-off, and how many records it holds (the read-all setting: the
  -- policies bind the owner too).
  PERFORM set_config('indberet.alle', 'read', true);
  FOR p IN SELECT * FROM log_partition_bounds(parent) b WHERE b.to_at <= cutoff LOOP
    EXECUTE format('SELECT count(*) FROM %s WHERE at >= $1 AND at < $2', parent)
      INTO n USING coalesce(p.from_at, '-infinity'), p.to_at;
    counts := counts || jsonb_build_object(p.part::text, n);
  END LOOP;
  PERFORM set_config('indberet.alle', coalesce(alle, ''), true);
  months := EXISTS (SELECT FROM log_partition_bounds(parent) b WHERE b.to_at <= cutoff AND b.from_at IS NOT NULL);
  drop_earlier := months OR EXISTS (SELECT FROM log_partition_bounds(parent) b
    WHERE b.to_at <= cutoff AND b.from_at IS NULL AND (counts ->> b.part::text)::bigint > 0);
  IF NOT drop_earlier AND coalesce((SELECT b.from_at FROM log_partition_bounds(parent) b WHERE b.to_at IS NULL) >= until, false) THEN
    RETURN;
  END IF;

  EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', parent);
  FOR p IN SELECT b.part::text AS name, b.part FROM log_partition_bounds(parent) b
      WHERE b.to_at <= cutoff AND (b.from_at IS NOT NULL OR drop_earlier) ORDER BY b.to_at LOOP
    EXECUTE format('DROP TABLE %s', p.part);
    RETURN QUERY SELECT p.name, 'dropped', (counts ->> p.name)::bigint;
  END LOOP;
  IF NOT EXISTS (SELECT FROM log_partition_bounds(parent) b WHERE b.from_at IS NULL) THEN
    PERFORM log_partition_create(parent, NULL, (SELECT min(b.from_at) FROM log_partition_bounds(parent) b));
  END IF;
  RETURN QUERY SELECT * FROM log_partitions_cover(parent, this_month, until);
END
$$;
-- +goose StatementEnd
DROP TABLE log_retention_floor;
