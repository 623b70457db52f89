-- +goose Up
-- An export's number of CPR numbers, kept beside the list of them. The list of exports and
-- each export's page showed cardinality(cprs), which reads and decompresses the whole list:
-- some 1.6 MB for an export of København's 150,000 CPR numbers, on every row of /eksporter
-- and every poll of the progress page. The list stays: a download's CPR access record names
-- its numbers.
ALTER TABLE eksporter ADD COLUMN antal_cpr integer GENERATED ALWAYS AS (cardinality(cprs)) STORED;

-- +goose Down
ALTER TABLE eksporter DROP COLUMN antal_cpr;
