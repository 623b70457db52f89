-- +goose Up
-- All (read only) shows what was delivered (S9, issue 17 #9), not a user's later edits that
-- no delivery has carried yet. A delivered ydelse keeps the values of its delivered version
-- that the list shows besides its indsatskode, which never changes (Y7): the delivery writes
-- them as it marks the ydelse delivered (MarkIndberettet). NULL for a ydelse delivered before
-- this migration, whose delivered values are not known: the list then shows its values now,
-- as it did, until its next delivery writes them.
ALTER TABLE ydelser
  ADD COLUMN indberettet_startdato date,
  ADD COLUMN indberettet_slutdato date,
  ADD COLUMN indberettet_betalingskommune text;

-- +goose Down
ALTER TABLE ydelser
  DROP COLUMN indberettet_betalingskommune,
  DROP COLUMN indberettet_slutdato,
  DROP COLUMN indberettet_startdato;
