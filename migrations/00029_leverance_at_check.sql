-- +goose Up
-- An ordinary month's delivery reads only what may have changed since the last (issue 15:
-- all 98 kommuner in 10 s, where reading every kommune's 3.2 million ydelser to compare their
-- hashes took 50). A sag or ydelse row may hold something DST does not have while its version
-- (counted up by every write) is not its indberettet_version, which the delivery sets on the
-- rows it delivered (MarkIndberettet) and on those it read and found unchanged or never to
-- be delivered (MarkUnchanged). These partial indexes hold just those rows: all of them
-- before a kommune's first delivery, about the month's changes after it.
CREATE INDEX sager_at_check_idx ON sager (kommune_kode, id) WHERE indberettet_version IS DISTINCT FROM version;
CREATE INDEX ydelser_at_check_idx ON ydelser (kommune_kode, sag_id) WHERE indberettet_version IS DISTINCT FROM version;

-- +goose Down
DROP INDEX ydelser_at_check_idx;
DROP INDEX sager_at_check_idx;
