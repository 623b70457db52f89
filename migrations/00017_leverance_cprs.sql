-- +goose Up
-- I5: the CPR numbers a leverance's document holds, stored when the delivery writes it (the
-- delivery reads each sag's CPR number anyway), so that a download's CPR access record is
-- one read of this column instead of unzipping and scanning the document, hundreds of MB of
-- XML for København's first delivery.
ALTER TABLE leverancer ADD COLUMN cprs text[] NOT NULL DEFAULT '{}';

-- The leverancer that exist, one kommune at a time under its own setting (the policies bind
-- the owner too): from a document stored whole (before 00016) its <CPR> elements; from one
-- in gzip parts (which SQL cannot read) the sager it marked delivered, which are its sager
-- unless a later leverance delivered them again.
-- +goose StatementBegin
DO $$
DECLARE
  k text;
BEGIN
  FOR k IN SELECT kommune_kode FROM kommuner LOOP
    PERFORM set_config('indberet.kommune', k, true);
    UPDATE leverancer l SET cprs = CASE
      WHEN l.document IS NOT NULL THEN ARRAY(
        SELECT DISTINCT m[1] FROM regexp_matches(convert_from(l.document, 'UTF8'), '<CPR>([0-9]{10})</CPR>', 'g') m)
      ELSE ARRAY(
        SELECT s.cpr FROM sager s WHERE s.kommune_kode = l.kommune_kode AND s.indberettet_leverance_id = l.id)
      END
    WHERE l.kommune_kode = k;
  END LOOP;
  PERFORM set_config('indberet.kommune', '', true);
END
$$;
-- +goose StatementEnd

-- +goose Down
ALTER TABLE leverancer DROP COLUMN cprs;
