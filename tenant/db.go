package tenant

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The connection pools: DB, the application's pool, whose every connection runs as AppRole
// so that row-level security applies, and the owner's for migrations (OpenOwner).

// AppRole is the database role the application runs as. Migrations create it and grant it to
// the owner; every pooled connection switches to it, so row-level security applies.
const AppRole = "indberet_app"

// ConnectTimeout is how long opening a connection may take unless the URL's connect_timeout
// says: a database that accepts connections but never answers (a hung server, a dropped
// network) fails requests with 503 instead of holding them (issue 14 #9).
const ConnectTimeout = 10 * time.Second

// DB is the application's connection pool. Every connection runs as AppRole. Only this
// package runs SQL on it (issue 16 item 3); what other code may reach of the pool is
// DriverPool (the libraries that run their own SQL), ToolPool (tests and developer tools)
// and Stat, and TestSQLOnlyInTenant holds them to that.
type DB struct {
	pool *pgxpool.Pool
	// bulk holds a token for each batch of a download being read (parts.go): its capacity
	// (bulkSlots) is the share of the pool that downloads may take at once, the rest stays
	// for logins, sessions, lists and /readyz (issue 14 #1). nil: no limit.
	bulk chan struct{}
}

// Open connects to url (the DATABASE_URL, normally the tables' owner) and makes every
// connection of the pool run as AppRole. maxConns is the most connections the pool opens
// (DATABASE_POOL_MAX); 0 leaves it to url's pool_max_conns or pgx's default, max(4, CPUs).
func Open(ctx context.Context, url string, maxConns int) (*DB, error) {
	pool, err := connect(ctx, url, maxConns, func(ctx context.Context, conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, "SET ROLE "+AppRole)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &DB{pool: pool, bulk: make(chan struct{}, bulkSlots(pool.Config().MaxConns))}, nil
}

// bulkSlots is how many connections of a pool of maxConns downloads may take at once: a
// quarter, at least one. A batch holds its connection a few milliseconds (a MiB read), so
// one slot already reads hundreds of MB a second.
func bulkSlots(maxConns int32) int { return max(1, int(maxConns)/4) }

// acquireBulk waits for a bulk slot (or ctx); release gives it back.
func (db *DB) acquireBulk(ctx context.Context) (release func(), err error) {
	if db.bulk == nil {
		return func() {}, nil
	}
	select {
	case db.bulk <- struct{}{}:
		return func() { <-db.bulk }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for a download slot: %w", ctx.Err())
	}
}

// OpenOwner connects to url as the tables' owner, without switching role: for `indberet
// migrate` (schema.Prepare: the migrations, the code lists, the role policies), the
// developer tools and tests. Its pool has no download limit.
func OpenOwner(ctx context.Context, url string) (*DB, error) {
	pool, err := connect(ctx, url, 0, nil)
	if err != nil {
		return nil, err
	}
	return &DB{pool: pool}, nil
}

// connect opens a pool on url of at most maxConns connections (0: url's or pgx's default),
// running afterConnect (if any) on each new connection, and checks that the database answers.
func connect(ctx context.Context, url string, maxConns int, afterConnect func(context.Context, *pgx.Conn) error) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = int32(min(maxConns, math.MaxInt32))
	}
	if cfg.ConnConfig.ConnectTimeout == 0 { // url's connect_timeout, if any, wins
		cfg.ConnConfig.ConnectTimeout = ConnectTimeout
	}
	cfg.AfterConnect = afterConnect
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	return pool, nil
}

// Close closes the pool.
func (db *DB) Close() { db.pool.Close() }

// Ping tells whether the database answers (for /readyz).
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// Stat returns the pool's statistics (for /metrics, and its MaxConns for sizing the workers).
func (db *DB) Stat() *pgxpool.Stat { return db.pool.Stat() }

// DriverPool is the pool for the libraries that run their own SQL on it, and for nothing
// else: River's driver (worker.NewClient), Casbin's pgx adapter (access.NewEnforcer), and
// goose and River's migrator (migrations.Up, called by schema.Prepare on the owner's DB).
// TestSQLOnlyInTenant (sqlplace_test.go) allows its call in those three places only.
func (db *DB) DriverPool() *pgxpool.Pool { return db.pool }

// ToolPool is the pool for code that is not the product and sets up or inspects data with
// SQL of its own: tests (_test.go files and tenant/tenanttest) and the developer tools of
// tenant/generate (the test-data generator and the benchmark). TestSQLOnlyInTenant refuses
// it anywhere else.
func (db *DB) ToolPool() *pgxpool.Pool { return db.pool }
