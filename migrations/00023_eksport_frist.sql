-- +goose Up
-- Issue 14 #8: an export whose worker died (killed, its machine lost) stayed 'i-gang' until
-- River's rescuer ran it again, and its page could not tell it from one that runs. Each
-- attempt now stores its deadline, after which River has cancelled it if it still ran: an
-- export 'i-gang' past its frist_at has stalled, and River's rescuer runs it again unless it
-- was the job's last attempt (sidste_forsoeg).
ALTER TABLE eksporter
  ADD COLUMN frist_at timestamptz,
  ADD COLUMN sidste_forsoeg boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE eksporter DROP COLUMN frist_at, DROP COLUMN sidste_forsoeg;
