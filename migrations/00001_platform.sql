-- +goose Up
-- Platform tables: kommuner, code lists, users, sessions, login throttling, Casbin rules.
-- None of these holds one kommune's case data, so none has row-level security; the
-- kommune data tables are in 00002_kommune_data.sql.

-- The application's runtime role. The app connects with DATABASE_URL (the owner of the
-- tables, who runs migrations) and switches to this role on every pooled connection, so
-- row-level security applies to everything it does. It is not the owner, not a superuser
-- and has no BYPASSRLS.
-- +goose StatementBegin
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'indberet_app') THEN
    CREATE ROLE indberet_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- roles are per cluster: another database's migration created it just now
END
$$;
-- +goose StatementEnd
GRANT indberet_app TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO indberet_app;
-- Everything the owner creates from here on (River's tables too) is usable by the app role;
-- append-only tables revoke UPDATE and DELETE explicitly.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO indberet_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO indberet_app;

-- The 98 municipalities (CODES.md: kommuner.csv). Reference data, readable by everyone.
CREATE TABLE kommuner (
  kommune_kode text PRIMARY KEY CHECK (kommune_kode ~ '^[0-9]{3}$'),
  navn         text NOT NULL,
  -- T3: a platform administrator activates a kommune before its users can work.
  aktiv        boolean NOT NULL DEFAULT false,
  demo         boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Code lists (CODES.md). Data, not code: DST staff change them without a release, so every
-- row has validity dates and keeps its evidence and source.
CREATE TABLE indsatskoder (
  code                 text PRIMARY KEY,
  name_da              text NOT NULL,
  paragraph            text NOT NULL,
  ffb                  boolean NOT NULL,          -- Y4
  requires_tilbudssted text NOT NULL CHECK (requires_tilbudssted IN ('yes', 'no', 'if_in_107_botilbud')), -- Y5
  residential          boolean NOT NULL,          -- Y6
  varighed_default     text NOT NULL CHECK (varighed_default IN ('periode', 'styk')),
  valid_from           date NOT NULL DEFAULT '2013-07-01',
  valid_to             date,
  evidence             text NOT NULL DEFAULT '',
  source               text NOT NULL DEFAULT '',
  CHECK (valid_to IS NULL OR valid_to >= valid_from)
);

CREATE TABLE maalgrupper (
  scheme          text NOT NULL CHECK (scheme IN ('old_2013', 'old_2018', 'ffb')),
  code            text NOT NULL,
  name_da         text NOT NULL,
  parent_code     text,
  primary_allowed boolean NOT NULL,
  valid_from      date,
  valid_to        date,
  evidence        text NOT NULL DEFAULT '',
  source          text NOT NULL DEFAULT '',
  PRIMARY KEY (scheme, code),
  CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from)
);

CREATE TABLE tilbudstyper (
  scheme      text NOT NULL,
  code        text NOT NULL,
  name_da     text NOT NULL,
  parent_path text NOT NULL DEFAULT '',
  leaf        boolean,
  valid_from  date,
  valid_to    date,
  in_nexus_dst_offer_list text NOT NULL DEFAULT '',
  status      text NOT NULL DEFAULT '',
  source      text NOT NULL DEFAULT '',
  PRIMARY KEY (scheme, code)
);

CREATE TABLE ffb_ydelser (
  uuid        uuid PRIMARY KEY,
  name_da     text NOT NULL,
  parent_path text NOT NULL DEFAULT '',
  leaf        boolean NOT NULL,
  valid_from  date,
  valid_to    date,
  status      text NOT NULL DEFAULT '',
  source      text NOT NULL DEFAULT ''
);

-- Accounts. Identity is platform-wide: a login looks a user up by e-mail before any kommune
-- is known, and DST and platform users belong to no kommune. Only tenant/accounts reads it.
CREATE TABLE users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email         text NOT NULL CHECK (email = lower(email) AND email <> ''),
  name          text NOT NULL,
  kommune_kode  text REFERENCES kommuner (kommune_kode), -- NULL for DST and platform users
  password_hash text NOT NULL,
  active        boolean NOT NULL DEFAULT true,
  demo          boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_kommune_idx ON users (kommune_kode);

-- Server-side sessions (gorilla/sessions store in tenant/websession). The cookie carries a
-- signed random id; only its SHA-256 is stored, so a database read does not yield cookies.
CREATE TABLE sessions (
  id_hash      bytea PRIMARY KEY,
  user_id      bigint REFERENCES users (id) ON DELETE CASCADE, -- NULL before login
  data         jsonb NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  ip           text NOT NULL DEFAULT '',
  user_agent   text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Failed logins per account ('email:…') and per address ('ip:…'), for throttling.
CREATE TABLE login_throttle (
  key              text PRIMARY KEY,
  failures         integer NOT NULL DEFAULT 0,
  first_failure_at timestamptz NOT NULL DEFAULT now(),
  last_failure_at  timestamptz NOT NULL DEFAULT now(),
  locked_until     timestamptz
);

-- Casbin policies, in the schema of github.com/pckhoi/casbin-pgx-adapter (which loads them).
CREATE TABLE casbin_rule (
  id     text PRIMARY KEY,
  p_type text,
  v0 text, v1 text, v2 text, v3 text, v4 text, v5 text
);
CREATE INDEX casbin_rule_subject_idx ON casbin_rule (p_type, v0);

-- Every change to casbin_rule bumps this number; each app instance compares it on every
-- request and reloads its policies when it moved, so a revoked right takes effect at once
-- on every instance.
CREATE TABLE authz_version (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version   bigint NOT NULL
);
INSERT INTO authz_version (version) VALUES (1);

-- +goose StatementBegin
CREATE FUNCTION bump_authz_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE authz_version SET version = version + 1;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER casbin_rule_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON casbin_rule
  FOR EACH STATEMENT EXECUTE FUNCTION bump_authz_version();

-- +goose Down
DROP TABLE authz_version, casbin_rule, login_throttle, sessions, users, ffb_ydelser,
  tilbudstyper, maalgrupper, indsatskoder, kommuner;
DROP FUNCTION bump_authz_version();
