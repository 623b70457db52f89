-- +goose Up
-- The kommune data tables. Each has kommune_kode as the first column of its primary key and
-- of every foreign key to another kommune table (so the schema can later be distributed by
-- kommune), and row-level security keyed on two transaction-local settings that
-- tenant.DB.InScope sets from the logged-in user (T1, T3):
--   indberet.kommune  the kommunekode the transaction works in ('' or unset: none)
--   indberet.alle     'read' when the actor is DST or a platform administrator
-- A connection with neither set sees no rows. DST's read-all access is the explicit
-- *_alle_read policy on each table, not a bypass. FORCE makes the policies apply to the
-- tables' owner too.

-- K1: the three contact persons of a kommune.
CREATE TABLE kontaktpersoner (
  kommune_kode text NOT NULL REFERENCES kommuner (kommune_kode),
  rolle        text NOT NULL CHECK (rolle IN ('faglig', 'teknisk', 'kvittering')),
  navn         text NOT NULL CHECK (navn <> ''),
  telefon      text NOT NULL CHECK (telefon <> ''),
  email        text NOT NULL CHECK (email <> ''),
  version      integer NOT NULL DEFAULT 1,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  updated_by   bigint,
  PRIMARY KEY (kommune_kode, rolle)
);

-- S1–S9: one sag per citizen per kommune.
CREATE TABLE sager (
  kommune_kode       text NOT NULL REFERENCES kommuner (kommune_kode),
  id                 bigint GENERATED ALWAYS AS IDENTITY,
  -- S5, stored without the dash; collation C so the unique index also serves CPR prefix
  -- search (S8: cpr LIKE '123%').
  cpr                text COLLATE "C" NOT NULL CHECK (cpr ~ '^[0-9]{10}$'),
  navn               text NOT NULL DEFAULT '',                              -- S3
  funktionsvurdering text CHECK (funktionsvurdering IN ('A', 'B', 'C', 'D', 'E')), -- S3
  bemaerkninger      text NOT NULL DEFAULT '',                              -- S3
  kilde              text NOT NULL DEFAULT 'egne' CHECK (kilde IN ('egne', 'system')), -- S9
  version            integer NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now(),
  created_by         bigint,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  updated_by         bigint,
  indberettet_at     timestamptz,                                           -- I2
  PRIMARY KEY (kommune_kode, id),
  CONSTRAINT sager_cpr_key UNIQUE (kommune_kode, cpr)                       -- S1
);

-- Y1–Y8: the ydelser of a sag.
CREATE TABLE ydelser (
  kommune_kode       text NOT NULL,
  id                 bigint GENERATED ALWAYS AS IDENTITY,
  sag_id             bigint NOT NULL,
  indsatskode        text NOT NULL REFERENCES indsatskoder (code),            -- Y1, Y7
  varighed           text NOT NULL DEFAULT 'periode' CHECK (varighed IN ('periode', 'styk')),
  bevillingsdato     date,
  startdato          date NOT NULL,                                          -- Y2
  forventet_slutdato date,
  slutdato           date,
  betalingskommune   text NOT NULL REFERENCES kommuner (kommune_kode),
  tilbudstype_scheme text,
  tilbudstype        text,
  p_nummer           text CHECK (p_nummer ~ '^[0-9]{10}$'),                 -- Y5
  afdelings_uuid     uuid,
  tilbuds_uuid       uuid,                                                   -- Y4
  ydelses_uuid       uuid,                                                   -- Y4
  i_107_botilbud     boolean,                                                -- Y5 (§85a)
  tilbud_navn        text NOT NULL DEFAULT '',                               -- Y5, 2013 rules
  tilbud_adresse     text NOT NULL DEFAULT '',
  tilbud_postnr      text NOT NULL DEFAULT '',
  version            integer NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now(),
  created_by         bigint,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  updated_by         bigint,
  indberettet_at     timestamptz,                                            -- I2
  PRIMARY KEY (kommune_kode, id),
  FOREIGN KEY (kommune_kode, sag_id) REFERENCES sager (kommune_kode, id) ON DELETE CASCADE,
  FOREIGN KEY (tilbudstype_scheme, tilbudstype) REFERENCES tilbudstyper (scheme, code),
  CHECK (slutdato IS NULL OR slutdato >= startdato),                         -- Y2
  CHECK (forventet_slutdato IS NULL OR forventet_slutdato >= startdato)      -- Y2
);
CREATE INDEX ydelser_sag_idx ON ydelser (kommune_kode, sag_id);

-- Y3: the målgrupper of a ydelse, exactly one primary.
CREATE TABLE ydelse_maalgrupper (
  kommune_kode text NOT NULL,
  ydelse_id    bigint NOT NULL,
  scheme       text NOT NULL,
  code         text NOT NULL,
  primaer      boolean NOT NULL,
  PRIMARY KEY (kommune_kode, ydelse_id, scheme, code),
  FOREIGN KEY (kommune_kode, ydelse_id) REFERENCES ydelser (kommune_kode, id) ON DELETE CASCADE,
  FOREIGN KEY (scheme, code) REFERENCES maalgrupper (scheme, code)
);
CREATE UNIQUE INDEX ydelse_maalgrupper_one_primary ON ydelse_maalgrupper (kommune_kode, ydelse_id) WHERE primaer;

-- Who changed what, when and from where. Append-only for the application.
-- kommune_kode '000' holds platform-wide events (a DST user created, a code list changed).
CREATE TABLE audit_log (
  kommune_kode text NOT NULL CHECK (kommune_kode ~ '^[0-9]{3}$'),
  id           bigint GENERATED ALWAYS AS IDENTITY,
  at           timestamptz NOT NULL DEFAULT now(),
  user_id      bigint,
  user_email   text NOT NULL DEFAULT '',
  ip           text NOT NULL DEFAULT '',
  action       text NOT NULL,
  entity       text NOT NULL DEFAULT '',
  entity_id    text NOT NULL DEFAULT '',
  before       jsonb,
  after        jsonb,
  PRIMARY KEY (kommune_kode, id)
);
CREATE INDEX audit_log_at_idx ON audit_log (kommune_kode, at);

-- Who saw or exported which CPR numbers. Append-only for the application.
CREATE TABLE cpr_access_log (
  kommune_kode text NOT NULL CHECK (kommune_kode ~ '^[0-9]{3}$'),
  id           bigint GENERATED ALWAYS AS IDENTITY,
  at           timestamptz NOT NULL DEFAULT now(),
  user_id      bigint,
  user_email   text NOT NULL DEFAULT '',
  ip           text NOT NULL DEFAULT '',
  action       text NOT NULL,            -- list, search, view, export, download
  cprs         text[] NOT NULL DEFAULT '{}',
  detail       text NOT NULL DEFAULT '',
  PRIMARY KEY (kommune_kode, id)
);
CREATE INDEX cpr_access_log_at_idx ON cpr_access_log (kommune_kode, at);
CREATE INDEX cpr_access_log_cprs_idx ON cpr_access_log USING gin (cprs);

REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, cpr_access_log FROM indberet_app;

-- Row-level security on every kommune table, the same three policies each.
-- +goose StatementBegin
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['kontaktpersoner', 'sager', 'ydelser', 'ydelse_maalgrupper', 'audit_log', 'cpr_access_log']
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

-- DST and platform administrators write log records about any kommune (and '000').
CREATE POLICY audit_log_alle_insert ON audit_log FOR INSERT
  WITH CHECK (current_setting('indberet.alle', true) = 'read');
CREATE POLICY cpr_access_log_alle_insert ON cpr_access_log FOR INSERT
  WITH CHECK (current_setting('indberet.alle', true) = 'read');

-- +goose Down
DROP TABLE cpr_access_log, audit_log, ydelse_maalgrupper, ydelser, sager, kontaktpersoner;
