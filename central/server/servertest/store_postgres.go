package servertest

import (
	"context"

	"mensakiosk/central/server/kv"
	"mensakiosk/central/server/kv/kvpg"
	"mensakiosk/internal/pgstore"
)

// openPostgres opens the default Comune of the PostgreSQL database dsn,
// as a kv.DB whose Close closes the connections.
func openPostgres(ctx context.Context, dsn string) (kv.DB, error) {
	return pgstore.OpenTenant(ctx, dsn, pgstore.DefaultTenant, kvpg.Options{})
}
