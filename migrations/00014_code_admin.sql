-- +goose Up
-- DST's management of the code lists (DOMAIN.md "Code lists", T3): a code DST adds on the
-- code-list screens records when and by whom. Only such a code may be deleted, and only
-- while no ydelse uses it (a code added by mistake). The rows of the specification's CSV
-- files (added_at NULL) are retired from a date instead: codes.Load adds a missing file row
-- again at the next `indberet migrate`, so deleting one would not last.
ALTER TABLE indsatskoder ADD COLUMN added_at timestamptz, ADD COLUMN added_by text;
ALTER TABLE maalgrupper  ADD COLUMN added_at timestamptz, ADD COLUMN added_by text;
ALTER TABLE tilbudstyper ADD COLUMN added_at timestamptz, ADD COLUMN added_by text;
ALTER TABLE ffb_ydelser  ADD COLUMN added_at timestamptz, ADD COLUMN added_by text;

-- The same check the other lists have: a code cannot stop before it starts.
ALTER TABLE tilbudstyper ADD CONSTRAINT tilbudstyper_valid_check
  CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from);
ALTER TABLE ffb_ydelser ADD CONSTRAINT ffb_ydelser_valid_check
  CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from);

-- +goose Down
ALTER TABLE ffb_ydelser DROP CONSTRAINT ffb_ydelser_valid_check;
ALTER TABLE tilbudstyper DROP CONSTRAINT tilbudstyper_valid_check;
ALTER TABLE ffb_ydelser  DROP COLUMN added_at, DROP COLUMN added_by;
ALTER TABLE tilbudstyper DROP COLUMN added_at, DROP COLUMN added_by;
ALTER TABLE maalgrupper  DROP COLUMN added_at, DROP COLUMN added_by;
ALTER TABLE indsatskoder DROP COLUMN added_at, DROP COLUMN added_by;
