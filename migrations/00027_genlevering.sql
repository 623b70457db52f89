-- +goose Up
-- I8: *Genlevering*. DST may deliver a kommune's latest periode again, giving a reason: the
-- new document replaces the old one for that periode as version 2, 3, …, and every version
-- stays (history: the application may still only add leverancer, 00005). The unique key
-- moves from (kommune, periode) to (kommune, periode, version), so a version is made once
-- for ever, whatever the job queue does (a worker killed mid-genlevering and retried finds
-- its version there, or makes it in one transaction).
--
-- The current version of a kommune's periode is derived, not a flag: the highest version
-- (the unique key's index finds it). A flag would need an UPDATE of the old row in the
-- genlevering's transaction, and leverancer are never updated.
ALTER TABLE leverancer
  ADD COLUMN version            integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  ADD COLUMN genlevering_aarsag text    NOT NULL DEFAULT '',
  -- version 1 is the ordinary delivery and has no reason; every later one has one.
  ADD CONSTRAINT leverancer_genlevering_aarsag_check CHECK ((version = 1) = (genlevering_aarsag = ''));
ALTER TABLE leverancer
  DROP CONSTRAINT leverancer_periode_key,
  ADD CONSTRAINT leverancer_periode_version_key UNIQUE (kommune_kode, periode, version);

-- The reporting type of the ydelse's last delivered record (Ny, Ændring, Annullering).
-- A genlevering replaces the latest periode's document, so a ydelse that was new in that
-- periode is new again in the next version (DST never had it before the periode), one
-- that DST had before is an Ændring. NULL for records delivered before 00027: a genlevering
-- treats them as had before (Ændring); see worker/DELIVERY.md.
ALTER TABLE ydelser ADD COLUMN indberettet_type text
  CHECK (indberettet_type IN ('Ny', 'Ændring', 'Annullering'));

-- +goose Down
-- Refused while any kommune has a genlevering: going back to one leverance per periode
-- would have to delete delivered documents (history, I5: both stay downloadable) that
-- sager and ydelser point to. The owner is bound by the policies (FORCE), so the check
-- lifts them for this transaction's statement only.
ALTER TABLE leverancer NO FORCE ROW LEVEL SECURITY;
-- +goose StatementBegin
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM leverancer WHERE version > 1) THEN
    RAISE EXCEPTION '00027 down: there are genleveringer (leverancer with version > 1); they are history and are not deleted';
  END IF;
END
$$;
-- +goose StatementEnd
ALTER TABLE leverancer FORCE ROW LEVEL SECURITY;
ALTER TABLE ydelser DROP COLUMN indberettet_type;
ALTER TABLE leverancer
  DROP CONSTRAINT leverancer_periode_version_key,
  ADD CONSTRAINT leverancer_periode_key UNIQUE (kommune_kode, periode),
  DROP CONSTRAINT leverancer_genlevering_aarsag_check,
  DROP COLUMN genlevering_aarsag,
  DROP COLUMN version;
