-- +goose Up
-- I1–I6: the deliveries (*indberetninger*) to DST. One leverance per kommune and periode: the
-- XML document exactly as delivered (I5: the kommune can download it), its checksum and the
-- counts the receipt reports (I3). The unique key makes a delivery run idempotent in the
-- database (I2: all-or-nothing per kommune, never the same periode twice), whatever the job
-- queue does.
CREATE TABLE leverancer (
  kommune_kode         text NOT NULL REFERENCES kommuner (kommune_kode),
  id                   bigint GENERATED ALWAYS AS IDENTITY,
  periode              text NOT NULL CHECK (periode ~ '^[0-9]{4}M(0[1-9]|1[0-2])$'), -- DST's Period, e.g. 2026M11
  created_at           timestamptz NOT NULL DEFAULT now(),
  created_by           text NOT NULL DEFAULT '',        -- the actor, e.g. system:levering
  -- The document itself. It is written once and read rarely; TOAST compresses it. A first
  -- delivery of a large kommune is the largest value (tens of MB), well below bytea's 1 GB.
  document             bytea NOT NULL,
  sha256               text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'), -- of document, hex
  byte_size            bigint NOT NULL CHECK (byte_size = octet_length(document)),
  antal_sager          integer NOT NULL CHECK (antal_sager >= 0),
  antal_ydelser        integer NOT NULL CHECK (antal_ydelser >= 0),
  antal_nye            integer NOT NULL CHECK (antal_nye >= 0),
  antal_aendrede       integer NOT NULL CHECK (antal_aendrede >= 0),
  antal_afsluttede     integer NOT NULL CHECK (antal_afsluttede >= 0),
  antal_neutraliserede integer NOT NULL CHECK (antal_neutraliserede >= 0),
  PRIMARY KEY (kommune_kode, id),
  CONSTRAINT leverancer_periode_key UNIQUE (kommune_kode, periode),
  CHECK (antal_nye + antal_aendrede + antal_neutraliserede = antal_ydelser)
);

-- What was delivered last, per row (I2): which leverance, the row's version then, and for a
-- ydelse the SHA-256 of the record's content, so the next run delivers only what changed
-- (never the same state twice). indberettet_at (00002) is the time of that leverance. For a
-- sag also whether it was afsluttet (S6) then, for the count of sager closed since.
ALTER TABLE sager
  ADD COLUMN indberettet_version      integer,
  ADD COLUMN indberettet_leverance_id bigint,
  ADD COLUMN indberettet_afsluttet    boolean,
  ADD CONSTRAINT sager_indberettet_leverance_fkey FOREIGN KEY (kommune_kode, indberettet_leverance_id)
    REFERENCES leverancer (kommune_kode, id);
ALTER TABLE ydelser
  ADD COLUMN indberettet_version      integer,
  ADD COLUMN indberettet_leverance_id bigint,
  ADD COLUMN indberettet_sha256       bytea,
  ADD CONSTRAINT ydelser_indberettet_leverance_fkey FOREIGN KEY (kommune_kode, indberettet_leverance_id)
    REFERENCES leverancer (kommune_kode, id);

-- A delivered document is history: the application may add leverancer, never change them.
REVOKE UPDATE, DELETE, TRUNCATE ON leverancer FROM indberet_app;

-- Row-level security exactly as 00002 gives every kommune table. DST's delivery job writes
-- in the scope of the kommune it delivers.
-- +goose StatementBegin
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['leverancer']
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
ALTER TABLE ydelser DROP CONSTRAINT ydelser_indberettet_leverance_fkey,
  DROP COLUMN indberettet_version, DROP COLUMN indberettet_leverance_id, DROP COLUMN indberettet_sha256;
ALTER TABLE sager DROP CONSTRAINT sager_indberettet_leverance_fkey,
  DROP COLUMN indberettet_version, DROP COLUMN indberettet_leverance_id, DROP COLUMN indberettet_afsluttet;
DROP TABLE leverancer;
