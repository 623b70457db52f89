-- +goose Up
-- S8, S9: the lists of Egne IDEP count and page the kommune's own sager (kilde 'egne') by CPR
-- number, with or without a prefix. This partial index holds what those counts read besides
-- the CPR number: Antal ydelser (the count of *Sager og ydelser*) and the latest Slutdato (the
-- status filters of S6). The counts become index-only scans instead of a heap visit per sag:
-- a 3-digit CPR search in København at scale 25 (make bench) counts about 3,700 sager in
-- 1.9 ms instead of 7 ms.
CREATE INDEX sager_egne_cpr_idx ON sager (kommune_kode, cpr) INCLUDE (antal_ydelser, slutdato_max)
  WHERE kilde = 'egne';

-- +goose Down
DROP INDEX sager_egne_cpr_idx;
