// Package tenant is the kommune's data space: the connection pool that runs as the app's
// database role, the one helper (DB.InScope) through which every request and job reads and
// writes kommune data in a transaction scoped to one kommune for row-level security, and the
// stores of the kommune tables, one file per table.
//
// Files: db.go (pool, role), scope.go (Scope, Actor, InScope), audit.go and cpraccess.go
// (the two logs), kommuner.go, kontaktpersoner.go, sager.go, ydelser.go; unavailable.go
// tells a database out of reach from other errors.
package tenant
