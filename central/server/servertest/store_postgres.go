package servertest

import (
	"context"
	"errors"

	"mensakiosk/central/server/kv"
)

// openPostgres opens the default Comune of the PostgreSQL database dsn
// (kvpg), as a kv.DB whose Close closes the connections.
func openPostgres(ctx context.Context, dsn string) (kv.DB, error) {
	_, _ = ctx, dsn
	return nil, errors.New("this build has no PostgreSQL store (kvpg) yet")
}
