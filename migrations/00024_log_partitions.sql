-- +goose Up
-- issue 14 #13: the audit log and the CPR access log are kept for a configurable period
-- (LOG_RETENTION, default 5 years) and no longer grow for ever. Each log, and the CPR access
-- log's index by CPR number, becomes a table PARTITIONED BY RANGE (at), one partition per
-- calendar month (UTC), so that removing a month is a DROP of its partition: no DELETE of
-- millions of rows, no bloat, no vacuum. The job worker/retention.go calls
-- log_partitions_maintain once a day per log: it drops the months that ended longer ago than
-- the period and creates the coming ones.
--
-- Partitions of a log, by at:
--   <log>_earlier   MINVALUE .. the first month      a record far behind (a wrong clock)
--   <log>_YYYY_MM   one per month, contiguous         every record the application writes
--   <log>_later     after the last month .. MAXVALUE  a record far ahead, or months not yet made
-- The two catch-alls mean that no insert ever fails for want of a partition. They stand in for
-- a DEFAULT partition on purpose: with a DEFAULT partition PostgreSQL cannot read the
-- partitions in order (a default may hold any value), so every page of the log viewers
-- ("newest first, 50 at a time") would be a Merge Append that starts an index scan in every
-- month of five years; with ranges on both sides it is an ordered Append that reads the newest
-- month and stops (tenant/log_plan_test.go). Making a month out of a catch-all's range
-- (log_partitions_cover) detaches the catch-all, creates the months and a smaller catch-all,
-- and moves the catch-all's rows (normally none) through the parent into the partitions that
-- now hold them, so a row in a catch-all never blocks a new month (as a row in a DEFAULT
-- partition would). The earlier catch-all is dropped with the months once its whole range is
-- older than the period.
--
-- Primary keys: a partitioned table's primary key must contain the partition key, so
-- (kommune_kode, id) becomes (kommune_kode, id, at); ids still come from the same identity
-- sequence (its value carries over) and stay unique. Nothing references these ids with a
-- foreign key. Every reader that looks a record up by id now gives its at too, so that only
-- the month that holds it is read: cpr_access_log_cprs has it, and cpr_access_log_nye gets it
-- below.
--
-- The index rows by CPR number (cpr_access_log_cprs) are partitioned by the at of their
-- record, month for month like cpr_access_log, and dropped with it (no orphans). The records
-- waiting for their index rows (cpr_access_log_nye) are few and leave within a minute
-- (worker/cpr_index.go): that table stays as it is, with the record's at added. A waiting
-- record whose month was dropped meanwhile joins nothing and leaves at the job's next run
-- without index rows.
--
-- Grants and row-level security: the parents keep exactly the grants, policies (in the
-- InitPlan form of 00018), indexes, generated columns, triggers and checks the tables had.
-- PostgreSQL checks grants and policies of the table a statement names, so a partition gets
-- none of the default privileges of 00001 (the app role cannot name it) and forced
-- row-level security without policies (nobody reads one directly, not the owner either).
--
-- Ownership: creating and dropping partitions needs the owner, and the application runs as
-- indberet_app, which owns nothing. log_partitions_maintain is SECURITY DEFINER (the owner),
-- granted to indberet_app, and does only this: for one of the three logs, drop the months
-- that ended more than keep_months ago (at least 12, whatever the caller asks) and create
-- the coming months. The other functions are the owner's only.
--
-- This migration copies the logs into their new tables under an exclusive lock: on a large
-- installation, writes of audit and CPR access records wait until it commits.

-- The partitions of a log with their ranges; NULL stands for MINVALUE and MAXVALUE.
-- +goose StatementBegin
CREATE FUNCTION log_partition_bounds(parent regclass)
RETURNS TABLE (part regclass, from_at timestamptz, to_at timestamptz)
LANGUAGE sql STABLE
SET timezone = 'UTC' SET datestyle = 'ISO, YMD'
AS $$
  SELECT c.oid::regclass,
    CASE WHEN b[1] <> 'MINVALUE' THEN btrim(b[1], '''')::timestamptz END,
    CASE WHEN b[2] <> 'MAXVALUE' THEN btrim(b[2], '''')::timestamptz END
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid
  CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), '^FOR VALUES FROM \((.+)\) TO \((.+)\)$') b
  WHERE i.inhparent = parent
  ORDER BY 2 NULLS FIRST
$$;

-- Creates the partition of parent for [since, until) (NULL: MINVALUE, MAXVALUE), named
-- <parent>_YYYY_MM, <parent>_earlier or <parent>_later, reachable only through the parent.
CREATE FUNCTION log_partition_create(parent regclass, since timestamptz, until timestamptz)
RETURNS text
LANGUAGE plpgsql
SET timezone = 'UTC' SET datestyle = 'ISO, YMD'
AS $$
DECLARE
  schema_name text;
  name text;
BEGIN
  SELECT n.nspname, c.relname || CASE WHEN since IS NULL THEN '_earlier' WHEN until IS NULL THEN '_later'
    ELSE to_char(since, '"_"YYYY"_"MM') END
  INTO schema_name, name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = parent;
  EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%s) TO (%s)', schema_name, name, parent,
    coalesce(quote_literal(since), 'MINVALUE'), coalesce(quote_literal(until), 'MAXVALUE'));
  EXECUTE format('REVOKE ALL ON %I.%I FROM indberet_app', schema_name, name);
  EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', schema_name, name);
  RETURN name;
END
$$;

-- Creates the partitions of parent for the months from since to until (month starts),
-- returning their names.
CREATE FUNCTION log_partition_months(parent regclass, since timestamptz, until timestamptz)
RETURNS SETOF text
LANGUAGE sql
SET timezone = 'UTC' SET datestyle = 'ISO, YMD'
AS $$
  SELECT log_partition_create(parent, m, m + interval '1 month')
  FROM generate_series(since, until - interval '1 month', interval '1 month') m
$$;

-- Replaces the catch-all partition catchall of parent by the months from since to until and a
-- catch-all for [edge_from, edge_to) (NULL: MINVALUE, MAXVALUE): the old one is detached, the
-- new partitions made, its rows inserted into parent (into the partitions that now hold their
-- at, ids kept), and it is dropped. Returns the months ('created') and, if any rows moved,
-- their number ('moved'). The policies of the logs admit the rows under the read-all setting,
-- set for that statement only.
CREATE FUNCTION log_partition_split(parent regclass, catchall regclass, since timestamptz, until timestamptz,
  edge_from timestamptz, edge_to timestamptz)
RETURNS TABLE (log_partition text, change text, records bigint)
LANGUAGE plpgsql
SET timezone = 'UTC' SET datestyle = 'ISO, YMD'
AS $$
DECLARE
  name text := (SELECT relname FROM pg_class WHERE oid = catchall);
  alle text := current_setting('indberet.alle', true);
  cols text;
  moved bigint;
BEGIN
  SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
  FROM pg_attribute WHERE attrelid = parent AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
  EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', parent, catchall);
  EXECUTE format('ALTER TABLE %s RENAME TO %I', catchall, name || '_detached');
  EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', catchall);
  PERFORM log_partition_create(parent, edge_from, edge_to);
  RETURN QUERY SELECT m, 'created', NULL::bigint FROM log_partition_months(parent, since, until) m;
  PERFORM set_config('indberet.alle', 'read', true);
  EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s', parent, cols, cols, catchall);
  GET DIAGNOSTICS moved = ROW_COUNT;
  PERFORM set_config('indberet.alle', coalesce(alle, ''), true);
  IF moved > 0 THEN
    RETURN QUERY SELECT name, 'moved', moved;
  END IF;
  EXECUTE format('DROP TABLE %s', catchall);
END
$$;

-- Makes sure parent has a partition for every month that [since, until) touches, splitting a
-- catch-all where a month falls into its range (see the top of this file). Returns the months
-- created ('created') and, per catch-all whose rows were moved into new months or the new
-- catch-all, their number ('moved'). A parent without partitions gets its catch-alls too.
CREATE FUNCTION log_partitions_cover(parent regclass, since timestamptz, until timestamptz)
RETURNS TABLE (log_partition text, change text, records bigint)
LANGUAGE plpgsql
SET timezone = 'UTC' SET datestyle = 'ISO, YMD'
AS $$
DECLARE
  first_month timestamptz := date_trunc('month', since);
  end_month timestamptz := date_trunc('month', until);
  earlier record;
  later record;
BEGIN
  IF end_month < until THEN
    end_month := end_month + interval '1 month';
  END IF;
  IF end_month <= first_month THEN
    RETURN;
  END IF;
  SELECT * INTO earlier FROM log_partition_bounds(parent) b WHERE b.from_at IS NULL;
  SELECT * INTO later FROM log_partition_bounds(parent) b WHERE b.to_at IS NULL;
  IF earlier.part IS NULL AND later.part IS NULL THEN
    PERFORM log_partition_create(parent, NULL, first_month);
    PERFORM log_partition_create(parent, end_month, NULL);
    RETURN QUERY SELECT m, 'created', NULL::bigint FROM log_partition_months(parent, first_month, end_month) m;
    RETURN;
  END IF;
  IF earlier.part IS NULL OR later.part IS NULL THEN
    RAISE EXCEPTION '% lacks a catch-all partition', parent;
  END IF;
  IF first_month < earlier.to_at THEN
    RETURN QUERY SELECT * FROM log_partition_split(parent, earlier.part, first_month, earlier.to_at, NULL, first_month);
  END IF;
  IF end_month > later.from_at THEN
    RETURN QUERY SELECT * FROM log_partition_split(parent, later.part, later.from_at, end_month, end_month, NULL);
  END IF;
END
$$;

-- The daily work of the retention job on one log, as the owner (SECURITY DEFINER): drop the
-- months that ended more than keep_months ago, and with them the earlier catch-all (given
-- back, empty, below the oldest month kept), which also goes by itself once it holds records
-- and its range ended that long ago; and create the months up to ahead_months after this one.
-- Returns each partition dropped with the records it held (counted just before) and what
-- log_partitions_cover returns. keep_months below 12 is refused, whoever asks: the
-- application's role must not be able to empty the logs. Most days there is nothing to do and
-- nothing is locked; otherwise the log is locked exclusively for the DDL (milliseconds),
-- waiting at most lock_timeout for transactions that write to it.
CREATE FUNCTION log_partitions_maintain(log text, keep_months integer, ahead_months integer)
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

-- Rebuilds table t as a table partitioned by month of at (partitioned) or as a plain table,
-- with the primary key pk and everything else it had: columns with their defaults, identity
-- (the sequence's value carries over) and generated expressions, checks, indexes, grants,
-- forced row-level security with its policies, triggers, and its rows. For this migration
-- and its Down.
CREATE FUNCTION log_table_rebuild(t regclass, partitioned boolean, pk text)
RETURNS void
LANGUAGE plpgsql
SET timezone = 'UTC' SET datestyle = 'ISO, YMD'
AS $$
DECLARE
  name text := (SELECT relname FROM pg_class WHERE oid = t);
  seq text;
  indexes text[];
  policies text[];
  triggers text[];
  grants text;
  cols text;
  oldest timestamptz;
  s text;
BEGIN
  IF EXISTS (SELECT FROM pg_attribute WHERE attrelid = t AND attname = 'id' AND attidentity <> '') THEN
    seq := pg_get_serial_sequence(t::text, 'id');
  END IF;
  SELECT array_agg(replace(pg_get_indexdef(indexrelid), ' ON ONLY ', ' ON ')) INTO indexes
  FROM pg_index WHERE indrelid = t AND NOT indisprimary;
  SELECT array_agg(format('CREATE POLICY %I ON %I AS %s FOR %s TO %s', policyname, name, permissive, cmd,
      array_to_string(roles, ', ')) || coalesce(' USING (' || qual || ')', '') || coalesce(' WITH CHECK (' || with_check || ')', ''))
  INTO policies FROM pg_policies WHERE schemaname = 'public' AND tablename = name;
  SELECT array_agg(pg_get_triggerdef(oid)) INTO triggers FROM pg_trigger WHERE tgrelid = t AND NOT tgisinternal;
  SELECT string_agg(privilege_type, ', ') INTO grants
  FROM aclexplode((SELECT relacl FROM pg_class WHERE oid = t)) WHERE grantee = 'indberet_app'::regrole;
  SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
  FROM pg_attribute WHERE attrelid = t AND attnum > 0 AND NOT attisdropped AND attgenerated = '';

  EXECUTE format('ALTER TABLE %s RENAME TO %I', t, name || '_old');
  IF seq IS NOT NULL THEN
    EXECUTE format('ALTER SEQUENCE %s RENAME TO %I', seq, name || '_old_id_seq');
  END IF;
  EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', t);
  EXECUTE format('CREATE TABLE public.%I (LIKE %s INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED INCLUDING CONSTRAINTS)%s',
    name, t, CASE WHEN partitioned THEN ' PARTITION BY RANGE (at)' ELSE '' END);
  IF partitioned THEN
    -- Every month with records, this one and three ahead (the job's worker/retention.go).
    EXECUTE format('SELECT min(at) FROM %s', t) INTO oldest;
    PERFORM log_partitions_cover(name::regclass, least(oldest, now()), date_trunc('month', now()) + interval '4 months');
  END IF;
  EXECUTE format('INSERT INTO public.%I (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s', name, cols, cols, t);
  IF seq IS NOT NULL THEN
    EXECUTE format('SELECT setval(%L, last_value, is_called) FROM public.%I', pg_get_serial_sequence(name, 'id'), name || '_old_id_seq');
  END IF;
  EXECUTE format('DROP TABLE %s', t);
  EXECUTE format('ALTER TABLE public.%I ADD PRIMARY KEY (%s)', name, pk);
  FOREACH s IN ARRAY coalesce(indexes, '{}') LOOP
    EXECUTE s;
  END LOOP;
  EXECUTE format('REVOKE ALL ON public.%I FROM indberet_app', name);
  IF grants IS NOT NULL THEN
    EXECUTE format('GRANT %s ON public.%I TO indberet_app', grants, name);
  END IF;
  EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', name);
  FOREACH s IN ARRAY coalesce(policies, '{}') || coalesce(triggers, '{}') LOOP
    EXECUTE s;
  END LOOP;
  EXECUTE format('ANALYZE public.%I', name);
END
$$;
-- +goose StatementEnd

REVOKE EXECUTE ON FUNCTION log_partition_bounds(regclass), log_partition_create(regclass, timestamptz, timestamptz),
  log_partition_months(regclass, timestamptz, timestamptz),
  log_partition_split(regclass, regclass, timestamptz, timestamptz, timestamptz, timestamptz),
  log_partitions_cover(regclass, timestamptz, timestamptz),
  log_partitions_maintain(text, integer, integer), log_table_rebuild(regclass, boolean, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION log_partitions_maintain(text, integer, integer) TO indberet_app;

-- Nothing writes to the logs meanwhile; the locks in the order the application takes them.
LOCK TABLE audit_log, cpr_access_log, cpr_access_log_nye, cpr_access_log_cprs IN ACCESS EXCLUSIVE MODE;

-- The records waiting for their index rows get them now, as the job would (the delete writes
-- them, 00019), so that the waiting list starts empty with its new column. The owner reads
-- and writes the logs here without the policies (forced again when each table is rebuilt).
ALTER TABLE cpr_access_log NO FORCE ROW LEVEL SECURITY;
ALTER TABLE cpr_access_log_nye NO FORCE ROW LEVEL SECURITY;
ALTER TABLE cpr_access_log_cprs NO FORCE ROW LEVEL SECURITY;
DELETE FROM cpr_access_log_nye;
ALTER TABLE cpr_access_log_nye ADD COLUMN at timestamptz NOT NULL, FORCE ROW LEVEL SECURITY;

-- The waiting list holds a record's at, so that the look-ups of a waiting record read its
-- month only. A record written again (a catch-all's rows moved into a new month) is not
-- listed twice.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION cpr_access_log_index_cprs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(NEW.cprs) > 0 THEN
    INSERT INTO cpr_access_log_nye (kommune_kode, access_id, at) VALUES (NEW.kommune_kode, NEW.id, NEW.at)
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION cpr_access_log_nye_index() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO cpr_access_log_cprs (kommune_kode, cpr, at, access_id)
    SELECT DISTINCT l.kommune_kode, c, l.at, l.id
    FROM gone g JOIN cpr_access_log l ON l.kommune_kode = g.kommune_kode AND l.id = g.access_id AND l.at = g.at,
      unnest(l.cprs) c
    ORDER BY 1, 2, 3, 4
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

SELECT log_table_rebuild('audit_log', true, 'kommune_kode, id, at');
SELECT log_table_rebuild('cpr_access_log', true, 'kommune_kode, id, at');
SELECT log_table_rebuild('cpr_access_log_cprs', true, 'kommune_kode, cpr, at, access_id');

-- +goose Down
LOCK TABLE audit_log, cpr_access_log, cpr_access_log_nye, cpr_access_log_cprs IN ACCESS EXCLUSIVE MODE;

ALTER TABLE cpr_access_log NO FORCE ROW LEVEL SECURITY;
ALTER TABLE cpr_access_log_nye NO FORCE ROW LEVEL SECURITY;
ALTER TABLE cpr_access_log_cprs NO FORCE ROW LEVEL SECURITY;
DELETE FROM cpr_access_log_nye;

SELECT log_table_rebuild('audit_log', false, 'kommune_kode, id');
SELECT log_table_rebuild('cpr_access_log', false, 'kommune_kode, id');
SELECT log_table_rebuild('cpr_access_log_cprs', false, 'kommune_kode, cpr, at, access_id');

-- 00019's functions.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION cpr_access_log_index_cprs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(NEW.cprs) > 0 THEN
    INSERT INTO cpr_access_log_nye (kommune_kode, access_id) VALUES (NEW.kommune_kode, NEW.id);
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION cpr_access_log_nye_index() RETURNS trigger LANGUAGE plpgsql AS $$
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
ALTER TABLE cpr_access_log_nye DROP COLUMN at, FORCE ROW LEVEL SECURITY;

DROP FUNCTION log_table_rebuild(regclass, boolean, text), log_partitions_maintain(text, integer, integer),
  log_partitions_cover(regclass, timestamptz, timestamptz),
  log_partition_split(regclass, regclass, timestamptz, timestamptz, timestamptz, timestamptz),
  log_partition_months(regclass, timestamptz, timestamptz), log_partition_create(regclass, timestamptz, timestamptz),
  log_partition_bounds(regclass);
