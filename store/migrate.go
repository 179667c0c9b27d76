package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// migrationFS holds the numbered schema migrations, NNNN_name.sql.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered schema step.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order. The numbers must
// run 1, 2, 3… without gaps; a violation is a build defect, so it panics.
func migrations() []migration {
	entries, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		panic(err)
	}
	var out []migration
	for _, e := range entries {
		base := strings.TrimPrefix(e, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			panic("store: bad migration name " + base)
		}
		body, err := migrationFS.ReadFile(e)
		if err != nil {
			panic(err)
		}
		out = append(out, migration{version: v, name: base, sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			panic("store: migrations are not numbered 1, 2, 3…")
		}
	}
	return out
}

// latestSchema is the schema version this build writes: the number of
// the last migration.
var latestSchema = len(migrations())

// schemaVersion returns the version of the database, 0 for an empty one.
func schemaVersion(ctx context.Context, q querier) (int, error) {
	var n int
	err := q.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'`).Scan(&n)
	if err != nil || n == 0 {
		return 0, err
	}
	var v int
	if err := q.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: reading schema version: %w", err)
	}
	return v, nil
}

// migrate applies every migration newer than the database, each in its own
// transaction together with the new version number, so a crash leaves the
// database at one version or the next, never between.
func (s *Store) migrate(ctx context.Context) error {
	cur, err := schemaVersion(ctx, s.db)
	if err != nil {
		return err
	}
	if cur > latestSchema {
		return ErrSchemaTooNew
	}
	for _, m := range migrations()[cur:] {
		err := s.write(ctx, func(tx querier) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("store: migration %s: %w", m.name, err)
			}
			if step := migrationSteps[m.version]; step != nil {
				if err := step(ctx, s, tx); err != nil {
					return fmt.Errorf("store: migration %s: %w", m.name, err)
				}
			}
			return setSchemaVersion(ctx, tx, m.version)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// setSchemaVersion records v as the database's schema version.
func setSchemaVersion(ctx context.Context, q querier, v int) error {
	for _, stmt := range []string{
		`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`,
		`DELETE FROM schema_version`,
	} {
		if _, err := q.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("store: schema version: %w", err)
		}
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, v); err != nil {
		return fmt.Errorf("store: schema version: %w", err)
	}
	return nil
}
