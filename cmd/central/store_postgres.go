package main

import (
	"cmp"
	"context"

	"mensakiosk/central/server/kv"
	"mensakiosk/central/server/kv/kvpg"
	"mensakiosk/internal/pgstore"
)

// openPostgres opens the default Comune's key space of the PostgreSQL
// database dsn (kvpg), its schema migrated, as a kv.DB whose Close closes
// the connections. The pool's size is the DSN's pool_max_conns, else
// pgxpool's default.
func openPostgres(ctx context.Context, dsn, comune string) (kv.DB, error) {
	// A service of many Comuni: each its tenant (comuni_config.go).
	return pgstore.OpenTenant(ctx, dsn, cmp.Or(comune, pgstore.DefaultTenant), kvpg.Options{})
}
