-- +goose Up
-- The outbox (*Udbakke*): every e-mail the system sends, recorded before it is sent and kept
-- after, so that no e-mail is lost and each one can be shown as sent (I3, K3: the receipt of
-- a leverance to the kommune's Kvitteringsmodtager). The receipt job writes the row first,
-- then sends and marks it sendt in the transaction that completes its job; without SMTP_URL
-- it is marked gemt_lokalt and only shown. One receipt per leverance.
CREATE TABLE outbox (
  kommune_kode text NOT NULL REFERENCES kommuner (kommune_kode),
  id           bigint GENERATED ALWAYS AS IDENTITY,
  kind         text NOT NULL DEFAULT 'kvittering' CHECK (kind IN ('kvittering')),
  leverance_id bigint,
  to_name      text NOT NULL DEFAULT '',
  to_address   text NOT NULL DEFAULT '',  -- '' when the kommune has no Kvitteringsmodtager (fejlet)
  from_address text NOT NULL,
  subject      text NOT NULL,
  body_text    text NOT NULL,
  body_html    text NOT NULL,
  message_id   text NOT NULL,             -- the Message-ID header, the same on every attempt
  status       text NOT NULL DEFAULT 'afventer'
               CHECK (status IN ('afventer', 'sendt', 'fejlet', 'gemt_lokalt')),
  attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error   text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  sent_at      timestamptz,
  PRIMARY KEY (kommune_kode, id),
  FOREIGN KEY (kommune_kode, leverance_id) REFERENCES leverancer (kommune_kode, id),
  CONSTRAINT outbox_leverance_key UNIQUE (kommune_kode, kind, leverance_id),
  CHECK ((status = 'sendt') = (sent_at IS NOT NULL))
);
-- The Udbakke lists newest first: a kommune's (kommuneadmin) and every kommune's (DST).
CREATE INDEX outbox_kommune_id_idx ON outbox (kommune_kode, id DESC);
CREATE INDEX outbox_id_idx ON outbox (id DESC);

-- A recorded e-mail is history: its content never changes and it is never deleted by the
-- application. The job changes only its state.
REVOKE DELETE, TRUNCATE ON outbox FROM indberet_app;
REVOKE UPDATE ON outbox FROM indberet_app;
GRANT UPDATE (status, attempts, last_error, updated_at, sent_at) ON outbox TO indberet_app;

-- Row-level security exactly as 00002 gives every kommune table. The receipt job writes in
-- the scope of the leverance's kommune.
ALTER TABLE outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox FORCE ROW LEVEL SECURITY;
-- T1: a kommune's own rows, for every command.
CREATE POLICY outbox_kommune ON outbox
  USING (kommune_kode = current_setting('indberet.kommune', true))
  WITH CHECK (kommune_kode = current_setting('indberet.kommune', true));
-- T3: DST and platform administrators read every kommune; this policy grants SELECT only.
CREATE POLICY outbox_alle_read ON outbox FOR SELECT
  USING (current_setting('indberet.alle', true) = 'read');

-- +goose Down
DROP TABLE outbox;
