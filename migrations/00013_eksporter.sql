-- +goose Up
-- E1–E2: exports (*Eksporter poster*) made by a background job and downloaded later. One row
-- per ordered export with its status and progress (listmonk's import model: state, progress,
-- log); the file itself in eksport_dele as numbered parts.
--
-- Why parts of bytea rather than one bytea or a large object: the job writes the file as it
-- streams the rows, so no more than one part (256 KB) is ever in memory, whatever the size of
-- the kommune; a single bytea would have to be built whole first (or rewritten on every
-- append). Large objects would stream too, but pg_largeobject has no row-level security (any
-- app connection could read any export by its oid) and outlives the row unless unlinked. The
-- parts are ordinary kommune rows: forced RLS like every kommune table (T1), deleted with
-- their export (ON DELETE CASCADE), and written in the job's transaction, so a worker killed
-- mid-export leaves no part behind and no half file marked done.
CREATE TABLE eksporter (
  kommune_kode     text NOT NULL REFERENCES kommuner (kommune_kode),
  id               bigint GENERATED ALWAYS AS IDENTITY,
  art              text NOT NULL CHECK (art IN ('liste', 'tabel3', 'fejl')),  -- E1, E2
  format           text NOT NULL CHECK (format IN ('csv', 'xlsx')),
  -- The list, view, filter and sag of the export (S8, S9), never a CPR number or a prefix
  -- of one: {"liste": "egne", "visning": "kun-sager", "filter": "alle", "sag": 0}.
  parametre        jsonb NOT NULL,
  bestilt_af       bigint,                                   -- the user; NULL for the system
  bestilt_af_email text NOT NULL DEFAULT '',
  bestilt_at       timestamptz NOT NULL DEFAULT now(),
  status           text NOT NULL DEFAULT 'i-koe' CHECK (status IN ('i-koe', 'i-gang', 'faerdig', 'fejlet')),
  sager_gennemgaaet integer NOT NULL DEFAULT 0 CHECK (sager_gennemgaaet >= 0), -- progress: sager read so far
  sager_i_alt      integer NOT NULL DEFAULT 0 CHECK (sager_i_alt >= 0),        -- of this many
  antal_raekker    integer NOT NULL DEFAULT 0 CHECK (antal_raekker >= 0),      -- rows in the file
  -- The distinct CPR numbers in the file, for the CPR access record of each download.
  cprs             text[] NOT NULL DEFAULT '{}',
  byte_size        bigint NOT NULL DEFAULT 0 CHECK (byte_size >= 0),
  startet_at       timestamptz,
  faerdig_at       timestamptz,
  udloeber_at      timestamptz NOT NULL DEFAULT now() + interval '14 days',
  fejl             text NOT NULL DEFAULT '',
  PRIMARY KEY (kommune_kode, id),
  CHECK (status <> 'faerdig' OR faerdig_at IS NOT NULL)
);
CREATE INDEX eksporter_bestilt_idx ON eksporter (kommune_kode, bestilt_at DESC);
CREATE INDEX eksporter_udloeber_idx ON eksporter (udloeber_at);

CREATE TABLE eksport_dele (
  kommune_kode text NOT NULL,
  eksport_id   bigint NOT NULL,
  nr           integer NOT NULL CHECK (nr >= 0),
  data         bytea NOT NULL,
  PRIMARY KEY (kommune_kode, eksport_id, nr),
  FOREIGN KEY (kommune_kode, eksport_id) REFERENCES eksporter (kommune_kode, id) ON DELETE CASCADE
);
-- Row-level security exactly as 00002 gives every kommune table.
-- +goose StatementBegin
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['eksporter', 'eksport_dele']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    -- T1: a kommune's own rows, for every command.
    EXECUTE format($p$CREATE POLICY %I ON %I
      USING (kommune_kode = current_setting('indberet.kommune', true))
      WITH CHECK (kommune_kode = current_setting('indberet.kommune', true))$p$, t || '_kommune', t);
    -- T3: DST and platform administrators read every kommune; this policy grants SELECT only.
    EXECUTE format($p$CREATE POLICY %I ON %I FOR SELECT
      USING (current_setting('indberet.alle', true) = 'read')$p$, t || '_alle_read', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE eksport_dele, eksporter;
