-- +goose Up
-- I10: a receipt that could not be sent (fejlet: a rejected address, no Kvitteringsmodtager,
-- the last attempt failed) or was only recorded (gemt_lokalt: no mail server, e.g. a CLI run
-- without SMTP_URL) can be sent again from the screen by the kommune's administrator or DST,
-- and every attempt is recorded.
--
-- outbox_sends holds one row per order to send an e-mail: the first, made by the receipt job
-- when it records the e-mail, and each *Send igen*, with who asked and when, the recipient and
-- the link the e-mail carried then, and its result (the SMTP attempts River made for it, the
-- last error, when it ended). At most one order of an e-mail is open (afventer) at a time, so
-- a second click while one is queued sends nothing twice.
CREATE TABLE outbox_sends (
  kommune_kode      text NOT NULL,
  id                bigint GENERATED ALWAYS AS IDENTITY,
  mail_id           bigint NOT NULL,
  requested_by      bigint,                    -- the user; NULL for the system (the receipt job)
  requested_by_email text NOT NULL,           -- the user's e-mail, or the system actor (system:kvittering)
  requested_at      timestamptz NOT NULL DEFAULT now(),
  to_name           text NOT NULL DEFAULT '',
  to_address        text NOT NULL DEFAULT '', -- '' when the kommune had no Kvitteringsmodtager
  link              text NOT NULL DEFAULT '', -- the leverance's address in the e-mail ('' before 00028)
  status            text NOT NULL DEFAULT 'afventer'
                    CHECK (status IN ('afventer', 'sendt', 'fejlet', 'gemt_lokalt')),
  attempts          integer NOT NULL DEFAULT 0 CHECK (attempts >= 0), -- SMTP attempts of this order
  last_error        text NOT NULL DEFAULT '',
  finished_at       timestamptz,
  PRIMARY KEY (kommune_kode, id),
  FOREIGN KEY (kommune_kode, mail_id) REFERENCES outbox (kommune_kode, id),
  CHECK ((status = 'afventer') = (finished_at IS NULL))
);
CREATE INDEX outbox_sends_mail_idx ON outbox_sends (kommune_kode, mail_id, id);
CREATE UNIQUE INDEX outbox_sends_open_key ON outbox_sends (kommune_kode, mail_id) WHERE status = 'afventer';

-- The e-mails recorded before: one order each, the receipt job's, with the state they have.
-- Before row-level security is on for the new table; outbox's policies bind the owner, so
-- it is read under the read-all setting.
-- +goose StatementBegin
DO $$
BEGIN
  PERFORM set_config('indberet.alle', 'read', true);
  INSERT INTO outbox_sends (kommune_kode, mail_id, requested_by_email, requested_at, to_name, to_address, status,
    attempts, last_error, finished_at)
  SELECT kommune_kode, id, 'system:kvittering', created_at, to_name, to_address, status, attempts, last_error,
    CASE WHEN status <> 'afventer' THEN coalesce(sent_at, updated_at) END
  FROM outbox ORDER BY kommune_kode, id;
  PERFORM set_config('indberet.alle', '', true);
END
$$;
-- +goose StatementEnd

-- An order is history: never deleted; only its result changes.
REVOKE DELETE, TRUNCATE ON outbox_sends FROM indberet_app;
REVOKE UPDATE ON outbox_sends FROM indberet_app;
GRANT UPDATE (status, attempts, last_error, finished_at) ON outbox_sends TO indberet_app;

-- Send igen renders the receipt again (worker.ResendReceiptTx): to the kommune's current
-- Kvitteringsmodtager, with the current BASE_URL's link and MAIL_FROM, and a Message-ID of
-- its own. The outbox row holds the e-mail as it is sent now; outbox_sends keeps to whom and
-- with which link each order went.
GRANT UPDATE (to_name, to_address, from_address, subject, body_text, body_html, message_id) ON outbox TO indberet_app;

-- Row-level security exactly as 00002 gives every kommune table (in 00018's form).
ALTER TABLE outbox_sends ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox_sends FORCE ROW LEVEL SECURITY;
-- T1: a kommune's own rows, for every command. DST orders a Send igen in the kommune's scope.
CREATE POLICY outbox_sends_kommune ON outbox_sends
  USING (kommune_kode = (SELECT current_setting('indberet.kommune', true)))
  WITH CHECK (kommune_kode = (SELECT current_setting('indberet.kommune', true)));
-- T3: DST and platform administrators read every kommune; this policy grants SELECT only.
CREATE POLICY outbox_sends_alle_read ON outbox_sends FOR SELECT
  USING ((SELECT current_setting('indberet.alle', true)) = 'read');

-- +goose Down
REVOKE UPDATE (to_name, to_address, from_address, subject, body_text, body_html, message_id) ON outbox FROM indberet_app;
DROP TABLE outbox_sends;
