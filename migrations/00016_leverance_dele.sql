-- +goose Up
-- I5: a delivery's document is written streaming (worker/delivery.go): gzip-compressed (XML
-- shrinks about tenfold) in parts of 1 MiB, each stored as it is full, so the job's memory is
-- one part, not the document (København's first delivery at make bench's scale 25 is some
-- hundred MB of XML). The download streams the parts back, compressed as they are when the
-- browser takes gzip. Leverancer written before keep their document in leverancer.document.
CREATE TABLE leverance_dele (
  kommune_kode  text NOT NULL,
  leverance_id  bigint NOT NULL,
  nr            integer NOT NULL CHECK (nr >= 0),       -- 0, 1, 2 … in document order
  data          bytea NOT NULL,                         -- a part of the gzip stream of the document
  PRIMARY KEY (kommune_kode, leverance_id, nr),
  -- The parts are written before their leverance row, whose checksum and counts are known
  -- only at the document's end: checked at commit.
  FOREIGN KEY (kommune_kode, leverance_id) REFERENCES leverancer (kommune_kode, id) DEFERRABLE INITIALLY DEFERRED
);
-- Compressed already: no TOAST compression attempt.
ALTER TABLE leverance_dele ALTER COLUMN data SET STORAGE EXTERNAL;
-- History, as leverancer: added, never changed.
REVOKE UPDATE, DELETE, TRUNCATE ON leverance_dele FROM indberet_app;

ALTER TABLE leverance_dele ENABLE ROW LEVEL SECURITY;
ALTER TABLE leverance_dele FORCE ROW LEVEL SECURITY;
CREATE POLICY leverance_dele_kommune ON leverance_dele
  USING (kommune_kode = current_setting('indberet.kommune', true))
  WITH CHECK (kommune_kode = current_setting('indberet.kommune', true));
CREATE POLICY leverance_dele_alle_read ON leverance_dele FOR SELECT
  USING (current_setting('indberet.alle', true) = 'read');

-- A leverance has its document in leverancer.document (before 00016) or in parts.
ALTER TABLE leverancer ALTER COLUMN document DROP NOT NULL;
ALTER TABLE leverancer DROP CONSTRAINT leverancer_check;
ALTER TABLE leverancer ADD CONSTRAINT leverancer_byte_size_check CHECK (document IS NULL OR byte_size = octet_length(document));
ALTER TABLE leverancer ADD COLUMN gzip_size bigint CHECK ((document IS NULL) = (gzip_size IS NOT NULL)); -- of the parts together

-- +goose Down
DROP TABLE leverance_dele;
ALTER TABLE leverancer DROP COLUMN gzip_size;
ALTER TABLE leverancer DROP CONSTRAINT leverancer_byte_size_check;
ALTER TABLE leverancer ADD CONSTRAINT leverancer_check CHECK (byte_size = octet_length(document));
ALTER TABLE leverancer ALTER COLUMN document SET NOT NULL;
