-- +goose Up
-- Failed logins counted per account and client address together (issue 14 #5), replacing
-- login_throttle's locks of a whole account ('email:…') and of a whole address ('ip:…'):
-- five wrong passwords from anywhere locked an account for its owner too, and thirty from one
-- address locked everyone behind it (a town hall's NAT, or every client when the app saw only
-- its proxy's address). Only a pair (account, address) is ever refused now; the account's
-- and the address's own rows only slow down wrong answers. The rules are
-- tenant/accounts/throttle.go.
--
-- A table of its own rather than a change of login_throttle: the release runs migrations
-- (fly.toml's release_command) while the previous version still serves, and that version
-- reads and writes login_throttle by its key. It stays, unread by this version, until a
-- later migration drops it.
--
-- Platform-wide like users and sessions (a login is counted before any kommune is known), so
-- no row-level security; the app role has its rights from 00001's default privileges.
CREATE TABLE login_failures (
  account         text NOT NULL, -- the e-mail as typed, normalized; empty in an address's row
  address         text NOT NULL, -- the client address; empty in an account's row
  failures        integer NOT NULL CHECK (failures >= 0),
  last_failure_at timestamptz NOT NULL,
  locked_until    timestamptz,   -- a pair's lock
  PRIMARY KEY (account, address),
  CHECK (account <> '' OR address <> ''),
  CHECK (locked_until IS NULL OR (account <> '' AND address <> ''))
);
-- The cleanup job's purge of forgotten counters.
CREATE INDEX login_failures_last_idx ON login_failures (last_failure_at);

-- +goose Down
DROP TABLE login_failures;
