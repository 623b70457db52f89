// Package tenant is the kommune's data space and the only package that runs SQL (issue 16
// item 3): the connection pool that runs as the app's database role, the one helper
// (DB.InScope) through which every request and job reads and writes kommune data in a
// transaction scoped to one kommune for row-level security, and the stores of the tables,
// one file per table or group of tables.
//
// Files: db.go (pool, role), scope.go (Scope, Actor, InScope), audit.go and cpraccess.go
// (the two logs), kommuner.go, kontaktpersoner.go, sager.go, ydelser.go; unavailable.go
// tells a database out of reach from other errors. Tables without kommune data, whose rules
// live in other packages: users.go and loginfailures.go (package accounts), sessions.go
// (package websession), casbinrule.go (package access), koder.go (package codes),
// riverstate.go (River's own tables, for the Driftsstatus and /metrics).
//
// Outside this package nothing runs SQL, and the pool and the transactions are reached only
// by name: DB.DriverPool for the libraries that run their own SQL (River, Casbin's adapter,
// the migrations), Tx.RiverTx as the transaction argument of River's calls, so that a job is
// enqueued in the transaction of its data, and DB.ToolPool and Tx.ToolTx for tests and
// developer tools. TestSQLOnlyInTenant (sqlplace_test.go) holds every file to that.
package tenant
