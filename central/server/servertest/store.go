package servertest

import (
	"context"
	"os"
	"time"

	"mensakiosk/central/server"
	"mensakiosk/internal/pgstore"
	"mensakiosk/internal/pgtest"
)

// StoreEnv chooses the store Start opens: with MENSAKIOSK_TEST_STORE=postgres
// the default Comune of a fresh PostgreSQL database (internal/pgtest: the
// test binary's TestMain calls pgtest.Main), the same database again at
// Reopen; otherwise bbolt's file in Dir.
const StoreEnv = "MENSAKIOSK_TEST_STORE"

// OnPostgres tells whether the tests run on PostgreSQL (StoreEnv).
func OnPostgres() bool { return os.Getenv(StoreEnv) == "postgres" }

// openStore opens the server on the tests' store.
func (s *Server) openStore() (*server.Server, error) {
	if !OnPostgres() {
		return server.Open(s.Dir, s.opts)
	}
	if s.dsn == "" {
		s.dsn = pgtest.NewDBFrom(s.t, pgtest.Template(s.t, "kv", pgstore.Migrate))
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := openPostgres(ctx, s.dsn) // store_postgres.go
	if err != nil {
		return nil, err
	}
	srv, err := server.OpenStore(db, s.Dir, s.opts)
	if err != nil {
		db.Close()
	}
	return srv, err
}
