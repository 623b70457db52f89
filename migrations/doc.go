// Package migrations holds the database schema as numbered goose SQL files, embedded in the
// binary, and Up, which applies them and River's own migrations. Never change a migration
// that has been applied anywhere; add a new file.
//
// schema.sql is the whole schema after every migration (pg_dump of a fresh migrate), for
// reading it in one place; a migration comes with the schema.sql it changes: `make schema`
// rewrites it, and TestSchemaSQL (run by `make test` and `make verify`) fails until it is
// equal to a fresh migrate.
//
// A new kommune table (one kommune's data, T1) has kommune_kode (text) first in its primary
// key and gets its row-level security from one call right after its CREATE TABLE:
//
//	CREATE TABLE t (kommune_kode text NOT NULL, id bigint GENERATED ALWAYS AS IDENTITY, …,
//	  PRIMARY KEY (kommune_kode, id));
//	SELECT enable_kommune_rls('t');
//
// enable_kommune_rls (00030) enables and forces row-level security and creates the policies
// every kommune table has, in the form of 00018: t_kommune (a kommune's own rows, for every
// command) and t_alle_read (every kommune, SELECT only, for DST and platform administrators).
// It revokes TRUNCATE (which row-level security does not cover) and widens no grant; what is
// particular to the table (narrower grants, another policy) follows the call. Do not copy the
// policy block of an older migration. tenant's TestEveryKommuneTableHasRLS fails until the
// new table is in its list.
package migrations
