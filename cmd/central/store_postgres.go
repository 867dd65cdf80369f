package main

import (
	"context"
	"errors"

	"mensakiosk/central/server/kv"
)

// openPostgres opens the default Comune's key space of the PostgreSQL
// database dsn (central/server/kv/kvpg), its schema migrated, as a kv.DB
// whose Close closes the connections.
func openPostgres(ctx context.Context, dsn string) (kv.DB, error) {
	_, _ = ctx, dsn
	return nil, errors.New("this build has no PostgreSQL store (kvpg) yet")
}
