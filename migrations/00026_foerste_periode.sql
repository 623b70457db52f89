-- +goose Up
-- I7: a kommune's periodes are delivered in order, each once. Its next periode is the month
-- after its latest delivered one (max(leverancer.periode)) or, while it has delivered none,
-- its first periode: the month before it was activated, unless the platform administrator
-- set another when activating it. Activating a kommune that has delivered nothing sets it
-- again (tenant.Tx.AktiverKommune); the default is the month before the row is made.
ALTER TABLE kommuner ADD COLUMN foerste_periode text
  CHECK (foerste_periode ~ '^[0-9]{4}M(0[1-9]|1[0-2])$');

-- The kommuner that exist keep today's state valid: a kommune that has delivered starts at
-- its earliest delivered periode (its next is the month after its latest, as before); one
-- that has not at the month before now (when it was activated is not stored). Read one
-- kommune at a time under its own setting: the policies of leverancer bind the owner too.
-- +goose StatementBegin
DO $$
DECLARE
  k text;
BEGIN
  FOR k IN SELECT kommune_kode FROM kommuner LOOP
    PERFORM set_config('indberet.kommune', k, true);
    UPDATE kommuner SET foerste_periode = coalesce(
      (SELECT min(l.periode) FROM leverancer l WHERE l.kommune_kode = k),
      to_char(date_trunc('month', now() AT TIME ZONE 'Europe/Copenhagen') - interval '1 month', 'YYYY"M"MM'))
    WHERE kommune_kode = k;
  END LOOP;
  PERFORM set_config('indberet.kommune', '', true);
END
$$;
-- +goose StatementEnd

ALTER TABLE kommuner
  ALTER COLUMN foerste_periode SET DEFAULT
    to_char(date_trunc('month', now() AT TIME ZONE 'Europe/Copenhagen') - interval '1 month', 'YYYY"M"MM'),
  ALTER COLUMN foerste_periode SET NOT NULL;

-- +goose Down
ALTER TABLE kommuner DROP COLUMN foerste_periode;
