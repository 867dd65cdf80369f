package main

import (
	"context"
	"errors"

	"mensakiosk/central/server"
)

// openPostgresServer opens a reference server on the PostgreSQL database
// dsn (its default Comune), with dir for what is never in the store.
func openPostgresServer(ctx context.Context, dsn, dir string, opts server.Options) (*server.Server, error) {
	return nil, errors.New("loadgen: the PostgreSQL store is not in this build yet")
}

// pgRetries is how many Updates ran again after a serialization conflict.
func pgRetries() int64 { return 0 }
