package tenant

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// AppRole is the database role the application runs as. Migrations create it and grant it to
// the owner; every pooled connection switches to it, so row-level security applies.
const AppRole = "indberet_app"

// DB is the application's connection pool. Every connection runs as AppRole.
type DB struct {
	Pool *pgxpool.Pool
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
	return &DB{Pool: pool}, nil
}

// OpenOwner connects to url without switching role: for migrations and code-list loading only.
func OpenOwner(ctx context.Context, url string) (*pgxpool.Pool, error) {
	return connect(ctx, url, 0, nil)
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
func (db *DB) Close() { db.Pool.Close() }

// Ping tells whether the database answers (for /readyz).
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }
