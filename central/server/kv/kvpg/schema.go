package kvpg

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations are the schema's steps, in order; the schema's version is how
// many have been applied. A step is never changed once released: a change
// is a new step.
var migrations = [][]string{
	// 1: tenants and the key-value rows, one partition per tenant
	// (CreateTenant makes it: kv_<id>).
	{
		`CREATE TABLE tenants (
			id bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
			code text COLLATE "C" PRIMARY KEY,
			created timestamptz NOT NULL DEFAULT now()
		)`,
		`CREATE TABLE kv (
			tenant text COLLATE "C" NOT NULL,
			bucket bytea NOT NULL,
			key bytea NOT NULL,
			value bytea,
			PRIMARY KEY (tenant, bucket, key)
		) PARTITION BY LIST (tenant)`,
		`COMMENT ON COLUMN kv.bucket IS 'the path of nested bucket names: each name with 0x00 written 0x00 0xff, ended by 0x00 0x01'`,
		`COMMENT ON COLUMN kv.value IS 'NULL: the key is a nested bucket'`,
		`CREATE INDEX kv_buckets ON kv (tenant, bucket, key) WHERE value IS NULL`,
	},
}

// SchemaVersion is the version of the schema this program writes.
var SchemaVersion = len(migrations)

// migrateLock is the advisory lock key under which the schema is applied
// (the bytes of "kvpg mig").
const migrateLock int64 = 0x6b7670676d6967

// migrate brings the database's schema to SchemaVersion.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT version FROM schema_version`)
		if err != nil {
			return err
		}
		versions, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			return err
		}
		var version int
		switch len(versions) {
		case 0:
			if _, err := tx.Exec(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
				return err
			}
		case 1:
			version = int(versions[0])
		default:
			return fmt.Errorf("schema_version has %d rows, want 1", len(versions))
		}
		if version > SchemaVersion {
			return fmt.Errorf("%w (database %d, program %d)", ErrSchemaTooNew, version, SchemaVersion)
		}
		for v := version; v < SchemaVersion; v++ {
			for _, q := range migrations[v] {
				if _, err := tx.Exec(ctx, q); err != nil {
					return fmt.Errorf("migration %d: %w", v+1, err)
				}
			}
		}
		_, err = tx.Exec(ctx, `UPDATE schema_version SET version = $1`, SchemaVersion)
		return err
	})
	if err != nil && !errors.Is(err, ErrSchemaTooNew) {
		return fmt.Errorf("kvpg: schema: %w", err)
	}
	return err
}
