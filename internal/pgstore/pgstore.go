// Package pgstore opens one Comune's key space of a PostgreSQL database
// (central/server/kv/kvpg) as a kv.DB that owns its connections: what a
// server of one Comune opens (cmd/central's "store": {"postgres": …}, and
// the tests that run the server on PostgreSQL). Closing it closes the
// tenant's DB, then the pool.
package pgstore

import (
	"context"
	"errors"
	"fmt"

	"mensakiosk/central/server/kv"
	"mensakiosk/central/server/kv/kvpg"
)

// DefaultTenant is the tenant of the one Comune of a service that names
// none.
const DefaultTenant = "default"

// OpenTenant connects to dsn (its schema migrated, a newer one refused),
// records tenant if it is new and returns its key space.
func OpenTenant(ctx context.Context, dsn, tenant string, opts kvpg.Options) (kv.DB, error) {
	st, err := kvpg.Open(ctx, dsn, opts)
	if err != nil {
		return nil, err
	}
	if err := st.CreateTenant(ctx, tenant); err != nil {
		st.Close()
		return nil, fmt.Errorf("tenant %q: %w", tenant, err)
	}
	return &owned{DB: st.Tenant(tenant), st: st}, nil
}

// owned is a tenant's DB that closes its store with it.
type owned struct {
	*kvpg.DB
	st *kvpg.Store
}

func (o *owned) Close() error { return errors.Join(o.DB.Close(), o.st.Close()) }

// Migrate applies the schema to the database dsn and closes it: a
// template for tests' databases (pgtest.Template), so that each copy opens
// without migrating.
func Migrate(ctx context.Context, dsn string) error {
	st, err := kvpg.Open(ctx, dsn, kvpg.Options{MaxConns: 1})
	if err != nil {
		return err
	}
	return errors.Join(st.CreateTenant(ctx, DefaultTenant), st.Close())
}
