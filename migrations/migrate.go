package migrations

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// The numbered migrations only: schema.sql is a snapshot for reading, not a migration.
//
//go:embed [0-9]*.sql
var files embed.FS

// Up applies every pending migration of the app, then River's. It runs as the owner of the
// tables (the DATABASE_URL user, not the app role). Running it again is a no-op.
func Up(ctx context.Context, pool *pgxpool.Pool) (applied int, err error) {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, db, files)
	if err != nil {
		return 0, fmt.Errorf("goose provider: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("apply migrations: %w", err)
	}
	applied = len(results)

	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return applied, fmt.Errorf("river migrator: %w", err)
	}
	res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return applied, fmt.Errorf("river migrations: %w", err)
	}
	return applied + len(res.Versions), nil
}

// Fingerprint is a hash of the migration files: tests key their template database on it,
// so a changed migration gives a fresh template.
func Fingerprint() string {
	h := sha256.New()
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		b, _ := files.ReadFile(e.Name())
		fmt.Fprintf(h, "%s %d\n", e.Name(), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
